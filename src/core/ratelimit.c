/* Token buckets (core/ratelimit.h).  Tokens accrue in whole units; the
 * time a refill did not turn into a whole token stays in last_ns, so a
 * slow rate (a few IOPS) loses nothing to rounding.  What an oversized
 * request took beyond the bucket is debt, which the refill pays first. */
#include "core/ratelimit.h"

#define NS_PER_SEC 1000000000ull

void rl_init(struct rl_bucket *b, uint64_t size, uint64_t refill_ns)
{
	*b = (struct rl_bucket){ 0 };
	if (!size || !refill_ns)
		return;
	b->size = size;
	b->refill_ns = refill_ns;
	b->tokens = size;
}

void rl_init_rate(struct rl_bucket *b, uint64_t rate, uint64_t burst)
{
	unsigned __int128 ns;

	if (!rate) {
		rl_init(b, 0, 0);
		return;
	}
	if (!burst)
		burst = rate;
	/* size tokens at `rate` per second take size/rate seconds. */
	ns = (unsigned __int128)burst * NS_PER_SEC / rate;
	rl_init(b, burst, ns > UINT64_MAX ? UINT64_MAX : ns ? (uint64_t)ns : 1);
}

bool rl_limited(const struct rl_bucket *b)
{
	return b->size != 0;
}

static void rl_refill(struct rl_bucket *b, uint64_t now)
{
	unsigned __int128 add;
	uint64_t elapsed;

	if (!b->started || now < b->last_ns) {
		b->started = true;
		b->last_ns = now;
		return;
	}
	elapsed = now - b->last_ns;
	add = (unsigned __int128)elapsed * b->size / b->refill_ns;
	if (add >= (unsigned __int128)b->debt + (b->size - b->tokens)) {
		b->debt = 0;
		b->tokens = b->size;
		b->last_ns = now;
		return;
	}
	/* Only the time the whole tokens stand for is used up. */
	b->last_ns += (uint64_t)(add * b->refill_ns / b->size);
	if (add <= b->debt) {
		b->debt -= (uint64_t)add;
		return;
	}
	b->tokens += (uint64_t)add - b->debt;
	b->debt = 0;
}

/* The tokens n needs: all of them, or a full bucket when n is larger. */
static uint64_t rl_need(const struct rl_bucket *b, uint64_t n)
{
	return n < b->size ? n : b->size;
}

bool rl_consume(struct rl_bucket *b, uint64_t n, uint64_t now)
{
	uint64_t need;

	if (!rl_limited(b))
		return true;
	rl_refill(b, now);
	need = rl_need(b, n);
	if (b->debt || b->tokens < need)
		return false;
	if (n > b->tokens)
		b->debt = n - b->tokens;
	b->tokens = n < b->tokens ? b->tokens - n : 0;
	return true;
}

uint64_t rl_wait_ns(struct rl_bucket *b, uint64_t n, uint64_t now)
{
	unsigned __int128 t;
	uint64_t need, ready;

	if (!rl_limited(b))
		return 0;
	rl_refill(b, now);
	need = rl_need(b, n);
	if (!b->debt && b->tokens >= need)
		return 0;
	/* The first time at which the refill since last_ns covers the debt
	 * and the missing tokens: ceil(missing * refill_ns / size) after
	 * last_ns.  (With a debt the bucket is empty.) */
	t = (((unsigned __int128)b->debt + need - b->tokens) * b->refill_ns +
	     b->size - 1) / b->size;
	if (t > UINT64_MAX - b->last_ns)
		return UINT64_MAX - now;
	ready = b->last_ns + (uint64_t)t;
	return ready > now ? ready - now : 1;
}

void rl_limiter_init(struct rl_limiter *l, uint64_t ops, uint64_t ops_burst,
		     uint64_t bytes, uint64_t bytes_burst)
{
	rl_init_rate(&l->ops, ops, ops_burst);
	rl_init_rate(&l->bytes, bytes, bytes_burst);
}

bool rl_limiter_limited(const struct rl_limiter *l)
{
	return rl_limited(&l->ops) || rl_limited(&l->bytes);
}

bool rl_limiter_consume(struct rl_limiter *l, uint64_t bytes, uint64_t now)
{
	if (rl_limiter_wait_ns(l, bytes, now))
		return false;
	rl_consume(&l->ops, 1, now);
	rl_consume(&l->bytes, bytes, now);
	return true;
}

uint64_t rl_limiter_wait_ns(struct rl_limiter *l, uint64_t bytes, uint64_t now)
{
	uint64_t a = rl_wait_ns(&l->ops, 1, now);
	uint64_t b = rl_wait_ns(&l->bytes, bytes, now);

	return a > b ? a : b;
}
