/* Operand access shared by the executors: registers (with the legacy
 * high-byte registers), effective addresses, segments and the stack. */
#include "cpu/emu/cpu.h"

uint64_t rm_get(struct emu_cpu *c, const struct insn *d, unsigned size,
		uint64_t next)
{
	if (d->mod == 3)
		return reg_get(c, d, d->rm, size);
	return mem_read(c, ea_linear(c, d, next), size);
}

void rm_set(struct emu_cpu *c, const struct insn *d, unsigned size,
	    uint64_t v, uint64_t next)
{
	if (d->mod == 3)
		reg_set(c, d, d->rm, size, v);
	else
		mem_write(c, ea_linear(c, d, next), size, v);
}

/* Stack address size: 8 in 64-bit mode, else SS.B. */
unsigned stack_size(struct emu_cpu *c)
{
	if (c->code_size == DEC_MODE64)
		return 8;
	return c->seg[X86_SS].db ? 4 : 2;
}

static uint64_t sp_get(struct emu_cpu *c)
{
	return c->r[X86_RSP] & size_mask(stack_size(c));
}

static void sp_set(struct emu_cpu *c, uint64_t v)
{
	unsigned ss = stack_size(c);

	if (ss == 8)
		c->r[X86_RSP] = v;
	else if (ss == 4)
		c->r[X86_RSP] = v & 0xffffffffu;
	else
		c->r[X86_RSP] = (c->r[X86_RSP] & ~0xffffull) | (v & 0xffff);
}

void push(struct emu_cpu *c, unsigned size, uint64_t v)
{
	uint64_t sp = (sp_get(c) - size) & size_mask(stack_size(c));

	mem_write(c, seg_linear(c, X86_SS, sp, stack_size(c)), size, v);
	sp_set(c, sp);
}

uint64_t pop(struct emu_cpu *c, unsigned size)
{
	uint64_t sp = sp_get(c);
	uint64_t v = mem_read(c, seg_linear(c, X86_SS, sp, stack_size(c)), size);

	sp_set(c, sp + size);
	return v;
}

uint64_t stack_read(struct emu_cpu *c, unsigned off, unsigned size)
{
	uint64_t sp = (sp_get(c) + off) & size_mask(stack_size(c));

	return mem_read(c, seg_linear(c, X86_SS, sp, stack_size(c)), size);
}
