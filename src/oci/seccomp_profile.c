/* Seccomp profile -> linux.seccomp (see seccomp_profile.h). */
#include "oci/seccomp_profile.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/config.h"

/* Largest profile accepted: containers-common's is ~20 KiB. */
#define PROFILE_MAX (1u << 20)

struct conv {
	const char *file;
	uint64_t caps;
	const char *arch;
	int kmajor, kminor;
	struct gerr *err;
};

static int bad(struct conv *c, const char *where, const char *what)
{
	gerr_set(c->err, "%s: %s: %s", c->file, where, what);
	return -1;
}

/* Member `key` of o with JSON type t, or NULL when absent or null;
 * *fail set when it is there with another type. */
static json_object *member(json_object *o, const char *key, json_type t,
			   bool *fail)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return NULL;
	if (!json_object_is_type(v, t)) {
		*fail = true;
		return NULL;
	}
	return v;
}

static bool all_strings(json_object *a)
{
	for (size_t i = 0; i < json_object_array_length(a); i++)
		if (!json_object_is_type(json_object_array_get_idx(a, i),
					 json_type_string))
			return false;
	return true;
}

static bool has_string(json_object *a, const char *s)
{
	for (size_t i = 0; a && i < json_object_array_length(a); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(a, i)),
			    s))
			return true;
	return false;
}

/* How many of the capability names in a the container holds; an unknown
 * name is one it does not hold. */
static size_t caps_held(const struct conv *c, json_object *a)
{
	size_t n = 0;

	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		int cap = oci_cap_number(
			json_object_get_string(json_object_array_get_idx(a, i)));

		n += cap >= 0 && cap < 64 && ((c->caps >> cap) & 1);
	}
	return n;
}

/* Reads includes/excludes `o` of rule `where`: its caps and arches arrays
 * and its minKernel ("major.minor"). */
static int read_cond(struct conv *c, json_object *o, const char *where,
		     json_object **caps, json_object **arches, int *kmaj,
		     int *kmin)
{
	bool fail = false;
	json_object *mk;

	*caps = *arches = NULL;
	*kmaj = *kmin = -1;
	if (!o)
		return 0;
	*caps = member(o, "caps", json_type_array, &fail);
	*arches = member(o, "arches", json_type_array, &fail);
	mk = member(o, "minKernel", json_type_string, &fail);
	if (fail || (*caps && !all_strings(*caps)) ||
	    (*arches && !all_strings(*arches)))
		return bad(c, where, "caps, arches and minKernel must be "
			   "arrays of strings and a string");
	if (mk && (sscanf(json_object_get_string(mk), "%d.%d", kmaj, kmin) != 2 ||
		   *kmaj < 0 || *kmin < 0))
		return bad(c, where, "minKernel is not \"major.minor\"");
	return 0;
}

static bool kernel_at_least(const struct conv *c, int maj, int min)
{
	return maj < 0 || c->kmajor > maj || (c->kmajor == maj && c->kminor >= min);
}

/* Whether rule r applies here; -1 on a malformed rule. */
static int applies(struct conv *c, json_object *r, const char *where)
{
	bool fail = false;
	json_object *inc = member(r, "includes", json_type_object, &fail);
	json_object *exc = member(r, "excludes", json_type_object, &fail);
	json_object *caps, *arches;
	int maj, min;

	if (fail)
		return bad(c, where, "includes and excludes must be objects");
	if (read_cond(c, inc, where, &caps, &arches, &maj, &min))
		return -1;
	if ((caps && caps_held(c, caps) != json_object_array_length(caps)) ||
	    (arches && !has_string(arches, c->arch)) ||
	    !kernel_at_least(c, maj, min))
		return 0;
	if (read_cond(c, exc, where, &caps, &arches, &maj, &min))
		return -1;
	if ((caps && caps_held(c, caps)) || (arches && has_string(arches, c->arch)) ||
	    (maj >= 0 && kernel_at_least(c, maj, min)))
		return 0;
	return 1;
}

/* Copies member key of from into to when present (any type: the config
 * parser checks it). */
static void copy_member(json_object *from, json_object *to, const char *key)
{
	json_object *v;

	if (json_object_object_get_ex(from, key, &v) && v)
		json_object_object_add(to, key, json_object_get(v));
}

