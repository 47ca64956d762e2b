/* Token buckets (core/ratelimit.h) on a fake clock: bursts, steady rates,
 * oversized requests, both buckets of a limiter, and the waits; then the
 * gate (core/ratelimit_gate.h) on a real event loop. */
#include <string.h>
#include <unistd.h>

#include "../harness.h"
#include "core/host.h"
#include "core/ratelimit.h"
#include "core/ratelimit_gate.h"

#define MS 1000000ull
#define SEC 1000000000ull

TEST(ratelimit_unlimited)
{
	struct rl_bucket b;
	struct rl_limiter l;

	rl_init(&b, 0, SEC);
	CHECK(!rl_limited(&b));
	for (int i = 0; i < 1000; i++)
		CHECK(rl_consume(&b, 1ull << 40, 0));
	CHECK_EQ(rl_wait_ns(&b, 1ull << 40, 0), 0);
	rl_limiter_init(&l, 0, 0, 0, 0);
	CHECK(!rl_limiter_limited(&l));
	CHECK(rl_limiter_consume(&l, 1ull << 40, 5));
}

TEST(ratelimit_burst_then_rate)
{
	struct rl_bucket b;
	uint64_t t = 1000 * SEC; /* the clock need not start at 0 */

	rl_init(&b, 100, SEC); /* 100 tokens a second, burst 100 */
	CHECK(rl_consume(&b, 60, t));
	CHECK(rl_consume(&b, 40, t));
	CHECK(!rl_consume(&b, 1, t));
	/* One token every 10 ms. */
	CHECK_EQ(rl_wait_ns(&b, 1, t), 10 * MS);
	CHECK_EQ(rl_wait_ns(&b, 50, t), 500 * MS);
	CHECK(!rl_consume(&b, 1, t + 10 * MS - 1));
	CHECK(rl_consume(&b, 1, t + 10 * MS));
	/* Fractions are kept: 5 ms + 5 ms make a token. */
	CHECK(!rl_consume(&b, 1, t + 15 * MS));
	CHECK(rl_consume(&b, 1, t + 20 * MS));
	/* A long pause fills the bucket, never more. */
	CHECK(rl_consume(&b, 100, t + 100 * SEC));
	CHECK(!rl_consume(&b, 1, t + 100 * SEC));
}

TEST(ratelimit_steady_rate)
{
	struct rl_bucket b;
	uint64_t taken = 0;

	/* 1000 tokens a second, 7 at a time, polled every millisecond for
	 * ten seconds: the first burst plus ten seconds' worth, no more. */
	rl_init_rate(&b, 1000, 0);
	for (uint64_t t = 0; t <= 10 * SEC; t += MS)
		while (rl_consume(&b, 7, t))
			taken += 7;
	CHECK(taken <= 11000 && taken > 11000 - 14);
}

TEST(ratelimit_oversized_request)
{
	struct rl_bucket b;

	rl_init(&b, 1000, SEC); /* a token a millisecond */
	/* Larger than the bucket: goes when full, no sooner, and the
	 * excess is a debt: no token comes before it is paid. */
	CHECK(rl_consume(&b, 1, 0));
	CHECK(!rl_consume(&b, 2000, 0));
	CHECK_EQ(rl_wait_ns(&b, 2000, 0), MS);
	CHECK(rl_consume(&b, 2000, MS));
	CHECK_EQ(b.debt, 1000);
	CHECK(!rl_consume(&b, 1, MS));
	CHECK_EQ(rl_wait_ns(&b, 1, MS), SEC + MS);
	CHECK(!rl_consume(&b, 1, MS + SEC / 2));
	CHECK_EQ(b.debt, 500);
	CHECK(!rl_consume(&b, 1, MS + SEC));
	CHECK_EQ(b.debt, 0);
	CHECK_EQ(rl_wait_ns(&b, 1000, MS + SEC), SEC);
	CHECK(rl_consume(&b, 2000, MS + 2 * SEC));
	/* Over ten seconds of 1 MiB requests, 4 KiB/s lets through one
	 * whole request (taken at once) plus the bucket's first fill. */
	rl_init(&b, 4096, SEC);
	{
		unsigned got = 0;

		for (uint64_t t = 0; t <= 300 * SEC; t += SEC / 10)
			got += rl_consume(&b, 1 << 20, t);
		CHECK_EQ(got, 2); /* at 0 and after 256 s of paying */
	}
}

