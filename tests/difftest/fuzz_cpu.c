/* `make fuzz-cpu`: millions of differential cases.
 * Usage: difftest-cpu [count] [seed]
 * Half the cases run interpreted, half through the block compiler. */
#include <stdio.h>
#include <stdlib.h>

#include "difftest.h"

int main(int argc, char **argv)
{
	unsigned long count = argc > 1 ? strtoul(argv[1], NULL, 0) : 2000000;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
	unsigned report = getenv("DT_REPORT") ? (unsigned)atoi(getenv("DT_REPORT")) : 50;
	long bad = dt_run_many(seed, count / 2, report, false), bad_jit = 0;

	if (bad >= 0)
		bad_jit = dt_run_many(seed + 1, count - count / 2, report, true);
	if (bad_jit < 0)
		bad = -1;
	else if (bad >= 0)
		bad += bad_jit;
	if (bad < 0) {
		fprintf(stderr, "difftest: cannot run native cases on this host\n");
		return 77;
	}
	printf("difftest: %lu cases from seed %llu, %ld mismatches\n", count,
	       (unsigned long long)seed, bad);
	return bad ? 1 : 0;
}
