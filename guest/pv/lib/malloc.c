/* A small allocator over the heap gamut gives the guest: power-of-two
 * size classes from 16 bytes to 1 MiB with a free list each, and page-
 * rounded large blocks on a first-fit list.  No coalescing: simple, O(1)
 * for small blocks, and good enough for the programs the SDK targets. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sdk.h"

#define NR_CLASSES 17 /* 16 << 16 = 1 MiB */
#define MAGIC	   0x70766d616c6c6f63ull
#define ALIGNED	   0x70766d616c69676eull

struct hdr {
	size_t cap;   /* usable bytes after the header */
	uint64_t tag; /* MAGIC, or ALIGNED (then cap = offset to the real block) */
};

struct free_block {
	struct free_block *next;
};

static uintptr_t heap_cur, heap_end;
static struct free_block *free_list[NR_CLASSES];
static struct hdr *big_free; /* first-fit list, linked through the payload */

void __pv_heap_init(uint64_t start, uint64_t end)
{
	heap_cur = (uintptr_t)((start + 15) & ~15ull);
	heap_end = (uintptr_t)end;
}

static void *carve(size_t total)
{
	uintptr_t p = heap_cur;

	if (total > heap_end - heap_cur)
		return NULL;
	heap_cur += total;
	return (void *)p;
}

static int size_class(size_t n)
{
	int k = 0;

	while (((size_t)16 << k) < n)
		k++;
	return k;
}

static void *big_alloc(size_t n)
{
	size_t cap = (n + 4095) & ~(size_t)4095;
	struct hdr **pp = &big_free, *h;

	for (; *pp; pp = (struct hdr **)(*pp + 1)) {
		if ((*pp)->cap >= cap) {
			h = *pp;
			*pp = *(struct hdr **)(h + 1);
			return h + 1;
		}
	}
	h = carve(sizeof(*h) + cap);
	if (!h)
		return NULL;
	h->cap = cap;
	h->tag = MAGIC;
	return h + 1;
}

void *malloc(size_t n)
{
	struct hdr *h;
	int k;

	if (n == 0)
		n = 1;
	if (n > ((size_t)16 << (NR_CLASSES - 1))) {
		void *p = n > SIZE_MAX - 8192 ? NULL : big_alloc(n);

		if (!p)
			errno = ENOMEM;
		return p;
	}
	k = size_class(n);
	if (free_list[k]) {
		struct free_block *b = free_list[k];

		free_list[k] = b->next;
		return b;
	}
	h = carve(sizeof(*h) + ((size_t)16 << k));
	if (!h) {
		errno = ENOMEM;
		return NULL;
	}
	h->cap = (size_t)16 << k;
	h->tag = MAGIC;
	return h + 1;
}

static struct hdr *header(void *p)
{
	struct hdr *h = (struct hdr *)p - 1;

	if (h->tag == ALIGNED)
		h = (struct hdr *)((char *)p - h->cap) - 1;
	if (h->tag != MAGIC)
		abort(); /* not ours, or a corrupted heap */
	return h;
}

void free(void *p)
{
	struct hdr *h;

	if (!p)
		return;
	h = header(p);
	if (h->cap > ((size_t)16 << (NR_CLASSES - 1))) {
		*(struct hdr **)(h + 1) = big_free;
		big_free = h;
		return;
	}
	((struct free_block *)(h + 1))->next = free_list[size_class(h->cap)];
	free_list[size_class(h->cap)] = (struct free_block *)(h + 1);
}

void *calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	p = malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void *realloc(void *old, size_t n)
{
	struct hdr *h;
	void *p;
	size_t have;

	if (!old)
		return malloc(n);
	h = header(old);
	have = h->cap - (size_t)((char *)old - (char *)(h + 1));
	if (n <= have)
		return old;
	p = malloc(n);
	if (!p)
		return NULL;
	memcpy(p, old, have);
	free(old);
	return p;
}

void *aligned_alloc(size_t align, size_t n)
{
	char *raw, *p;
	struct hdr *fake;

	if (align <= 16)
		return malloc(n);
	if (align & (align - 1) || n > SIZE_MAX - align - sizeof(struct hdr))
		return NULL;
	raw = malloc(n + align + sizeof(struct hdr));
	if (!raw)
		return NULL;
	p = (char *)(((uintptr_t)raw + sizeof(struct hdr) + align - 1) & ~(uintptr_t)(align - 1));
	fake = (struct hdr *)p - 1;
	fake->cap = (size_t)(p - raw);
	fake->tag = ALIGNED;
	return p;
}
