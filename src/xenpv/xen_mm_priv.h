/* Inside the PV memory model (src/xenpv/xen_mm.h is the interface): the
 * per-frame record, the x86-64 page-table bits it reasons about, and the
 * calls the files of the model make to one another.
 *
 *   xen_mm.c         frame types and use counts, validation of a table and
 *                    its release, pin/unpin, base pointers, descriptor pages
 *   xen_mm_check.c   what one entry of each level may contain, and which use
 *                    of which frame it holds
 *   xen_mm_update.c  the guest's entry updates (mmu_update,
 *                    update_va_mapping), the M2P, and the lock-free walk
 *
 * Every function here expects mm->lock held, except the walk. */
#ifndef GAMUT_XEN_XEN_MM_PRIV_H
#define GAMUT_XEN_XEN_MM_PRIV_H

#include "xenpv/xen_abi.h"
#include "xenpv/xen_mm.h"

/* x86-64 paging-structure entry bits (Intel SDM vol. 3, 4.5). */
#define XPTE_P	  (1ull << 0)
#define XPTE_RW	  (1ull << 1)
#define XPTE_US	  (1ull << 2)
#define XPTE_PWT  (1ull << 3)
#define XPTE_PCD  (1ull << 4)
#define XPTE_A	  (1ull << 5)
#define XPTE_D	  (1ull << 6)
#define XPTE_PS	  (1ull << 7) /* PAT in an L1 entry */
#define XPTE_G	  (1ull << 8)
#define XPTE_NX	  (1ull << 63)
#define XPTE_ADDR 0x000ffffffffff000ull /* bits 51:12 */

#define XEN_PT_ENTRIES 512u

/* One guest frame.  `type` says what the frame is used as while `count`
 * (uses of that type) is non-zero; at zero the frame is free to take any
 * type, and `type` only remembers the last one (taking another one then
 * needs a TLB flush: see xen_mm_take_flush).  `validated`: a table whose
 * entries' uses are held
 * (true exactly while a table type has a non-zero count, except in the
 * middle of validating it). */
struct xen_frame {
	uint32_t count;
	uint8_t type;	   /* enum xen_ftype */
	uint8_t pinned;	   /* the pin holds one of `count` */
	uint8_t validated;
	uint8_t exists;	   /* in guest RAM (not in gmem's MMIO hole) */
};

/* True for a frame the guest owns: below nr_frames and backed by RAM. */
static inline bool xmm_owned(const struct xen_mm *mm, uint64_t mfn)
{
	return mfn < mm->nr_frames && mm->frame[mfn].exists;
}

static inline bool xmm_is_table(unsigned type)
{
	return type >= XEN_FT_L1 && type <= XEN_FT_L4;
}

/* L4 slots that belong to the hypervisor (xen_abi.h). */
static inline bool xmm_hv_slot(unsigned level, unsigned slot)
{
	return level == 4 && slot >= XEN_HV_L4_FIRST &&
	       slot < XEN_HV_L4_FIRST + XEN_HV_L4_COUNT;
}

/* xen_mm.c: take one use of `mfn` as `type` (validating a table whose
 * count was zero); all or nothing.  Drop one use (releasing a table whose
 * count reaches zero).  Both tolerate any mfn. */
int xmm_get(struct xen_mm *mm, uint64_t mfn, enum xen_ftype type);
void xmm_put(struct xen_mm *mm, uint64_t mfn, enum xen_ftype type);

/* xen_mm_check.c: the use a present entry of a level-`level` table takes
 * (after checking its bits), the release of that use, and the value that
 * is stored for a checked entry. */
int xmm_entry_get(struct xen_mm *mm, unsigned level, uint64_t e);
void xmm_entry_put(struct xen_mm *mm, unsigned level, uint64_t e);
uint64_t xmm_entry_stored(uint64_t e);
/* The bits a present entry of `level` must not have (0 for a bad level). */
uint64_t xmm_disallowed(unsigned level);

/* Host pointer to a whole guest frame (NULL when not owned). */
const uint64_t *xmm_table(const struct xen_mm *mm, uint64_t mfn);
uint64_t *xmm_table_w(struct xen_mm *mm, uint64_t mfn, unsigned first,
		      unsigned n);

/* xen_mm_update.c: store a checked value into a table entry, updating the
 * uses; `level` is the table's level. */
int xmm_set_entry(struct xen_mm *mm, uint64_t mfn, unsigned level,
		  unsigned slot, uint64_t val, bool preserve_ad);

#endif
