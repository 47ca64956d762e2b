#include "spectrum/stats.h"

#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct spread spread_of(const double *v, unsigned n)
{
	struct spread s = { 0, 0, 0 };
	double *sorted;

	if (n == 0 || !(sorted = malloc(n * sizeof(*sorted))))
		return s;
	memcpy(sorted, v, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_double);
	s.min = sorted[0];
	s.max = sorted[n - 1];
	s.median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
	free(sorted);
	return s;
}

bool spread_noisy(const struct spread *s)
{
	return s->max - s->min > SPREAD_NOISY_FRACTION * s->median;
}

int spread_median_index(const double *v, unsigned n)
{
	/* The run with (n-1)/2 values below it, ties broken by position, so
	 * the answer is one real run even when values repeat. */
	for (unsigned i = 0; i < n; i++) {
		unsigned below = 0, equal_before = 0;

		for (unsigned j = 0; j < n; j++) {
			if (v[j] < v[i])
				below++;
			else if (v[j] == v[i] && j < i)
				equal_before++;
		}
		if (below + equal_before == (n - 1) / 2)
			return (int)i;
	}
	return -1;
}

unsigned spectrum_order(unsigned rows, unsigned runs, struct run_step *out)
{
	unsigned k = 0;

	for (unsigned run = 0; run <= runs; run++)
		for (unsigned row = 0; row < rows; row++)
			out[k++] = (struct run_step){ row, run };
	return k;
}
