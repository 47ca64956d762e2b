#include "oci/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int oci_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int oci_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

char *oci_read_file(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, n = 0;
	char *buf;

	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	while (buf) {
		ssize_t r;

		if (n + 1 >= cap) {
			char *nb = cap >= max ? NULL : realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				buf = NULL;
				errno = EFBIG;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			buf = NULL;
			break;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (buf) {
		buf[n] = '\0';
		if (len)
			*len = n;
	}
	return buf;
}

int oci_write_pid_file(const char *path, pid_t pid)
{
	char tmp[PATH_MAX], s[32];
	int fd;

	if (oci_fmt(tmp, sizeof(tmp), "%s.tmp", path))
		return -1;
	snprintf(s, sizeof(s), "%d", (int)pid);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (oci_write_all(fd, s, strlen(s)) || close(fd) || rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

int oci_mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];

	if (oci_fmt(buf, sizeof(buf), "%s", path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, mode) && errno != EEXIST ? -1 : 0;
}

/* `path` made absolute without touching the filesystem: "//" and "."
 * dropped, ".." taking the previous component away. */
void oci_clean_path(const char *path, char *out, size_t len)
{
	size_t n = 0;

	for (const char *p = path; *p;) {
		size_t l = strcspn(p, "/");

		if (l == 2 && !strncmp(p, "..", 2)) {
			while (n > 0 && out[--n] != '/')
				;
		} else if (l && !(l == 1 && *p == '.') && n + l + 2 < len) {
			out[n++] = '/';
			memcpy(out + n, p, l);
			n += l;
		}
		p += l;
		p += *p == '/';
	}
	if (!n)
		out[n++] = '/';
	out[n] = '\0';
}
