/* The container's first process, between clone() and execve().  It runs in
 * the new namespaces and talks to the runtime over the sync socket
 * (oci/sync.h); it never returns. */
#ifndef GAMUT_OCI_INIT_H
#define GAMUT_OCI_INIT_H

#include <stdbool.h>

#include "oci/cgroup.h"
#include "oci/config.h"

struct oci_init_args {
	const struct oci_spec *spec;
	const char *rootfs;
	const char *bundle; /* relative bind-mount sources start here */
	const char *cgroup_path;	      /* NULL: no cgroup */
	const struct oci_cgroup_mgr *cgroups; /* NULL: no cgroup */
	int sync_fd;
	int fifo_fd;	/* O_PATH to exec.fifo */
	int console_fd; /* connected --console-socket, or -1 */
	bool new_userns, new_cgroupns, no_pivot, no_new_keyring;
	int preserve_fds;
};

_Noreturn void oci_init_main(const struct oci_init_args *a);

#endif
