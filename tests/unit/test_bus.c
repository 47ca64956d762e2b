#include <string.h>

#include "../harness.h"
#include "core/bus.h"
#include "core/stats.h"

static uint64_t last_off;
static unsigned last_len;
static int last_write;

static void dev_io(void *opaque, uint64_t off, void *data, unsigned len,
		   bool is_write, int cpu)
{
	(void)cpu;
	last_off = off;
	last_len = len;
	last_write = is_write;
	if (!is_write)
		memset(data, *(int *)opaque, len);
}

TEST(bus_dispatch_and_overlap)
{
	struct bus b;
	struct gerr err;
	int a = 0x11, c = 0x22;
	uint32_t v = 0;

	bus_init(&b, "test");
	CHECK(bus_register(&b, 0x100, 0x10, dev_io, &a, "a", &err) == 0);
	CHECK(bus_register(&b, 0x200, 0x10, dev_io, &c, "c", &err) == 0);
	CHECK(bus_register(&b, 0x108, 0x10, dev_io, &c, "x", &err) == -1);
	CHECK(strstr(err.msg, "overlaps a") != NULL);
	CHECK(bus_register(&b, 0xf8, 0x10, dev_io, &c, "y", &err) == -1);
	CHECK(bus_register(&b, ~0ull - 4, 0x10, dev_io, &c, "wrap", &err) == -1);
	CHECK(bus_register(&b, 0x300, 0, dev_io, &c, "empty", &err) == -1);
	CHECK(bus_access(&b, 0x104, &v, 4, false, 0));
	CHECK_EQ(v, 0x11111111);
	CHECK_EQ(last_off, 4);
	CHECK(bus_access(&b, 0x20c, &v, 4, true, 0));
	CHECK_EQ(last_write, 1);
	/* Straddling the end of a range is not dispatched. */
	CHECK(!bus_access(&b, 0x10e, &v, 4, false, 0));
	CHECK_EQ(v, 0xffffffff);
	CHECK(!bus_access(&b, 0x50, &v, 2, false, 0));
	CHECK(bus_unregister(&b, 0x100) == 0);
	CHECK(!bus_access(&b, 0x104, &v, 4, false, 0));
	CHECK(bus_unregister(&b, 0x100) == -1);
	bus_destroy(&b);
}

TEST(bus_register_all_is_all_or_nothing)
{
	struct bus b;
	struct gerr err;
	int a = 0x11;
	uint8_t v;
	const struct bus_range ok[2] = {
		{ .base = 0x20, .len = 2, .fn = dev_io, .opaque = &a, .name = "one" },
		{ .base = 0xa0, .len = 2, .fn = dev_io, .opaque = &a, .name = "two" },
	};
	const struct bus_range clash[3] = {
		{ .base = 0x40, .len = 4, .fn = dev_io, .opaque = &a, .name = "first" },
		{ .base = 0x60, .len = 1, .fn = dev_io, .opaque = &a, .name = "second" },
		{ .base = 0xa1, .len = 1, .fn = dev_io, .opaque = &a, .name = "clash" },
	};

	bus_init(&b, "test");
	CHECK(bus_register_all(&b, ok, 2, &err) == 0);
	CHECK(bus_access(&b, 0xa1, &v, 1, false, 0));
	/* The third range overlaps "two": the first two must be gone again. */
	CHECK(bus_register_all(&b, clash, 3, &err) == -1);
	CHECK(strstr(err.msg, "overlaps") != NULL);
	CHECK(!bus_access(&b, 0x40, &v, 1, false, 0));
	CHECK(!bus_access(&b, 0x60, &v, 1, false, 0));
	bus_unregister_all(&b, ok, 2);
	CHECK(!bus_access(&b, 0x20, &v, 1, false, 0));
	CHECK(!bus_access(&b, 0xa0, &v, 1, false, 0));
	bus_destroy(&b);
}

TEST(bus_counts_accesses_by_range_name)
{
	struct bus b;
	struct gerr err;
	struct stats_snap snap = { 0 };
	int a = 0x11;
	uint8_t v[2];

	bus_init(&b, "pio");
	CHECK(bus_register(&b, 0x20, 2, dev_io, &a, "pic", &err) == 0);
	CHECK(bus_register(&b, 0xa0, 2, dev_io, &a, "pic", &err) == 0);
	CHECK(bus_register(&b, 0x40, 4, dev_io, &a, "pit", &err) == 0);
	for (int i = 0; i < 3; i++)
		bus_access(&b, 0x21, v, 1, false, 0);
	bus_access(&b, 0xa0, v, 1, true, 0);
	bus_access(&b, 0x43, v, 1, true, 0);
	bus_access(&b, 0x80, v, 1, true, 0); /* nobody's */
	bus_access(&b, 0x43, v, 2, false, 0); /* straddles: unclaimed */
	/* The count outlives the range (a PCI BAR moving away). */
	CHECK(bus_unregister(&b, 0x40) == 0);
	bus_stats(&b, &snap);
	CHECK_EQ(stats_snap_get(&snap, "pio.pic"), 4);
	CHECK_EQ(stats_snap_get(&snap, "pio.pit"), 1);
	CHECK_EQ(stats_snap_get(&snap, "pio.unclaimed"), 2);
	CHECK_EQ(snap.nr, 3);
	stats_snap_free(&snap);
	bus_destroy(&b);
}
