/* The container's terminal: a pty opened inside the container (its devpts),
 * whose master is handed to the caller over --console-socket with
 * SCM_RIGHTS, as runc, crun and conmon do. */
#ifndef GAMUT_OCI_CONSOLE_H
#define GAMUT_OCI_CONSOLE_H

#include "core/err.h"

/* Connects to the AF_UNIX socket at path; returns the fd or -1. */
int oci_console_connect(const char *path, struct gerr *err);
/* Opens a pty, sends its master on sock, and makes the slave this process's
 * controlling terminal and stdio (call after setsid is possible: not a
 * process-group leader, or already one). */
int oci_console_setup(int sock, unsigned height, unsigned width,
		      struct gerr *err);
/* Sends fd over sock with SCM_RIGHTS; `name` travels as the payload. */
int oci_console_send_fd(int sock, int fd, const char *name, struct gerr *err);
/* Receives one fd (used by tests and by the front end). */
int oci_console_recv_fd(int sock, struct gerr *err);

#endif
