/* A tiny bump allocator for parsed OCI data.
 *
 * A parsed config.json is a tree of many small strings and arrays that live
 * exactly as long as the spec; allocating them all from one arena makes every
 * error path in the parser a plain `return -1` and frees the whole tree with
 * one oci_arena_free().  Allocation failure aborts nothing: it returns NULL
 * and the parser reports "out of memory". */
#ifndef GAMUT_OCI_ARENA_H
#define GAMUT_OCI_ARENA_H

#include <stddef.h>

struct oci_arena_block;

struct oci_arena {
	struct oci_arena_block *head;
};

/* Zeroed memory that lives until oci_arena_free(). */
void *oci_arena_alloc(struct oci_arena *a, size_t size);
/* Zeroed array of n elements of size sz, overflow-checked. */
void *oci_arena_array(struct oci_arena *a, size_t n, size_t sz);
char *oci_arena_strdup(struct oci_arena *a, const char *s);
void oci_arena_free(struct oci_arena *a);

#endif
