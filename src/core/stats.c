#include "core/stats.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct stats_reg {
	char name[STATS_NAME_MAX];
	const uint64_t *p;    /* a counter, or NULL for a source */
	stats_source_fn fn;
	void *opaque;
};

static void copy_name(char *dst, const char *src)
{
	size_t i = 0;

	for (; src[i] && i + 1 < STATS_NAME_MAX; i++) {
		char ch = src[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		else if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
			   ch == '.' || ch == '_' || ch == '-'))
			ch = '-';
		dst[i] = ch;
	}
	dst[i] = '\0';
}

static struct stats_reg *reg_new(struct stats *s)
{
	if (s->nr == s->cap) {
		unsigned cap = s->cap ? s->cap * 2 : 64;
		struct stats_reg *n = realloc(s->reg, cap * sizeof(*n));

		if (!n) {
			s->oom = true;
			return NULL;
		}
		s->reg = n;
		s->cap = cap;
	}
	return memset(&s->reg[s->nr++], 0, sizeof(*s->reg));
}

void stats_counter(struct stats *s, const char *name, const uint64_t *p)
{
	struct stats_reg *r = reg_new(s);

	if (r) {
		copy_name(r->name, name);
		r->p = p;
	}
}

void stats_source(struct stats *s, stats_source_fn fn, void *opaque)
{
	struct stats_reg *r = reg_new(s);

	if (r) {
		r->fn = fn;
		r->opaque = opaque;
	}
}

void stats_destroy(struct stats *s)
{
	free(s->reg);
	memset(s, 0, sizeof(*s));
}

static struct stats_entry *snap_find(const struct stats_snap *snap,
				     const char *name)
{
	for (unsigned i = 0; i < snap->nr; i++)
		if (!strcmp(snap->e[i].name, name))
			return &snap->e[i];
	return NULL;
}

void stats_snap_add(struct stats_snap *snap, const char *name, uint64_t v)
{
	char clean[STATS_NAME_MAX];
	struct stats_entry *e;

	copy_name(clean, name);
	e = snap_find(snap, clean);
	if (!e) {
		if (snap->nr == snap->cap) {
			unsigned cap = snap->cap ? snap->cap * 2 : 64;
			struct stats_entry *n = realloc(snap->e, cap * sizeof(*n));

			if (!n) {
				snap->oom = true;
				return;
			}
			snap->e = n;
			snap->cap = cap;
		}
		e = &snap->e[snap->nr++];
		memcpy(e->name, clean, sizeof(clean));
		e->value = 0;
	}
	e->value += v;
}

uint64_t stats_snap_get(const struct stats_snap *snap, const char *name)
{
	const struct stats_entry *e = snap_find(snap, name);

	return e ? e->value : 0;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct stats_entry *)a)->name,
		      ((const struct stats_entry *)b)->name);
}

void stats_snap_sort(struct stats_snap *snap)
{
	if (snap->nr)
		qsort(snap->e, snap->nr, sizeof(*snap->e), entry_cmp);
}

void stats_snapshot(const struct stats *s, struct stats_snap *out)
{
	struct timespec ts;

	memset(out, 0, sizeof(*out));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	out->t_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	out->oom = s->oom;
	for (unsigned i = 0; i < s->nr; i++) {
		const struct stats_reg *r = &s->reg[i];

		/* Relaxed: the owner counts without atomics; this load may
		 * miss its latest increments (see the header). */
		if (r->p)
			stats_snap_add(out, r->name,
				       __atomic_load_n(r->p, __ATOMIC_RELAXED));
		else
			r->fn(r->opaque, out);
	}
	stats_snap_sort(out);
}

void stats_snap_free(struct stats_snap *snap)
{
	free(snap->e);
	memset(snap, 0, sizeof(*snap));
}

