#include "debug/gdb_mem.h"

#include <stdbool.h>

#define PTE_P	 1ull
#define PTE_PS	 (1ull << 7)
#define ADDR_52	 0x000ffffffffff000ull

static int read_entry(const struct guest_mem *m, uint64_t gpa, bool wide,
		      uint64_t *e)
{
	uint32_t v32;

	if (wide)
		return gmem_read_u64(m, gpa, e);
	if (gmem_read_u32(m, gpa, &v32) < 0)
		return -1;
	*e = v32;
	return 0;
}

/* Long mode (4 levels) and PAE (3 levels: the PDPT from CR3 bits 31:5). */
static int walk_pae(const struct guest_mem *m, const struct x86_state *st,
		    uint64_t va, uint64_t *gpa)
{
	bool lm = st->efer & X86_EFER_LMA;
	unsigned level = lm ? 4 : 3;
	uint64_t table = lm ? st->cr3 & ADDR_52 : st->cr3 & 0xffffffe0ull;
	uint64_t e = 0;

	if (lm) {
		int64_t s = (int64_t)(va << 16) >> 16;

		if ((uint64_t)s != va)
			return -1; /* not canonical */
	} else {
		va &= 0xffffffffull;
	}
	for (; level; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		unsigned idx = level == 3 && !lm ? (unsigned)(va >> 30) & 3
						 : (unsigned)(va >> shift) & 511;

		if (read_entry(m, table + idx * 8ull, true, &e) < 0 || !(e & PTE_P))
			return -1;
		if ((level == 2 || (level == 3 && lm)) && (e & PTE_PS)) {
			uint64_t size = 1ull << shift;

			*gpa = (e & ADDR_52 & ~(size - 1)) | (va & (size - 1));
			return 0;
		}
		table = e & ADDR_52;
	}
	*gpa = table | (va & 0xfff);
	return 0;
}

/* 32-bit paging, with 4 MiB pages when CR4.PSE is set. */
static int walk_32(const struct guest_mem *m, const struct x86_state *st,
		   uint64_t va, uint64_t *gpa)
{
	uint64_t pde, pte;

	va &= 0xffffffffull;
	if (read_entry(m, (st->cr3 & 0xfffff000ull) + (va >> 22) * 4, false, &pde) < 0 ||
	    !(pde & PTE_P))
		return -1;
	if ((pde & PTE_PS) && (st->cr4 & X86_CR4_PSE)) {
		/* PSE-36: bits 20:13 hold physical address bits 39:32. */
		*gpa = (pde & 0xffc00000ull) | ((pde >> 13 & 0xff) << 32) |
		       (va & 0x3fffff);
		return 0;
	}
	if (read_entry(m, (pde & 0xfffff000ull) + ((va >> 12) & 1023) * 4, false, &pte) < 0 ||
	    !(pte & PTE_P))
		return -1;
	*gpa = (pte & 0xfffff000ull) | (va & 0xfff);
	return 0;
}

int gdb_mem_translate(const struct guest_mem *m, const struct x86_state *st,
		      uint64_t va, uint64_t *gpa)
{
	if (!(st->cr0 & X86_CR0_PG) || !(st->cr0 & X86_CR0_PE)) {
		*gpa = (st->efer & X86_EFER_LMA) ? va : va & 0xffffffffull;
		return 0;
	}
	if (st->cr4 & X86_CR4_PAE)
		return walk_pae(m, st, va, gpa);
	return walk_32(m, st, va, gpa);
}

/* Bytes from va to the end of its 4 KiB page, at most len. */
static size_t page_chunk(uint64_t va, size_t len)
{
	size_t left = (size_t)(GMEM_PAGE_SIZE - (va & (GMEM_PAGE_SIZE - 1)));

	return len < left ? len : left;
}

/* Runs `op` on each piece of [va, va + len) that lies in one page, with
 * the piece's guest-physical address and its offset in the buffer. */
typedef int chunk_fn(void *ctx, uint64_t gpa, size_t off, size_t n);

static int for_each_chunk(const struct guest_mem *m, const struct x86_state *st,
			  uint64_t va, size_t len, chunk_fn *op, void *ctx)
{
	for (size_t off = 0; off < len;) {
		size_t n = page_chunk(va, len - off);
		uint64_t gpa;

		if (gdb_mem_translate(m, st, va, &gpa) < 0 || op(ctx, gpa, off, n) < 0)
			return -1;
		off += n;
		va += n;
	}
	return 0;
}

struct read_ctx {
	const struct guest_mem *m;
	uint8_t *out;
};

static int read_chunk(void *ctx, uint64_t gpa, size_t off, size_t n)
{
	struct read_ctx *r = ctx;

	return gmem_read(r->m, gpa, r->out + off, n);
}

int gdb_mem_read(const struct guest_mem *m, const struct x86_state *st,
		 uint64_t va, void *buf, size_t len)
{
	struct read_ctx r = { m, buf };

	return for_each_chunk(m, st, va, len, read_chunk, &r);
}

struct write_ctx {
	struct guest_mem *m;
	const uint8_t *in;
};

/* gmem_write runs the write hook: the software CPU drops decoded code of
 * the page (breakpoints patched by hand). */
static int write_chunk(void *ctx, uint64_t gpa, size_t off, size_t n)
{
	struct write_ctx *w = ctx;

	return gmem_write(w->m, gpa, w->in + off, n);
}

int gdb_mem_write(struct guest_mem *m, const struct x86_state *st,
		  uint64_t va, const void *buf, size_t len)
{
	struct write_ctx w = { m, buf };

	return for_each_chunk(m, st, va, len, write_chunk, &w);
}
