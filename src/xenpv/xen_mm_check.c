/* What one page-table entry of a 64-bit PV guest may contain, and the use
 * of its target frame it holds, following Xen's rules for a 64-bit PV
 * domain without I/O privileges (xen/arch/x86/mm.c in Xen, read for the
 * facts; the ABI is described in xen/include/public/xen.h, "mmu_update").
 *
 * Bits of a present entry (Intel SDM vol. 3, 4.5):
 *   allowed at every level: P, RW, US, A, D, the software bits 9-11 and
 *     52-62, and NX (63);
 *   L1: G is accepted (Xen allows it for user mappings) but gamut clears
 *     it when storing (xen_mm.h says why); PWT, PCD and PAT are refused:
 *     a guest without I/O memory has no reason to map anything other
 *     than write-back, and Xen refuses cache attributes to such a guest;
 *   L2, L3, L4: PWT, PCD, PS and G are refused -- PS because Xen gives a
 *     PV guest no superpages (every mapping goes through an L1 it can
 *     count), PWT/PCD/G because they have no use in a non-leaf entry of
 *     such a guest;
 *   bits 51:12 are the frame: it must be the guest's (below nr_frames).
 * Recursive ("linear") page tables, an entry pointing at a table of its
 * own level, are refused: each level asks for a use of the level below,
 * which a frame typed as another level cannot give.  Xen can allow them
 * read-only (CONFIG_PV_LINEAR_PT); Linux does not use them.
 *
 * Error codes are Xen's: bad bits -XEN_EINVAL; an L1 entry for a frame the
 * guest does not own -XEN_EPERM (Xen's answer for a frame outside the
 * domain's RAM that it has no I/O permission for); an L1 entry that would
 * map a table or descriptor page writable -XEN_EBUSY; an L2..L4 entry for
 * a frame that is not the guest's or cannot be a table of the level below
 * -XEN_EINVAL (or the error met while validating that table). */
#include "xenpv/xen_mm_priv.h"

/* Bits that may never be set in a present entry of a 64-bit PV domU. */
#define ALWAYS_REFUSED (XPTE_PWT | XPTE_PCD | XPTE_PS)

uint64_t xmm_disallowed(unsigned level)
{
	if (level == 1)
		return ALWAYS_REFUSED; /* PS is PAT here */
	if (level >= 2 && level <= 4)
		return ALWAYS_REFUSED | XPTE_G;
	return 0;
}

static uint64_t entry_mfn(uint64_t e)
{
	return (e & XPTE_ADDR) >> XEN_PAGE_SHIFT;
}

int xmm_entry_get(struct xen_mm *mm, unsigned level, uint64_t e)
{
	uint64_t mfn = entry_mfn(e);

	if (!(e & XPTE_P))
		return 0; /* holds nothing; stored as given */
	if (level < 1 || level > 4 || (e & xmm_disallowed(level)))
		return -XEN_EINVAL;
	if (level == 1) {
		if (!xmm_owned(mm, mfn))
			return -XEN_EPERM;
		/* A read-only mapping holds no typed use: any frame may be
		 * read, page tables included (Linux maps its own tables
		 * read-only). */
		if (!(e & XPTE_RW))
			return 0;
		return xmm_get(mm, mfn, XEN_FT_WRITABLE) ? -XEN_EBUSY : 0;
	}
	if (!xmm_owned(mm, mfn))
		return -XEN_EINVAL;
	return xmm_get(mm, mfn, (enum xen_ftype)(level - 1));
}

/* Mirrors xmm_entry_get for an entry that it accepted (only A/D, which
 * take no part here, can have changed since). */
void xmm_entry_put(struct xen_mm *mm, unsigned level, uint64_t e)
{
	uint64_t mfn = entry_mfn(e);

	if (!(e & XPTE_P) || level < 1 || level > 4)
		return;
	if (level == 1) {
		if (e & XPTE_RW)
			xmm_put(mm, mfn, XEN_FT_WRITABLE);
		return;
	}
	xmm_put(mm, mfn, (enum xen_ftype)(level - 1));
}

uint64_t xmm_entry_stored(uint64_t e)
{
	if (!(e & XPTE_P))
		return e;
	return (e | XPTE_US) & ~XPTE_G;
}

const uint64_t *xmm_table(const struct xen_mm *mm, uint64_t mfn)
{
	if (!xmm_owned(mm, mfn))
		return NULL;
	return gmem_ptr(mm->mem, mfn << XEN_PAGE_SHIFT, XEN_PAGE_SIZE);
}

uint64_t *xmm_table_w(struct xen_mm *mm, uint64_t mfn, unsigned first,
		      unsigned n)
{
	if (!xmm_owned(mm, mfn) || first >= XEN_PT_ENTRIES || n == 0 ||
	    n > XEN_PT_ENTRIES - first)
		return NULL;
	return gmem_ptr_w(mm->mem, (mfn << XEN_PAGE_SHIFT) + first * 8ull,
			  n * 8ull);
}
