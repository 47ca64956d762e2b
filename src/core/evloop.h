/* The event loop: one epoll set served by the main thread while vCPU
 * threads run guest code.  Device backends (TAP, slirp, disk completion,
 * console input, timers) hang their file descriptors here.
 *
 * evloop_add/evloop_del may be called from any thread; callbacks run only
 * on the thread inside evloop_run(). */
#ifndef GAMUT_CORE_EVLOOP_H
#define GAMUT_CORE_EVLOOP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

/* `events` is the EPOLL* mask that fired. */
typedef void (*evloop_fn)(void *opaque, uint32_t events);

struct evloop_entry;

struct evloop {
	int epfd;
	int wakefd; /* eventfd: evloop_quit and evloop_wake write it */
	atomic_bool quit;
	pthread_mutex_t lock;
	struct evloop_entry *entries; /* owned list, freed in destroy */
};

int evloop_init(struct evloop *l, struct gerr *err);
void evloop_destroy(struct evloop *l);
/* Watches fd for `events` (EPOLLIN, EPOLLOUT...). One entry per fd. */
int evloop_add(struct evloop *l, int fd, uint32_t events, evloop_fn fn,
	       void *opaque, struct gerr *err);
int evloop_mod(struct evloop *l, int fd, uint32_t events);
void evloop_del(struct evloop *l, int fd);
/* Runs callbacks until evloop_quit(); returns 0, or -1 if epoll fails. */
int evloop_run(struct evloop *l, struct gerr *err);
/* Thread-safe and async-signal-safe. */
void evloop_quit(struct evloop *l);

/* A periodic or one-shot timer on the loop (timerfd, CLOCK_MONOTONIC).
 * Returns the timer fd (>= 0) to pass to evloop_timer_set/evloop_del. */
int evloop_timer_add(struct evloop *l, evloop_fn fn, void *opaque,
		     struct gerr *err);
/* first_ns 0 disarms; period_ns 0 makes it one-shot. */
int evloop_timer_set(int tfd, uint64_t first_ns, uint64_t period_ns);

#endif
