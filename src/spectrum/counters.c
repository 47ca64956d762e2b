#include "spectrum/counters.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

void counter_set_free(struct counter_set *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

int counters_parse_line(const char *line, struct counter_set *snap, int *final,
			struct gerr *err)
{
	struct json_object *root = json_tokener_parse(line), *fin, *ctr;
	struct json_object_iterator it, end;
	unsigned cap;

	counter_set_free(snap);
	if (!root || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return gerr_set(err, "not a JSON object");
	}
	if (!json_object_object_get_ex(root, "final", &fin) ||
	    !json_object_is_type(fin, json_type_boolean) ||
	    !json_object_object_get_ex(root, "counters", &ctr) ||
	    !json_object_is_type(ctr, json_type_object)) {
		json_object_put(root);
		return gerr_set(err, "no \"final\" boolean or \"counters\" object");
	}
	*final = json_object_get_boolean(fin);
	cap = (unsigned)json_object_object_length(ctr);
	snap->v = calloc(cap ? cap : 1, sizeof(*snap->v));
	if (!snap->v) {
		json_object_put(root);
		return gerr_set(err, "out of memory");
	}
	it = json_object_iter_begin(ctr);
	end = json_object_iter_end(ctr);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		struct json_object *v = json_object_iter_peek_value(&it);
		const char *name = json_object_iter_peek_name(&it);

		if (!json_object_is_type(v, json_type_int) ||
		    strlen(name) >= COUNTER_NAME_MAX)
			continue;
		snprintf(snap->v[snap->n].name, COUNTER_NAME_MAX, "%s", name);
		snap->v[snap->n++].value = json_object_get_int64(v);
	}
	json_object_put(root);
	return 0;
}

static int cmp_desc(const void *a, const void *b)
{
	const struct counter *x = a, *y = b;

	if (x->value != y->value)
		return x->value < y->value ? 1 : -1;
	return strcmp(x->name, y->name);
}

int counters_diff(const struct counter_set *before, const struct counter_set *after,
		  struct counter_set *out)
{
	out->n = 0;
	out->v = calloc(after->n ? after->n : 1, sizeof(*out->v));
	if (!out->v)
		return -1;
	for (unsigned i = 0; i < after->n; i++) {
		long long was = 0;

		for (unsigned j = 0; j < before->n; j++)
			if (!strcmp(before->v[j].name, after->v[i].name)) {
				was = before->v[j].value;
				break;
			}
		if (after->v[i].value > was) {
			out->v[out->n] = after->v[i];
			out->v[out->n++].value -= was;
		}
	}
	qsort(out->v, out->n, sizeof(*out->v), cmp_desc);
	return 0;
}

int counters_workload_phase(const char *path, struct counter_set *out,
			    struct gerr *err)
{
	struct counter_set snaps[2] = { { NULL, 0 }, { NULL, 0 } }, cur = { NULL, 0 };
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	unsigned got = 0, lineno = 0;
	int ret = -1;

	out->v = NULL;
	out->n = 0;
	if (!f)
		return gerr_errno(err, errno, "%s", path);
	while (got < 2 && getline(&line, &cap, f) > 0) {
		int final = 0;

		lineno++;
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if (counters_parse_line(line, &cur, &final, err) < 0) {
			gerr_prefix(err, "%s:%u: ", path, lineno);
			goto out;
		}
		if (!final || got == 1) {
			/* A guest that ends right after its done line (the PV
			 * workload) can exit before gamut reads the second
			 * SIGUSR1: the final record, taken just after, stands
			 * in for it. */
			snaps[got++] = cur;
			cur = (struct counter_set){ NULL, 0 };
		}
	}
	if (got < 2) {
		gerr_set(err, "%s: %u of the 2 snapshots (start, done)", path, got);
		goto out;
	}
	if (counters_diff(&snaps[0], &snaps[1], out) < 0) {
		gerr_set(err, "out of memory");
		goto out;
	}
	ret = 0;
out:
	counter_set_free(&cur);
	counter_set_free(&snaps[0]);
	counter_set_free(&snaps[1]);
	free(line);
	fclose(f);
	return ret;
}

void counters_fmt_count(long long v, char *buf, size_t n)
{
	static const char unit[] = "kMGTP";
	double d = (double)v;
	int u = -1;

	while ((d >= 999.95 || d <= -999.95) && u < 4) {
		d /= 1000;
		u++;
	}
	if (u < 0)
		snprintf(buf, n, "%lld", v);
	else
		snprintf(buf, n, "%.1f%c", d, unit[u]);
}

static long long counter_value(const struct counter_set *s, const char *name)
{
	for (unsigned i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].name, name))
			return s->v[i].value;
	return 0;
}

void counters_note(const struct counter_set *s, unsigned top, char *buf, size_t n)
{
	long long insns = counter_value(s, "emu.insns");
	unsigned shown = 0;
	size_t len = 0;
	char num[16];

	if (n)
		buf[0] = '\0';
	/* The software CPU's instructions are the work itself, not an event
	 * the VMM pays for: one summary, then the events that differ between
	 * modes (exits, device accesses, interrupts, hypercalls). */
	if (insns > 0) {
		counters_fmt_count(insns, num, sizeof(num));
		len += (size_t)snprintf(buf, n, "%s insns, %.0f%% compiled", num,
					100.0 * (double)counter_value(s, "emu.insns.jit") /
						(double)insns);
		shown++;
	}
	for (unsigned i = 0; i < s->n && shown < top && len < n; i++) {
		if (!strncmp(s->v[i].name, "emu.", 4))
			continue;
		counters_fmt_count(s->v[i].value, num, sizeof(num));
		len += (size_t)snprintf(buf + len, n - len, "%s%s %s", len ? ", " : "",
					num, s->v[i].name);
		shown++;
	}
}
