#include "core/bus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stats.h"

struct bus_counter {
	struct bus_counter *next;
	uint64_t n; /* atomic: vCPUs on several threads count here */
	char name[];
};

void bus_init(struct bus *b, const char *name)
{
	memset(b, 0, sizeof(*b));
	b->name = name;
	pthread_rwlock_init(&b->lock, NULL);
}

void bus_destroy(struct bus *b)
{
	while (b->counters) {
		struct bus_counter *next = b->counters->next;

		free(b->counters);
		b->counters = next;
	}
	free(b->ranges);
	pthread_rwlock_destroy(&b->lock);
	b->ranges = NULL;
	b->nr = b->cap = 0;
}

/* Index of the first range whose base is greater than addr. */
static unsigned upper_bound(const struct bus *b, uint64_t addr)
{
	unsigned lo = 0, hi = b->nr;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (b->ranges[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct bus_range *lookup(const struct bus *b, uint64_t addr)
{
	unsigned i = upper_bound(b, addr);
	const struct bus_range *r;

	if (i == 0)
		return NULL;
	r = &b->ranges[i - 1];
	return addr - r->base < r->len ? r : NULL;
}

/* The counter of `name`, made on first use; NULL when out of memory
 * (the range then goes uncounted).  Called with the write lock held. */
static uint64_t *counter_for(struct bus *b, const char *name)
{
	struct bus_counter *c;
	size_t len = strlen(name);

	for (c = b->counters; c; c = c->next)
		if (!strcmp(c->name, name))
			return &c->n;
	c = calloc(1, sizeof(*c) + len + 1);
	if (!c)
		return NULL;
	memcpy(c->name, name, len + 1);
	c->next = b->counters;
	b->counters = c;
	return &c->n;
}

int bus_register(struct bus *b, uint64_t base, uint64_t len, bus_io_fn fn,
		 void *opaque, const char *name, struct gerr *err)
{
	unsigned i;
	int ret = 0;

	if (!len || base + len < base)
		return gerr_set(err, "%s: %s: bad range 0x%llx+0x%llx", b->name,
				name, (unsigned long long)base,
				(unsigned long long)len);
	pthread_rwlock_wrlock(&b->lock);
	i = upper_bound(b, base);
	if (i > 0 && base - b->ranges[i - 1].base < b->ranges[i - 1].len) {
		ret = gerr_set(err, "%s: %s at 0x%llx overlaps %s", b->name, name,
			       (unsigned long long)base, b->ranges[i - 1].name);
		goto out;
	}
	if (i < b->nr && b->ranges[i].base - base < len) {
		ret = gerr_set(err, "%s: %s at 0x%llx overlaps %s", b->name, name,
			       (unsigned long long)base, b->ranges[i].name);
		goto out;
	}
	if (b->nr == b->cap) {
		unsigned cap = b->cap ? b->cap * 2 : 16;
		struct bus_range *n = realloc(b->ranges, cap * sizeof(*n));

		if (!n) {
			ret = gerr_set(err, "%s: out of memory", b->name);
			goto out;
		}
		b->ranges = n;
		b->cap = cap;
	}
	memmove(&b->ranges[i + 1], &b->ranges[i], (b->nr - i) * sizeof(*b->ranges));
	b->ranges[i] = (struct bus_range){ base, len, fn, opaque, name,
					   counter_for(b, name) };
	b->nr++;
out:
	pthread_rwlock_unlock(&b->lock);
	return ret;
}

int bus_unregister(struct bus *b, uint64_t base)
{
	unsigned i;
	int ret = -1;

	pthread_rwlock_wrlock(&b->lock);
	i = upper_bound(b, base);
	if (i > 0 && b->ranges[i - 1].base == base) {
		memmove(&b->ranges[i - 1], &b->ranges[i],
			(b->nr - i) * sizeof(*b->ranges));
		b->nr--;
		ret = 0;
	}
	pthread_rwlock_unlock(&b->lock);
	return ret;
}

int bus_register_all(struct bus *b, const struct bus_range *r, unsigned n,
		     struct gerr *err)
{
	for (unsigned i = 0; i < n; i++) {
		if (bus_register(b, r[i].base, r[i].len, r[i].fn, r[i].opaque,
				 r[i].name, err) < 0) {
			bus_unregister_all(b, r, i);
			return -1;
		}
	}
	return 0;
}

void bus_unregister_all(struct bus *b, const struct bus_range *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		bus_unregister(b, r[i].base);
}

bool bus_access(struct bus *b, uint64_t addr, void *data, unsigned len,
		bool is_write, int cpu)
{
	const struct bus_range *r;
	bus_io_fn fn = NULL;
	void *opaque = NULL;
	uint64_t off = 0, *count = NULL;

	pthread_rwlock_rdlock(&b->lock);
	r = lookup(b, addr);
	if (r && len <= r->len - (addr - r->base)) {
		fn = r->fn;
		opaque = r->opaque;
		off = addr - r->base;
		count = r->count;
	}
	pthread_rwlock_unlock(&b->lock);
	if (fn) {
		/* Counters are never freed before the bus: no lock needed. */
		if (count)
			__atomic_fetch_add(count, 1, __ATOMIC_RELAXED);
		fn(opaque, off, data, len, is_write, cpu);
		return true;
	}
	__atomic_fetch_add(&b->unclaimed, 1, __ATOMIC_RELAXED);
	if (!is_write)
		memset(data, 0xff, len);
	return false;
}

void bus_stats(struct bus *b, struct stats_snap *snap)
{
	char name[STATS_NAME_MAX];

	/* The list only grows at its head, under the write lock. */
	pthread_rwlock_rdlock(&b->lock);
	for (const struct bus_counter *c = b->counters; c; c = c->next) {
		snprintf(name, sizeof(name), "%s.%s", b->name, c->name);
		stats_snap_add(snap, name, __atomic_load_n(&c->n, __ATOMIC_RELAXED));
	}
	pthread_rwlock_unlock(&b->lock);
	snprintf(name, sizeof(name), "%s.unclaimed", b->name);
	stats_snap_add(snap, name, __atomic_load_n(&b->unclaimed, __ATOMIC_RELAXED));
}
