/* The PV MMU.  Page-table entries are read and written through the gmem
 * API; a table address found in an entry is trusted only if it lies in the
 * pool (the guest cannot map the pool, but we check anyway). */
#include "pv/pv_mmu.h"

#include <stdlib.h>
#include <string.h>

#include "gamut/pv_abi.h"

#define PTE_P	 (1ull << 0)
#define PTE_W	 (1ull << 1)
#define PTE_U	 (1ull << 2)
#define PTE_A	 (1ull << 5)
#define PTE_D	 (1ull << 6)
#define PTE_NX	 (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull
#define TABLE_FLAGS (PTE_P | PTE_W | PTE_U)

uint64_t pv_mmu_pool_frames(uint64_t ram_bytes)
{
	uint64_t pages = ram_bytes / PV_PAGE_SIZE;
	uint64_t pt = pages / 512 + 1, pd = pt / 512 + 1, pdpt = pd / 512 + 1;

	return 2 * (pt + pd + pdpt) + 2 + 16;
}

int pv_mmu_init(struct pv_mmu *m, struct guest_mem *mem, uint64_t pool_start,
		uint64_t pool_end, uint64_t frames_start, uint64_t frames_end,
		struct gerr *err)
{
	uint64_t nframes = (frames_end - frames_start) / PV_PAGE_SIZE;

	memset(m, 0, sizeof(*m));
	m->mem = mem;
	m->pool_start = m->pool_next = pool_start;
	m->pool_end = pool_end;
	m->frames_start = frames_start;
	m->frames_end = frames_end;
	if (pool_end < pool_start + 8 * PV_PAGE_SIZE ||
	    !gmem_valid(mem, pool_start, pool_end - pool_start))
		return gerr_set(err, "PV page-table pool 0x%llx..0x%llx is not in guest RAM",
				(unsigned long long)pool_start,
				(unsigned long long)pool_end);
	m->wcount = calloc(nframes ? nframes : 1, sizeof(uint32_t));
	m->xcount = calloc(nframes ? nframes : 1, sizeof(uint32_t));
	if (!m->wcount || !m->xcount)
		return gerr_set(err, "out of memory for PV frame table");
	for (int i = 0; i < 2; i++) {
		m->pml4[i] = m->pool_next;
		m->pool_next += PV_PAGE_SIZE;
		memset(gmem_ptr_w(mem, m->pml4[i], PV_PAGE_SIZE), 0, PV_PAGE_SIZE);
	}
	return 0;
}

void pv_mmu_destroy(struct pv_mmu *m)
{
	free(m->wcount);
	free(m->xcount);
	m->wcount = m->xcount = NULL;
}

static bool in_pool(const struct pv_mmu *m, uint64_t gpa)
{
	return gpa >= m->pool_start && gpa < m->pool_next;
}

static int alloc_table(struct pv_mmu *m, uint64_t *gpa)
{
	void *p;

	if (m->pool_next >= m->pool_end)
		return -PV_ENOMEM;
	p = gmem_ptr_w(m->mem, m->pool_next, PV_PAGE_SIZE);
	if (!p)
		return -PV_ENOMEM;
	memset(p, 0, PV_PAGE_SIZE);
	*gpa = m->pool_next;
	m->pool_next += PV_PAGE_SIZE;
	return 0;
}

/* Finds (allocating tables when `alloc`) the PTE slot for va. */
static int walk(struct pv_mmu *m, uint64_t va, bool alloc, uint64_t *slot)
{
	uint64_t table = m->pml4[0];

	for (int shift = 39; shift > 12; shift -= 9) {
		uint64_t idx = (va >> shift) & 511, e, next;

		if (gmem_read_u64(m->mem, table + idx * 8, &e) < 0)
			return -PV_EINVAL;
		if (e & PTE_P) {
			next = e & PTE_ADDR;
			if (!in_pool(m, next))
				return -PV_EINVAL;
		} else {
			int rc;

			if (!alloc)
				return -PV_ENOENT;
			rc = alloc_table(m, &next);
			if (rc < 0)
				return rc;
			e = next | TABLE_FLAGS;
			if (shift == 39) {
				gmem_write_u64(m->mem, m->pml4[0] + idx * 8, e);
				gmem_write_u64(m->mem, m->pml4[1] + idx * 8, e);
			} else {
				gmem_write_u64(m->mem, table + idx * 8, e);
			}
		}
		table = next;
	}
	*slot = table + ((va >> 12) & 511) * 8;
	return 0;
}

