/* Guest memory: the one way anything in gamut touches guest RAM.
 *
 * Guest-physical addresses stay plain integers everywhere; they become host
 * pointers only through gmem_ptr()/gmem_ptr_w(), which check the whole range
 * [gpa, gpa+len) against one RAM region with overflow-safe arithmetic.  A
 * range that is not entirely inside guest RAM yields NULL, never a pointer
 * outside the mapping.
 *
 * Layout: RAM starts at GPA 0 and runs to min(size, GMEM_LOW_LIMIT); the rest
 * (if any) is placed at 4 GiB, leaving the hole below 4 GiB for MMIO. */
#ifndef GAMUT_CORE_GMEM_H
#define GAMUT_CORE_GMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define GMEM_MAX_REGIONS 2
#define GMEM_LOW_LIMIT	 0xC0000000ull /* 3 GiB: MMIO hole above it */
#define GMEM_HIGH_BASE	 0x100000000ull
#define GMEM_PAGE_SIZE	 4096ull

struct gmem_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *host;
};

/* Called after any write made through gmem_ptr_w()/gmem_write(), so the
 * software CPU can drop translated code for the written pages (device DMA,
 * loaders, other vCPUs).  Set once before vCPUs start. */
typedef void (*gmem_write_hook_fn)(void *opaque, uint64_t gpa, uint64_t len);

struct guest_mem {
	struct gmem_region region[GMEM_MAX_REGIONS];
	unsigned nr_regions;
	uint64_t ram_size; /* total bytes of RAM */
	void *mapping;	   /* one host mapping backing all regions */
	size_t mapping_size;
	bool hugepages;
	gmem_write_hook_fn write_hook;
	void *write_hook_opaque;
};

/* Maps `ram_bytes` of anonymous memory (2 MiB hugepages if asked and
 * available; falls back to 4 KiB pages with MADV_HUGEPAGE otherwise). */
int gmem_init(struct guest_mem *m, uint64_t ram_bytes, bool hugepages,
	      struct gerr *err);
void gmem_destroy(struct guest_mem *m);

/* True when [gpa, gpa+len) lies inside one RAM region (len 0 never is). */
bool gmem_valid(const struct guest_mem *m, uint64_t gpa, uint64_t len);

/* Host pointer for reading [gpa, gpa+len), or NULL when out of range. */
const void *gmem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len);

/* Host pointer for writing [gpa, gpa+len), or NULL when out of range.
 * Runs the write hook for the whole range, so call it just before writing. */
void *gmem_ptr_w(struct guest_mem *m, uint64_t gpa, uint64_t len);

/* Copies; return 0, or -1 (nothing copied) when the range is out of RAM. */
int gmem_read(const struct guest_mem *m, uint64_t gpa, void *dst, size_t len);
int gmem_write(struct guest_mem *m, uint64_t gpa, const void *src, size_t len);

/* Little-endian scalar helpers (x86 guests); return -1 when out of range. */
int gmem_read_u16(const struct guest_mem *m, uint64_t gpa, uint16_t *v);
int gmem_read_u32(const struct guest_mem *m, uint64_t gpa, uint32_t *v);
int gmem_read_u64(const struct guest_mem *m, uint64_t gpa, uint64_t *v);
int gmem_write_u16(struct guest_mem *m, uint64_t gpa, uint16_t v);
int gmem_write_u32(struct guest_mem *m, uint64_t gpa, uint32_t v);
int gmem_write_u64(struct guest_mem *m, uint64_t gpa, uint64_t v);

#endif
