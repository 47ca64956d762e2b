/* Integer arithmetic with x86 flag semantics (alu.c). */
#ifndef GAMUT_CPU_EMU_ALU_H
#define GAMUT_CPU_EMU_ALU_H

#include "cpu/emu/cpu.h"

/* The ALU operation numbers of opcodes 00-3F and group 1 (/0../7). */
enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };
/* The shift numbers of group 2 (/0../7). */
enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };

/* Returns the masked result and records the flags (CMP too). */
uint64_t alu_op(struct emu_cpu *c, unsigned op, unsigned size, uint64_t a,
		uint64_t b);
uint64_t alu_incdec(struct emu_cpu *c, bool dec, unsigned size, uint64_t a);
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
