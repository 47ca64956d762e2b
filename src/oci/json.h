/* Typed, range-checked reads from json-c objects for the config parser.
 *
 * A `struct oci_jp` carries the arena, the error and the JSON path being read
 * ("process.rlimits[2]"), so that every helper can report exactly where a bad
 * value sits.  Helpers return 0 (present and valid, or absent and optional),
 * or -1 with err set.  `*has` (when given) says whether the key was present. */
#ifndef GAMUT_OCI_JSON_H
#define GAMUT_OCI_JSON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "oci/arena.h"

struct oci_kv;

struct oci_jp {
	struct oci_arena *arena;
	struct gerr *err;
	const char *name; /* file name for messages */
	char path[384];
	size_t len;
};

void oci_jp_init(struct oci_jp *jp, struct oci_arena *a, struct gerr *err,
		 const char *name);
/* Appends ".key" or "[i]" to the path; returns the length to restore with
 * oci_jp_pop(). */
size_t oci_jp_key(struct oci_jp *jp, const char *key);
size_t oci_jp_index(struct oci_jp *jp, size_t i);
void oci_jp_pop(struct oci_jp *jp, size_t len);
/* Sets err to "<name>: <path>[.key]: <message>"; returns -1. */
int oci_jp_fail(struct oci_jp *jp, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int oci_jp_oom(struct oci_jp *jp);

/* The member `key` of obj; *out NULL when absent or null.  Fails if the
 * member exists with another JSON type than `type`. */
int oci_j_get(struct oci_jp *jp, json_object *obj, const char *key,
	      json_type type, json_object **out);
int oci_j_str(struct oci_jp *jp, json_object *obj, const char *key,
	      bool required, const char **out);
int oci_j_bool(struct oci_jp *jp, json_object *obj, const char *key,
	       bool *out);
int oci_j_u64(struct oci_jp *jp, json_object *obj, const char *key,
	      uint64_t min, uint64_t max, bool *has, uint64_t *out);
int oci_j_i64(struct oci_jp *jp, json_object *obj, const char *key,
	      int64_t min, int64_t max, bool *has, int64_t *out);
/* An array of strings, stored NULL-terminated. */
int oci_j_strv(struct oci_jp *jp, json_object *obj, const char *key,
	       const char ***out, size_t *n);
/* An object of string values ({"k":"v"}). */
int oci_j_kv(struct oci_jp *jp, json_object *obj, const char *key,
	     struct oci_kv **out, size_t *n);
/* Checks the value of an integer JSON node against [min,max]. */
int oci_j_u64_value(struct oci_jp *jp, json_object *v, const char *key,
		    uint64_t min, uint64_t max, uint64_t *out);

#endif
