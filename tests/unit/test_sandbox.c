/* src/sandbox: option parsing, --user resolution, and a role's filter on a
 * real thread (in a forked child, since a filter cannot be removed): an
 * allowed call passes, a forbidden one ends the process with status 159
 * and the one-line message (docs/sandbox.md). */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../harness.h"
#include "sandbox/sandbox_int.h"

TEST(sandbox_parses_seccomp_modes)
{
	enum sandbox_seccomp m;
	struct gerr err;

	CHECK(sandbox_parse_seccomp("kill", &m, &err) == 0 && m == SANDBOX_SECCOMP_KILL);
	CHECK(sandbox_parse_seccomp("log", &m, &err) == 0 && m == SANDBOX_SECCOMP_LOG);
	CHECK(sandbox_parse_seccomp("off", &m, &err) == 0 && m == SANDBOX_SECCOMP_OFF);
	CHECK(sandbox_parse_seccomp("strict", &m, &err) < 0);
	CHECK(strstr(err.msg, "--seccomp=strict: expected kill, log or off"));
}

TEST(sandbox_resolves_users_and_refuses_minus_one)
{
	struct sandbox_id id;
	struct gerr err;

	CHECK(caps_resolve_user("0:0", &id, &err) == 0);
	CHECK(id.set && id.uid == 0 && id.gid == 0);
	CHECK(caps_resolve_user("root", &id, &err) == 0 && id.uid == 0);
	CHECK(caps_resolve_user("4294967295", &id, &err) < 0);
	CHECK(strstr(err.msg, "is not a valid id"));
	CHECK(caps_resolve_user("0:4294967295", &id, &err) < 0);
	CHECK(caps_resolve_user("no-such-user-here", &id, &err) < 0);
	CHECK(strstr(err.msg, "no user named"));
	CHECK(caps_resolve_user(":0", &id, &err) < 0);
	CHECK(caps_resolve_user("0:", &id, &err) < 0);
}

/* Forks; the child loads `role`'s filter and makes the call `forbidden`
 * selects; returns the child's exit status, its stderr in msg. */
static int run_filtered(enum sandbox_role role, bool forbidden, char *msg,
			size_t cap)
{
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe(fds) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct sandbox_policy p = { .seccomp = SANDBOX_SECCOMP_KILL };
		struct gerr err;

		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		if (trap_install(&err) < 0)
			_exit(2);
		trap_set_role(role);
		if (filter_load(role, &p, &err) < 0)
			_exit(3);
		if (forbidden)
			(void)getppid();
		else
			(void)getpid();
		_exit(0);
	}
	close(fds[1]);
	n = read(fds[0], msg, cap - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200 + WTERMSIG(status);
}

TEST(sandbox_filter_passes_allowed_and_names_forbidden_calls)
{
	char msg[256];

	CHECK_EQ(run_filtered(SANDBOX_IO, false, msg, sizeof(msg)), 0);
	CHECK_EQ(run_filtered(SANDBOX_IO, true, msg, sizeof(msg)), SANDBOX_EXIT_STATUS);
	CHECK(!strcmp(msg, "gamut: seccomp: io thread made a forbidden system call "
			   "getppid (nr 110)\n"));
	CHECK_EQ(run_filtered(SANDBOX_GDB, true, msg, sizeof(msg)), SANDBOX_EXIT_STATUS);
	CHECK(strstr(msg, "gdb thread made a forbidden system call getppid"));
}
