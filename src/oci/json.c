#include "oci/json.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "oci/config.h"

void oci_jp_init(struct oci_jp *jp, struct oci_arena *a, struct gerr *err,
		 const char *name)
{
	jp->arena = a;
	jp->err = err;
	jp->name = name;
	jp->path[0] = '\0';
	jp->len = 0;
}

size_t oci_jp_key(struct oci_jp *jp, const char *key)
{
	size_t old = jp->len;
	int n = snprintf(jp->path + old, sizeof(jp->path) - old, "%s%s",
			 old ? "." : "", key);

	if (n > 0)
		jp->len = strnlen(jp->path, sizeof(jp->path) - 1);
	return old;
}

size_t oci_jp_index(struct oci_jp *jp, size_t i)
{
	size_t old = jp->len;

	snprintf(jp->path + old, sizeof(jp->path) - old, "[%zu]", i);
	jp->len = strnlen(jp->path, sizeof(jp->path) - 1);
	return old;
}

void oci_jp_pop(struct oci_jp *jp, size_t len)
{
	jp->len = len;
	jp->path[len] = '\0';
}

int oci_jp_fail(struct oci_jp *jp, const char *key, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (key)
		return gerr_set(jp->err, "%s: %s%s%s: %s", jp->name, jp->path,
				jp->len ? "." : "", key, msg);
	return gerr_set(jp->err, "%s: %s: %s", jp->name,
			jp->len ? jp->path : "(top level)", msg);
}

int oci_jp_oom(struct oci_jp *jp)
{
	return gerr_set(jp->err, "%s: out of memory", jp->name);
}

static const char *type_name(json_type t)
{
	switch (t) {
	case json_type_null: return "null";
	case json_type_boolean: return "a boolean";
	case json_type_double: return "a number with a fraction";
	case json_type_int: return "an integer";
	case json_type_object: return "an object";
	case json_type_array: return "an array";
	case json_type_string: return "a string";
	}
	return "?";
}

int oci_j_get(struct oci_jp *jp, json_object *obj, const char *key,
	      json_type type, json_object **out)
{
	json_object *v = NULL;

	*out = NULL;
	if (!obj || !json_object_object_get_ex(obj, key, &v) || !v)
		return 0;
	if (json_object_get_type(v) != type)
		return oci_jp_fail(jp, key, "must be %s, not %s",
				   type_name(type),
				   type_name(json_object_get_type(v)));
	*out = v;
	return 0;
}

int oci_j_str(struct oci_jp *jp, json_object *obj, const char *key,
	      bool required, const char **out)
{
	json_object *v;

	if (oci_j_get(jp, obj, key, json_type_string, &v))
		return -1;
	if (!v) {
		if (required)
			return oci_jp_fail(jp, key, "is required");
		return 0;
	}
	/* JSON strings may carry NUL bytes; a path or argument cannot. */
	if (strlen(json_object_get_string(v)) !=
	    (size_t)json_object_get_string_len(v))
		return oci_jp_fail(jp, key, "contains a NUL byte");
	*out = oci_arena_strdup(jp->arena, json_object_get_string(v));
	return *out ? 0 : oci_jp_oom(jp);
}

int oci_j_bool(struct oci_jp *jp, json_object *obj, const char *key,
	       bool *out)
{
	json_object *v;

	if (oci_j_get(jp, obj, key, json_type_boolean, &v))
		return -1;
	if (v)
		*out = json_object_get_boolean(v);
	return 0;
}

/* json-c keeps integers as int64, or uint64 when above INT64_MAX; anything
 * beyond uint64 becomes a double, which the type check refuses. */
static int int_value(struct oci_jp *jp, json_object *v, const char *key,
		     int64_t *i, uint64_t *u, bool *neg)
{
	if (json_object_get_type(v) != json_type_int)
		return oci_jp_fail(jp, key, "must be an integer, not %s",
				   type_name(json_object_get_type(v)));
	*i = json_object_get_int64(v);
	*neg = *i < 0;
	*u = *neg ? 0 : json_object_get_uint64(v);
	return 0;
}

