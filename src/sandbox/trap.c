/* The SIGSYS handler behind --seccomp=kill.
 *
 * The filters trap (SECCOMP_RET_TRAP) instead of killing outright because
 * a kill leaves nothing but "Bad system call" from a shell, and the person
 * who meets it needs to know which call and which thread.  The kernel
 * delivers SIGSYS to the offending thread with the system call's number in
 * siginfo (seccomp(2)); the handler writes one line and ends the process.
 *
 * Everything the handler touches must be async-signal-safe and allowed by
 * every role's list (write, exit_group), so the names are resolved with
 * libseccomp into a static table up front: its resolver allocates. */
#include "sandbox/sandbox_int.h"

#include <errno.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NAME_TABLE_SIZE 512 /* above every x86-64 system call number today */
#define NAME_MAX_LEN 32

static char names[NAME_TABLE_SIZE][NAME_MAX_LEN];
static uint32_t native_arch;
static _Thread_local int thread_role = -1;

void trap_set_role(enum sandbox_role role)
{
	thread_role = (int)role;
}

/* Appends s to buf at *pos (bounded). */
static void put_str(char *buf, size_t cap, size_t *pos, const char *s)
{
	while (*s && *pos < cap)
		buf[(*pos)++] = *s++;
}

static void put_uint(char *buf, size_t cap, size_t *pos, unsigned long v)
{
	char digits[24];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n > 0 && *pos < cap)
		buf[(*pos)++] = digits[--n];
}

static void on_sigsys(int sig, siginfo_t *si, void *uctx)
{
	char line[192];
	size_t pos = 0;
	int nr = si->si_syscall;
	const char *role = thread_role >= 0
		? sandbox_role_name((enum sandbox_role)thread_role) : "unsandboxed";
	const char *name = "?";

	(void)sig;
	(void)uctx;
	if (si->si_arch == native_arch && nr >= 0 && nr < NAME_TABLE_SIZE &&
	    names[nr][0])
		name = names[nr];
	put_str(line, sizeof(line), &pos, "gamut: seccomp: ");
	put_str(line, sizeof(line), &pos, role);
	put_str(line, sizeof(line), &pos, " thread made a forbidden system call ");
	put_str(line, sizeof(line), &pos, name);
	put_str(line, sizeof(line), &pos, " (nr ");
	put_uint(line, sizeof(line), &pos, (unsigned long)(unsigned)nr);
	if (si->si_arch != native_arch)
		put_str(line, sizeof(line), &pos, ", not x86-64");
	put_str(line, sizeof(line), &pos, ")\n");
	if (write(STDERR_FILENO, line, pos) < 0) {
		/* nothing left to tell it to */
	}
	_exit(SANDBOX_EXIT_STATUS);
}

int trap_install(struct gerr *err)
{
	struct sigaction sa;
	sigset_t sys;

	native_arch = seccomp_arch_native();
	for (int nr = 0; nr < NAME_TABLE_SIZE; nr++) {
		char *n = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

		if (n) {
			strncpy(names[nr], n, NAME_MAX_LEN - 1);
			free(n);
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigfillset(&sa.sa_mask); /* nothing interleaves with the last words */
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		return gerr_errno(err, errno, "sigaction(SIGSYS)");
	/* A blocked SIGSYS from a filter kills without running the handler. */
	sigemptyset(&sys);
	sigaddset(&sys, SIGSYS);
	if (pthread_sigmask(SIG_UNBLOCK, &sys, NULL) != 0)
		return gerr_set(err, "unblocking SIGSYS");
	return 0;
}
