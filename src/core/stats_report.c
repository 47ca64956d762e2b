#include "core/stats_report.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void stats_report_signals(bool wanted)
{
	sigset_t usr1;

	if (!wanted) {
		signal(SIGUSR1, SIG_IGN);
		return;
	}
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
}

int stats_report_open(struct stats_report *r, bool print, const char *path,
		      struct gerr *err)
{
	memset(r, 0, sizeof(*r));
	r->print = print;
	r->path = path;
	r->fd = r->sigfd = -1;
	r->start_ns = now_ns();
	if (path) {
		r->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (r->fd < 0)
			return gerr_errno(err, errno, "--stats-file %s: cannot create", path);
	}
	return 0;
}

static void write_record(struct stats_report *r, const struct stats_snap *snap,
			 bool final)
{
	char *line;
	size_t len, off = 0;

	if (r->fd < 0)
		return;
	line = stats_snap_json(snap, final);
	if (!line) {
		if (!r->write_errno)
			r->write_errno = ENOMEM;
		return;
	}
	len = strlen(line);
	while (off < len) {
		ssize_t n = write(r->fd, line + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!r->write_errno)
				r->write_errno = n < 0 ? errno : EIO;
			break;
		}
		off += (size_t)n;
	}
	free(line);
}

static void on_sigusr1(void *opaque, uint32_t events)
{
	struct stats_report *r = opaque;
	struct signalfd_siginfo si;
	struct stats_snap snap;
	bool any = false;

	(void)events;
	/* Several signals may have merged into one: one record says it all. */
	while (read(r->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		any = true;
	if (!any)
		return;
	stats_snapshot(r->stats, &snap);
	write_record(r, &snap, false);
	if (r->print)
		stats_snap_print(stderr, &snap, snap.t_ns - r->start_ns);
	stats_snap_free(&snap);
}

int stats_report_watch(struct stats_report *r, const struct stats *st,
		       struct evloop *loop, struct gerr *err)
{
	sigset_t usr1;

	r->stats = st;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	r->sigfd = signalfd(-1, &usr1, SFD_CLOEXEC | SFD_NONBLOCK);
	if (r->sigfd < 0)
		return gerr_errno(err, errno, "--stats: signalfd for SIGUSR1");
	if (evloop_add(loop, r->sigfd, EPOLLIN, on_sigusr1, r, err) < 0) {
		close(r->sigfd);
		r->sigfd = -1;
		return -1;
	}
	return 0;
}

void stats_report_end(struct stats_report *r)
{
	if (!r->stats)
		return;
	stats_snapshot(r->stats, &r->last);
	r->have_last = true;
	write_record(r, &r->last, true);
}

int stats_report_finish(struct stats_report *r, FILE *f, struct gerr *err)
{
	int ret = 0;

	if (r->have_last && r->print)
		stats_snap_print(f, &r->last, r->last.t_ns - r->start_ns);
	if (r->have_last)
		stats_snap_free(&r->last);
	r->have_last = false;
	/* The loop is gone (vm_destroy): the signalfd is only closed. */
	if (r->sigfd >= 0)
		close(r->sigfd);
	if (r->fd >= 0 && close(r->fd) < 0 && !r->write_errno)
		r->write_errno = errno;
	r->sigfd = r->fd = -1;
	if (r->write_errno)
		ret = gerr_errno(err, r->write_errno, "--stats-file %s: write", r->path);
	return ret;
}