static uint64_t read_pte(struct pv_mmu *m, uint64_t va)
{
	uint64_t slot, e = 0;

	if (walk(m, va, false, &slot) < 0 || gmem_read_u64(m->mem, slot, &e) < 0)
		return 0;
	return e;
}

static uint64_t make_pte(uint64_t gpa, unsigned flags)
{
	uint64_t e = gpa | PTE_P | PTE_A | PTE_D;

	if (flags & PV_MAP_W)
		e |= PTE_W;
	if (!(flags & PV_MAP_X))
		e |= PTE_NX;
	if (flags & PV_MAP_USER)
		e |= PTE_U;
	return e;
}

int pv_mmu_map_sys(struct pv_mmu *m, uint64_t va, uint64_t gpa, unsigned flags)
{
	uint64_t slot;
	int rc = walk(m, va, true, &slot);

	if (rc < 0)
		return rc;
	return gmem_write_u64(m->mem, slot, make_pte(gpa, flags)) < 0 ? -PV_EINVAL : 0;
}

static int check_va(uint64_t va, uint64_t npages)
{
	if ((va & (PV_PAGE_SIZE - 1)) || npages == 0 || npages > PV_MMU_NPAGES_MAX)
		return -PV_EINVAL;
	if (va < PV_VA_MIN || va >= PV_VA_MAX ||
	    npages > (PV_VA_MAX - va) / PV_PAGE_SIZE)
		return -PV_EPERM;
	return 0;
}

static uint64_t frame_index(const struct pv_mmu *m, uint64_t gpa)
{
	return (gpa - m->frames_start) / PV_PAGE_SIZE;
}

static bool guest_frame(const struct pv_mmu *m, uint64_t gpa)
{
	return gpa >= m->frames_start && gpa < m->frames_end;
}

/* W^X against the frame's other mappings (minus this page's own). */
static int check_wx(const struct pv_mmu *m, uint64_t f, uint32_t flags,
		    uint32_t own_w, uint32_t own_x)
{
	if (flags & PV_MMU_WX_OK)
		return 0;
	if ((flags & PV_MMU_W) && m->xcount[f] - own_x > 0)
		return -PV_EPERM;
	if ((flags & PV_MMU_X) && m->wcount[f] - own_w > 0)
		return -PV_EPERM;
	return 0;
}

static int check_flags(uint32_t flags)
{
	if (flags & ~(PV_MMU_W | PV_MMU_X | PV_MMU_WX_OK))
		return -PV_EINVAL;
	if ((flags & PV_MMU_W) && (flags & PV_MMU_X) && !(flags & PV_MMU_WX_OK))
		return -PV_EPERM;
	return 0;
}

static unsigned guest_map_flags(uint32_t flags)
{
	return PV_MAP_USER | ((flags & PV_MMU_W) ? PV_MAP_W : 0) |
	       ((flags & PV_MMU_X) ? PV_MAP_X : 0);
}

static void count(struct pv_mmu *m, uint64_t pte, int delta)
{
	uint64_t gpa = pte & PTE_ADDR;

	if (!guest_frame(m, gpa))
		return;
	if (pte & PTE_W)
		m->wcount[frame_index(m, gpa)] += (uint32_t)delta;
	if (!(pte & PTE_NX))
		m->xcount[frame_index(m, gpa)] += (uint32_t)delta;
}

static void unmap_pages(struct pv_mmu *m, uint64_t va, uint64_t npages)
{
	for (uint64_t i = 0; i < npages; i++) {
		uint64_t slot, e;

		if (walk(m, va + i * PV_PAGE_SIZE, false, &slot) < 0 ||
		    gmem_read_u64(m->mem, slot, &e) < 0 || !(e & PTE_P))
			continue;
		count(m, e, -1);
		gmem_write_u64(m->mem, slot, 0);
	}
	m->dirty = true;
}

/* Pages from va up to the end of its page table (one 2 MiB chunk), at
 * most n: map and its checks work a page table at a time, so a large map
 * costs one table walk and one guest-memory write per 512 pages. */
static uint64_t chunk_pages(uint64_t va, uint64_t n)
{
	uint64_t left = 512 - ((va >> 12) & 511);

	return n < left ? n : left;
}

