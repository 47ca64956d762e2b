#include "oci/sync.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int oci_sync_send(int fd, enum oci_sync_type type, const char *text)
{
	static struct oci_sync_msg m;
	size_t n = text ? strnlen(text, OCI_SYNC_TEXT_MAX - 1) : 0;

	m.type = type;
	memcpy(m.text, text ? text : "", n);
	m.text[n] = '\0';
	return send(fd, &m, sizeof(m.type) + n + 1, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

int oci_sync_recv(int fd, struct oci_sync_msg *m, struct gerr *err)
{
	ssize_t n;

	do
		n = recv(fd, m, sizeof(*m), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return gerr_errno(err, errno, "sync with container init");
	if (n < (ssize_t)sizeof(m->type) + 1)
		return gerr_set(err, "container init exited during setup");
	m->text[(size_t)n - sizeof(m->type) - 1] = '\0';
	return 0;
}

int oci_sync_expect(int fd, enum oci_sync_type want, struct oci_sync_msg *m,
		    struct gerr *err)
{
	if (oci_sync_recv(fd, m, err))
		return -1;
	if (m->type == OCI_SYNC_ERROR)
		return gerr_set(err, "%s", m->text);
	if (m->type != want)
		return gerr_set(err, "sync: unexpected message %u (wanted %u)",
				m->type, want);
	return 0;
}
