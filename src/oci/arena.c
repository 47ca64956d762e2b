#include "oci/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Each allocation is its own block: parsed specs hold at most a few thousand
 * objects, so a linked list of blocks costs nothing worth optimising. */
struct oci_arena_block {
	struct oci_arena_block *next;
	max_align_t data[];
};

void *oci_arena_alloc(struct oci_arena *a, size_t size)
{
	struct oci_arena_block *b;

	if (size > SIZE_MAX - sizeof(*b))
		return NULL;
	b = calloc(1, sizeof(*b) + size);
	if (!b)
		return NULL;
	b->next = a->head;
	a->head = b;
	return b->data;
}

void *oci_arena_array(struct oci_arena *a, size_t n, size_t sz)
{
	if (sz && n > SIZE_MAX / sz)
		return NULL;
	return oci_arena_alloc(a, n * sz + 1);
}

char *oci_arena_strdup(struct oci_arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = oci_arena_alloc(a, n);

	if (p)
		memcpy(p, s, n);
	return p;
}

void oci_arena_free(struct oci_arena *a)
{
	while (a->head) {
		struct oci_arena_block *b = a->head;

		a->head = b->next;
		free(b);
	}
}
