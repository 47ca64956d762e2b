/* The runtime runs from a sealed in-memory copy of its own binary whenever
 * it puts a process into a container (create, run, exec).
 *
 * Why: a process in the container can reach the runtime's binary through
 * /proc/self/exe while it is still the runtime (an entrypoint whose
 * interpreter is "#!/proc/self/exe" makes the kernel execute the runtime's
 * file with the image's libraries), keep an fd of it and rewrite the file
 * once the runtime has exited; the next host invocation then runs the
 * image's code (the CVE-2019-5736 class).  From a memfd sealed against
 * writing, shrinking and growing (memfd_create(2), fcntl(2) F_ADD_SEALS)
 * /proc/self/exe names the copy, and the copy cannot be changed. */
#ifndef GAMUT_OCI_SEALED_EXE_H
#define GAMUT_OCI_SEALED_EXE_H

#include <stdbool.h>

#include "core/err.h"

/* True when the running binary is a memfd with every write seal set. */
bool oci_exe_is_sealed(void);

/* Returns 0 at once when oci_exe_is_sealed(); otherwise copies
 * /proc/self/exe into a sealed memfd and re-executes it with the same
 * argv and environment, so it returns only on failure (-1 and err set,
 * nothing changed).  Call it first thing in a command that will create a
 * container process: it must run before any side effect, since the
 * command starts over in the copy. */
int oci_exe_ensure_sealed(char *const argv[], struct gerr *err);

#endif
