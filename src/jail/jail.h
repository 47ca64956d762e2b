/* `gamut run --jail DIR`: the VMM confined the way Firecracker's jailer
 * confines Firecracker, before the guest's first instruction.
 *
 *   - new mount, PID, IPC and UTS namespaces; a new network namespace too
 *     when the VM has no network and no gdb stub (with --net the VMM keeps
 *     the host's network, which user-mode networking and TAP need);
 *   - the root becomes DIR, a fresh tmpfs seen only inside the jail,
 *     holding just the VM's own files bind-mounted at their own absolute
 *     paths (kernel, initrd and the console file read-only, each disk as
 *     its ro/rw option says), the device nodes the VM uses (/dev/kvm for
 *     --cpu kvm, /dev/net/tun for TAP, null, zero, urandom), the DNS
 *     configuration for user-mode networking and a /proc of its own PID
 *     namespace; the host's tree is detached (pivot_root);
 *   - a cgroup of its own, gamut-jail/<pid>, with a memory limit (guest
 *     RAM plus --jail-mem-overhead, default 256 MiB) and a CPU quota
 *     (--jail-cpus, default the vCPUs plus one);
 *   - privileges are then dropped by the sandbox after the VM is set up.
 *
 * The process that calls jail_enter() stays outside as a supervisor: it
 * places the jailed process in its cgroup, forwards SIGINT, SIGTERM and
 * SIGHUP to it (as SIGKILL) and SIGUSR1 (a --stats-file record) as it is,
 * waits, removes the cgroup and returns its exit status. */
#ifndef GAMUT_JAIL_JAIL_H
#define GAMUT_JAIL_JAIL_H

#include <stdint.h>

#include "core/config.h"
#include "core/err.h"

/* Enters the jail that cfg->jail describes.  Returns 0 in the jailed
 * process, which goes on to create and run the VM (cfg's paths are then
 * the absolute paths of the same files, valid inside the jail); 1 in the
 * supervisor once the jailed process has ended, with its exit status (or
 * 128 + the signal that killed it) in *status; -1 with err set when the
 * jail cannot be made (nothing is left behind). */
int jail_enter(struct vm_config *cfg, int *status, struct gerr *err);

#endif
