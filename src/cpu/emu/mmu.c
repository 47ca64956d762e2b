/* Paging and the software TLB.
 *
 * mmu_walk() implements the three x86 page-table formats (32-bit with PSE,
 * PAE, 4-level long mode) with accessed/dirty updates, CR0.WP and NX; the
 * TLB caches its result per guest-virtual page as a host pointer, obtained
 * once per fill through gmem_ptr().  A page enters the TLB for writing only
 * once its dirty bit is set and while it holds no cached code, so every
 * write that must be noticed takes the slow path (mem_write_slow). */
#include "cpu/emu/cpu.h"

#include <string.h>

#include "cpu/emu/dcache.h"

#define PTE_P	(1ull << 0)
#define PTE_W	(1ull << 1)
#define PTE_U	(1ull << 2)
#define PTE_A	(1ull << 5)
#define PTE_D	(1ull << 6)
#define PTE_PS	(1ull << 7)
#define PTE_G	(1ull << 8)
#define PTE_NX	(1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

#define PF_P	1u
#define PF_W	2u
#define PF_U	4u
#define PF_RSVD 8u
#define PF_I	16u

struct walk {
	uint64_t gpa;
	bool w, u, nx, g, dirty;
};

void mmu_flush(struct emu_cpu *c, bool global_too)
{
	for (int u = 0; u < 2; u++) {
		for (unsigned i = 0; i < TLB_SIZE; i++) {
			struct tlb_entry *e = &c->tlb[u][i];

			if (global_too || !e->global)
				e->tag_r = e->tag_w = e->tag_x = TLB_NONE;
		}
		for (unsigned i = 0; i < ITLB_SIZE; i++) {
			struct tlb_entry *e = &c->itlb[u][i];

			if (global_too || !e->global)
				e->tag_x = TLB_NONE;
		}
	}
}

void mmu_flush_page(struct emu_cpu *c, uint64_t va)
{
	unsigned i = (unsigned)tlb_index(va);

	for (int u = 0; u < 2; u++) {
		c->tlb[u][i].tag_r = c->tlb[u][i].tag_w = c->tlb[u][i].tag_x =
			TLB_NONE;
		c->itlb[u][(va >> 12) & (ITLB_SIZE - 1)].tag_x = TLB_NONE;
	}
}

/* Reads a page-table entry; an entry outside RAM reads as not present. */
static uint64_t pte_read(struct emu_cpu *c, uint64_t gpa, unsigned size)
{
	const void *p = gmem_ptr(c->mem, gpa, size);
	uint64_t v = 0;

	if (!p)
		return 0;
	if (size == 8)
		v = __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
	else
		v = __atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED);
	return v;
}

/* Sets accessed/dirty bits atomically (other vCPUs share the tables). */
static void pte_mark(struct emu_cpu *c, uint64_t gpa, unsigned size,
		     uint64_t old, uint64_t bits)
{
	void *p;

	if ((old & bits) == bits)
		return;
	p = gmem_ptr_w(c->mem, gpa, size);
	if (!p)
		return;
	if (size == 8)
		__atomic_fetch_or((uint64_t *)p, bits, __ATOMIC_RELAXED);
	else
		__atomic_fetch_or((uint32_t *)p, (uint32_t)bits, __ATOMIC_RELAXED);
}

static bool canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

/* Walks the tables for `va`; returns 0 with *w filled, or a #PF error code
 * (with bit 31 set so that 0 stays "success"). */
static uint32_t walk(struct emu_cpu *c, uint64_t va, int acc, bool user,
		     struct walk *w)
{
	bool lma = c->efer & X86_EFER_LMA, pae = c->cr4 & X86_CR4_PAE;
	bool nxe = c->efer & X86_EFER_NXE;
	unsigned esz = pae ? 8 : 4, levels, shift;
	uint64_t table, e = 0, egpa, page_mask;
	uint32_t err = (acc == ACC_W ? PF_W : 0) | (user ? PF_U : 0) |
		       (acc == ACC_X && nxe ? PF_I : 0);

