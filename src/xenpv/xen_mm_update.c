/* The guest's changes to its page tables (mmu_update's MMU_NORMAL_PT_UPDATE
 * and MMU_PT_UPDATE_PRESERVE_AD, update_va_mapping), its M2P updates
 * (MMU_MACHPHYS_UPDATE), and the walk gamut does on the guest's behalf.
 * The hypercalls are described in Xen's public xen/xen.h ("mmu_update",
 * "update_va_mapping"); error codes follow Xen (xen/arch/x86/mm.c).
 *
 * Entries are written with single 64-bit atomic stores (or a
 * compare-and-swap, to keep A/D): the CPU may walk a validated table, and
 * set A/D in it, at any time. */
#include "xenpv/xen_mm_priv.h"

#define AD	    (XPTE_A | XPTE_D)
#define VA_CANON(va) ((uint64_t)((int64_t)((va) << 16) >> 16) == (va))

static unsigned va_slot(uint64_t va, unsigned level)
{
	return (unsigned)(va >> (XEN_PAGE_SHIFT + 9 * (level - 1))) & 511;
}

/* True for an owned frame in use as a validated table of `level`. */
static bool is_table_of(const struct xen_mm *mm, uint64_t mfn, unsigned level)
{
	const struct xen_frame *f;

	if (!xmm_owned(mm, mfn))
		return false;
	f = &mm->frame[mfn];
	return f->count && f->type == level && f->validated;
}

int xmm_set_entry(struct xen_mm *mm, uint64_t mfn, unsigned level,
		  unsigned slot, uint64_t val, bool preserve_ad)
{
	uint64_t *p, old, new;
	int rc;

	if (slot >= XEN_PT_ENTRIES || xmm_hv_slot(level, slot))
		return -XEN_EINVAL; /* the hypervisor's part of every L4 */
	/* Take the new entry's use before dropping the old one's, so that
	 * rewriting an entry with the same target never lets the target's
	 * count touch zero (which would release and revalidate it). */
	rc = xmm_entry_get(mm, level, val);
	if (rc)
		return rc;
	p = xmm_table_w(mm, mfn, slot, 1);
	if (!p) {
		xmm_entry_put(mm, level, val);
		return -XEN_EINVAL;
	}
	new = xmm_entry_stored(val);
	if (preserve_ad) {
		old = __atomic_load_n(p, __ATOMIC_RELAXED);
		while (!__atomic_compare_exchange_n(p, &old, new | (old & AD),
						    false, __ATOMIC_RELAXED,
						    __ATOMIC_RELAXED))
			;
	} else {
		old = __atomic_exchange_n(p, new, __ATOMIC_RELAXED);
	}
	xmm_entry_put(mm, level, old);
	mm->updates++;
	return 0;
}

int xen_mm_pt_update(struct xen_mm *mm, uint64_t ptr, uint64_t val,
		     bool preserve_ad)
{
	uint64_t mfn = ptr >> XEN_PAGE_SHIFT;
	unsigned slot = (unsigned)(ptr & (XEN_PAGE_SIZE - 1)) / 8;
	struct xen_frame *f;
	uint64_t *p;
	int rc = -XEN_EINVAL;

	if (ptr % 8)
		return -XEN_EINVAL;
	pthread_mutex_lock(&mm->lock);
	if (!xmm_owned(mm, mfn))
		goto out;
	f = &mm->frame[mfn];
	if (f->count && xmm_is_table(f->type)) {
		if (f->validated)
			rc = xmm_set_entry(mm, mfn, f->type, slot, val,
					   preserve_ad);
	} else if (!f->count || f->type == XEN_FT_WRITABLE) {
		/* Not a table in use: a plain store, as Xen does for a page
		 * the guest could map writable (preserve_ad means nothing
		 * there).  A descriptor page in use falls through: refused.
		 * Xen briefly takes a writable use for the store, so a former
		 * table becomes writable here too, with the flush that needs
		 * (a CPU may still hold it as a table: xen_mm_take_flush). */
		p = xmm_table_w(mm, mfn, slot, 1);
		if (p) {
			if (f->type != XEN_FT_NONE && f->type != XEN_FT_WRITABLE)
				mm->flush_pending = true;
			f->type = XEN_FT_WRITABLE;
			__atomic_store_n(p, val, __ATOMIC_RELAXED);
			mm->updates++;
			rc = 0;
		}
	}
out:
	pthread_mutex_unlock(&mm->lock);
	return rc;
}

