/* Read-modify-write of a ModRM operand (rmw.c). */
#ifndef GAMUT_CPU_EMU_RMW_H
#define GAMUT_CPU_EMU_RMW_H

#include "cpu/emu/cpu.h"

enum rmw_kind {
	RMW_ALU,   /* sub: ALU_* (ALU_CMP does not store) */
	RMW_INC, RMW_DEC, RMW_NOT, RMW_NEG,
	RMW_SHIFT, /* sub: SH_*, src: count */
	RMW_XCHG,  /* returns the old value */
	RMW_XADD,  /* returns the old value */
	RMW_BT,	   /* sub: 0 BT (no store), 1 BTS, 2 BTR, 3 BTC; src: bit */
	RMW_SHLD, RMW_SHRD, /* sub: count, src: the filler operand */
};

/* Applies `kind` to the ModRM operand (register or memory; atomically when
 * the instruction has LOCK, or is XCHG).  Returns the old value for XCHG and
 * XADD, 0 otherwise. */
uint64_t rmw(struct emu_cpu *c, const struct insn *d, uint64_t next,
	     unsigned size, unsigned kind, unsigned sub, uint64_t src);
/* The same on a linear address (BT family with a register bit offset). */
uint64_t rmw_mem(struct emu_cpu *c, uint64_t va, bool atomic, unsigned size,
		 unsigned kind, unsigned sub, uint64_t src, bool store);

#endif
