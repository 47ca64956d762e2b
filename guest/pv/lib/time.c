/* time.h over PV_HC_CLOCK and PV_HC_POLL. */
#include <errno.h>
#include <gamut/pv.h>
#include <time.h>

static uint64_t start_ns;

int clock_gettime(clockid_t id, struct timespec *ts)
{
	struct pv_hc_clock a = { 0, 0, 0 };
	uint64_t ns;

	pv_hypercall(PV_HC_CLOCK, &a);
	switch (id) {
	case CLOCK_REALTIME:
		ns = a.wall_ns;
		break;
	case CLOCK_MONOTONIC:
	case CLOCK_PROCESS_CPUTIME_ID: /* one vCPU, no other process */
		ns = a.monotonic_ns;
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	ts->tv_sec = (time_t)(ns / 1000000000ull);
	ts->tv_nsec = (long)(ns % 1000000000ull);
	return 0;
}

int timespec_get(struct timespec *ts, int base)
{
	return base == TIME_UTC && clock_gettime(CLOCK_REALTIME, ts) == 0 ? base : 0;
}

time_t time(time_t *t)
{
	time_t now = (time_t)(pv_wall_ns() / 1000000000ull);

	if (t)
		*t = now;
	return now;
}

clock_t clock(void)
{
	uint64_t now = pv_monotonic_ns();

	if (!start_ns)
		start_ns = now;
	return (clock_t)((now - start_ns) / 1000);
}

double difftime(time_t a, time_t b)
{
	return (double)(a - b);
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	uint64_t deadline;

	if (req->tv_nsec < 0 || req->tv_nsec >= 1000000000l || req->tv_sec < 0) {
		errno = EINVAL;
		return -1;
	}
	deadline = pv_monotonic_ns() + (uint64_t)req->tv_sec * 1000000000ull +
		   (uint64_t)req->tv_nsec;
	while (pv_monotonic_ns() < deadline)
		pv_poll(deadline, 0);
	if (rem)
		rem->tv_sec = rem->tv_nsec = 0;
	return 0;
}
