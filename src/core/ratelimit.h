/* Token buckets for the rate limiters of disks and NICs (docs/devices.md,
 * "Rate limits").  Pure arithmetic on a caller's clock: nothing here reads
 * the time, sleeps or locks, so the unit tests drive it with a fake clock
 * (tests/unit/test_ratelimit.c) and ratelimit_gate.h adds the timer and
 * the lock.
 *
 * A bucket holds up to `size` tokens (the burst) and gains `size` tokens
 * every `refill_ns` nanoseconds, continuously.  It starts full.  A request
 * for n tokens takes them if the bucket has n.  A request for more than
 * the whole bucket goes through when the bucket is full (it would wait
 * forever otherwise) and leaves the rest as a debt that the refill pays
 * before the bucket fills again, so big requests keep to the rate too.
 *
 * A limiter is two buckets that must both agree: one counts operations
 * (requests, frames), one counts bytes.  A bucket of size 0 is unlimited.
 *
 * Order of calls: rl_init (or rl_limiter_init) once, then rl_consume /
 * rl_wait_ns with a clock that never goes backwards. */
#ifndef GAMUT_CORE_RATELIMIT_H
#define GAMUT_CORE_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct rl_bucket {
	uint64_t size;	    /* tokens when full; 0: unlimited */
	uint64_t refill_ns; /* time to gain `size` tokens (> 0 when limited) */
	uint64_t tokens;
	uint64_t debt;	    /* taken beyond an empty bucket; tokens is 0 */
	uint64_t last_ns;   /* time of the last refill */
	bool started;	    /* last_ns is set (the first call sets it) */
};

/* A full bucket; size 0 (or refill_ns 0) makes it unlimited. */
void rl_init(struct rl_bucket *b, uint64_t size, uint64_t refill_ns);
/* The bucket for `rate` tokens per second with a burst of `burst` tokens
 * (0: one second's worth); rate 0 is unlimited. */
void rl_init_rate(struct rl_bucket *b, uint64_t rate, uint64_t burst);
bool rl_limited(const struct rl_bucket *b);

/* Takes n tokens at time `now` if the bucket has them (or n exceeds the
 * bucket and it is full: the excess becomes debt); false leaves the bucket
 * as it was. */
bool rl_consume(struct rl_bucket *b, uint64_t n, uint64_t now);
/* Nanoseconds from `now` until rl_consume(b, n, ...) would succeed; 0 when
 * it would now. */
uint64_t rl_wait_ns(struct rl_bucket *b, uint64_t n, uint64_t now);

struct rl_limiter {
	struct rl_bucket ops, bytes;
};

/* ops/bytes per second and their bursts (0: one second's worth). */
void rl_limiter_init(struct rl_limiter *l, uint64_t ops, uint64_t ops_burst,
		     uint64_t bytes, uint64_t bytes_burst);
bool rl_limiter_limited(const struct rl_limiter *l);
/* One operation of `bytes` bytes: takes from both buckets, or from
 * neither and returns false. */
bool rl_limiter_consume(struct rl_limiter *l, uint64_t bytes, uint64_t now);
/* When that operation would fit: the longer of the two waits. */
uint64_t rl_limiter_wait_ns(struct rl_limiter *l, uint64_t bytes, uint64_t now);

#endif
