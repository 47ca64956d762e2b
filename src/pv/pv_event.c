/* Events, the one-shot timer and the blocking poll (docs/pv-abi.md
 * section 6).  The pending word lives in the guest's shared page so the
 * guest can look at it without an exit; gamut changes it only with atomic
 * operations, under `lock` so a waiting poll cannot miss a wake-up. */
#include "pv/pv.h"

#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "core/vm.h"

#define POLL_SLICE_NS 100000000ull /* re-check for a VM stop this often */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t *pending_word(struct pv *pv)
{
	return gmem_ptr_w(pv->mem, PV_SHARED_GPA, sizeof(uint64_t));
}

/* Fires the timer if its deadline passed. Called with lock held. */
static void timer_check(struct pv *pv, uint64_t now)
{
	uint64_t *w;

	if (!pv->timer_deadline || now < pv->timer_deadline)
		return;
	pv->timer_deadline = 0;
	pv->events++;
	w = pending_word(pv);
	if (w)
		__atomic_fetch_or(w, PV_EVENT_TIMER, __ATOMIC_SEQ_CST);
}

void pv_event_raise(struct pv *pv, uint64_t bits)
{
	uint64_t *w;

	pthread_mutex_lock(&pv->lock);
	pv->events++;
	w = pending_word(pv);
	if (w)
		__atomic_fetch_or(w, bits, __ATOMIC_SEQ_CST);
	pthread_cond_broadcast(&pv->cond);
	pthread_mutex_unlock(&pv->lock);
}

/* The event loop's timerfd: sets the timer bit while the guest computes. */
static void timer_fired(void *opaque, uint32_t events)
{
	struct pv *pv = opaque;
	uint64_t ticks;

	(void)events;
	if (read(pv->timer_fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&pv->lock);
	timer_check(pv, now_ns());
	pthread_cond_broadcast(&pv->cond);
	pthread_mutex_unlock(&pv->lock);
}

int pv_event_init(struct pv *pv, struct gerr *err)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&pv->lock, NULL);
	pthread_mutex_init(&pv->ring_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&pv->cond, &ca);
	pthread_condattr_destroy(&ca);
	pv->timer_fd = -1;
	if (pv->vm->loop.epfd >= 0) {
		pv->timer_fd = evloop_timer_add(&pv->vm->loop, timer_fired, pv, err);
		if (pv->timer_fd < 0)
			return -1;
	}
	return 0;
}

void pv_event_fini(struct pv *pv)
{
	if (pv->timer_fd >= 0) {
		evloop_del(&pv->vm->loop, pv->timer_fd);
		close(pv->timer_fd);
		pv->timer_fd = -1;
	}
	pthread_cond_destroy(&pv->cond);
	pthread_mutex_destroy(&pv->lock);
	pthread_mutex_destroy(&pv->ring_lock);
}

int64_t pv_hc_timer_set(struct pv_call *c, void *blk)
{
	struct pv_hc_timer *a = blk;
	struct pv *pv = c->pv;
	uint64_t now = now_ns();

	pthread_mutex_lock(&pv->lock);
	pv->timer_deadline = a->deadline_ns;
	timer_check(pv, now);
	pthread_mutex_unlock(&pv->lock);
	if (pv->timer_fd >= 0)
		evloop_timer_set(pv->timer_fd,
				 pv->timer_deadline ? pv->timer_deadline - now : 0, 0);
	return 0;
}

static struct timespec abs_ts(uint64_t ns)
{
	return (struct timespec){ (time_t)(ns / 1000000000ull),
				  (long)(ns % 1000000000ull) };
}

int64_t pv_hc_poll(struct pv_call *c, void *blk)
{
	struct pv_hc_poll *a = blk;
	struct pv *pv = c->pv;
	uint64_t *w = pending_word(pv);

	a->pending = 0;
	if (!w)
		return -PV_EFAULT;
	pthread_mutex_lock(&pv->lock);
	for (;;) {
		uint64_t now = now_ns(), wake;
		struct timespec ts;

		timer_check(pv, now);
		a->pending = __atomic_fetch_and(w, ~a->mask, __ATOMIC_SEQ_CST) & a->mask;
		if (a->pending || now >= a->deadline_ns || vm_should_stop(pv->vm))
			break;
		wake = a->deadline_ns;
		if (pv->timer_deadline && pv->timer_deadline < wake)
			wake = pv->timer_deadline;
		if (wake - now > POLL_SLICE_NS)
			wake = now + POLL_SLICE_NS;
		ts = abs_ts(wake);
		pthread_cond_timedwait(&pv->cond, &pv->lock, &ts);
	}
	pthread_mutex_unlock(&pv->lock);
	return 0;
}