	w->w = w->u = true;
	w->nx = false;
	if (lma) {
		levels = 4;
		table = c->cr3 & PTE_ADDR;
		shift = 39;
	} else if (pae) {
		uint64_t pdpte_gpa = (c->cr3 & 0xffffffe0u) + ((va >> 30) & 3) * 8;

		e = pte_read(c, pdpte_gpa, 8);
		if (!(e & PTE_P))
			return err | 0x80000000u;
		levels = 2;
		table = e & PTE_ADDR;
		shift = 21;
	} else {
		levels = 2;
		table = c->cr3 & 0xfffff000u;
		shift = 22;
	}
	for (unsigned l = levels; l > 0; l--, shift -= pae ? 9 : 10) {
		unsigned idx = (unsigned)(va >> shift) & (pae ? 511 : 1023);
		bool leaf;

		egpa = table + (uint64_t)idx * esz;
		e = pte_read(c, egpa, esz);
		if (!(e & PTE_P))
			return err | 0x80000000u;
		if ((e & PTE_NX) && !nxe && esz == 8)
			return err | PF_P | PF_RSVD | 0x80000000u;
		w->w &= !!(e & PTE_W);
		w->u &= !!(e & PTE_U);
		w->nx |= nxe && (e & PTE_NX);
		leaf = l == 1 || ((e & PTE_PS) && l <= 3 &&
				  (pae || (c->cr4 & X86_CR4_PSE)));
		if (!leaf) {
			pte_mark(c, egpa, esz, e, PTE_A);
			table = e & (pae ? PTE_ADDR : 0xfffff000u);
			continue;
		}
		page_mask = (1ull << shift) - 1;
		if (pae)
			w->gpa = (e & PTE_ADDR & ~page_mask) | (va & page_mask);
		else if (l == 2) /* 4 MiB page: bits 13-20 are PA 32-39 */
			w->gpa = (e & 0xffc00000u) | ((e & 0x1fe000ull) << 19) |
				 (va & page_mask);
		else
			w->gpa = (e & 0xfffff000u) | (va & 0xfff);
		w->g = (e & PTE_G) && (c->cr4 & X86_CR4_PGE);
		break;
	}
	if (user && !w->u)
		return err | PF_P | 0x80000000u;
	if (acc == ACC_W && !w->w && (user || (c->cr0 & X86_CR0_WP)))
		return err | PF_P | 0x80000000u;
	if (acc == ACC_X && w->nx)
		return err | PF_P | 0x80000000u;
	pte_mark(c, egpa, esz, e, PTE_A | (acc == ACC_W ? PTE_D : 0));
	w->dirty = acc == ACC_W || (e & PTE_D);
	if (!w->w && !user && !(c->cr0 & X86_CR0_WP))
		w->w = true; /* supervisor writes ignore R/W without WP */
	return 0;
}

static void tlb_fill(struct emu_cpu *c, uint64_t va, bool user,
		     const struct walk *w)
{
	uint64_t page = va & ~0xfffull, gpage = w->gpa & ~0xfffull;
	uint8_t *host = (uint8_t *)gmem_ptr(c->mem, gpage, 4096);
	struct tlb_entry *e = &c->tlb[user][tlb_index(va)];

	if (!host) /* MMIO or no RAM: always the slow path */
		return;
	if (e->tag_r != page || e->gpa != gpage)
		e->tag_w = e->tag_x = TLB_NONE;
	e->tag_r = page;
	e->host = host;
	e->gpa = gpage;
	e->global = w->g;
	e->code_gen = dcache_gen_ptr(c, gpage);
	if (!w->nx)
		e->tag_x = page;
	if (w->w && w->dirty && !dcache_page_has_code(c, gpage))
		e->tag_w = page;
	else
		e->tag_w = TLB_NONE;
	/* A debugger's watchpoint on the page: its data accesses all take
	 * the slow path, which checks them (debug.c). */
	if (__builtin_expect(c->debug_on & EMU_DBG_WATCH, 0) &&
	    emu_debug_watched(c, page, 4096))
		e->tag_r = e->tag_w = TLB_NONE;
}

