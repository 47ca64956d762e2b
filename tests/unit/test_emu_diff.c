/* Differential test of the software CPU against the host CPU (see
 * tests/difftest/difftest.h): a few thousand seeded random cases per run;
 * `make fuzz-cpu` runs millions. */
#include <stdio.h>
#include <stdlib.h>

#include "../difftest/difftest.h"
#include "../harness.h"

TEST(emu_difftest_integer_sse2)
{
	const char *env = getenv("GAMUT_DIFFTEST_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 0x9e3779b97f4a7c15ull;
	long bad = dt_run_many(seed, 6000, 10, false);

	if (bad < 0)
		SKIP("cannot run native cases (fork/mmap at a fixed address refused)");
	CHECK_EQ(bad, 0);
}

/* Cases through the block compiler: more of them, as only some are forms
 * it compiles inline (and fewer still read flags it keeps live). */
TEST(emu_difftest_jit)
{
	const char *env = getenv("GAMUT_DIFFTEST_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 0x9e3779b97f4a7c15ull;
	long bad = dt_run_many(seed + 1, 30000, 10, true);

	if (bad < 0)
		SKIP("cannot run native cases (fork/mmap at a fixed address refused)");
	CHECK_EQ(bad, 0);
}
