/* A guest-side split ring for the virtqueue and virtio device tests: it
 * writes descriptors, avail entries and reads used entries in guest RAM the
 * way a driver would, including the hostile layouts the tests need. */
#ifndef GAMUT_TEST_VIRTQ_RING_H
#define GAMUT_TEST_VIRTQ_RING_H

#include <string.h>

#include "core/gmem.h"
#include "virtio/virtio_spec.h"
#include "virtio/virtq.h"

#define TR_DESC	 0x1000ull
#define TR_AVAIL 0x3000ull
#define TR_USED	 0x4000ull
#define TR_BUF	 0x10000ull /* data buffers from here */
#define TR_RAM	 (16ull << 20)

struct test_ring {
	struct guest_mem *mem;
	uint64_t desc, avail, used; /* ring addresses */
	uint16_t size;
	uint16_t avail_idx;
	uint16_t used_seen;
};

/* A second ring for two-queue devices lives this far above the first. */
#define TR_RING2 0x8000ull

static inline void tr_init_at(struct test_ring *r, struct guest_mem *mem,
			      struct virtq *vq, uint16_t size, uint64_t off)
{
	r->mem = mem;
	r->size = size;
	r->avail_idx = r->used_seen = 0;
	r->desc = TR_DESC + off;
	r->avail = TR_AVAIL + off;
	r->used = TR_USED + off;
	memset(mem->region[0].host + r->desc, 0, 0x4000);
	vq->size = size;
	vq->desc_gpa = r->desc;
	vq->avail_gpa = r->avail;
	vq->used_gpa = r->used;
}

static inline void tr_init(struct test_ring *r, struct guest_mem *mem,
			   struct virtq *vq, uint16_t size)
{
	tr_init_at(r, mem, vq, size, 0);
}

static inline void tr_desc(struct test_ring *r, unsigned i, uint64_t addr,
			   uint32_t len, uint16_t flags, uint16_t next)
{
	uint64_t d = r->desc + 16ull * i;

	gmem_write_u64(r->mem, d, addr);
	gmem_write_u32(r->mem, d + 8, len);
	gmem_write_u16(r->mem, d + 12, flags);
	gmem_write_u16(r->mem, d + 14, next);
}

/* Writes descriptor i of a table at guest address `table`. */
static inline void tr_table(struct test_ring *r, uint64_t table, unsigned i,
			    uint64_t addr, uint32_t len, uint16_t flags,
			    uint16_t next)
{
	uint64_t d = table + 16ull * i;

	gmem_write_u64(r->mem, d, addr);
	gmem_write_u32(r->mem, d + 8, len);
	gmem_write_u16(r->mem, d + 12, flags);
	gmem_write_u16(r->mem, d + 14, next);
}

static inline void tr_avail(struct test_ring *r, uint16_t head)
{
	gmem_write_u16(r->mem, r->avail + 4 + 2ull * (r->avail_idx % r->size), head);
	r->avail_idx++;
	gmem_write_u16(r->mem, r->avail + 2, r->avail_idx);
}

static inline void tr_set_avail_idx(struct test_ring *r, uint16_t idx)
{
	r->avail_idx = idx;
	gmem_write_u16(r->mem, r->avail + 2, idx);
}

static inline uint16_t tr_used_idx(struct test_ring *r)
{
	uint16_t v = 0;

	gmem_read_u16(r->mem, r->used + 2, &v);
	return v;
}

/* Reads used element n: id and written length. */
static inline void tr_used(struct test_ring *r, unsigned n, uint32_t *id,
			   uint32_t *len)
{
	uint64_t e = r->used + 4 + 8ull * (n % r->size);

	gmem_read_u32(r->mem, e, id);
	gmem_read_u32(r->mem, e + 4, len);
}

/* EVENT_IDX fields: used_event (driver writes) and avail_event (device). */
static inline void tr_set_used_event(struct test_ring *r, uint16_t v)
{
	gmem_write_u16(r->mem, r->avail + 4 + 2ull * r->size, v);
}

static inline uint16_t tr_avail_event(struct test_ring *r)
{
	uint16_t v = 0;

	gmem_read_u16(r->mem, r->used + 4 + 8ull * r->size, &v);
	return v;
}

#endif
