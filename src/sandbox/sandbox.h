/* The VMM's sandbox: a seccomp allow-list per thread and the dropping of
 * privileges once the VM is built (docs/sandbox.md).
 *
 * The guest controls the data that the software CPU, its block compiler and
 * every device model read, so after setup each gamut thread may make only
 * the system calls its role needs, and the process holds no capability.
 *
 * Order, as `gamut run` calls it (src/cli/cmd_run.c):
 *
 *   sandbox_configure()       before vm_create(), before any thread exists:
 *                             records the policy, resolves --user, empties
 *                             the capability bounding set (inherited by
 *                             every thread created later)
 *   vm_create(), gdb_stub_start()
 *                             opens every file, socket, TAP and /dev/kvm;
 *                             threads started here (the virtio-blk I/O
 *                             thread, the gdb stub) park in sandbox_enter()
 *   sandbox_lockdown()        on the main thread after all setup and before
 *                             vm_run(): switches to --user (every thread,
 *                             through glibc's set*id broadcast), empties this
 *                             thread's capabilities, sets no_new_privs, and
 *                             lets the parked threads go on
 *     or sandbox_cancel()     instead, when setup failed: parked threads go
 *                             on unsandboxed, only to be joined
 *   sandbox_enter(role)       by each thread itself, after its own setup and
 *                             before it touches guest-controlled data: empties
 *                             the calling thread's capabilities (they are per
 *                             thread) and loads its role's filter (no TSYNC:
 *                             every thread keeps its own list)
 *
 * Without sandbox_configure() (unit tests, tools) sandbox_enter() does
 * nothing, so library code may call it unconditionally. */
#ifndef GAMUT_SANDBOX_SANDBOX_H
#define GAMUT_SANDBOX_SANDBOX_H

#include <stdbool.h>
#include <sys/types.h>

#include "core/err.h"

/* Who a thread is; each role has its own allow-list (sandbox/seccomp.c). */
enum sandbox_role {
	SANDBOX_VCPU,	/* runs guest code: backend vcpu_run, device models on exits */
	SANDBOX_IO,	/* a device's I/O worker (virtio-blk) */
	SANDBOX_EVLOOP, /* the main thread: event loop, then teardown and exit */
	SANDBOX_GDB,	/* the GDB remote stub */
	SANDBOX_NR_ROLES,
};

/* --seccomp: kill (the default) traps a forbidden call and ends gamut with
 * SANDBOX_EXIT_STATUS; log lets it through and the kernel logs it (audit);
 * off installs no filter. */
enum sandbox_seccomp { SANDBOX_SECCOMP_KILL, SANDBOX_SECCOMP_LOG, SANDBOX_SECCOMP_OFF };

/* gamut's exit status after a forbidden system call: 128 + SIGSYS, what a
 * shell reports for a process killed by SIGSYS. */
#define SANDBOX_EXIT_STATUS 159

struct sandbox_policy {
	enum sandbox_seccomp seccomp;
	const char *user; /* --user U[:G], or NULL: stay who we are */
	/* A --net user NIC: libslirp forwards the guest's DNS queries to the
	 * host's resolver, which it reads from /etc/resolv.conf when a query
	 * comes (and stats at most once a second), so the device threads may
	 * open files read-only and stat them.  Seccomp cannot match a path. */
	bool host_dns;
};

/* Parses --seccomp's argument (kill, log, off). */
int sandbox_parse_seccomp(const char *arg, enum sandbox_seccomp *out,
			  struct gerr *err);

int sandbox_configure(const struct sandbox_policy *p, struct gerr *err);
int sandbox_lockdown(struct gerr *err);
void sandbox_cancel(void);
int sandbox_enter(enum sandbox_role role, struct gerr *err);

const char *sandbox_role_name(enum sandbox_role role);

/* The test-only hook (docs/testing.md): true when GAMUT_TEST_SECCOMP_HOOK=1
 * was in the environment at sandbox_configure().  A device model that sees
 * it makes a system call no role allows, to prove the filter kills. */
bool sandbox_test_hook(void);

#endif