static int64_t json_count(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

char *stats_snap_json(const struct stats_snap *snap, bool final)
{
	json_object *o = json_object_new_object(), *c = json_object_new_object();
	char *line = NULL;
	const char *s;

	if (!o || !c)
		goto out;
	json_object_object_add(o, "t_ns", json_object_new_int64(json_count(snap->t_ns)));
	json_object_object_add(o, "final", json_object_new_boolean(final));
	if (snap->oom)
		json_object_object_add(o, "incomplete", json_object_new_boolean(1));
	for (unsigned i = 0; i < snap->nr; i++)
		json_object_object_add(c, snap->e[i].name,
				       json_object_new_int64(json_count(snap->e[i].value)));
	json_object_object_add(o, "counters", c);
	c = NULL; /* o owns it */
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (s && asprintf(&line, "%s\n", s) < 0)
		line = NULL;
out:
	json_object_put(c);
	json_object_put(o);
	return line;
}

void stats_fmt_count(char *buf, size_t size, uint64_t v)
{
	static const struct { uint64_t unit; char suffix; } big[] = {
		{ 1000000000000ull, 'T' }, { 1000000000ull, 'G' }, { 1000000ull, 'M' },
	};

	if (v < 1000000) {
		if (v < 1000)
			snprintf(buf, size, "%" PRIu64, v);
		else
			snprintf(buf, size, "%" PRIu64 ",%03" PRIu64, v / 1000,
				 v % 1000);
		return;
	}
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		double x = (double)v / (double)big[i].unit;

		if (v < big[i].unit)
			continue;
		/* Three significant digits: 1.23M, 45.6M, 789M. */
		snprintf(buf, size, x < 10 ? "%.2f%c" : x < 100 ? "%.1f%c" : "%.0f%c",
			 x, big[i].suffix);
		return;
	}
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0;
}

/* A rate that explains a counter: the decode cache's hits, the share of
 * instructions compiled code ran, the software CPU's speed. */
static void derived(const struct stats_snap *snap, const char *name,
		    uint64_t v, uint64_t elapsed_ns, char *buf, size_t size)
{
	buf[0] = '\0';
	if (!strcmp(name, "emu.blocks.lookups")) {
		uint64_t miss = stats_snap_get(snap, "emu.blocks.decoded");

		snprintf(buf, size, "(%.1f %% hit the decode cache)",
			 pct(v > miss ? v - miss : 0, v));
	} else if (!strcmp(name, "emu.insns.jit")) {
		snprintf(buf, size, "(%.1f %% of instructions)",
			 pct(v, stats_snap_get(snap, "emu.insns")));
	} else if (!strcmp(name, "emu.insns") && elapsed_ns) {
		snprintf(buf, size, "(%.3g MIPS)",
			 (double)v * 1e3 / (double)elapsed_ns);
	}
}

void stats_snap_print(FILE *f, const struct stats_snap *snap,
		      uint64_t elapsed_ns)
{
	size_t gw = 0, nw = 0, vw = 0;
	char prev[STATS_NAME_MAX] = "";
	bool any = false;

	for (unsigned i = 0; i < snap->nr; i++) {
		const char *n = snap->e[i].name, *dot = strchr(n, '.');
		char v[32];

		if (!snap->e[i].value)
			continue;
		stats_fmt_count(v, sizeof(v), snap->e[i].value);
		if (strlen(v) > vw)
			vw = strlen(v);
		if (dot) {
			if ((size_t)(dot - n) > gw)
				gw = (size_t)(dot - n);
			if (strlen(dot + 1) > nw)
				nw = strlen(dot + 1);
		} else if (strlen(n) > gw) {
			gw = strlen(n);
		}
		any = true;
	}
	fprintf(f, "gamut: stats");
	if (elapsed_ns)
		fprintf(f, " after %.2f s", (double)elapsed_ns / 1e9);
	fprintf(f, "%s\n", snap->oom ? " (incomplete: out of memory)" : "");
	if (!any) {
		fprintf(f, "  (every counter is 0)\n");
		return;
	}
	for (unsigned i = 0; i < snap->nr; i++) {
		const char *n = snap->e[i].name, *dot = strchr(n, '.');
		char group[STATS_NAME_MAX], v[32], why[96];
		size_t gl = dot ? (size_t)(dot - n) : strlen(n);

		if (!snap->e[i].value)
			continue;
		memcpy(group, n, gl);
		group[gl] = '\0';
		stats_fmt_count(v, sizeof(v), snap->e[i].value);
		derived(snap, n, snap->e[i].value, elapsed_ns, why, sizeof(why));
		fprintf(f, "  %-*s  %-*s  %*s%s%s\n", (int)gw,
			strcmp(group, prev) ? group : "", (int)nw, dot ? dot + 1 : "",
			(int)vw, v, why[0] ? "  " : "", why);
		memcpy(prev, group, sizeof(prev));
	}
}
