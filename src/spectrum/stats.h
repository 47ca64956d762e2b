/* The statistics of a spectrum row: median and spread of its runs, the
 * noisy flag, and the order the runs go in (docs/spectrum.md). */
#ifndef GAMUT_SPECTRUM_STATS_H
#define GAMUT_SPECTRUM_STATS_H

#include <stdbool.h>

/* A row is noisy when its spread is wider than this part of its median. */
#define SPREAD_NOISY_FRACTION 0.10

struct spread {
	double median, min, max;
};

/* Median (mean of the middle two for an even count), min and max of v[0..n);
 * all zero when n is 0.  v is not changed. */
struct spread spread_of(const double *v, unsigned n);

/* max - min wider than SPREAD_NOISY_FRACTION of the median. */
bool spread_noisy(const struct spread *s);

/* The index in v[0..n) of the run whose value is the median: the lower
 * middle one for an even count; -1 when n is 0. */
int spread_median_index(const double *v, unsigned n);

/* One step of the plan: row `row`, run `run` (0 the uncounted warm-up,
 * 1..runs the measured ones). */
struct run_step {
	unsigned row, run;
};

/* The order of every run: each row's warm-up, then run 1 of every row, run
 * 2 of every row, ... so a drift in the host's speed hits all rows alike.
 * Fills out[0 .. rows * (runs + 1)) and returns that count. */
unsigned spectrum_order(unsigned rows, unsigned runs, struct run_step *out);

#endif
