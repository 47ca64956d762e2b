#include "oci/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci/util.h"

const char *oci_hook_kind_name(enum oci_hook_kind k)
{
	static const char *const names[OCI_HOOK_NKINDS] = {
		"prestart", "createRuntime", "createContainer",
		"startContainer", "poststart", "poststop"
	};

	return names[k];
}

/* Waits for pid, at most timeout seconds (0: forever). */
static int wait_hook(pid_t pid, int timeout, int *status)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (pidfd >= 0 && timeout > 0) {
		struct pollfd p = { pidfd, POLLIN, 0 };
		int r;

		do
			r = poll(&p, 1, timeout * 1000);
		while (r < 0 && errno == EINTR);
		if (r == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, status, 0);
			close(pidfd);
			return -1;
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -2;
	return 0;
}

static int run_one(const struct oci_hook *h, const char *kind,
		   const char *state_json, struct gerr *err)
{
	const char *argv_default[] = { h->path, NULL };
	static char *const env_empty[] = { NULL };
	int in[2], status, r;
	pid_t pid;
	void (*old)(int);

	if (pipe2(in, O_CLOEXEC))
		return gerr_errno(err, errno, "%s hook %s: pipe", kind, h->path);
	pid = fork();
	if (pid < 0) {
		close(in[0]);
		close(in[1]);
		return gerr_errno(err, errno, "%s hook %s: fork", kind, h->path);
	}
	if (pid == 0) {
		dup2(in[0], 0);
		execve(h->path, (char *const *)(h->args ? h->args : argv_default),
		       h->env ? (char *const *)h->env : env_empty);
		fprintf(stderr, "%s hook %s: %s\n", kind, h->path, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	/* A hook need not read its stdin. */
	old = signal(SIGPIPE, SIG_IGN);
	oci_write_all(in[1], state_json, strlen(state_json));
	close(in[1]);
	signal(SIGPIPE, old);
	r = wait_hook(pid, h->has_timeout ? h->timeout : 0, &status);
	if (r == -1)
		return gerr_set(err, "%s hook %s: timed out after %d s", kind,
				h->path, h->timeout);
	if (r < 0)
		return gerr_errno(err, errno, "%s hook %s: wait", kind, h->path);
	if (WIFSIGNALED(status))
		return gerr_set(err, "%s hook %s: killed by signal %d", kind,
				h->path, WTERMSIG(status));
	if (WEXITSTATUS(status))
		return gerr_set(err, "%s hook %s: exited with status %d", kind,
				h->path, WEXITSTATUS(status));
	return 0;
}

int oci_hooks_run(const struct oci_spec *s, enum oci_hook_kind kind,
		  const char *state_json, struct gerr *err)
{
	const struct oci_hooks_list *l = &s->hooks[kind];

	for (size_t i = 0; i < l->n; i++)
		if (run_one(&l->hooks[i], oci_hook_kind_name(kind), state_json,
			    err))
			return -1;
	return 0;
}
