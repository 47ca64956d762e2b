/* gamut's own counters for a run (`gamut run --stats`, docs/stats.md).
 *
 * A device or a CPU backend registers its counters by name while the VM is
 * built: either a pointer to a plain uint64_t it already keeps (one per
 * vCPU or per device; entries with the same name are summed), or a source
 * callback that adds names it only knows at run time (bus ranges, exit
 * reasons).  Nothing here knows which backend runs.
 *
 * Counting costs what the ++ costs: the owner increments its own counter
 * (plainly when one thread owns it, with a relaxed atomic add when several
 * vCPUs share it), and the sums are only made when a snapshot is taken.
 *
 * Threads: registration happens on the thread that builds the VM, before
 * the vCPUs run; the registry is not locked.  A snapshot may be taken from
 * another thread while the vCPUs run: it reads each counter once, so it may
 * be a little stale against a vCPU that is counting at that moment (never
 * torn: 64-bit loads), and it is exact once the vCPUs have stopped.  Every
 * registered counter must live until the last snapshot (vm_run's caller
 * takes it before vm_destroy).  A zeroed struct stats is an empty
 * registry. */
#ifndef GAMUT_CORE_STATS_H
#define GAMUT_CORE_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define STATS_NAME_MAX 64 /* with the NUL; longer names are cut */

struct stats_snap;

/* Adds `name`'s values to a snapshot (stats_snap_add), when one is taken. */
typedef void (*stats_source_fn)(void *opaque, struct stats_snap *snap);

struct stats_reg;

struct stats {
	struct stats_reg *reg;
	unsigned nr, cap;
	bool oom; /* a registration was lost: snapshots say so */
};

/* Registers a counter the caller keeps at *p.  Names are dotted, lower
 * case, group first ("emu.insns", "pio.uart"); other characters become
 * '-'.  Out of memory, the counter is left out (and s->oom set): counting
 * never stops a VM. */
void stats_counter(struct stats *s, const char *name, const uint64_t *p);
void stats_source(struct stats *s, stats_source_fn fn, void *opaque);
void stats_destroy(struct stats *s);

struct stats_entry {
	char name[STATS_NAME_MAX];
	uint64_t value;
};

/* A snapshot: values summed by name, sorted by name. */
struct stats_snap {
	struct stats_entry *e;
	unsigned nr, cap;
	uint64_t t_ns; /* CLOCK_MONOTONIC when taken */
	bool oom;      /* incomplete (out of memory) */
};

/* Reads every counter into `out` (which it initialises). */
void stats_snapshot(const struct stats *s, struct stats_snap *out);
/* Adds v to `name` in snap (creating it at 0 first). */
void stats_snap_add(struct stats_snap *snap, const char *name, uint64_t v);
/* Sorts by name, as stats_snapshot leaves it (for a hand-made one). */
void stats_snap_sort(struct stats_snap *snap);
/* The value of `name`, 0 when absent. */
uint64_t stats_snap_get(const struct stats_snap *snap, const char *name);
void stats_snap_free(struct stats_snap *snap);

/* One JSON Lines record, with its newline:
 * {"t_ns":N,"final":B,"counters":{"name":N,...}}.  malloc'ed; NULL when
 * out of memory. */
char *stats_snap_json(const struct stats_snap *snap, bool final);
/* The readable block for a person: the non-zero counters, grouped by
 * their first name part and aligned, with derived rates (hit ratios,
 * MIPS over `elapsed_ns` when it is not 0). */
void stats_snap_print(FILE *f, const struct stats_snap *snap,
		      uint64_t elapsed_ns);
/* `v` for a person: 12,345 below a million, then 1.23M, 45.6M, 123G. */
void stats_fmt_count(char *buf, size_t size, uint64_t v);

#endif