TEST(ratelimit_rates_and_bursts)
{
	struct rl_bucket b;

	rl_init_rate(&b, 2 << 20, 0); /* 2 MiB/s: burst 2 MiB, refilled in 1 s */
	CHECK_EQ(b.size, 2 << 20);
	CHECK_EQ(b.refill_ns, SEC);
	rl_init_rate(&b, 50, 5); /* 50/s, burst 5: 5 tokens every 100 ms */
	CHECK_EQ(b.size, 5);
	CHECK_EQ(b.refill_ns, 100 * MS);
	CHECK(rl_consume(&b, 5, 0));
	CHECK_EQ(rl_wait_ns(&b, 1, 0), 20 * MS);
	/* Extreme values neither overflow nor divide by zero. */
	rl_init_rate(&b, 1ull << 50, 1ull << 50);
	CHECK_EQ(b.refill_ns, SEC);
	CHECK(rl_consume(&b, 1ull << 50, ~0ull - SEC));
	CHECK(rl_wait_ns(&b, 1, ~0ull - SEC) > 0);
	rl_init_rate(&b, 1, 1ull << 50);
	CHECK(rl_consume(&b, 1ull << 50, 0));
	CHECK(rl_wait_ns(&b, 1ull << 50, 0) > 0);
}

TEST(ratelimit_limiter_needs_both)
{
	struct rl_limiter l;

	rl_limiter_init(&l, 10, 0, 1000, 0); /* 10 ops/s, 1000 bytes/s */
	CHECK(rl_limiter_limited(&l));
	/* Bytes run out first: the ops bucket must not be charged. */
	CHECK(rl_limiter_consume(&l, 900, 0));
	CHECK(!rl_limiter_consume(&l, 200, 0));
	CHECK_EQ(l.ops.tokens, 9);
	CHECK_EQ(rl_limiter_wait_ns(&l, 200, 0), 100 * MS);
	/* Then ops run out with bytes to spare. */
	for (int i = 0; i < 9; i++)
		CHECK(rl_limiter_consume(&l, 0, 0));
	CHECK(!rl_limiter_consume(&l, 0, 0));
	CHECK_EQ(rl_limiter_wait_ns(&l, 0, 0), 100 * MS);
	CHECK(rl_limiter_consume(&l, 0, 100 * MS));
}

/* The gate on a real event loop: a refused request arms the timer, the
 * timer calls resume no sooner than the bucket has room, and nothing is
 * admitted while the resume is due. */
struct gate_probe {
	struct evloop loop;
	struct rl_gate gate;
	unsigned resumed;
	uint64_t at;
};

static void gate_resumed(void *opaque)
{
	struct gate_probe *p = opaque;

	p->resumed++;
	p->at = host_now_ns();
	evloop_quit(&p->loop);
}

static void gate_give_up(void *opaque, uint32_t events)
{
	(void)events;
	evloop_quit(opaque);
}

TEST(ratelimit_gate_resumes_from_the_loop)
{
	static struct gate_probe p;
	struct ratelimit_config rc = { .ops = 20, .ops_burst = 2 }; /* 50 ms/op */
	struct gerr err = { "" };
	uint64_t t0;
	int guard;

	CHECK(evloop_init(&p.loop, &err) == 0);
	CHECK(rl_gate_init(&p.gate, &rc, &p.loop, gate_resumed, &p, "test", &err) == 0);
	guard = evloop_timer_add(&p.loop, gate_give_up, &p.loop, &err);
	CHECK(guard >= 0);
	evloop_timer_set(guard, 2 * SEC, 0);
	CHECK(rl_gate_admit(&p.gate, 0));
	CHECK(rl_gate_admit(&p.gate, 0));
	t0 = host_now_ns();
	CHECK(!rl_gate_admit(&p.gate, 0));
	CHECK(!rl_gate_admit(&p.gate, 0)); /* a resume is due: no slipping past */
	CHECK_EQ(p.gate.throttled, 1);
	CHECK(evloop_run(&p.loop, &err) == 0);
	CHECK_EQ(p.resumed, 1);
	CHECK(p.at - t0 >= 45 * MS && p.at - t0 < SEC);
	CHECK(rl_gate_admit(&p.gate, 0));
	evloop_del(&p.loop, guard);
	close(guard);
	rl_gate_destroy(&p.gate);
	evloop_destroy(&p.loop);
}

TEST(ratelimit_gate_unlimited_needs_no_loop)
{
	struct rl_gate g;
	struct ratelimit_config rc = { 0 };
	struct gerr err = { "" };

	CHECK(rl_gate_init(&g, &rc, NULL, NULL, NULL, "test", &err) == 0);
	CHECK(!g.limited && g.tfd == -1);
	for (int i = 0; i < 100; i++)
		CHECK(rl_gate_admit(&g, 1ull << 30));
	rl_gate_destroy(&g);
	rc.bytes = 1;
	CHECK(rl_gate_init(&g, &rc, NULL, NULL, NULL, "--disk a.img", &err) == -1);
	CHECK(!strcmp(err.msg, "--disk a.img: a rate limit needs the event loop"));
	rl_gate_destroy(&g);
}
