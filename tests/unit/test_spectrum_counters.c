/* Reading `gamut run --stats-file` snapshots (src/spectrum/counters.c). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness.h"
#include "spectrum/counters.h"

static long long value_of(const struct counter_set *s, const char *name)
{
	for (unsigned i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].name, name))
			return s->v[i].value;
	return -1;
}

/* A temporary file holding `text`; the caller unlinks it. */
static int temp_with(char *path, const char *text)
{
	int fd;
	size_t n = strlen(text);

	strcpy(path, "/tmp/gamut-test-stats-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	if (write(fd, text, n) != (ssize_t)n) {
		close(fd);
		return -1;
	}
	return close(fd);
}

TEST(spectrum_counters_parse_line)
{
	struct counter_set s = { NULL, 0 };
	struct gerr err = { "" };
	int final = -1;

	CHECK(counters_parse_line("{\"t_ns\": 5, \"final\": true, \"counters\": "
				  "{\"kvm.exit.io\": 12, \"emu.insns\": 9000000000, "
				  "\"odd\": \"x\", \"frac\": 1.5}}", &s, &final, &err) == 0);
	CHECK_EQ(final, 1);
	CHECK_EQ(s.n, 2); /* the string and the fraction are left out */
	CHECK_EQ(value_of(&s, "kvm.exit.io"), 12);
	CHECK_EQ(value_of(&s, "emu.insns"), 9000000000ll);
	CHECK(counters_parse_line("{\"final\": false}", &s, &final, &err) < 0);
	CHECK(s.n == 0);
	CHECK(counters_parse_line("[1,2]", &s, &final, &err) < 0);
	CHECK(counters_parse_line("{\"final\": 0, \"counters\": {}}", &s, &final, &err) < 0);
	CHECK(counters_parse_line("{\"fin", &s, &final, &err) < 0);
	CHECK(err.msg[0]);
	counter_set_free(&s);
}

TEST(spectrum_counters_workload_phase_is_the_two_snapshots_difference)
{
	char path[64];
	struct counter_set d = { NULL, 0 };
	struct gerr err = { "" };

	CHECK(temp_with(path,
			"{\"t_ns\":1,\"final\":false,\"counters\":{\"pio.pit\":10,\"irq.injected\":5,\"mmio.uart\":3}}\n"
			"\n"
			"{\"t_ns\":2,\"final\":false,\"counters\":{\"pio.pit\":1900010,\"irq.injected\":5,"
			"\"mmio.uart\":400003,\"virtq.notify.blk\":7}}\n"
			"{\"t_ns\":3,\"final\":true,\"counters\":{\"pio.pit\":99999999}}\n") == 0);
	CHECK(counters_workload_phase(path, &d, &err) == 0);
	unlink(path);
	CHECK_EQ(d.n, 3); /* irq.injected did not grow */
	CHECK(!strcmp(d.v[0].name, "pio.pit") && d.v[0].value == 1900000);
	CHECK(!strcmp(d.v[1].name, "mmio.uart") && d.v[1].value == 400000);
	CHECK(!strcmp(d.v[2].name, "virtq.notify.blk") && d.v[2].value == 7);
	counter_set_free(&d);
}

TEST(spectrum_counters_missing_or_short_files_give_none)
{
	char path[64];
	struct counter_set d = { NULL, 0 };
	struct gerr err = { "" };

	CHECK(counters_workload_phase("/nonexistent/stats.jsonl", &d, &err) < 0);
	CHECK(d.n == 0 && d.v == NULL);
	CHECK(temp_with(path, "") == 0);
	CHECK(counters_workload_phase(path, &d, &err) < 0);
	unlink(path);
	CHECK(d.n == 0);
	/* a guest that exited before gamut read the second SIGUSR1: the
	 * final record ends the phase */
	CHECK(temp_with(path, "{\"t_ns\":1,\"final\":false,\"counters\":{\"a\":1}}\n"
			      "{\"t_ns\":2,\"final\":true,\"counters\":{\"a\":9}}\n") == 0);
	CHECK(counters_workload_phase(path, &d, &err) == 0);
	CHECK(d.n == 1 && !strcmp(d.v[0].name, "a") && d.v[0].value == 8);
	counter_set_free(&d);
	unlink(path);
	/* only the final record: no start snapshot, no phase */
	CHECK(temp_with(path, "{\"t_ns\":2,\"final\":true,\"counters\":{\"a\":9}}\n") == 0);
	CHECK(counters_workload_phase(path, &d, &err) < 0);
	CHECK(strstr(err.msg, "0 of the 2 snapshots"));
	unlink(path);
	CHECK(temp_with(path, "not json\n") == 0);
	CHECK(counters_workload_phase(path, &d, &err) < 0);
	unlink(path);
	CHECK(d.n == 0);
}

TEST(spectrum_counters_top_n_note)
{
	struct counter v[] = { { "pio.pit", 1900000 }, { "irq.injected", 400000 },
			       { "emu.insns", 950 }, { "mmio.x", 1 } };
	struct counter emu[] = { { "emu.insns", 5400000000ll }, { "emu.insns.jit", 5292000000ll },
				 { "emu.blocks.lookups", 5300000 }, { "pio.pit", 1200 },
				 { "irq.injected", 300 }, { "pio.uart", 20 } };
	struct counter_set before = { NULL, 0 }, after = { v, 4 }, d;
	char note[128], num[16];

	CHECK(counters_diff(&before, &after, &d) == 0);
	counters_note(&d, 2, note, sizeof(note));
	CHECK(!strcmp(note, "950 insns, 0% compiled, 1.9M pio.pit"));
	counter_set_free(&d);
	/* Instructions are summarised once; the events follow, largest first. */
	after = (struct counter_set){ emu, 6 };
	CHECK(counters_diff(&before, &after, &d) == 0);
	counters_note(&d, 3, note, sizeof(note));
	CHECK(!strcmp(note, "5.4G insns, 98% compiled, 1.2k pio.pit, 300 irq.injected"));
	counter_set_free(&d);
	/* Without the software CPU (kvm, pv on kvm): the largest events. */
	after = (struct counter_set){ v, 2 };
	CHECK(counters_diff(&before, &after, &d) == 0);
	counters_note(&d, 3, note, sizeof(note));
	CHECK(!strcmp(note, "1.9M pio.pit, 400.0k irq.injected"));
	counter_set_free(&d);
	d = (struct counter_set){ NULL, 0 };
	counters_note(&d, 3, note, sizeof(note));
	CHECK(note[0] == '\0');
	counters_fmt_count(12345, num, sizeof(num));
	CHECK(!strcmp(num, "12.3k"));
	counters_fmt_count(999950, num, sizeof(num));
	CHECK(!strcmp(num, "1.0M"));
	counters_fmt_count(4000000000ll, num, sizeof(num));
	CHECK(!strcmp(num, "4.0G"));
}