/* Paging off: linear is physical, and the page enters the TLB like a
 * writable, dirty, executable page (so RAM accesses take the fast paths and
 * code the block cache; a page holding code still gets no write entry).
 * Turning paging on flushes the TLB (cpu_write_cr). */
static uint64_t identity_fill(struct emu_cpu *c, uint64_t va, bool user)
{
	struct walk w = { .gpa = va, .w = true, .u = true, .dirty = true };

	tlb_fill(c, va, user, &w);
	return va;
}

uint64_t mmu_translate(struct emu_cpu *c, uint64_t va, int acc, bool user)
{
	struct walk w;
	uint32_t err;

	if (c->efer & X86_EFER_LMA) {
		if (!canonical(va))
			emu_raise(c, EXC_GP, 0);
	} else {
		va &= 0xffffffffu;
	}
	if (!(c->cr0 & X86_CR0_PG))
		return identity_fill(c, va, user);
	err = walk(c, va, acc, user, &w);
	if (err)
		emu_raise_pf(c, va, err & 0x7fffffffu);
	tlb_fill(c, va, user, &w);
	return w.gpa;
}

/* Probe without raising: -1 when the access would fault. */
static int translate_try(struct emu_cpu *c, uint64_t va, int acc, bool user,
			 uint64_t *gpa)
{
	struct walk w;

	if (c->efer & X86_EFER_LMA) {
		if (!canonical(va))
			return -1;
	} else {
		va &= 0xffffffffu;
	}
	if (!(c->cr0 & X86_CR0_PG)) {
		*gpa = identity_fill(c, va, user);
		return 0;
	}
	if (walk(c, va, acc, user, &w))
		return -1;
	tlb_fill(c, va, user, &w);
	*gpa = w.gpa;
	return 0;
}


uint8_t *mmu_host(struct emu_cpu *c, uint64_t va, int acc, bool user,
		  uint64_t *gpa)
{
	uint64_t pa = mmu_translate(c, va, acc, user);

	*gpa = pa;
	if (acc == ACC_W)
		return gmem_ptr_w(c->mem, pa, 1);
	return (uint8_t *)gmem_ptr(c->mem, pa, 1);
}

uint64_t mem_read_slow(struct emu_cpu *c, uint64_t va, unsigned len,
		       bool user)
{
	uint64_t v = 0, gpa;
	unsigned first = 4096 - (unsigned)(va & 0xfff);

	if (first < len) {
		uint64_t lo = mem_read_slow(c, va, first, user);
		uint64_t hi = mem_read_slow(c, va + first, len - first, user);

		return lo | (hi << (8 * first));
	}
	gpa = mmu_translate(c, va, ACC_R, user);
	if (__builtin_expect(c->debug_on & EMU_DBG_WATCH, 0))
		emu_debug_access(c, va, len, ACC_R);
	const uint8_t *p = gmem_ptr(c->mem, gpa, len);

	if (p)
		memcpy(&v, p, len);
	else if (len <= 8 && (len & (len - 1)) == 0)
		bus_access(c->mmio, gpa, &v, len, false, c->index);
	else
		for (unsigned i = 0; i < len; i++) {
			uint8_t b;

			bus_access(c->mmio, gpa + i, &b, 1, false, c->index);
			v |= (uint64_t)b << (8 * i);
		}
	return v;
}

void mem_write_slow(struct emu_cpu *c, uint64_t va, unsigned len,
		    uint64_t v, bool user)
{
	uint64_t gpa, gpa2 = 0;
	unsigned first = 4096 - (unsigned)(va & 0xfff);
	uint8_t *p;

	if (first < len) {
		/* Both pages are checked before either is written. */
		gpa = mmu_translate(c, va, ACC_W, user);
		gpa2 = mmu_translate(c, va + first, ACC_W, user);
		(void)gpa;
		(void)gpa2;
		mem_write_slow(c, va, first, v, user);
		mem_write_slow(c, va + first, len - first, v >> (8 * first), user);
		return;
	}
	gpa = mmu_translate(c, va, ACC_W, user);
	if (__builtin_expect(c->debug_on & EMU_DBG_WATCH, 0))
		emu_debug_access(c, va, len, ACC_W);
	p = gmem_ptr_w(c->mem, gpa, len);
	if (p)
		memcpy(p, &v, len);
	else if ((len & (len - 1)) == 0)
		bus_access(c->mmio, gpa, &v, len, true, c->index);
	else
		for (unsigned i = 0; i < len; i++) {
			uint8_t b = (uint8_t)(v >> (8 * i));

			bus_access(c->mmio, gpa + i, &b, 1, true, c->index);
		}
}

