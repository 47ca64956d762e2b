/* Turning the runtime process into the container's process: limits,
 * identity, capabilities, seccomp and the final execve.  Used by the
 * container's init and by `exec`; all of it runs after pivot_root / setns.
 * Order: oci_proc_rlimits, oci_proc_find_exec, oci_seccomp_build (errors
 * still reach `create`), then oci_proc_finish just before execve. */
#ifndef GAMUT_OCI_PROCESS_H
#define GAMUT_OCI_PROCESS_H

#include <limits.h>
#include <stdbool.h>

#include "core/err.h"
#include "oci/config.h"

int oci_proc_rlimits(const struct oci_process *p, struct gerr *err);
/* Resolves args[0] through PATH from the process environment into out;
 * the error text matches runc's, which podman maps to exit code 127. */
int oci_proc_find_exec(const struct oci_process *p, char *out, size_t len,
		       struct gerr *err);

/* A compiled seccomp filter (libseccomp context), or NULL for none. */
int oci_seccomp_build(const struct oci_seccomp *sc, bool no_new_privs,
		      void **out, struct gerr *err);
int oci_seccomp_load(void *filter, struct gerr *err);
void oci_seccomp_release(void *filter);

/* Groups, uid/gid, capabilities, no_new_privs and the seccomp filter (loaded
 * while still privileged when no_new_privs is off, as the kernel demands),
 * then cwd and umask.  Leaves fds 0..2+preserve_fds open across exec. */
int oci_proc_finish(const struct oci_process *p, void *seccomp,
		    bool in_userns, int preserve_fds, struct gerr *err);
/* execve with the process environment; returns only on failure. */
int oci_proc_exec(const struct oci_process *p, const char *path,
		  struct gerr *err);

#endif
