#include "spectrum/runner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/host.h"

#define DONE_GRACE_MS 15000.0

/* Scans complete lines in buf; records timestamps of the marker lines. */
static void scan_lines(char *buf, size_t *len, double t_ms, double *t_start,
		       double *t_done, struct run_result *r, pid_t mark_pid)
{
	char *line = buf, *nl;

	while ((nl = memchr(line, '\n', (size_t)(buf + *len - line)))) {
		*nl = '\0';
		if (nl > line && nl[-1] == '\r')
			nl[-1] = '\0';
		if (*t_start < 0 && strstr(line, WORKLOAD_START)) {
			*t_start = t_ms;
			if (mark_pid > 0)
				kill(mark_pid, SIGUSR1);
		} else if (*t_start >= 0 && *t_done < 0 && strstr(line, WORKLOAD_DONE)) {
			*t_done = t_ms;
			if (mark_pid > 0)
				kill(mark_pid, SIGUSR1);
			snprintf(r->checksum, sizeof(r->checksum), "%.8s",
				 strstr(line, WORKLOAD_DONE) + strlen(WORKLOAD_DONE));
		}
		if (*line)
			snprintf(r->tail, sizeof(r->tail), "%.255s", line);
		line = nl + 1;
	}
	*len = (size_t)(buf + *len - line);
	memmove(buf, line, *len);
	if (*len == 4096) /* an endless line: keep the scanner moving */
		*len = 0;
}

int spectrum_run(char *const argv[], unsigned timeout_s, bool mark_phases,
		 struct run_result *r, struct gerr *err)
{
	int pfd[2], status = 0;
	char buf[4097];
	size_t len = 0;
	double t0, t_start = -1, t_done = -1;
	bool timed_out = false;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return gerr_errno(err, errno, "pipe");
	t0 = (double)host_now_ns() / 1e6;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return gerr_errno(err, errno, "fork");
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		dup2(devnull, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		setpgid(0, 0);
		execv(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		struct pollfd p = { pfd[0], POLLIN, 0 };
		double now = (double)host_now_ns() / 1e6;
		int left = (int)(timeout_s * 1000.0 - (now - t0));
		ssize_t n;

		/* Once the workload is done, shutdown is not what we measure:
		 * a guest that cannot power itself off is stopped after a grace. */
		if (t_done >= 0 && now - t0 - t_done > DONE_GRACE_MS) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			break;
		}
		if (left <= 0) {
			timed_out = true;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			break;
		}
		if (t_done >= 0 && left > DONE_GRACE_MS)
			left = DONE_GRACE_MS;
		if (poll(&p, 1, left) <= 0)
			continue;
		n = read(pfd[0], buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		scan_lines(buf, &len, (double)host_now_ns() / 1e6 - t0, &t_start,
			   &t_done, r, mark_phases ? pid : 0);
	}
	close(pfd[0]);
	waitpid(pid, &status, 0);
	r->total_ms = (double)host_now_ns() / 1e6 - t0;
	r->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (timed_out)
		return gerr_set(err, "timed out after %us", timeout_s);
	if (t_start < 0 || t_done < 0)
		return gerr_set(err, "exit %d without the workload's lines: %s",
				r->exit_status, r->tail[0] ? r->tail : "(no output)");
	r->to_start_ms = t_start;
	r->work_ms = t_done - t_start;
	return 0;
}