int oci_j_u64_value(struct oci_jp *jp, json_object *v, const char *key,
		    uint64_t min, uint64_t max, uint64_t *out)
{
	int64_t i;
	uint64_t u;
	bool neg;

	if (int_value(jp, v, key, &i, &u, &neg))
		return -1;
	if (neg || u < min || u > max)
		return oci_jp_fail(jp, key,
				   "%s%" PRIu64 " is out of range [%" PRIu64
				   ", %" PRIu64 "]",
				   neg ? "-" : "", neg ? -(uint64_t)i : u,
				   min, max);
	*out = u;
	return 0;
}

int oci_j_u64(struct oci_jp *jp, json_object *obj, const char *key,
	      uint64_t min, uint64_t max, bool *has, uint64_t *out)
{
	json_object *v = NULL;

	if (has)
		*has = false;
	if (!obj || !json_object_object_get_ex(obj, key, &v) || !v)
		return 0;
	if (oci_j_u64_value(jp, v, key, min, max, out))
		return -1;
	if (has)
		*has = true;
	return 0;
}

int oci_j_i64(struct oci_jp *jp, json_object *obj, const char *key,
	      int64_t min, int64_t max, bool *has, int64_t *out)
{
	json_object *v = NULL;
	int64_t i;
	uint64_t u;
	bool neg;

	if (has)
		*has = false;
	if (!obj || !json_object_object_get_ex(obj, key, &v) || !v)
		return 0;
	if (int_value(jp, v, key, &i, &u, &neg))
		return -1;
	if ((!neg && u > (uint64_t)INT64_MAX) || i < min || i > max)
		return oci_jp_fail(jp, key,
				   "%s is out of range [%" PRId64 ", %" PRId64
				   "]", json_object_to_json_string(v), min, max);
	*out = i;
	if (has)
		*has = true;
	return 0;
}

int oci_j_strv(struct oci_jp *jp, json_object *obj, const char *key,
	       const char ***out, size_t *n)
{
	json_object *arr;
	size_t len, i;
	const char **v;

	*out = NULL;
	if (n)
		*n = 0;
	if (oci_j_get(jp, obj, key, json_type_array, &arr))
		return -1;
	if (!arr)
		return 0;
	len = json_object_array_length(arr);
	v = oci_arena_array(jp->arena, len + 1, sizeof(*v));
	if (!v)
		return oci_jp_oom(jp);
	for (i = 0; i < len; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		char idx[32];

		snprintf(idx, sizeof(idx), "%s[%zu]", key, i);
		if (!e || json_object_get_type(e) != json_type_string)
			return oci_jp_fail(jp, idx, "must be a string");
		if (strlen(json_object_get_string(e)) !=
		    (size_t)json_object_get_string_len(e))
			return oci_jp_fail(jp, idx, "contains a NUL byte");
		v[i] = oci_arena_strdup(jp->arena, json_object_get_string(e));
		if (!v[i])
			return oci_jp_oom(jp);
	}
	*out = v;
	if (n)
		*n = len;
	return 0;
}

int oci_j_kv(struct oci_jp *jp, json_object *obj, const char *key,
	     struct oci_kv **out, size_t *n)
{
	json_object *o;
	struct oci_kv *kv;
	size_t i = 0;

	*out = NULL;
	*n = 0;
	if (oci_j_get(jp, obj, key, json_type_object, &o))
		return -1;
	if (!o)
		return 0;
	kv = oci_arena_array(jp->arena, json_object_object_length(o) + 1,
			     sizeof(*kv));
	if (!kv)
		return oci_jp_oom(jp);
	json_object_object_foreach(o, k, v) {
		size_t old = oci_jp_key(jp, key);

		if (!v || json_object_get_type(v) != json_type_string)
			return oci_jp_fail(jp, k, "must be a string");
		oci_jp_pop(jp, old);
		kv[i].key = oci_arena_strdup(jp->arena, k);
		kv[i].value = oci_arena_strdup(jp->arena,
					       json_object_get_string(v));
		if (!kv[i].key || !kv[i].value)
			return oci_jp_oom(jp);
		i++;
	}
	*out = kv;
	*n = i;
	return 0;
}
