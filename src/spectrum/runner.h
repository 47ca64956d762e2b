/* Running one spectrum row: a child command whose output carries the
 * workload's start and done lines, timed from the host side. */
#ifndef GAMUT_SPECTRUM_RUNNER_H
#define GAMUT_SPECTRUM_RUNNER_H

#include <stdbool.h>

#include "core/err.h"

#define WORKLOAD_START "gamut-workload: start"
#define WORKLOAD_DONE  "gamut-workload: done "

struct run_result {
	double to_start_ms; /* spawn -> start line: boot plus start-up */
	double work_ms;	    /* start line -> done line */
	double total_ms;    /* spawn -> exit: what the run cost in wall time */
	char checksum[16];  /* what the workload printed */
	int exit_status;
	char tail[256];	    /* last output line, for a failure's note */
};

/* Runs argv (argv[0] a path) with stdin from /dev/null, reading its
 * stdout+stderr until it exits or `timeout_s` passes (then it is killed).
 * With `mark_phases`, the child (a `gamut run --stats-file`) gets SIGUSR1
 * as each workload line arrives, so it snapshots its counters there.
 * Returns 0 when both workload lines were seen, else -1 with a reason. */
int spectrum_run(char *const argv[], unsigned timeout_s, bool mark_phases,
		 struct run_result *r, struct gerr *err);

#endif
