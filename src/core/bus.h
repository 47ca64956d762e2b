/* The I/O buses: one for x86 port I/O, one for MMIO, same interface.
 *
 * A device registers [base, base+len) with one handler that serves both reads
 * and writes, so the same device code works on either bus.  The CPU backend
 * calls bus_access() for every exit or emulated access; it never knows which
 * device answers, and the device never knows which backend asked.
 *
 * Registration may happen while vCPUs run (a guest moving a PCI BAR), so the
 * range table is guarded by a read-write lock; lookups take the read side.
 *
 * Each access is counted under the range's name (ranges with one name share
 * a counter, which outlives them), for `gamut run --stats`. */
#ifndef GAMUT_CORE_BUS_H
#define GAMUT_CORE_BUS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

/* `offset` is relative to the registered base; `data` holds `len` bytes
 * (1, 2, 4 or 8), little-endian. On a read the handler fills `data`.
 * `cpu` is the index of the vCPU making the access (-1: not a vCPU). */
typedef void (*bus_io_fn)(void *opaque, uint64_t offset, void *data,
			  unsigned len, bool is_write, int cpu);

struct bus_range {
	uint64_t base;
	uint64_t len;
	bus_io_fn fn;
	void *opaque;
	const char *name;
	uint64_t *count; /* set by bus_register: the name's counter */
};

struct bus_counter; /* one per range name, kept until bus_destroy */
struct stats_snap;

struct bus {
	const char *name; /* "pio" or "mmio", for messages */
	struct bus_range *ranges; /* sorted by base, never overlapping */
	unsigned nr, cap;
	pthread_rwlock_t lock;
	struct bus_counter *counters;
	uint64_t unclaimed; /* accesses no device took (atomic) */
};

void bus_init(struct bus *b, const char *name);
void bus_destroy(struct bus *b);

/* Fails (with a message naming both devices) if the range overlaps one
 * already registered, or if len is 0 or base+len wraps. */
int bus_register(struct bus *b, uint64_t base, uint64_t len, bus_io_fn fn,
		 void *opaque, const char *name, struct gerr *err);

/* Removes the range registered at exactly `base`; returns -1 if none. */
int bus_unregister(struct bus *b, uint64_t base);

/* For a device with several port ranges: registers all `n` of them, or
 * none (on a failure the ones already added are removed again). */
int bus_register_all(struct bus *b, const struct bus_range *r, unsigned n,
		     struct gerr *err);
void bus_unregister_all(struct bus *b, const struct bus_range *r, unsigned n);

/* Dispatches one access. Returns true when a device took it.  An access no
 * device claims reads as all ones and its write is dropped, as on a PC. An
 * access that straddles the end of a range is not dispatched. */
bool bus_access(struct bus *b, uint64_t addr, void *data, unsigned len,
		bool is_write, int cpu);

/* Adds "<bus name>.<range name>" for every name ever registered, and
 * "<bus name>.unclaimed", to a snapshot (core/stats.h). */
void bus_stats(struct bus *b, struct stats_snap *snap);

#endif
