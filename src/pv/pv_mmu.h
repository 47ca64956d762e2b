/* The PV MMU: gamut's own 4-level page tables in a pool of guest frames the
 * guest can never map, and the validated map/unmap/protect requests of
 * PV_HC_MMU (docs/pv-abi.md section 2).
 *
 * Invariants kept here: a guest mapping only ever points at a frame in
 * [frames_start, frames_end); a page is writable and executable only when
 * the request waived W^X; the same frame is never writable at one address
 * and executable at another without that waiver (per-frame counts). Two
 * identical PML4 copies let a flush switch CR3, which every backend treats
 * as a TLB flush (an architectural MOV to CR3). */
#ifndef GAMUT_PV_PV_MMU_H
#define GAMUT_PV_PV_MMU_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/gmem.h"

/* Flags for pv_mmu_map_sys (gamut's own pages). */
#define PV_MAP_W    (1u << 0)
#define PV_MAP_X    (1u << 1)
#define PV_MAP_USER (1u << 2)

struct pv_mmu {
	struct guest_mem *mem;
	uint64_t pool_start;   /* page tables live in [pool_start, pool_end) */
	uint64_t pool_end;
	uint64_t pool_next;    /* bump allocator: tables are never freed */
	uint64_t pml4[2];      /* two copies of the top level */
	unsigned cur;	       /* which copy CR3 points at */
	uint64_t frames_start; /* the guest's own frames */
	uint64_t frames_end;
	uint32_t *wcount;      /* per guest frame: writable mappings */
	uint32_t *xcount;      /* per guest frame: executable mappings */
	bool dirty;	       /* a mapping was removed or reduced: flush */
};

/* Sets up an empty address space. The pool must hold at least 8 frames. */
int pv_mmu_init(struct pv_mmu *m, struct guest_mem *mem, uint64_t pool_start,
		uint64_t pool_end, uint64_t frames_start, uint64_t frames_end,
		struct gerr *err);
void pv_mmu_destroy(struct pv_mmu *m);

/* Pool frames needed to map ram_bytes of 4 KiB pages twice over. */
uint64_t pv_mmu_pool_frames(uint64_t ram_bytes);

/* Maps one of gamut's own pages (below PV_IMAGE_BASE); no frame checks. */
int pv_mmu_map_sys(struct pv_mmu *m, uint64_t va, uint64_t gpa, unsigned flags);

/* The guest's requests: 0 or -PV_E*.  Each is all-or-nothing. */
int pv_mmu_map(struct pv_mmu *m, uint64_t va, uint64_t gpa, uint64_t npages,
	       uint32_t flags);
int pv_mmu_unmap(struct pv_mmu *m, uint64_t va, uint64_t npages);
int pv_mmu_protect(struct pv_mmu *m, uint64_t va, uint64_t npages,
		   uint32_t flags);

/* Translates a user-accessible address (writable when `write`) the way the
 * CPU would at CPL 3; 0 with *gpa, or -1. */
int pv_mmu_translate(const struct pv_mmu *m, uint64_t va, bool write,
		     uint64_t *gpa);

/* CR3 to load now.  When the tables lost a mapping since the last call,
 * switches to the other PML4 copy so that loading it flushes the TLB. */
uint64_t pv_mmu_cr3(struct pv_mmu *m, bool *changed);

#endif
