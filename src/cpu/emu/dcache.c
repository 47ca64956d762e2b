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

static void blocks_drop(struct emu_dcache *dc)
{
	for (unsigned i = 0; i < BLOCK_SLOTS; i++)
		dc->slot[i].gpa = ~0ull;
	dc->used = 0;
	dc->drops++;
	jit_buf_reset(&dc->jit);
}

struct emu_dcache *dcache_new(struct dcache_shared *sh)
{
	struct emu_dcache *dc = malloc(sizeof(*dc));

	if (!dc)
		return NULL;
	dc->arena = malloc(ARENA_BYTES);
	if (!dc->arena) {
		free(dc);
		return NULL;
	}
	/* Without executable memory the interpreter runs everything. */
	dc->jit_hot = jit_buf_init(&dc->jit, JIT_BYTES) ? JIT_HOT_DEFAULT : 0;
	dc->sh = sh;
	dc->epoch_seen = 0;
	dc->drops = 0;
	dc->lookups = dc->decoded = dc->compiled = 0;
	blocks_drop(dc);
	return dc;
}

void dcache_free(struct emu_dcache *dc)
{
	if (dc) {
		jit_buf_fini(&dc->jit);
		free(dc->arena);
	}
	free(dc);
}

uint32_t *dcache_gen_ptr(struct emu_cpu *c, uint64_t gpage)
{
	int64_t pg;

	if (!c->dcache)
		return NULL;
	pg = page_index(c->dcache->sh->mem, gpage);
	return pg < 0 ? NULL : &c->dcache->sh->gen[pg];
}

/* Marks the page of `genp` as holding cached code: from now on no vCPU
 * gets a fast write entry for it (they drop theirs on the new epoch). */
static void mark_code(struct emu_cpu *c, const uint32_t *genp)
{
	struct dcache_shared *sh = c->dcache->sh;
	size_t pg = (size_t)(genp - sh->gen);

	if (__atomic_load_n(&sh->code[pg], __ATOMIC_ACQUIRE))
		return;
	__atomic_store_n(&sh->code[pg], 1, __ATOMIC_RELEASE);
	__atomic_fetch_add(&sh->epoch, 1, __ATOMIC_ACQ_REL);
	dcache_sync(c);
}

bool dcache_continues(const struct insn *d)
{
	unsigned op = d->op;

	if (d->map == DEC_MAP_1B) {
		switch (op) {
		case 0x00 ... 0x05: case 0x08 ... 0x0d: case 0x10 ... 0x15:
		case 0x18 ... 0x1d: case 0x20 ... 0x25: case 0x28 ... 0x2d:
		case 0x30 ... 0x35: case 0x38 ... 0x3d:
		case 0x40 ... 0x5f: case 0x63: case 0x68 ... 0x6b:
		case 0x70 ... 0x7f: case 0x80 ... 0x8d: case 0x90 ... 0x99:
		case 0xa4 ... 0xa9: case 0xaa ... 0xbf: case 0xc0: case 0xc1:
		case 0xc6: case 0xc7: case 0xd0 ... 0xd3: case 0xd8 ... 0xdf:
		case 0xe0 ... 0xe3: case 0xf5: case 0xf6: case 0xf7:
		case 0xf8: case 0xf9: case 0xfc: case 0xfd: case 0xfe:
			return true;
		case 0xff: /* INC, DEC, PUSH; not the calls and jumps */
			return insn_subop(d) <= 1 || insn_subop(d) == 6;
		default:
			return false;
		}
	}
	if (d->map != DEC_MAP_0F)
		return true; /* 0F38/0F3A: SSE arithmetic only */
	switch (op) {
	case 0x10 ... 0x17: case 0x18 ... 0x1f: case 0x28 ... 0x2f:
	case 0x40 ... 0x4f: case 0x50 ... 0x7f: case 0x80 ... 0x8f:
	case 0x90 ... 0x9f: case 0xa3 ... 0xa5: case 0xab ... 0xad:
	case 0xaf ... 0xbf: case 0xc0 ... 0xc6: case 0xc8 ... 0xcf:
	case 0xd0 ... 0xfe:
		return true;
	default:
		return false;
	}
}

bool dcache_chains(const struct insn *d)
{
	if (dcache_continues(d))
		return true;
	if (d->map != DEC_MAP_1B)
		return false;
	switch (d->op) {
	case 0xc2: case 0xc3: case 0xe8: case 0xe9: case 0xeb:
		return true;
	case 0xff: /* near indirect CALL and JMP */
		return insn_subop(d) == 2 || insn_subop(d) == 4;
	default:
		return false;
	}
}

/* Decodes a new block at `gpa` into the arena. */
static struct block *block_build(struct emu_cpu *c,
				       struct block_slot *s, uint64_t gpa, const uint8_t *page,
				       uint32_t *genp, unsigned mode)
{
	struct emu_dcache *dc = c->dcache;
	unsigned off = (unsigned)(gpa & 0xfff), n = 0;
	uint64_t rip = c->rip;
	uint64_t ripmask = mode == DEC_MODE64 ? ~0ull
			 : mode == DEC_MODE16 && !c->seg[X86_CS].db ? 0xffff
								    : 0xffffffffu;
	struct insn *out;
	struct block *b;
	uint32_t gen;

	dc->decoded++;
	if (dc->used + sizeof(*b) + BLOCK_MAX * sizeof(*out) > ARENA_BYTES ||
	    dc->jit.full)
		blocks_drop(dc);
	b = (struct block *)(dc->arena + dc->used);
	out = b->insn;
	mark_code(c, genp);
	gen = __atomic_load_n(genp, __ATOMIC_ACQUIRE); /* before the bytes */
	while (n < BLOCK_MAX && off < 4096) {
		unsigned avail = 4096 - off;
		struct insn *d = &out[n];

		if (decode_insn(page + off, avail < 15 ? avail : 15,
				(enum dec_mode)mode, d) != DEC_OK)
			break;
		d->fn = exec_pick(d);
		n++;
		off += d->len;
		/* 16/32-bit RIP wrapping: the next instruction is elsewhere. */
		if (((rip + d->len) & ripmask) != rip + d->len)
			break;
		rip += d->len;
		if (!dcache_continues(d))
			break;
	}
	if (!n)
		return NULL;
	dc->used += sizeof(*b) + n * sizeof(*out);
	s->gpa = gpa;
	s->b = b;
	b->gpa = gpa;
	b->gen = gen;
	b->mode = (uint8_t)mode;
	b->n = (uint8_t)n;
	b->chain = dcache_chains(&out[n - 1]);
	b->next_link = 0;
	b->genp = genp;
	b->jit = NULL;
	b->runs = 0;
	for (unsigned i = 0; i < 2; i++) {
		b->link[i].gpa = ~0ull;
		b->link[i].b = NULL;
	}
	return b;
}

struct block *dcache_block(struct emu_cpu *c, uint64_t gpa,
			   const uint8_t *page, uint32_t *genp, unsigned mode)
{
	struct block_slot *s = &c->dcache->slot[dcache_slot(gpa)];
	struct block *b = s->b;

	c->dcache->lookups++;
	if (s->gpa == gpa && b->mode == mode && b->genp == genp &&
	    b->gen == __atomic_load_n(genp, __ATOMIC_ACQUIRE))
		return b;
	return block_build(c, s, gpa, page, genp, mode);
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
