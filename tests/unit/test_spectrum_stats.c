/* gamut spectrum's statistics and run order (src/spectrum/stats.c), and the
 * measuring loop over real child commands (src/spectrum/measure.c). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* The counters path end to end, with a shell in gamut run's place: it
 * appends a snapshot to its stats file at each SIGUSR1, and waits for the
 * signal after each workload line (bounded, 10 s). */
TEST(spectrum_measure_snapshots_at_the_two_lines)
{
	struct spectrum *sp = calloc(1, sizeof(*sp));
	struct spectrum_row *r;
	char script[1024];
	int fd;

	CHECK(sp);
	sp->opts.runs = 3;
	sp->opts.timeout_s = 30;
	sp->opts.rounds = "1";
	fake_row(&sp->rows[0], "native", "0000abcd");
	r = &sp->rows[1];
	fake_row(r, "vm", "0000abcd");
	snprintf(r->stats_path, sizeof(r->stats_path), "/tmp/gamut-test-stats-XXXXXX");
	fd = mkstemp(r->stats_path);
	CHECK(fd >= 0);
	close(fd);
	/* a stale line from an earlier run: each run's file starts empty */
	CHECK(truncate(r->stats_path, 0) == 0);
	snprintf(script, sizeof(script),
		 "n=0; trap 'n=$((n+1)); echo \"{\\\"t_ns\\\":$n,\\\"final\\\":false,"
		 "\\\"counters\\\":{\\\"pio.pit\\\":$((n*n*100)),\\\"irq.injected\\\":7}}\" >>%s' USR1\n"
		 "echo 'gamut-workload: start 1'\n"
		 "i=0; while [ $n -lt 1 ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done\n"
		 "echo 'gamut-workload: done 0000abcd'\n"
		 "i=0; while [ $n -lt 2 ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done\n",
		 r->stats_path);
	free(r->argv[2]);
	r->argv[2] = strdup(script);
	sp->nr = 2;
	spectrum_measure(sp, NULL);
	CHECK(r->status == ROW_OK && r->runs == 3);
	CHECK(r->counters && r->counters->n == 1); /* irq.injected did not grow */
	CHECK(!strcmp(r->counters->v[0].name, "pio.pit"));
	CHECK_EQ(r->counters->v[0].value, 300); /* 400 at done - 100 at start */
	for (unsigned i = 0; i < r->runs; i++)
		CHECK_EQ(r->run_counters[i].n, 1);
	CHECK(sp->rows[0].counters && sp->rows[0].counters->n == 0);
	spectrum_plan_free(sp); /* removes the stats file */
	CHECK(access(r->stats_path, F_OK) != 0);
	free(sp);
}
