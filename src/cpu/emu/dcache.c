/* The decode cache (see dcache.h). */
#include "cpu/emu/dcache.h"

#include <stdlib.h>
#include <string.h>

#include "cpu/emu/cpu.h"

/* RAM page number of gpa (both regions numbered contiguously), or -1. */
static int64_t page_index(const struct guest_mem *m, uint64_t gpa)
{
	uint64_t before = 0;

	for (unsigned i = 0; i < m->nr_regions; i++) {
		const struct gmem_region *r = &m->region[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size)
			return (int64_t)((before + (gpa - r->gpa)) >> 12);
		before += r->size;
	}
	return -1;
}

static void write_hook(void *opaque, uint64_t gpa, uint64_t len)
{
	dcache_invalidate(opaque, gpa, len);
}

struct dcache_shared *dcache_shared_new(struct guest_mem *mem)
{
	struct dcache_shared *sh = calloc(1, sizeof(*sh));

	if (!sh)
		return NULL;
	sh->mem = mem;
	sh->npages = mem->ram_size >> 12;
	sh->gen = calloc(sh->npages, sizeof(*sh->gen));
	sh->code = calloc(sh->npages, 1);
	if (!sh->gen || !sh->code) {
		dcache_shared_free(sh);
		return NULL;
	}
	mem->write_hook = write_hook;
	mem->write_hook_opaque = sh;
	return sh;
}

void dcache_shared_free(struct dcache_shared *sh)
{
	if (!sh)
		return;
	if (sh->mem && sh->mem->write_hook_opaque == sh) {
		sh->mem->write_hook = NULL;
		sh->mem->write_hook_opaque = NULL;
	}
	free(sh->gen);
	free(sh->code);
	free(sh);
}

struct emu_dcache *dcache_new(struct dcache_shared *sh)
{
	struct emu_dcache *dc = malloc(sizeof(*dc));

	if (!dc)
		return NULL;
	dc->sh = sh;
	dc->epoch_seen = 0;
	for (unsigned i = 0; i < DCACHE_SIZE; i++)
		dc->e[i].gpa = ~0ull;
	return dc;
}

void dcache_free(struct emu_dcache *dc)
{
	free(dc);
}

#define slot dcache_slot

uint32_t *dcache_gen_ptr(struct emu_cpu *c, uint64_t gpage)
{
	int64_t pg;

	if (!c->dcache)
		return NULL;
	pg = page_index(c->dcache->sh->mem, gpage);
	return pg < 0 ? NULL : &c->dcache->sh->gen[pg];
}

const struct insn *dcache_lookup(struct emu_dcache *dc, uint64_t gpa,
				 unsigned mode)
{
	struct dcache_entry *e = &dc->e[slot(gpa)];
	int64_t pg;

	if (e->gpa != gpa || e->mode != mode)
		return NULL;
	pg = page_index(dc->sh->mem, gpa);
	if (pg < 0 ||
	    __atomic_load_n(&dc->sh->gen[pg], __ATOMIC_ACQUIRE) != e->gen)
		return NULL;
	return &e->insn;
}

void dcache_store(struct emu_cpu *c, uint64_t gpa, const struct insn *d)
{
	struct emu_dcache *dc = c->dcache;
	struct dcache_shared *sh;
	struct dcache_entry *e;
	int64_t pg;

	if (!dc)
		return;
	sh = dc->sh;
	pg = page_index(sh->mem, gpa);
	if (pg < 0)
		return;
	if (!__atomic_load_n(&sh->code[pg], __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&sh->code[pg], 1, __ATOMIC_RELEASE);
		__atomic_fetch_add(&sh->epoch, 1, __ATOMIC_ACQ_REL);
		dcache_sync(c);
	}
	e = &dc->e[slot(gpa)];
	e->gpa = gpa;
	e->mode = d->mode;
	e->gen = __atomic_load_n(&sh->gen[pg], __ATOMIC_ACQUIRE);
	e->insn = *d;
}

bool dcache_page_has_code(struct emu_cpu *c, uint64_t gpage)
{
	int64_t pg;

	if (!c->dcache)
		return false;
	pg = page_index(c->dcache->sh->mem, gpage);
	return pg >= 0 &&
	       __atomic_load_n(&c->dcache->sh->code[pg], __ATOMIC_ACQUIRE);
}

void dcache_invalidate(struct dcache_shared *sh, uint64_t gpa, uint64_t len)
{
	uint64_t end = gpa + len;

	if (!len || end < gpa)
		return;
	for (uint64_t p = gpa & ~0xfffull; p < end; p += 4096) {
		int64_t pg = page_index(sh->mem, p);

		if (pg < 0 || !__atomic_load_n(&sh->code[pg], __ATOMIC_ACQUIRE))
			continue;
		__atomic_store_n(&sh->code[pg], 0, __ATOMIC_RELEASE);
		__atomic_fetch_add(&sh->gen[pg], 1, __ATOMIC_ACQ_REL);
	}
}

void dcache_sync(struct emu_cpu *c)
{
	uint32_t ep;

	if (!c->dcache)
		return;
	ep = __atomic_load_n(&c->dcache->sh->epoch, __ATOMIC_ACQUIRE);
	if (ep == c->dcache->epoch_seen)
		return;
	c->dcache->epoch_seen = ep;
	for (int u = 0; u < 2; u++)
		for (unsigned i = 0; i < TLB_SIZE; i++)
			c->tlb[u][i].tag_w = TLB_NONE;
}
