/* gamut spectrum's statistics and run order (src/spectrum/stats.c), and the
 * measuring loop over real child commands (src/spectrum/measure.c). */
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "spectrum/plan.h"
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

/* A row whose command prints the workload's two lines with `sum`. */
static void fake_row(struct spectrum_row *r, const char *mode, const char *sum)
{
	char script[128];

	snprintf(script, sizeof(script),
		 "echo 'gamut-workload: start 1'; echo 'gamut-workload: done %s'", sum);
	memset(r, 0, sizeof(*r));
	snprintf(r->mode, sizeof(r->mode), "%s", mode);
	snprintf(r->cpu, sizeof(r->cpu), "-");
	r->argv[0] = strdup("/bin/sh");
	r->argv[1] = strdup("-c");
	r->argv[2] = strdup(script);
}

static unsigned seen[32][2], nseen;

static void record(const struct spectrum *sp, const struct spectrum_row *r, unsigned run,
		   unsigned step, unsigned steps, double eta_s)
{
	(void)step;
	(void)steps;
	(void)eta_s;
	if (nseen < 32) {
		seen[nseen][0] = (unsigned)(r - sp->rows);
		seen[nseen++][1] = run;
	}
}

TEST(spectrum_measure_warms_up_interleaves_and_checks_sums)
{
	struct spectrum *sp = calloc(1, sizeof(*sp));
	static const unsigned want[][2] = { { 0, 0 }, { 1, 0 }, { 2, 0 }, { 0, 1 },
					    { 1, 1 }, { 0, 2 }, { 1, 2 } };

	CHECK(sp);
	sp->opts.runs = 2;
	sp->opts.timeout_s = 10;
	sp->opts.rounds = "1";
	fake_row(&sp->rows[0], "native", "0000abcd");
	fake_row(&sp->rows[1], "same", "0000abcd");
	fake_row(&sp->rows[2], "wrong", "deadbeef");
	memset(&sp->rows[3], 0, sizeof(sp->rows[3]));
	snprintf(sp->rows[3].mode, sizeof(sp->rows[3].mode), "skipped");
	sp->rows[3].status = ROW_SKIPPED;
	sp->nr = 4;
	nseen = 0;
	spectrum_measure(sp, record);
	CHECK_EQ(nseen, 7); /* the wrong row stops after its warm-up */
	for (unsigned i = 0; i < 7; i++) {
		CHECK_EQ(seen[i][0], want[i][0]);
		CHECK_EQ(seen[i][1], want[i][1]);
	}
	CHECK(sp->rows[0].status == ROW_OK && sp->rows[0].runs == 2);
	CHECK(sp->rows[1].status == ROW_OK && sp->rows[1].runs == 2);
	CHECK(sp->rows[1].work.max >= sp->rows[1].work.min);
	CHECK(sp->rows[2].status == ROW_FAILED && sp->rows[2].runs == 0);
	CHECK(strstr(sp->rows[2].note, "wrong result deadbeef (native 0000abcd)"));
	CHECK(sp->rows[3].status == ROW_SKIPPED && sp->rows[3].runs == 0);
	spectrum_plan_free(sp);
	free(sp);
}
