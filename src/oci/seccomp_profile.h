/* Container engines' seccomp profiles (the format of containers-common's
 * /usr/share/containers/seccomp.json, which podman applies by default)
 * turned into the runtime spec's linux.seccomp, for `gamut container run`.
 *
 * A profile's rules may hold only for some capabilities, architectures or
 * kernels ("includes"/"excludes" with "caps", "arches", "minKernel"): the
 * conversion keeps the rules that hold for a container with the bounding
 * capabilities given, on this machine's architecture and kernel, exactly
 * as podman does before it writes config.json.  The result is then read by
 * the ordinary config parser, which checks every name, action and
 * operator. */
#ifndef GAMUT_OCI_SECCOMP_PROFILE_H
#define GAMUT_OCI_SECCOMP_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* The default profile's path, from containers-common. */
#define OCI_SECCOMP_PROFILE_DEFAULT "/usr/share/containers/seccomp.json"

/* Converts profile text (len bytes, from `file`, for messages) for
 * bounding capability mask `caps` on architecture `arch` (Go's names:
 * "amd64", "arm64") and kernel release `kernel` ("6.1.0-9-amd64").
 * Returns malloc'd JSON text of a linux.seccomp object, or NULL with err
 * set naming the file and the bad member. */
char *oci_seccomp_profile_convert(const char *text, size_t len,
				  const char *file, uint64_t caps,
				  const char *arch, const char *kernel,
				  struct gerr *err);

/* Go's name for the architecture gamut was built for. */
const char *oci_seccomp_profile_arch(void);

#endif