int xen_mm_m2p_update(struct xen_mm *mm, uint64_t mfn, uint64_t pfn)
{
	uint64_t *p;
	int rc = -XEN_EINVAL;

	pthread_mutex_lock(&mm->lock);
	if (xmm_owned(mm, mfn)) {
		p = gmem_ptr_w(mm->mem, mm->m2p_gpa + mfn * 8, 8);
		if (p) {
			__atomic_store_n(p, pfn, __ATOMIC_RELAXED);
			rc = 0;
		}
	}
	pthread_mutex_unlock(&mm->lock);
	return rc;
}

/* Xen finds the L1 through the current page tables and wants it to be an
 * L1 in use (do_update_va_mapping); every miss is -XEN_EINVAL. */
int xen_mm_update_va(struct xen_mm *mm, uint64_t l4_mfn, uint64_t va,
		     uint64_t val)
{
	uint64_t mfn = l4_mfn;
	int rc = -XEN_EINVAL;

	if (!VA_CANON(va) || xmm_hv_slot(4, va_slot(va, 4)))
		return -XEN_EINVAL;
	pthread_mutex_lock(&mm->lock);
	for (unsigned level = 4; level >= 2; level--) {
		const uint64_t *t;
		uint64_t e;

		if (!is_table_of(mm, mfn, level))
			goto out;
		t = xmm_table(mm, mfn);
		e = __atomic_load_n(&t[va_slot(va, level)], __ATOMIC_RELAXED);
		/* A validated table has no PS entries; checked anyway. */
		if (!(e & XPTE_P) || (e & XPTE_PS))
			goto out;
		mfn = (e & XPTE_ADDR) >> XEN_PAGE_SHIFT;
	}
	if (is_table_of(mm, mfn, 1))
		rc = xmm_set_entry(mm, mfn, 1, va_slot(va, 1), val, false);
out:
	pthread_mutex_unlock(&mm->lock);
	return rc;
}

/* The guest's own view of an access at CPL 3 (Intel SDM vol. 3, 4.5 and
 * 4.6): present and user at every level, writable at every level for a
 * write; PS in an L3 (1 GiB) or L2 (2 MiB) entry ends the walk.  PS in an
 * L4 entry and the reserved bits under a large page's address fault, as on
 * the CPU.  Only the guest's frames are read, and only an address in them
 * is returned. */
int xen_mm_translate(struct xen_mm *mm, uint64_t l4_mfn, uint64_t va,
		     bool write, uint64_t *gpa)
{
	uint64_t mfn = l4_mfn, need = XPTE_P | XPTE_US | (write ? XPTE_RW : 0);
	uint64_t pa;

	if (!VA_CANON(va) || xmm_hv_slot(4, va_slot(va, 4)))
		return -XEN_EFAULT;
	for (unsigned level = 4; level >= 1; level--) {
		const uint64_t *t = xmm_table(mm, mfn);
		uint64_t e, size, rsvd;

		if (!t)
			return -XEN_EFAULT;
		e = __atomic_load_n(&t[va_slot(va, level)], __ATOMIC_RELAXED);
		if ((e & need) != need)
			return -XEN_EFAULT;
		if (level == 1 || ((e & XPTE_PS) && level <= 3)) {
			size = 1ull << (XEN_PAGE_SHIFT + 9 * (level - 1));
			/* Under a large page, bit 12 is PAT and the bits up
			 * to the page size are reserved. */
			rsvd = level == 1 ? 0 : (size - 1) & XPTE_ADDR & ~(1ull << 12);
			if (e & rsvd)
				return -XEN_EFAULT;
			pa = (e & XPTE_ADDR & ~(size - 1)) | (va & (size - 1));
			if (!xmm_owned(mm, pa >> XEN_PAGE_SHIFT))
				return -XEN_EFAULT;
			if (gpa)
				*gpa = pa;
			return 0;
		}
		if (e & XPTE_PS)
			return -XEN_EFAULT; /* reserved in an L4 entry */
		mfn = (e & XPTE_ADDR) >> XEN_PAGE_SHIFT;
	}
	return -XEN_EFAULT;
}
