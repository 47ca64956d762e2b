/* Integer arithmetic with x86 flag semantics (alu.c). */
#ifndef GAMUT_CPU_EMU_ALU_H
#define GAMUT_CPU_EMU_ALU_H

#include "cpu/emu/cpu.h"

/* The ALU operation numbers of opcodes 00-3F and group 1 (/0../7). */
enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };
/* The shift numbers of group 2 (/0../7). */
enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };

/* alu_op returns the masked result and records the flags (CMP too);
 * inline because it is the hottest code of the interpreter. */
static inline uint64_t alu_op(struct emu_cpu *c, unsigned op, unsigned size, uint64_t a,
		uint64_t b)
{
	uint64_t m = size_mask(size), r, cin;

	a &= m;
	b &= m;
	switch (op & 7) {
	case ALU_ADD:
		r = (a + b) & m;
		lf_set(c, LF_ADD, size, r, a, b);
		return r;
	case ALU_ADC:
		cin = flag_cf(c);
		r = (a + b + cin) & m;
		lf_set(c, LF_ADC, size, r, a, b);
		c->lf.cin = (uint8_t)cin;
		return r;
	case ALU_SBB:
		cin = flag_cf(c);
		r = (a - b - cin) & m;
		lf_set(c, LF_SBB, size, r, a, b);
		c->lf.cin = (uint8_t)cin;
		return r;
	case ALU_SUB:
	case ALU_CMP:
		r = (a - b) & m;
		lf_set(c, LF_SUB, size, r, a, b);
		return r;
	case ALU_OR:
		r = a | b;
		break;
	case ALU_AND:
		r = a & b;
		break;
	default:
		r = a ^ b;
		break;
	}
	lf_set(c, LF_LOGIC, size, r, a, b);
	return r;
}

static inline uint64_t alu_incdec(struct emu_cpu *c, bool dec, unsigned size, uint64_t a)
{
	uint64_t m = size_mask(size);
	uint8_t cf = flag_cf(c);
	uint64_t r = (dec ? a - 1 : a + 1) & m;

	lf_set(c, dec ? LF_DEC : LF_INC, size, r, a & m, 1);
	c->lf.cin = cf;
	return r;
}

/* Count is masked as the hardware does; count 0 leaves flags alone. */
uint64_t alu_shift(struct emu_cpu *c, unsigned op, unsigned size, uint64_t v,
		   unsigned count);
uint64_t alu_shld(struct emu_cpu *c, bool right, unsigned size, uint64_t dst,
		  uint64_t src, unsigned count);
/* MUL/IMUL one-operand form: rDX:rAX = rAX * src. */
void alu_mul(struct emu_cpu *c, bool sign, unsigned size, uint64_t src);
uint64_t alu_imul2(struct emu_cpu *c, unsigned size, uint64_t a, uint64_t b);
/* DIV/IDIV: raises #DE on zero or overflow before changing anything. */
void alu_div(struct emu_cpu *c, bool sign, unsigned size, uint64_t src);

#endif
