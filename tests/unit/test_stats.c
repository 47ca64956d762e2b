/* core/stats: registration, summing by name, the JSON record (parsed back
 * with json-c) and the block a person reads. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "core/stats.h"

static void two_names(void *opaque, struct stats_snap *snap)
{
	const uint64_t *v = opaque;

	stats_snap_add(snap, "pio.Pit", v[0]); /* cleaned to pio.pit */
	stats_snap_add(snap, "kvm.exit.io", v[1]);
}

TEST(stats_sums_by_name_and_sorts)
{
	struct stats st = { 0 }; /* zeroed: an empty registry */
	struct stats_snap snap;
	uint64_t cpu0 = 5, cpu1 = 7, src[2] = { 11, 13 }, pit = 100;

	stats_counter(&st, "emu.insns", &cpu0);
	stats_counter(&st, "emu.insns", &cpu1);
	stats_counter(&st, "pio.pit", &pit);
	stats_source(&st, two_names, src);
	stats_counter(&st, "weird name/x", &cpu0);
	cpu1 = 9; /* read when the snapshot is taken, not when registered */
	stats_snapshot(&st, &snap);
	CHECK(!snap.oom);
	CHECK(snap.t_ns > 0);
	CHECK_EQ(snap.nr, 4);
	CHECK(!strcmp(snap.e[0].name, "emu.insns"));
	CHECK_EQ(snap.e[0].value, 14);
	CHECK(!strcmp(snap.e[1].name, "kvm.exit.io"));
	CHECK_EQ(snap.e[1].value, 13);
	CHECK(!strcmp(snap.e[2].name, "pio.pit"));
	CHECK_EQ(snap.e[2].value, 111);
	CHECK(!strcmp(snap.e[3].name, "weird-name-x"));
	CHECK_EQ(stats_snap_get(&snap, "nothing.here"), 0);
	stats_snap_free(&snap);
	stats_destroy(&st);
	CHECK_EQ(st.nr, 0);
}

TEST(stats_long_names_are_cut)
{
	struct stats_snap snap = { 0 };
	char name[200];

	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	stats_snap_add(&snap, name, 1);
	stats_snap_add(&snap, name, 2);
	CHECK_EQ(snap.nr, 1);
	CHECK_EQ(strlen(snap.e[0].name), STATS_NAME_MAX - 1);
	CHECK_EQ(snap.e[0].value, 3);
	stats_snap_free(&snap);
}

TEST(stats_json_record_parses_back)
{
	struct stats_snap snap = { 0 };
	json_object *o, *c, *v;
	char *line;

	snap.t_ns = 123456789012ull;
	stats_snap_add(&snap, "emu.insns", 1650000000ull);
	stats_snap_add(&snap, "pio.uart", 0);
	stats_snap_add(&snap, "huge", UINT64_MAX); /* clamped, not negative */
	line = stats_snap_json(&snap, false);
	CHECK(line != NULL);
	/* One line: JSON Lines. */
	CHECK(strchr(line, '\n') == line + strlen(line) - 1);
	o = json_tokener_parse(line);
	free(line);
	CHECK(o != NULL);
	CHECK(json_object_object_get_ex(o, "t_ns", &v));
	CHECK_EQ(json_object_get_int64(v), 123456789012ull);
	CHECK(json_object_object_get_ex(o, "final", &v));
	CHECK(json_object_is_type(v, json_type_boolean));
	CHECK(!json_object_get_boolean(v));
	CHECK(!json_object_object_get_ex(o, "incomplete", &v));
	CHECK(json_object_object_get_ex(o, "counters", &c));
	CHECK_EQ(json_object_object_length(c), 3);
	CHECK(json_object_object_get_ex(c, "emu.insns", &v));
	CHECK(json_object_is_type(v, json_type_int));
	CHECK_EQ(json_object_get_int64(v), 1650000000ull);
	CHECK(json_object_object_get_ex(c, "pio.uart", &v)); /* zeros too */
	CHECK_EQ(json_object_get_int64(v), 0);
	CHECK(json_object_object_get_ex(c, "huge", &v));
	CHECK_EQ(json_object_get_int64(v), INT64_MAX);
	json_object_put(o);

	snap.oom = true;
	line = stats_snap_json(&snap, true);
	CHECK(line != NULL);
	o = json_tokener_parse(line);
	free(line);
	CHECK(o != NULL);
	CHECK(json_object_object_get_ex(o, "final", &v) && json_object_get_boolean(v));
	CHECK(json_object_object_get_ex(o, "incomplete", &v) && json_object_get_boolean(v));
	json_object_put(o);
	stats_snap_free(&snap);
}

TEST(stats_count_format)
{
	static const struct { uint64_t v; const char *s; } cases[] = {
		{ 0, "0" }, { 999, "999" }, { 1000, "1,000" }, { 12345, "12,345" },
		{ 999999, "999,999" }, { 1000000, "1.00M" }, { 1234567, "1.23M" },
		{ 45600000, "45.6M" }, { 789000000, "789M" }, { 1650000000, "1.65G" },
		{ 2000000000000ull, "2.00T" },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		stats_fmt_count(buf, sizeof(buf), cases[i].v);
		if (strcmp(buf, cases[i].s)) {
			printf("  %llu: '%s', expected '%s'\n",
			       (unsigned long long)cases[i].v, buf, cases[i].s);
			CHECK(!"count format");
		}
	}
}

TEST(stats_human_block)
{
	static const char want[] =
		"gamut: stats after 2.00 s\n"
		"  emu  blocks.decoded     300\n"
		"       blocks.lookups  10,000  (97.0 % hit the decode cache)\n"
		"       insns            1.00G  (500 MIPS)\n"
		"       insns.jit         900M  (90.0 % of instructions)\n"
		"  irq  injected            42\n"
		"  pio  pit              1.90M\n"
		"       uart             1,234\n";
	struct stats_snap snap = { 0 };
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	stats_snap_add(&snap, "pio.uart", 1234);
	stats_snap_add(&snap, "pio.pit", 1900000);
	stats_snap_add(&snap, "pio.unclaimed", 0); /* zeros are left out */
	stats_snap_add(&snap, "emu.insns", 1000000000);
	stats_snap_add(&snap, "emu.insns.jit", 900000000);
	stats_snap_add(&snap, "emu.blocks.lookups", 10000);
	stats_snap_add(&snap, "emu.blocks.decoded", 300);
	stats_snap_add(&snap, "irq.injected", 42);
	stats_snap_sort(&snap);
	f = open_memstream(&out, &len);
	CHECK(f != NULL);
	stats_snap_print(f, &snap, 2000000000ull);
	fclose(f);
	stats_snap_free(&snap);
	if (strcmp(out, want))
		printf("  got:\n%s  expected:\n%s", out, want);
	CHECK(!strcmp(out, want));
	free(out);
}

TEST(stats_human_block_all_zero)
{
	struct stats_snap snap = { 0 };
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	CHECK(f != NULL);
	stats_snap_add(&snap, "pio.uart", 0);
	stats_snap_print(f, &snap, 0);
	fclose(f);
	stats_snap_free(&snap);
	CHECK(!strcmp(out, "gamut: stats\n  (every counter is 0)\n"));
	free(out);
}
