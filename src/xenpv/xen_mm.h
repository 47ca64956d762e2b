/* The PV memory model of Xen for 64-bit guests: which guest frame is what
 * (a page table of some level, a descriptor page, or plain writable
 * memory), and every page-table change the guest asks for, validated so
 * that the guest can never
 *   - map a frame it does not own (gamut's own frames lie above the guest's),
 *   - map one of its page tables, or a pinned descriptor page, writable,
 *   - put its own entries in the hypervisor's L4 slots.
 *
 * The guest owns machine frames [0, nr_frames); its "machine" frame numbers
 * (MFNs) are guest-physical frame numbers, and the initial physical-to-
 * machine map is the identity.  The CPU walks the guest's tables directly
 * (no shadow copies), which is why each update is checked here before it
 * reaches guest memory.
 *
 * Type and reference counting follow Xen's model (docs/xen-pv.md, "Memory"):
 * each frame has a type (none, writable, L1..L4, segment-descriptor page)
 * and a count of uses of that type; a frame changes type only when its
 * count is zero.  An entry in a validated table holds one use of the frame
 * it points at, of type "writable" for a writable L1 entry, of type L(n-1)
 * for an L(n) entry; pinning and being a base pointer (CR3) hold one use of
 * the table's own type.  Validating a table validates what it points at
 * first (recursively, for a table whose count was zero).
 *
 * Entries are stored as the guest gave them except that gamut sets
 * _PAGE_USER on every present entry (the guest kernel runs at CPL 3, as in
 * Xen's 64-bit PV) and clears _PAGE_GLOBAL (guest kernel and user share
 * CPL 3, so no translation may outlive a switch of CR3).
 *
 * Thread safety: every call but xen_mm_translate takes `lock` (vCPU
 * threads of one VM); entries are written with atomic 64-bit stores, so
 * the CPU's own walks (and xen_mm_translate) never see a torn entry. */
#ifndef GAMUT_XEN_XEN_MM_H
#define GAMUT_XEN_XEN_MM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/gmem.h"

/* Frame types (also what `xen_mm_type()` reports, for tests). */
enum xen_ftype {
	XEN_FT_NONE = 0,
	XEN_FT_L1 = 1,
	XEN_FT_L2 = 2,
	XEN_FT_L3 = 3,
	XEN_FT_L4 = 4,
	XEN_FT_SEGDESC = 5, /* GDT/LDT page: never writable while typed */
	XEN_FT_WRITABLE = 6,
};

struct xen_frame; /* private: src/xenpv/xen_mm_priv.h */

struct xen_mm {
	struct guest_mem *mem;
	uint64_t nr_frames;	  /* the guest owns MFNs [0, nr_frames) */
	struct xen_frame *frame;  /* nr_frames entries */
	uint64_t hv_l4e[16];	  /* forced into L4 slots 256..271 */
	uint64_t m2p_gpa;	  /* M2P table: nr_frames uint64_t, in gamut's frames */
	pthread_mutex_t lock;
	/* Counters for --stats. */
	uint64_t updates, pins, validations;
	/* Set when a frame took a use of a type other than its last one
	 * (see xen_mm_take_flush); cleared by xen_mm_take_flush. */
	bool flush_pending;
};

/* hv_l4e: the 16 L4 entries gamut puts in slots 256..271 of every
 * validated L4 (0 for an empty slot); they are trusted as given, so what
 * they lead to must give CPL 3 -- the guest kernel -- no writable leaf
 * (e.g. the M2P read-only).  m2p_gpa: where gamut keeps the
 * machine-to-physical table (8 bytes per MFN, initially the identity);
 * 8-byte aligned, in guest RAM, above the guest's frames.  Frames below
 * nr_frames that gmem does not back (its MMIO hole) are not the guest's. */
int xen_mm_init(struct xen_mm *mm, struct guest_mem *mem, uint64_t nr_frames,
		const uint64_t hv_l4e[16], uint64_t m2p_gpa, struct gerr *err);
void xen_mm_destroy(struct xen_mm *mm);

/* Each call below returns 0 or a negative Xen error (-XEN_EINVAL,
 * -XEN_EPERM, -XEN_EBUSY, -XEN_ENOMEM..., <xen/errno.h>), and changes
 * nothing when it fails: no type, count, pin or base changes, and no entry
 * of a table in use is written.  (A table validated and released again
 * inside a failed call keeps its entries in the form gamut stores them,
 * _PAGE_USER set and _PAGE_GLOBAL clear, as Xen leaves them: the guest
 * sees no difference, every entry it walks gets that form anyway.)
 *
 * Error codes, as Xen gives them (src/xenpv/xen_mm_check.c):
 *   -XEN_EINVAL  bad bits in a present entry; an L2..L4 entry for a frame
 *                the guest does not own or that has another type in use;
 *                a frame argument the guest does not own; a hypervisor
 *                L4 slot; pin of a pinned frame; unpin of an unpinned one;
 *                an entry address that is not 8-byte aligned or not in a
 *                table/writable frame of the guest
 *   -XEN_EPERM   an L1 entry for a frame the guest does not own
 *   -XEN_EBUSY   an L1 entry that would map a table or descriptor page
 *                writable
 *   -XEN_EFAULT  xen_mm_translate only */

