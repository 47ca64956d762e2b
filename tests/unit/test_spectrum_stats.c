/* gamut spectrum's statistics and run order (src/spectrum/stats.c). */
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "spectrum/stats.h"

TEST(spectrum_median_odd_count)
{
	double v[] = { 30, 10, 20, 50, 40 };
	struct spread s = spread_of(v, 5);

	CHECK(s.median == 30 && s.min == 10 && s.max == 50);
	CHECK(v[0] == 30 && v[1] == 10); /* the caller's order is kept */
}

TEST(spectrum_median_even_count)
{
	double v[] = { 4, 1, 3, 2 };
	struct spread s = spread_of(v, 4);

	CHECK(s.median == 2.5 && s.min == 1 && s.max == 4);
	s = spread_of(v, 1);
	CHECK(s.median == 4 && s.min == 4 && s.max == 4);
	s = spread_of(v, 0);
	CHECK(s.median == 0 && s.min == 0 && s.max == 0);
}

TEST(spectrum_noisy_at_ten_percent)
{
	/* a spread of exactly 10 % is not noisy; any wider is */
	struct spread at = { 1000, 950, 1050 }, over = { 1000, 950, 1050.5 };
	struct spread under = { 1000, 990, 1000 }, one_side = { 1000, 1000, 1101 };

	CHECK(!spread_noisy(&at));
	CHECK(spread_noisy(&over));
	CHECK(!spread_noisy(&under));
	CHECK(spread_noisy(&one_side));
}

TEST(spectrum_median_index_is_a_real_run)
{
	double odd[] = { 5, 1, 3 }, even[] = { 4, 1, 3, 2 }, same[] = { 2, 2, 2 };

	CHECK_EQ(spread_median_index(odd, 3), 2);
	CHECK_EQ(spread_median_index(even, 4), 3); /* the lower middle: 2 */
	CHECK_EQ(spread_median_index(same, 3), 1);
	CHECK_EQ(spread_median_index(odd, 0), -1);
}

TEST(spectrum_order_interleaves_after_warmups)
{
	struct run_step s[9];
	static const unsigned want[9][2] = { { 0, 0 }, { 1, 0 }, { 2, 0 }, { 0, 1 }, { 1, 1 },
					     { 2, 1 }, { 0, 2 }, { 1, 2 }, { 2, 2 } };

	CHECK_EQ(spectrum_order(3, 2, s), 9);
	for (unsigned i = 0; i < 9; i++) {
		CHECK_EQ(s[i].row, want[i][0]);
		CHECK_EQ(s[i].run, want[i][1]);
	}
}
