/* gamut spectrum's JSON and SVG writers (src/spectrum/json.c, svg.c) on a
 * made-up table: the JSON parsed back with json-c, the SVG checked by
 * xmllint and its bars counted. */
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness.h"
#include "spectrum/report.h"

static struct counter pv_ctr[] = { { "pv.hypercall.console", 3 }, { "emu.insns", 2000 } };

static void measured_row(struct spectrum_row *r, const char *mode, const char *cpu,
			 const char *guest, double boot_ms, double work_ms)
{
	snprintf(r->mode, sizeof(r->mode), "%s", mode);
	snprintf(r->cpu, sizeof(r->cpu), "%s", cpu);
	r->guest = guest;
	r->status = ROW_OK;
	r->runs = 3;
	r->to_start = (struct spread){ boot_ms, boot_ms * 0.98, boot_ms * 1.05 };
	r->work = (struct spread){ work_ms, work_ms * 0.9, work_ms * 1.15 };
	r->noisy_work = spread_noisy(&r->work);
	r->noisy_start = spread_noisy(&r->to_start);
}

/* native, pv on emu (with counters), a skipped and a failed row whose note
 * needs escaping. */
static struct spectrum *made_up(void)
{
	static struct counter_set cs = { pv_ctr, 2 };
	struct spectrum *sp = calloc(1, sizeof(*sp));

	if (!sp)
		return NULL;
	sp->opts.rounds = "60000";
	sp->opts.runs = 3;
	sp->host_cpus = 2;
	sp->load_start = 0.5;
	sp->load_end = 1.25;
	measured_row(&sp->rows[0], "native", "-", "static binary", 1.5, 1000);
	measured_row(&sp->rows[1], "pv", "emu", "pv sdk", 30, 3000);
	sp->rows[1].counters = &cs;
	snprintf(sp->rows[2].mode, sizeof(sp->rows[2].mode), "pvh");
	snprintf(sp->rows[2].cpu, sizeof(sp->rows[2].cpu), "kvm");
	sp->rows[2].guest = "kit vmlinux";
	sp->rows[2].status = ROW_SKIPPED;
	snprintf(sp->rows[2].note, sizeof(sp->rows[2].note), "not runnable here: no /dev/kvm");
	snprintf(sp->rows[3].mode, sizeof(sp->rows[3].mode), "hvm");
	snprintf(sp->rows[3].cpu, sizeof(sp->rows[3].cpu), "emu");
	sp->rows[3].guest = "kit bzImage";
	sp->rows[3].status = ROW_FAILED;
	snprintf(sp->rows[3].note, sizeof(sp->rows[3].note), "run 2: exit 1 <&> \"x\" 'y'");
	sp->nr = 4;
	return sp;
}

static double get_d(struct json_object *o, const char *a, const char *b)
{
	struct json_object *x, *y;

	if (!json_object_object_get_ex(o, a, &x))
		return NAN;
	if (!b)
		return json_object_get_double(x);
	return json_object_object_get_ex(x, b, &y) ? json_object_get_double(y) : NAN;
}

static const char *get_s(struct json_object *o, const char *k)
{
	struct json_object *x;

	return json_object_object_get_ex(o, k, &x) ? json_object_get_string(x) : "";
}

TEST(spectrum_json_parses_back)
{
	struct spectrum *sp = made_up();
	char path[] = "/tmp/gamut-test-spectrum-XXXXXX";
	struct json_object *doc, *rows, *r, *x, *c;
	struct gerr err = { "" };
	int fd = mkstemp(path);

	CHECK(sp && fd >= 0);
	close(fd);
	CHECK(spectrum_json(path, sp, &err) == 0);
	doc = json_object_from_file(path);
	unlink(path);
	free(sp);
	CHECK(doc);
	CHECK_EQ(json_object_get_int(json_object_object_get(doc, "rounds")), 60000);
	CHECK(fabs(get_d(json_object_object_get(doc, "host"), "load_end", NULL) - 1.25) < 1e-9);
	CHECK_EQ(json_object_get_int(json_object_object_get(json_object_object_get(doc, "host"),
							    "cpus")), 2);
	CHECK(json_object_object_get_ex(doc, "rows", &rows));
	CHECK_EQ(json_object_array_length(rows), 4);

	r = json_object_array_get_idx(rows, 0);
	CHECK(!strcmp(get_s(r, "mode"), "native") && !strcmp(get_s(r, "status"), "ok"));
	CHECK(fabs(get_d(r, "workload_s", "median") - 1.0) < 1e-9);
	CHECK(fabs(get_d(r, "workload_s", "min") - 0.9) < 1e-9);
	CHECK(fabs(get_d(r, "to_workload_s", "median") - 0.0015) < 1e-9);
	CHECK(fabs(get_d(r, "vs_native", NULL) - 1.0) < 1e-9);

	r = json_object_array_get_idx(rows, 1);
	CHECK(!strcmp(get_s(r, "guest"), "pv sdk") && !strcmp(get_s(r, "cpu"), "emu"));
	CHECK_EQ(json_object_get_int(json_object_object_get(r, "runs")), 3);
	CHECK(fabs(get_d(r, "vs_native", NULL) - 3.0) < 1e-9);
	CHECK(json_object_get_boolean(json_object_object_get(
		json_object_object_get(r, "workload_s"), "noisy")));
	CHECK(json_object_object_get_ex(r, "counters", &c));
	CHECK_EQ(json_object_get_int64(json_object_object_get(c, "emu.insns")), 2000);
	CHECK_EQ(json_object_object_length(c), 2);

	r = json_object_array_get_idx(rows, 2);
	CHECK(!strcmp(get_s(r, "status"), "skipped"));
	CHECK(strstr(get_s(r, "note"), "no /dev/kvm"));
	CHECK(json_object_object_get_ex(r, "workload_s", &x) && x == NULL);
	CHECK(json_object_object_get_ex(r, "vs_native", &x) && x == NULL);

	r = json_object_array_get_idx(rows, 3);
	CHECK(!strcmp(get_s(r, "status"), "failed"));
	CHECK(!strcmp(get_s(r, "note"), "run 2: exit 1 <&> \"x\" 'y'"));
	json_object_put(doc);
}

static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

TEST(spectrum_svg_is_well_formed_with_one_bar_per_row)
{
	struct spectrum *sp = made_up();
	char path[] = "/tmp/gamut-test-spectrum-XXXXXX", cmd[128], text[32768];
	struct gerr err = { "" };
	int fd = mkstemp(path);
	FILE *f;
	size_t n;

	CHECK(sp && fd >= 0);
	close(fd);
	CHECK(spectrum_svg(path, sp, &err) == 0);
	free(sp);
	f = fopen(path, "r");
	CHECK(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	CHECK_EQ(count(text, "<g class=\"row "), 4);
	CHECK_EQ(count(text, "class=\"bar work\""), 2); /* the rows that ran */
	CHECK_EQ(count(text, "class=\"bar boot\""), 2);
	CHECK_EQ(count(text, "<g class=\"row skipped\""), 1);
	CHECK_EQ(count(text, "<g class=\"row failed\""), 1);
	CHECK(strstr(text, "exit 1 &lt;&amp;&gt; &quot;x&quot; &apos;y&apos;"));
	CHECK(strstr(text, ">3.00x noisy<"));
	if (access("/usr/bin/xmllint", X_OK) != 0) {
		unlink(path);
		SKIP("no xmllint (libxml2-utils; scripts/install-deps.sh)");
	}
	snprintf(cmd, sizeof(cmd), "xmllint --noout %s 2>&1", path);
	CHECK(system(cmd) == 0);
	unlink(path);
}