/* MMU_NORMAL_PT_UPDATE / MMU_PT_UPDATE_PRESERVE_AD: `ptr` is the machine
 * address of the entry (8-byte aligned, the command bits already removed);
 * the frame holding it must be a validated page table of the guest (any
 * level), and `val` is checked for that level.  If the frame is not a
 * page table (type none or writable), the write is an ordinary checked
 * store: allowed when the frame may be written (not typed as a table or
 * descriptor page), `val` stored as given and preserve_ad ignored, as in
 * Xen.  A table's entry is written atomically; its old use is dropped
 * after the new one is taken.  Slots 256..271 of an L4: -XEN_EINVAL. */
int xen_mm_pt_update(struct xen_mm *mm, uint64_t ptr, uint64_t val,
		     bool preserve_ad);
/* MMU_MACHPHYS_UPDATE: M2P[mfn] = pfn for a frame the guest owns. */
int xen_mm_m2p_update(struct xen_mm *mm, uint64_t mfn, uint64_t pfn);

/* MMUEXT_PIN_L{1,2,3,4}_TABLE: validate `mfn` as a table of `level`
 * (1..4) and hold it pinned (-XEN_EINVAL if already pinned, -XEN_EINVAL
 * if it has another type in use; an entry refused while validating gives
 * that entry's error, e.g. -XEN_EBUSY for an L1 entry mapping a table
 * writable).  Pinning a table already in use (e.g. the current base)
 * just adds a use.  MMUEXT_UNPIN_TABLE drops the pin (-XEN_EINVAL when
 * not pinned); the table stays valid while anything else uses it. */
int xen_mm_pin(struct xen_mm *mm, unsigned level, uint64_t mfn);
int xen_mm_unpin(struct xen_mm *mm, uint64_t mfn);

/* Base pointers (MMUEXT_NEW_BASEPTR, MMUEXT_NEW_USER_BASEPTR and the
 * domain builder's first CR3): takes a use of `mfn` as an L4 (validating
 * it if needed), then drops the use held by `*base` (0 = none held) and
 * stores mfn there.  mfn 0 for a user base means "none" (as Xen allows).
 * Because 0 means "none", frame 0 can never be a base: mfn 0 without
 * allow_none is -XEN_EINVAL (the domain builder must not put the first
 * L4 in frame 0).  mfn == *base changes nothing.  *base must only ever
 * be written by this function (its use is dropped on the next call). */
int xen_mm_set_base(struct xen_mm *mm, uint64_t *base, uint64_t mfn,
		    bool allow_none);

/* MMUEXT_SET_LDT / set_gdt helpers: take (or put back) a segment-
 * descriptor use of a frame, refusing one that is mapped writable
 * anywhere or is a table in use (-XEN_EINVAL).  The descriptors are not
 * checked here: the caller checks them after a successful get (Xen does
 * it when the frame becomes a descriptor page); they cannot change while
 * the use is held.  A put without a matching get is ignored. */
int xen_mm_get_segdesc(struct xen_mm *mm, uint64_t mfn);
void xen_mm_put_segdesc(struct xen_mm *mm, uint64_t mfn);

/* A writable use of `mfn` held by gamut itself, for a frame that gamut
 * writes into directly rather than through the guest's tables (the
 * shared-info page, the grant table, the xenstore and console rings, a
 * registered vcpu_info): while it is held the frame can never become a
 * page table or descriptor page (-XEN_EINVAL for a pin or an entry that
 * asks for that), so nothing gamut writes there can turn into a page-table
 * entry that was never validated.  Xen holds the same reference on such
 * pages (a writable type reference for its own shared pages, and for
 * pages a backend or the hypervisor keeps mapped).  -XEN_EINVAL when the
 * frame is not the guest's or is in use as another type. */
int xen_mm_get_writable(struct xen_mm *mm, uint64_t mfn);
void xen_mm_put_writable(struct xen_mm *mm, uint64_t mfn);

/* update_va_mapping: the L1 entry that maps `va` in the tables under
 * L4 `l4_mfn` gets `val` (checked as an L1 entry).  -XEN_EINVAL when
 * `va` has no L1 (a large page, or a missing L2/L3/L4 entry) or is in the
 * hypervisor's range. */
int xen_mm_update_va(struct xen_mm *mm, uint64_t l4_mfn, uint64_t va,
		     uint64_t val);

/* Walks the guest's tables under `l4_mfn` for an access by the guest
 * (user-mode rules: every level must have _PAGE_USER, as gamut stores
 * them) and returns the guest-physical address.  write: every level must
 * allow writing.  Large pages (2 MiB, 1 GiB) are followed.  -XEN_EFAULT
 * when the walk fails or leaves the guest's frames.  Does not take the
 * lock: a walk races a concurrent update as the CPU's own walk would. */
int xen_mm_translate(struct xen_mm *mm, uint64_t l4_mfn, uint64_t va,
		     bool write, uint64_t *gpa);

/* True when, since the last call, a frame that had been in use as one
 * type took a use of another: a writable frame became a page table or a
 * descriptor page, or a former page table became writable or a table of
 * another level.  A vCPU's TLB may still hold a writable translation of
 * that frame, or hold it as a table in its paging-structure caches, from
 * entries since removed (the guest need not flush after removing them),
 * so the caller must flush every vCPU's TLB before any vCPU runs guest
 * code again -- the flush Xen does on a change of page type.  (Xen skips
 * it when a flush has happened since the frame's last use ended; gamut
 * has no such timestamps, so it asks every time.)  Reading clears it. */
bool xen_mm_take_flush(struct xen_mm *mm);

/* For tests and --stats: the type and use count of a guest frame
 * (XEN_FT_NONE and 0 for a frame with no use, or not the guest's). */
enum xen_ftype xen_mm_type(struct xen_mm *mm, uint64_t mfn, uint32_t *count,
			   bool *pinned);

#endif
