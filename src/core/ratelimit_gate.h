/* A rate limiter a device can wait on: the two token buckets of
 * core/ratelimit.h, a lock, and a timer on the event loop.
 *
 * A device asks rl_gate_admit() before it takes a request (a disk request,
 * a frame) off its queue.  When the buckets have no room the answer is
 * false and the gate arms its timer for the moment they will; the device
 * leaves the request where it is (queue processing paused) and the gate
 * calls `resume` on the event-loop thread when the timer fires, where the
 * device processes its queue again.  Nothing waits or spins: not the vCPU
 * thread, not the event loop, not a device's I/O thread.
 *
 * Order: rl_gate_init (before vCPUs run) -> rl_gate_admit from any thread
 * -> rl_gate_destroy after the event loop has stopped.  An unlimited gate
 * (every rate 0) has no timer and admits everything without locking. */
#ifndef GAMUT_CORE_RATELIMIT_GATE_H
#define GAMUT_CORE_RATELIMIT_GATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "core/evloop.h"
#include "core/ratelimit.h"

typedef void (*rl_resume_fn)(void *opaque);

struct rl_gate {
	bool limited;
	struct rl_limiter lim;
	pthread_mutex_t lock;
	struct evloop *loop;
	int tfd;    /* -1: none (unlimited) */
	bool armed; /* a resume is due */
	rl_resume_fn resume;
	void *opaque;
	uint64_t throttled; /* requests that had to wait, for tests */
};

/* `what` names the device in messages (a disk's path, "net user"). */
int rl_gate_init(struct rl_gate *g, const struct ratelimit_config *rc,
		 struct evloop *loop, rl_resume_fn resume, void *opaque,
		 const char *what, struct gerr *err);
void rl_gate_destroy(struct rl_gate *g);
/* One operation of `bytes` bytes: true when it may go now (tokens taken);
 * false when it must wait for `resume`. */
bool rl_gate_admit(struct rl_gate *g, uint64_t bytes);

#endif
