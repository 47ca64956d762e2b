/* The event-loop side of a rate limiter (core/ratelimit_gate.h). */
#include "core/ratelimit_gate.h"

#include <errno.h>
#include <unistd.h>

#include "core/host.h"

static void rl_gate_fired(void *opaque, uint32_t events)
{
	struct rl_gate *g = opaque;
	uint64_t ticks;

	(void)events;
	if (read(g->tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&g->lock);
	g->armed = false;
	pthread_mutex_unlock(&g->lock);
	g->resume(g->opaque);
}

int rl_gate_init(struct rl_gate *g, const struct ratelimit_config *rc,
		 struct evloop *loop, rl_resume_fn resume, void *opaque,
		 const char *what, struct gerr *err)
{
	*g = (struct rl_gate){ .tfd = -1, .resume = resume, .opaque = opaque,
			       .loop = loop };
	pthread_mutex_init(&g->lock, NULL);
	rl_limiter_init(&g->lim, rc->ops, rc->ops_burst, rc->bytes, rc->bytes_burst);
	g->limited = rl_limiter_limited(&g->lim);
	if (!g->limited)
		return 0;
	if (!loop)
		return gerr_set(err, "%s: a rate limit needs the event loop", what);
	g->tfd = evloop_timer_add(loop, rl_gate_fired, g, err);
	if (g->tfd < 0)
		return gerr_prefix(err, "%s: rate limit timer: ", what);
	return 0;
}

void rl_gate_destroy(struct rl_gate *g)
{
	if (g->tfd >= 0) {
		evloop_del(g->loop, g->tfd);
		close(g->tfd);
		g->tfd = -1;
	}
	pthread_mutex_destroy(&g->lock);
}

bool rl_gate_admit(struct rl_gate *g, uint64_t bytes)
{
	uint64_t now, wait;
	bool ok = false;

	if (!g->limited)
		return true;
	pthread_mutex_lock(&g->lock);
	/* While a resume is due the queue waits its turn: a small request
	 * slipping past a waiting large one would starve it. */
	if (!g->armed) {
		now = host_now_ns();
		wait = rl_limiter_wait_ns(&g->lim, bytes, now);
		if (!wait) {
			ok = rl_limiter_consume(&g->lim, bytes, now);
		} else {
			g->armed = true;
			g->throttled++;
			evloop_timer_set(g->tfd, wait, 0);
		}
	}
	pthread_mutex_unlock(&g->lock);
	return ok;
}
