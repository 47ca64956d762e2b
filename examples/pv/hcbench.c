/* PV latencies: the wall-clock time main() started (for time-to-main),
 * the hypercall round trip, and timer event delivery latency.
 *   build/gamut run --mode pv --kernel hcbench.pv --cmdline "20000 50" */
#include <gamut/pv.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	uint64_t main_wall = pv_wall_ns();
	long calls = argc > 1 ? strtol(argv[1], NULL, 0) : 20000;
	long events = argc > 2 ? strtol(argv[2], NULL, 0) : 50;
	uint64_t t0, t1, *lat;

	printf("hcbench: main_wall_ns %" PRIu64 "\n", main_wall);
	if (calls < 1 || events < 1 || !(lat = calloc((size_t)events, sizeof(*lat))))
		return 2;
	t0 = pv_monotonic_ns();
	for (long i = 0; i < calls; i++) {
		struct pv_hc_clock c = { 0, 0, 0 };

		pv_hypercall(PV_HC_CLOCK, &c);
	}
	t1 = pv_monotonic_ns();
	printf("hcbench: hypercall round trip %.0f ns (%ld calls)\n",
	       (double)(t1 - t0) / (double)calls, calls);
	for (long i = 0; i < events; i++) {
		uint64_t deadline = pv_monotonic_ns() + 200000; /* 200 us */

		pv_timer_set(deadline);
		pv_poll(PV_DEADLINE_NEVER, PV_EVENT_TIMER);
		lat[i] = pv_monotonic_ns() - deadline;
	}
	qsort(lat, (size_t)events, sizeof(*lat), cmp_u64);
	printf("hcbench: timer event latency median %" PRIu64 " ns (%ld events)\n",
	       lat[events / 2], events);
	return 0;
}
