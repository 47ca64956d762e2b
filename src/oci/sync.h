/* Messages between the runtime (parent) and the container's init (child)
 * over a SOCK_SEQPACKET pair, one datagram per message:
 *   parent -> child  GO (state JSON)        ids mapped, cgroup joined
 *   child -> parent  HOOKS                  mounts done: run createRuntime
 *   parent -> child  HOOKS_DONE
 *   child -> parent  READY                  waiting on exec.fifo
 *   child -> parent  ERROR (message)        setup failed; child exits */
#ifndef GAMUT_OCI_SYNC_H
#define GAMUT_OCI_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum oci_sync_type { OCI_SYNC_GO = 1, OCI_SYNC_HOOKS, OCI_SYNC_HOOKS_DONE,
		     OCI_SYNC_READY, OCI_SYNC_ERROR };

#define OCI_SYNC_TEXT_MAX (64 * 1024)

struct oci_sync_msg {
	uint32_t type;
	char text[OCI_SYNC_TEXT_MAX];
};

int oci_sync_send(int fd, enum oci_sync_type type, const char *text);
/* Receives one message; returns -1 with err set on EOF ("peer exited"). */
int oci_sync_recv(int fd, struct oci_sync_msg *m, struct gerr *err);
/* Receives and requires `want`; an ERROR message becomes err. */
int oci_sync_expect(int fd, enum oci_sync_type want, struct oci_sync_msg *m,
		    struct gerr *err);

#endif
