/* The decode cache: decoded instructions keyed by guest-physical address.
 *
 * Each vCPU has its own direct-mapped array of decoded instructions (no
 * locks on the hit path).  What makes an entry stale is shared by the VM
 * (struct dcache_shared): one generation counter per RAM page, bumped when
 * a page that holds cached code is written (by any vCPU's slow-path store,
 * or by a device through guest_mem.write_hook).  An entry records the
 * generation it was decoded under and is used only while it still matches.
 *
 * Pages that hold cached code never get a fast write entry in any TLB:
 * marking a page as code bumps `epoch`, and every vCPU drops its fast write
 * entries when it sees a new epoch (checked before each instruction). */
#ifndef GAMUT_CPU_EMU_DCACHE_H
#define GAMUT_CPU_EMU_DCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/gmem.h"
#include "cpu/emu/decode.h"

struct emu_cpu;

struct dcache_shared {
	struct guest_mem *mem;
	uint64_t npages;
	uint32_t *gen;	/* per RAM page */
	uint8_t *code;	/* per RAM page: 1 while cached code may exist */
	uint32_t epoch; /* bumped when a page becomes a code page */
};

#define DCACHE_BITS 15
#define DCACHE_SIZE (1u << DCACHE_BITS)

struct dcache_entry {
	uint64_t gpa;	/* ~0: empty */
	uint32_t gen;
	uint8_t mode;
	struct insn insn;
};

struct emu_dcache {
	struct dcache_shared *sh;
	uint32_t epoch_seen;
	struct dcache_entry e[DCACHE_SIZE];
};

/* Shared part: one per guest_mem; installs itself as the write hook. */
struct dcache_shared *dcache_shared_new(struct guest_mem *mem);
void dcache_shared_free(struct dcache_shared *sh);
/* Per-vCPU part. */
struct emu_dcache *dcache_new(struct dcache_shared *sh);
void dcache_free(struct emu_dcache *dc);

/* The cached decode of the instruction at `gpa`, or NULL. */
const struct insn *dcache_lookup(struct emu_dcache *dc, uint64_t gpa,
				 unsigned mode);
/* Stores a decode made from bytes that lie entirely in gpa's page. */
void dcache_store(struct emu_cpu *c, uint64_t gpa, const struct insn *d);
bool dcache_page_has_code(struct emu_cpu *c, uint64_t gpage);
/* The generation counter of a RAM page (for the TLB), or NULL. */
uint32_t *dcache_gen_ptr(struct emu_cpu *c, uint64_t gpage);

static inline unsigned dcache_slot(uint64_t gpa)
{
	return (unsigned)((gpa ^ (gpa >> DCACHE_BITS)) & (DCACHE_SIZE - 1));
}
/* Called from the gmem write hook and from slow-path stores. */
void dcache_invalidate(struct dcache_shared *sh, uint64_t gpa, uint64_t len);
/* Drops this vCPU's fast write entries if another page became code. */
void dcache_sync(struct emu_cpu *c);

#endif
