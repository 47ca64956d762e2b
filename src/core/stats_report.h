/* What `gamut run --stats` and `--stats-file FILE` do with the counters of
 * core/stats.h: a JSON Lines record in FILE at the end of the run and at
 * each SIGUSR1 (as dd reports its progress), and the readable block on
 * stderr at the end.  docs/stats.md has the format.
 *
 * SIGUSR1 is taken through a signalfd served by the event loop, so the
 * snapshot is written by an ordinary thread, never in a signal handler.
 *
 * Order, from cmd_run:
 *   stats_report_signals (before any thread exists: the mask is inherited)
 *   -> stats_report_open (before the sandbox: it opens FILE)
 *   -> vm_create -> stats_report_watch (before sandbox_lockdown)
 *   -> vm_run -> stats_report_end (the vCPUs have stopped: exact counts)
 *   -> vm_destroy -> stats_report_finish. */
#ifndef GAMUT_CORE_STATS_REPORT_H
#define GAMUT_CORE_STATS_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "core/evloop.h"
#include "core/stats.h"

struct stats_report {
	const struct stats *stats; /* set by stats_report_watch */
	bool print;		   /* --stats */
	const char *path;	   /* --stats-file, or NULL */
	int fd;			   /* path's, or -1 */
	int sigfd;		   /* SIGUSR1's signalfd, or -1 */
	uint64_t start_ns;
	int write_errno;	   /* the first failed write to path, or 0 */
	struct stats_snap last;	   /* stats_report_end's */
	bool have_last;
};

/* Wanted (--stats or --stats-file): blocks SIGUSR1 in the calling thread,
 * so in every thread it creates later.  Otherwise SIGUSR1 is ignored, so
 * that a stray one never ends the VM. */
void stats_report_signals(bool wanted);
/* Creates (truncates) path when it is not NULL, close-on-exec. */
int stats_report_open(struct stats_report *r, bool print, const char *path,
		      struct gerr *err);
/* Serves SIGUSR1 on `loop`: each one appends a non-final record to the
 * file, and with --stats prints the block to stderr as well. */
int stats_report_watch(struct stats_report *r, const struct stats *st,
		       struct evloop *loop, struct gerr *err);
/* The final snapshot, and its record in the file. */
void stats_report_end(struct stats_report *r);
/* Prints the final block (--stats) to f, closes what is open; -1 with the
 * reason when a record could not be written to the file. */
int stats_report_finish(struct stats_report *r, FILE *f, struct gerr *err);

#endif
