#include "core/evloop.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

struct evloop_entry {
	int fd;
	evloop_fn fn;
	void *opaque;
	struct evloop_entry *next;
	int dead; /* deleted while the loop may still hold a pointer */
};

int evloop_init(struct evloop *l, struct gerr *err)
{
	struct epoll_event ev = { .events = EPOLLIN };

	l->entries = NULL;
	atomic_store(&l->quit, false);
	pthread_mutex_init(&l->lock, NULL);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		return gerr_errno(err, errno, "epoll_create1");
	l->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (l->wakefd < 0) {
		close(l->epfd);
		return gerr_errno(err, errno, "eventfd");
	}
	ev.data.ptr = NULL; /* NULL marks the wake fd */
	epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->wakefd, &ev);
	return 0;
}

void evloop_destroy(struct evloop *l)
{
	struct evloop_entry *e = l->entries;

	while (e) {
		struct evloop_entry *next = e->next;

		free(e);
		e = next;
	}
	l->entries = NULL;
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->wakefd >= 0)
		close(l->wakefd);
	l->epfd = l->wakefd = -1;
	pthread_mutex_destroy(&l->lock);
}

int evloop_add(struct evloop *l, int fd, uint32_t events, evloop_fn fn,
	       void *opaque, struct gerr *err)
{
	struct evloop_entry *e = calloc(1, sizeof(*e));
	struct epoll_event ev = { .events = events };

	if (!e)
		return gerr_set(err, "event loop: out of memory");
	e->fd = fd;
	e->fn = fn;
	e->opaque = opaque;
	ev.data.ptr = e;
	pthread_mutex_lock(&l->lock);
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int saved = errno;

		pthread_mutex_unlock(&l->lock);
		free(e);
		return gerr_errno(err, saved, "event loop: watch fd %d", fd);
	}
	e->next = l->entries;
	l->entries = e;
	pthread_mutex_unlock(&l->lock);
	return 0;
}

static struct evloop_entry *find_live(struct evloop *l, int fd)
{
	for (struct evloop_entry *e = l->entries; e; e = e->next)
		if (e->fd == fd && !e->dead)
			return e;
	return NULL;
}

int evloop_mod(struct evloop *l, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events };
	int ret = -1;

	pthread_mutex_lock(&l->lock);
	ev.data.ptr = find_live(l, fd);
	if (ev.data.ptr)
		ret = epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev);
	pthread_mutex_unlock(&l->lock);
	return ret;
}

void evloop_del(struct evloop *l, int fd)
{
	struct evloop_entry *e;

	pthread_mutex_lock(&l->lock);
	e = find_live(l, fd);
	if (e) {
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
		/* Freed in destroy: an event for it may already be queued. */
		e->dead = 1;
	}
	pthread_mutex_unlock(&l->lock);
}

int evloop_run(struct evloop *l, struct gerr *err)
{
	struct epoll_event evs[32];

	while (!atomic_load(&l->quit)) {
		int n = epoll_wait(l->epfd, evs, 32, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return gerr_errno(err, errno, "epoll_wait");
		}
		for (int i = 0; i < n; i++) {
			struct evloop_entry *e = evs[i].data.ptr;

			if (!e) {
				uint64_t v;

				if (read(l->wakefd, &v, sizeof(v)) < 0 && errno != EAGAIN)
					return gerr_errno(err, errno, "event loop wake");
				continue;
			}
			if (!e->dead)
				e->fn(e->opaque, evs[i].events);
		}
	}
	return 0;
}

void evloop_quit(struct evloop *l)
{
	uint64_t one = 1;

	atomic_store(&l->quit, true);
	if (write(l->wakefd, &one, sizeof(one)) < 0) {
		/* The counter can only saturate; the quit flag is already set. */
	}
}

int evloop_timer_add(struct evloop *l, evloop_fn fn, void *opaque,
		     struct gerr *err)
{
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	if (tfd < 0)
		return gerr_errno(err, errno, "timerfd_create");
	if (evloop_add(l, tfd, EPOLLIN, fn, opaque, err) < 0) {
		close(tfd);
		return -1;
	}
	return tfd;
}

int evloop_timer_set(int tfd, uint64_t first_ns, uint64_t period_ns)
{
	struct itimerspec its = {
		.it_value = { (time_t)(first_ns / 1000000000ull),
			      (long)(first_ns % 1000000000ull) },
		.it_interval = { (time_t)(period_ns / 1000000000ull),
				 (long)(period_ns % 1000000000ull) },
	};

	return timerfd_settime(tfd, 0, &its, NULL);
}