static int convert_rule(struct conv *c, json_object *r, size_t i,
			json_object *out)
{
	char where[48];
	bool fail = false;
	json_object *names, *name, *rule;
	int ok;

	snprintf(where, sizeof(where), "syscalls[%zu]", i);
	if (!json_object_is_type(r, json_type_object))
		return bad(c, where, "must be an object");
	names = member(r, "names", json_type_array, &fail);
	name = member(r, "name", json_type_string, &fail);
	if (fail || (!names && !name) || (names && !all_strings(names)))
		return bad(c, where, "needs \"names\", an array of strings");
	if (!member(r, "action", json_type_string, &fail))
		return bad(c, where, "needs \"action\", a string");
	ok = applies(c, r, where);
	if (ok <= 0)
		return ok;
	rule = json_object_new_object();
	if (names) {
		json_object_object_add(rule, "names", json_object_get(names));
	} else {
		json_object *a = json_object_new_array();

		json_object_array_add(a, json_object_get(name));
		json_object_object_add(rule, "names", a);
	}
	copy_member(r, rule, "action");
	copy_member(r, rule, "errnoRet");
	copy_member(r, rule, "args");
	json_object_array_add(out, rule);
	return 0;
}

/* archMap's entry for this architecture: it and its sub-architectures. */
static int convert_arches(struct conv *c, json_object *p, json_object *out)
{
	static const struct { const char *go, *scmp; } names[] = {
		{ "amd64", "SCMP_ARCH_X86_64" }, { "arm64", "SCMP_ARCH_AARCH64" },
	};
	const char *want = NULL;
	bool fail = false;
	json_object *map = member(p, "archMap", json_type_array, &fail);

	if (fail)
		return bad(c, "archMap", "must be an array");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i].go, c->arch))
			want = names[i].scmp;
	for (size_t i = 0; want && map && i < json_object_array_length(map); i++) {
		json_object *e = json_object_array_get_idx(map, i), *a, *subs;

		if (!json_object_is_type(e, json_type_object))
			return bad(c, "archMap", "entries must be objects");
		a = member(e, "architecture", json_type_string, &fail);
		subs = member(e, "subArchitectures", json_type_array, &fail);
		if (fail || (subs && !all_strings(subs)))
			return bad(c, "archMap", "architecture must be a string, "
				   "subArchitectures an array of strings");
		if (!a || strcmp(json_object_get_string(a), want))
			continue;
		json_object_array_add(out, json_object_get(a));
		for (size_t k = 0; subs && k < json_object_array_length(subs); k++)
			json_object_array_add(
				out, json_object_get(json_object_array_get_idx(subs, k)));
	}
	return 0;
}

static int convert(struct conv *c, json_object *p, json_object *out)
{
	bool fail = false;
	json_object *rules, *arches = json_object_new_array(), *conv;

	json_object_object_add(out, "architectures", arches);
	if (!json_object_is_type(p, json_type_object))
		return bad(c, "profile", "must be a JSON object");
	if (!member(p, "defaultAction", json_type_string, &fail))
		return bad(c, "defaultAction", "must be a string");
	copy_member(p, out, "defaultAction");
	copy_member(p, out, "defaultErrnoRet");
	if (convert_arches(c, p, arches))
		return -1;
	rules = member(p, "syscalls", json_type_array, &fail);
	if (fail)
		return bad(c, "syscalls", "must be an array");
	conv = json_object_new_array();
	json_object_object_add(out, "syscalls", conv);
	for (size_t i = 0; rules && i < json_object_array_length(rules); i++)
		if (convert_rule(c, json_object_array_get_idx(rules, i), i, conv))
			return -1;
	return 0;
}

static bool only_space(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r'))
		s++, n--;
	return !n;
}

char *oci_seccomp_profile_convert(const char *text, size_t len,
				  const char *file, uint64_t caps,
				  const char *arch, const char *kernel,
				  struct gerr *err)
{
	struct conv c = { file, caps, arch, 0, 0, err };
	json_tokener *tok;
	json_object *p, *out;
	char *s = NULL;

	if (len > PROFILE_MAX) {
		gerr_set(err, "%s: larger than %u bytes", file, PROFILE_MAX);
		return NULL;
	}
	if (sscanf(kernel, "%d.%d", &c.kmajor, &c.kminor) != 2)
		c.kmajor = c.kminor = 0;
	tok = json_tokener_new();
	if (!tok) {
		gerr_set(err, "out of memory");
		return NULL;
	}
	p = json_tokener_parse_ex(tok, text, (int)len);
	if (!p || json_tokener_get_error(tok) != json_tokener_success ||
	    !only_space(text + json_tokener_get_parse_end(tok),
			len - json_tokener_get_parse_end(tok))) {
		gerr_set(err, "%s: not valid JSON", file);
		json_object_put(p);
		json_tokener_free(tok);
		return NULL;
	}
	json_tokener_free(tok);
	out = json_object_new_object();
	if (!convert(&c, p, out))
		s = strdup(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
	json_object_put(out);
	json_object_put(p);
	return s;
}

const char *oci_seccomp_profile_arch(void)
{
#if defined(__x86_64__)
	return "amd64";
#elif defined(__aarch64__)
	return "arm64";
#else
	return "unknown";
#endif
}
