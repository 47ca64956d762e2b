/* spectrum_measure(): the warm-ups and interleaved runs of every row
 * (docs/spectrum.md), then each row's medians, spreads and counters. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spectrum/plan.h"
#include "spectrum/runner.h"

static void row_fail(struct spectrum_row *r, unsigned run, const char *what)
{
	if (run)
		snprintf(r->note, sizeof(r->note), "run %u: %.200s", run, what);
	else
		snprintf(r->note, sizeof(r->note), "warm-up: %.200s", what);
	r->status = ROW_FAILED;
}

static void run_one(struct spectrum *sp, struct spectrum_row *r, unsigned run)
{
	const struct spectrum_row *native = &sp->rows[0];
	struct run_result res;
	struct gerr err = { "" };
	char why[SPECTRUM_NOTE_MAX];
	bool stats = r->stats_path[0] != '\0';

	/* Each run's file starts empty: its first two snapshots are its own. */
	if (stats && truncate(r->stats_path, 0) < 0)
		stats = false;
	if (spectrum_run(r->argv, sp->opts.timeout_s, stats, &res, &err) < 0) {
		row_fail(r, run, err.msg);
		return;
	}
	r->last_total_ms = res.total_ms;
	if (r->checksum[0] && strcmp(res.checksum, r->checksum)) {
		snprintf(why, sizeof(why), "checksum %s, the warm-up's %s", res.checksum,
			 r->checksum);
		row_fail(r, run, why);
		return;
	}
	if (r != native && native->checksum[0] && strcmp(res.checksum, native->checksum)) {
		snprintf(why, sizeof(why), "wrong result %s (native %s)", res.checksum,
			 native->checksum);
		row_fail(r, run, why);
		return;
	}
	snprintf(r->checksum, sizeof(r->checksum), "%s", res.checksum);
	if (run == 0)
		return;
	r->to_start_ms[r->runs] = res.to_start_ms;
	r->work_ms[r->runs] = res.work_ms;
	r->run_counters[r->runs] = (struct counter_set){ NULL, 0 };
	/* A missing or short stats file costs the row its counters, not its times. */
	if (stats)
		counters_workload_phase(r->stats_path, &r->run_counters[r->runs], &err);
	r->runs++;
}

/* Seconds the steps from `from` on will take, from each row's latest run;
 * -1 while a row that has steps left has not run yet. */
static double eta_s(const struct spectrum *sp, const struct run_step *steps,
		    unsigned from, unsigned n)
{
	double ms = 0;

	for (unsigned k = from; k < n; k++) {
		const struct spectrum_row *r = &sp->rows[steps[k].row];

		if (r->status != ROW_OK || !r->argv[0])
			continue;
		if (r->last_total_ms <= 0)
			return -1;
		ms += r->last_total_ms;
	}
	return ms / 1000;
}

static void summarise(struct spectrum_row *r)
{
	int mid;

	if (r->status != ROW_OK || !r->runs)
		return;
	r->to_start = spread_of(r->to_start_ms, r->runs);
	r->work = spread_of(r->work_ms, r->runs);
	r->noisy_start = spread_noisy(&r->to_start);
	r->noisy_work = spread_noisy(&r->work);
	mid = spread_median_index(r->work_ms, r->runs);
	r->counters = mid >= 0 ? &r->run_counters[mid] : NULL;
}

void spectrum_measure(struct spectrum *sp, spectrum_progress_fn progress)
{
	unsigned total = sp->nr * (sp->opts.runs + 1), n, planned = 0, done = 0;
	struct run_step *steps = calloc(total ? total : 1, sizeof(*steps));

	if (!steps) {
		for (unsigned i = 0; i < sp->nr; i++)
			if (sp->rows[i].status == ROW_OK)
				row_fail(&sp->rows[i], 0, "out of memory");
		return;
	}
	sp->host_cpus = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	if (getloadavg(&sp->load_start, 1) < 1)
		sp->load_start = -1;
	n = spectrum_order(sp->nr, sp->opts.runs, steps);
	for (unsigned k = 0; k < n; k++)
		planned += sp->rows[steps[k].row].status == ROW_OK;
	for (unsigned k = 0; k < n; k++) {
		struct spectrum_row *r = &sp->rows[steps[k].row];

		if (r->status != ROW_OK || !r->argv[0])
			continue;
		if (progress)
			progress(sp, r, steps[k].run, ++done, planned, eta_s(sp, steps, k, n));
		run_one(sp, r, steps[k].run);
	}
	free(steps);
	if (getloadavg(&sp->load_end, 1) < 1)
		sp->load_end = -1;
	for (unsigned i = 0; i < sp->nr; i++)
		summarise(&sp->rows[i]);
}