/* True when any of the n pages from va (one chunk) is mapped. */
static bool chunk_mapped(struct pv_mmu *m, uint64_t va, uint64_t n)
{
	uint64_t slot, pte[512];

	if (walk(m, va, false, &slot) < 0)
		return false; /* no page table: nothing mapped there */
	if (gmem_read(m->mem, slot, pte, n * 8) < 0)
		return true;
	for (uint64_t i = 0; i < n; i++)
		if (pte[i] & PTE_P)
			return true;
	return false;
}

int pv_mmu_map(struct pv_mmu *m, uint64_t va, uint64_t gpa, uint64_t npages,
	       uint32_t flags)
{
	int rc = check_va(va, npages);
	uint64_t done = 0;

	if (rc < 0 || (rc = check_flags(flags)) < 0)
		return rc;
	if ((gpa & (PV_PAGE_SIZE - 1)) || !guest_frame(m, gpa) ||
	    npages > (m->frames_end - gpa) / PV_PAGE_SIZE)
		return -PV_EPERM;
	for (uint64_t i = 0; i < npages; i += chunk_pages(va + i * PV_PAGE_SIZE, npages - i))
		if (chunk_mapped(m, va + i * PV_PAGE_SIZE,
				 chunk_pages(va + i * PV_PAGE_SIZE, npages - i)))
			return -PV_EEXIST;
	for (uint64_t i = 0; i < npages; i++) {
		rc = check_wx(m, frame_index(m, gpa + i * PV_PAGE_SIZE), flags, 0, 0);
		if (rc < 0)
			return rc;
	}
	while (done < npages) {
		uint64_t v = va + done * PV_PAGE_SIZE, n = chunk_pages(v, npages - done);
		uint64_t slot, pte[512];

		rc = walk(m, v, true, &slot);
		if (rc < 0) {
			unmap_pages(m, va, done);
			return rc;
		}
		for (uint64_t i = 0; i < n; i++) {
			pte[i] = make_pte(gpa + (done + i) * PV_PAGE_SIZE, guest_map_flags(flags));
			count(m, pte[i], 1);
		}
		gmem_write(m->mem, slot, pte, n * 8);
		done += n;
	}
	return 0;
}

int pv_mmu_unmap(struct pv_mmu *m, uint64_t va, uint64_t npages)
{
	int rc = check_va(va, npages);

	if (rc < 0)
		return rc;
	for (uint64_t i = 0; i < npages; i++)
		if (!(read_pte(m, va + i * PV_PAGE_SIZE) & PTE_P))
			return -PV_ENOENT;
	unmap_pages(m, va, npages);
	return 0;
}

int pv_mmu_protect(struct pv_mmu *m, uint64_t va, uint64_t npages, uint32_t flags)
{
	int rc = check_va(va, npages);

	if (rc < 0 || (rc = check_flags(flags)) < 0)
		return rc;
	for (uint64_t i = 0; i < npages; i++) {
		uint64_t e = read_pte(m, va + i * PV_PAGE_SIZE);
		uint64_t gpa = e & PTE_ADDR;

		if (!(e & PTE_P))
			return -PV_ENOENT;
		if (!guest_frame(m, gpa))
			return -PV_EPERM;
		rc = check_wx(m, frame_index(m, gpa), flags, !!(e & PTE_W),
			      !(e & PTE_NX));
		if (rc < 0)
			return rc;
	}
	for (uint64_t i = 0; i < npages; i++) {
		uint64_t slot, e;

		walk(m, va + i * PV_PAGE_SIZE, false, &slot);
		gmem_read_u64(m->mem, slot, &e);
		count(m, e, -1);
		e = make_pte(e & PTE_ADDR, guest_map_flags(flags));
		gmem_write_u64(m->mem, slot, e);
		count(m, e, 1);
	}
	m->dirty = true;
	return 0;
}

int pv_mmu_translate(const struct pv_mmu *m, uint64_t va, bool write,
		     uint64_t *gpa)
{
	uint64_t e;

	if (va >= PV_VA_MAX)
		return -1;
	e = read_pte((struct pv_mmu *)m, va);
	if (!(e & PTE_P) || !(e & PTE_U) || (write && !(e & PTE_W)))
		return -1;
	*gpa = (e & PTE_ADDR) | (va & (PV_PAGE_SIZE - 1));
	return 0;
}

uint64_t pv_mmu_cr3(struct pv_mmu *m, bool *changed)
{
	*changed = m->dirty;
	if (m->dirty) {
		m->cur ^= 1;
		m->dirty = false;
	}
	return m->pml4[m->cur];
}
