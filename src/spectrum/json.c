/* spectrum_json(): the rows as JSON (docs/spectrum.md gives the schema). */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>

#include "spectrum/report.h"

/* A number with `digits` decimals, printed as such rather than as a
 * double's 17 significant digits. */
static struct json_object *num(double v, int digits)
{
	char s[64];

	snprintf(s, sizeof(s), "%.*f", digits, v);
	return json_object_new_double_s(strtod(s, NULL), s);
}

static struct json_object *spread_json(const struct spread *s, bool noisy)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "median", num(s->median / 1000, 6));
	json_object_object_add(o, "min", num(s->min / 1000, 6));
	json_object_object_add(o, "max", num(s->max / 1000, 6));
	json_object_object_add(o, "noisy", json_object_new_boolean(noisy));
	return o;
}

static struct json_object *row_json(const struct spectrum *sp, const struct spectrum_row *r)
{
	struct json_object *o = json_object_new_object(), *ctr = json_object_new_object();
	bool measured = r->status == ROW_OK && r->runs;
	double vs = spectrum_vs_native(sp, r);

	json_object_object_add(o, "mode", json_object_new_string(r->mode));
	json_object_object_add(o, "cpu", json_object_new_string(r->cpu));
	json_object_object_add(o, "guest", json_object_new_string(r->guest ? r->guest : ""));
	json_object_object_add(o, "status",
			       json_object_new_string(spectrum_status_name(r->status)));
	json_object_object_add(o, "note", json_object_new_string(r->note));
	json_object_object_add(o, "runs", json_object_new_int((int)r->runs));
	json_object_object_add(o, "to_workload_s",
			       measured ? spread_json(&r->to_start, r->noisy_start) : NULL);
	json_object_object_add(o, "workload_s",
			       measured ? spread_json(&r->work, r->noisy_work) : NULL);
	json_object_object_add(o, "vs_native", vs > 0 ? num(vs, 4) : NULL);
	for (unsigned i = 0; measured && r->counters && i < r->counters->n; i++)
		json_object_object_add(ctr, r->counters->v[i].name,
				       json_object_new_int64(r->counters->v[i].value));
	json_object_object_add(o, "counters", ctr);
	return o;
}

int spectrum_json(const char *path, const struct spectrum *sp, struct gerr *err)
{
	struct json_object *doc = json_object_new_object(), *rows = json_object_new_array(), *host;
	int ret = 0;

	json_object_object_add(doc, "rounds", json_object_new_int(atoi(sp->opts.rounds)));
	json_object_object_add(doc, "runs", json_object_new_int((int)sp->opts.runs));
	json_object_object_add(doc, "noisy_fraction", num(SPREAD_NOISY_FRACTION, 2));
	host = json_object_new_object();
	json_object_object_add(host, "cpus", json_object_new_int((int)sp->host_cpus));
	json_object_object_add(host, "load_start", num(sp->load_start, 2));
	json_object_object_add(host, "load_end", num(sp->load_end, 2));
	json_object_object_add(doc, "host", host);
	for (unsigned i = 0; i < sp->nr; i++)
		json_object_array_add(rows, row_json(sp, &sp->rows[i]));
	json_object_object_add(doc, "rows", rows);
	errno = 0;
	if (json_object_to_file_ext(path, doc, JSON_C_TO_STRING_PRETTY |
				    JSON_C_TO_STRING_NOSLASHESCAPE) < 0)
		ret = gerr_errno(err, errno ? errno : EIO, "--json %s: cannot write", path);
	json_object_put(doc);
	return ret;
}
