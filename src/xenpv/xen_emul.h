/* The instruction decoder behind Xen PV's privileged-instruction
 * emulation (xen_emul.c): just enough x86 to recognise the instructions a
 * PV domU's kernel traps on.  Pure, so it is fuzzed on its own. */
#ifndef GAMUT_XEN_XEN_EMUL_H
#define GAMUT_XEN_XEN_EMUL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xen_insn {
	unsigned len;	/* bytes, prefixes included */
	unsigned op;	/* one-byte opcode, or 0x0fXX */
	uint8_t rex;
	uint8_t modrm;	/* MOV to/from CR only */
	uint8_t imm;	/* IN/OUT imm8, INT n */
	bool opsize16;
};

/* 0, or -1 when the bytes end before the instruction does. */
int xen_insn_decode(const uint8_t *buf, size_t n, struct xen_insn *in);

/* A read-modify-write or store on a memory operand (xen_ptwr.c: the
 * guest kernel writing its read-only page tables). */
struct memop {
	unsigned len;	/* whole instruction */
	unsigned op;	/* opcode, 0x0fXX for two-byte ones */
	unsigned reg;	/* ModRM.reg with REX.R */
	unsigned size;	/* operand bytes: 1, 4 or 8 */
	uint64_t imm;
};

/* 0, or -1 for anything but the forms xen_ptwr.c emulates. */
int xen_memop_decode(const uint8_t *buf, size_t n, struct memop *o);

#endif
