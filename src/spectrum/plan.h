/* The rows of `gamut spectrum`: what each runs (its command and guest),
 * whether it can run here and why not, and what its runs measured.
 *
 *   spectrum_plan()      the rows: native, container, then every VM mode on
 *                        each CPU backend, limited by a --rows list
 *   spectrum_measure()   every row's warm-up, then its runs interleaved
 *                        (docs/spectrum.md), filling each row's results
 *   spectrum_plan_free() removes the container's rootfs, frees the rows */
#ifndef GAMUT_SPECTRUM_PLAN_H
#define GAMUT_SPECTRUM_PLAN_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "core/err.h"
#include "spectrum/counters.h"
#include "spectrum/stats.h"

#define SPECTRUM_RUNS_MAX 100
#define SPECTRUM_ROWS_MAX 16
#define SPECTRUM_NOTE_MAX 240
#define SPECTRUM_ARGS_MAX 24

enum row_status {
	ROW_OK,	     /* every run ran and agreed with native */
	ROW_SKIPPED, /* cannot run here; the note says why */
	ROW_FAILED,  /* a run failed or computed another checksum */
};

struct spectrum_row {
	char mode[16];
	char cpu[8];		/* "kvm", "emu", "-" for native and container */
	const char *guest;	/* what ran: "static binary", "kit bzImage", ... */
	char *argv[SPECTRUM_ARGS_MAX]; /* the command; NULL when skipped */
	char stats_path[64];	/* its --stats-file, or "" */
	enum row_status status;
	char note[SPECTRUM_NOTE_MAX];
	char checksum[16];

	/* Measured runs (the warm-up is not among them). */
	unsigned runs;
	double to_start_ms[SPECTRUM_RUNS_MAX], work_ms[SPECTRUM_RUNS_MAX];
	struct counter_set run_counters[SPECTRUM_RUNS_MAX];
	double last_total_ms;	/* the latest run's wall time, for estimates */

	/* Summary, after spectrum_measure(). */
	struct spread to_start, work;
	bool noisy_start, noisy_work; /* spread_noisy() of each */
	const struct counter_set *counters; /* the median run's; may be empty */
};

struct spectrum_opts {
	char self[PATH_MAX];	/* this gamut binary */
	char bindir[PATH_MAX];	/* where gamut-workload(.pv) live */
	const char *kit;	/* vmlinux, bzImage, initramfs */
	const char *rounds;
	const char *rows;	/* --rows list, or NULL for all */
	unsigned runs;
	unsigned timeout_s;
	bool stats;		/* pass --stats-file to VM rows */
};

struct spectrum {
	struct spectrum_opts opts;
	struct spectrum_row rows[SPECTRUM_ROWS_MAX];
	unsigned nr;		/* rows[0] is native, the reference */
	char rootfs[64];	/* the container row's, or "" */
	/* The host while it measured: figures mean little without it. */
	unsigned host_cpus;
	double load_start, load_end; /* 1-minute load average */
};

/* Progress of spectrum_measure(): called before each run; eta_s < 0 while
 * some row has not been timed yet. */
typedef void (*spectrum_progress_fn)(const struct spectrum *sp,
				     const struct spectrum_row *row, unsigned run,
				     unsigned step, unsigned steps, double eta_s);

/* Fills sp->rows from sp->opts.  A --rows list names rows as mode (every
 * CPU backend), mode:cpu, native or container, commas between; native is
 * always in the table, as the reference.  Fails on an unknown name. */
int spectrum_plan(struct spectrum *sp, struct gerr *err);

void spectrum_measure(struct spectrum *sp, spectrum_progress_fn progress);

void spectrum_plan_free(struct spectrum *sp);

/* Median workload time of `r` over native's, 0 when either has none. */
double spectrum_vs_native(const struct spectrum *sp, const struct spectrum_row *r);

const char *spectrum_status_name(enum row_status s);

#endif