uint64_t mem_read_sys(struct emu_cpu *c, uint64_t va, unsigned len)
{
	return read_fast(c, va, len, false);
}

void mem_write_sys(struct emu_cpu *c, uint64_t va, unsigned len, uint64_t v)
{
	write_fast(c, va, len, v, false);
}

void mem_read_buf(struct emu_cpu *c, uint64_t va, void *buf, unsigned len)
{
	uint8_t *b = buf;

	while (len) {
		unsigned n = len >= 8 ? 8 : len;
		uint64_t v = mem_read(c, va, n);

		memcpy(b, &v, n);
		b += n;
		va += n;
		len -= n;
	}
}

void mem_write_buf(struct emu_cpu *c, uint64_t va, const void *buf,
		   unsigned len)
{
	const uint8_t *b = buf;

	/* Probe every page first so a fault leaves memory untouched. */
	for (uint64_t p = va & ~0xfffull; p < va + len; p += 4096)
		mmu_translate(c, p < va ? va : p, ACC_W, (c->cpl == 3));
	while (len) {
		unsigned n = len >= 8 ? 8 : len;
		uint64_t v = 0;

		memcpy(&v, b, n);
		mem_write(c, va, n, v);
		b += n;
		va += n;
		len -= n;
	}
}

static unsigned fetch_page(struct emu_cpu *c, uint64_t gpa, uint8_t *buf,
			   unsigned n)
{
	const uint8_t *p = gmem_ptr(c->mem, gpa, n);

	if (p) {
		memcpy(buf, p, n);
		return n;
	}
	for (unsigned i = 0; i < n; i++)
		bus_access(c->mmio, gpa + i, &buf[i], 1, false, c->index);
	return n;
}

unsigned mem_fetch(struct emu_cpu *c, uint64_t va, uint8_t *buf, unsigned max)
{
	bool user = (c->cpl == 3);
	unsigned first = 4096 - (unsigned)(va & 0xfff), got;
	uint64_t gpa;
	struct tlb_entry *e = &c->tlb[user][tlb_index(va)];

	if (first > max)
		first = max;
	if (e->tag_x == (va & ~0xfffull)) {
		memcpy(buf, e->host + (va & 0xfff), first);
		got = first;
	} else {
		gpa = mmu_translate(c, va, ACC_X, user);
		got = fetch_page(c, gpa, buf, first);
	}
	if (got < max && translate_try(c, va + got, ACC_X, user, &gpa) == 0)
		got += fetch_page(c, gpa, buf + got, max - got);
	return got;
}

uint8_t *mem_rmw_ptr(struct emu_cpu *c, uint64_t va, unsigned len)
{
	bool user = (c->cpl == 3);
	struct tlb_entry *e = &c->tlb[user][tlb_index(va)];
	uint64_t gpa;

	if ((va & 0xfff) + len > 4096)
		return NULL;
	if (e->tag_w == (va & ~0xfffull))
		return e->host + (va & 0xfff);
	if (__builtin_expect(c->debug_on & EMU_DBG_WATCH, 0) &&
	    emu_debug_watched(c, va, len)) {
		/* Watched: the callers' mem_read/mem_write fallback checks
		 * it -- except CMPXCHG16B's (16 bytes), which has none and
		 * always writes: it reads and writes here. */
		if (len != 16)
			return NULL;
		gpa = mmu_translate(c, va, ACC_W, user);
		emu_debug_access(c, va, len, ACC_R);
		emu_debug_access(c, va, len, ACC_W);
		return gmem_ptr_w(c->mem, gpa, len);
	}
	gpa = mmu_translate(c, va, ACC_W, user);
	return gmem_ptr_w(c->mem, gpa, len);
}
