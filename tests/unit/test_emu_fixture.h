/* Shared by the software CPU's unit tests: the smallest long-mode world a
 * test program runs in, so each test states only what it is about. */
#ifndef GAMUT_TESTS_EMU_FIXTURE_H
#define GAMUT_TESTS_EMU_FIXTURE_H

#include "core/gmem.h"
#include "cpu/x86_state.h"

/* The first 2 MiB identity-mapped by one large page (PML4 at 0x1000, PDPT
 * at 0x2000, PD at 0x3000), so test code and data go above 0x4000. */
static inline void emu_fx_identity_map(struct guest_mem *mem)
{
	gmem_write_u64(mem, 0x1000, 0x2000 | 3);
	gmem_write_u64(mem, 0x2000, 0x3000 | 3);
	gmem_write_u64(mem, 0x3000, 0x0 | 0x83);
}

/* 64-bit mode at CPL 0 on the tables above, flat segments, the stack at
 * 0x80000; the caller sets RIP and any other register. */
static inline void emu_fx_long_mode(struct x86_state *st)
{
	x86_state_reset(st);
	st->cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_ET | X86_CR0_WP;
	st->cr3 = 0x1000;
	st->cr4 = X86_CR4_PAE;
	st->efer = X86_EFER_LME | X86_EFER_LMA;
	st->seg[X86_CS] = x86_flat_code64(0x8);
	for (int i = 0; i < X86_NR_SREGS; i++)
		if (i != X86_CS)
			st->seg[i] = x86_flat_data(0x10);
	st->gpr[X86_RSP] = 0x80000;
}

#endif
