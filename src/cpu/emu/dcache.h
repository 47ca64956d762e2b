/* The decode cache: decoded basic blocks keyed by guest-physical address.
 *
 * Each vCPU has its own direct-mapped table of decoded blocks (no locks on
 * the hit path).  What makes an entry stale is shared by the VM
 * (struct dcache_shared): one generation counter per RAM page, bumped when
 * a page that holds cached code is written (by any vCPU's slow-path store,
 * or by a device through guest_mem.write_hook).  An entry records the
 * generation it was decoded under and is used only while it still matches;
 * the run loop also re-checks the generation after every instruction of a
 * block, so a store into the block's own page (self-modifying code) ends
 * the block right after the storing instruction.
 *
 * Pages that hold cached code never get a fast write entry in any TLB:
 * marking a page as code bumps `epoch`, and every vCPU drops its fast write
 * entries when it sees a new epoch (checked at block boundaries, every ~1024 instructions). */
#ifndef GAMUT_CPU_EMU_DCACHE_H
#define GAMUT_CPU_EMU_DCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/gmem.h"
#include "cpu/emu/decode.h"
#include "cpu/emu/jit.h"

struct emu_cpu;

struct dcache_shared {
	struct guest_mem *mem;
	uint64_t npages;
	uint32_t *gen;	/* per RAM page */
	uint8_t *code;	/* per RAM page: 1 while cached code may exist */
	uint32_t epoch; /* bumped when a page becomes a code page */
};

/* The per-vCPU part caches basic blocks: runs of decoded instructions that
 * start at one guest-physical address and stay within its page, ending
 * after an instruction that may change the flow, the mode or the
 * translation (dcache_continues), at the page end, or at BLOCK_MAX.  The
 * decoded instructions live back to back in an arena; when it fills up,
 * every block is dropped at once (no per-block freeing). */
#define BLOCK_BITS 14
#define BLOCK_SLOTS (1u << BLOCK_BITS)
#define BLOCK_MAX 64
#define ARENA_BYTES (8u << 20)
/* Host code for hot blocks (jit.h), emptied with the arena. */
#define JIT_BYTES (16u << 20)
/* Runs of a block in the interpreter before it is compiled. */
#define JIT_HOT_DEFAULT 16

/* A block lives in the arena, its instructions right after its header (so
 * the lookup and the first instructions share cache lines). */
/* A link remembers a successor block on the same page, so the run loop can
 * go from block to block without the TLB and table lookups (see
 * dcache_chains). */
struct block_link {
	uint64_t gpa;	/* ~0: none */
	struct block *b;
};

struct block {
	uint64_t gpa;
	uint32_t gen;	/* the page's generation when decoded */
	uint8_t mode;	/* enum dec_mode */
	uint8_t n;	/* instructions, 1..BLOCK_MAX */
	uint8_t chain;	/* its end keeps mode, CPL and translation */
	uint8_t next_link; /* which link a miss replaces */
	uint8_t jit_user; /* jit was compiled for CPL 3 */
	uint16_t runs;	/* interpreted runs, up to jit_hot */
	const uint32_t *genp; /* the page's generation counter */
	jit_code *jit;	/* compiled code (jit.h), or NULL */
	uint8_t *jit_chain; /* its entry for a jump from another block */
	uint64_t jit_rip; /* the RIP jit was compiled at (its constants) */
	struct block_link link[2];
	struct insn insn[];
};

/* The table: small entries, so that more of it stays in the host's
 * caches; the gpa is repeated here to reject a miss without touching the
 * block. */
struct block_slot {
	uint64_t gpa;	/* ~0: empty */
	struct block *b;
};

struct emu_dcache {
	struct dcache_shared *sh;
	uint32_t epoch_seen;
	uint32_t drops;	/* arena drops so far (a held block pointer dies) */
	size_t used;	/* arena bytes taken */
	uint8_t *arena;
	struct jit_buf jit;
	unsigned jit_hot; /* 0: never compile; 1: from the first run */
	/* For --stats (docs/stats.md), this vCPU's only: table lookups,
	 * blocks decoded (the lookups that missed), blocks compiled. */
	uint64_t lookups, decoded, compiled;
	struct block_slot slot[BLOCK_SLOTS];
};

/* Shared part: one per guest_mem; installs itself as the write hook. */
struct dcache_shared *dcache_shared_new(struct guest_mem *mem);
void dcache_shared_free(struct dcache_shared *sh);
/* Per-vCPU part. */
struct emu_dcache *dcache_new(struct dcache_shared *sh);
void dcache_free(struct emu_dcache *dc);

/* The block starting at `gpa` (a page of RAM whose generation counter is
 * `genp`) for code size `mode`: the cached one while its page is unchanged,
 * else a new decode from the host bytes `page` (the whole 4 KiB page).
 * NULL when not even the first instruction decodes within the page (the
 * caller then takes the one-instruction path, which raises the fault). */
struct block *dcache_block(struct emu_cpu *c, uint64_t gpa,
			   const uint8_t *page, uint32_t *genp, unsigned mode);
/* Whether decoding may go on after `d` in the same block. */
bool dcache_continues(const struct insn *d);
/* Whether a block ending with `d` may be followed directly by the block at
 * the new RIP, if on the same page: `d` continues, or is a near jump, call
 * or return, which change neither the mode, the CPL, the translation nor
 * the interrupt shadow. */
bool dcache_chains(const struct insn *d);
bool dcache_page_has_code(struct emu_cpu *c, uint64_t gpage);
/* The generation counter of a RAM page (for the TLB), or NULL. */
uint32_t *dcache_gen_ptr(struct emu_cpu *c, uint64_t gpage);

static inline unsigned dcache_slot(uint64_t gpa)
{
	return (unsigned)((gpa ^ (gpa >> BLOCK_BITS)) & (BLOCK_SLOTS - 1));
}
/* Called from the gmem write hook and from slow-path stores. */
void dcache_invalidate(struct dcache_shared *sh, uint64_t gpa, uint64_t len);
/* Drops this vCPU's fast write entries if another page became code. */
void dcache_sync(struct emu_cpu *c);

#endif
