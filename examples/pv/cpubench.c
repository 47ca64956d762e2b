/* A CPU-bound benchmark that builds both as a PV guest and natively from
 * this one file (only printf, strtol and clock_gettime), so `bench/pv.sh`
 * can compare the two:
 *   build/gamut-pv-cc -O2 cpubench.c -o cpubench.pv
 *   cc -O2 cpubench.c -o cpubench
 * Usage: cpubench [rounds]   (prints "cpubench: N rounds in X.XXX ms, check C") */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SIEVE_N 200000

static uint8_t composite[SIEVE_N];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Integer mixing: a long dependency chain of multiplies, shifts, xors. */
static uint64_t mix(uint64_t seed, unsigned n)
{
	uint64_t x = seed;

	for (unsigned i = 0; i < n; i++) {
		x ^= x >> 33;
		x *= 0xff51afd7ed558ccdull;
		x ^= x >> 29;
		x += i;
	}
	return x;
}

/* Memory-touching work that stays in cache. */
static unsigned sieve(void)
{
	unsigned count = 0;

	memset(composite, 0, sizeof(composite));
	for (unsigned i = 2; i < SIEVE_N; i++) {
		if (composite[i])
			continue;
		count++;
		for (unsigned j = i * 2; j < SIEVE_N; j += i)
			composite[j] = 1;
	}
	return count;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? strtol(argv[1], NULL, 0) : 200;
	uint64_t check = 0, t0, t1;

	if (rounds <= 0)
		rounds = 1;
	t0 = now_ns();
	for (long r = 0; r < rounds; r++) {
		check += mix(check + (uint64_t)r, 1000000);
		check += sieve();
	}
	t1 = now_ns();
	printf("cpubench: %ld rounds in %.3f ms, check %016" PRIx64 "\n", rounds,
	       (double)(t1 - t0) / 1e6, check);
	return 0;
}
