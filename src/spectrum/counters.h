/* Reading the counters `gamut run --stats-file FILE` writes (JSON Lines:
 * {"t_ns": N, "final": bool, "counters": {"dotted.name": integer, ...}},
 * one line per SIGUSR1 and one at exit), and the workload phase's share:
 * the difference of the snapshots taken at the start and done lines. */
#ifndef GAMUT_SPECTRUM_COUNTERS_H
#define GAMUT_SPECTRUM_COUNTERS_H

#include <stdio.h>

#include "core/err.h"

#define COUNTER_NAME_MAX 64

struct counter {
	char name[COUNTER_NAME_MAX];
	long long value;
};

/* A set of named counters; an empty set is { NULL, 0 }. */
struct counter_set {
	struct counter *v;
	unsigned n;
};

void counter_set_free(struct counter_set *s);

/* Parses one JSON line into *snap (replacing what it held) and *final.
 * Fails on anything that is not the object above; counters that are not
 * integers are left out. */
int counters_parse_line(const char *line, struct counter_set *snap, int *final,
			struct gerr *err);

/* The workload phase from a stats file: its first two non-final snapshots
 * (or the first and the final one, when the run ended before the second),
 * the second minus the first (counters absent from the first count from 0;
 * those that did not grow are left out), sorted largest first.  Fails,
 * leaving *out empty, when the file cannot be read or has fewer than two
 * such snapshots. */
int counters_workload_phase(const char *path, struct counter_set *out,
			    struct gerr *err);

/* after - before, largest first, only counters that grew. */
int counters_diff(const struct counter_set *before, const struct counter_set *after,
		  struct counter_set *out);

/* Where a row's cost goes, in at most `top` items of a sorted set: the
 * software CPU's instructions as one "5.4G insns, 98% compiled" item when
 * there are any, then the largest other counters ("1.9M pio.pit, 400.0k
 * irq.injected"); an empty string for an empty set. */
void counters_note(const struct counter_set *s, unsigned top, char *buf, size_t n);

/* 950, 12.3k, 1.9M, 4.0G: a count in at most six characters. */
void counters_fmt_count(long long v, char *buf, size_t n);

#endif
