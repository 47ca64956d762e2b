/* String instructions (MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS) with REP.
 *
 * A REP instruction runs at most STRING_BATCH iterations per execution and
 * then restarts itself (RIP left on it), so interrupts and stop requests
 * are seen during long copies, as on hardware.  Registers are updated after
 * every iteration, so a fault mid-way restarts at the right element. */
#include "cpu/emu/alu.h"
#include "cpu/emu/cpu.h"

#define STRING_BATCH 65536

static void adv(struct emu_cpu *c, unsigned r, unsigned asz, int64_t delta)
{
	uint64_t m = size_mask(asz);

	c->r[r] = (c->r[r] & ~m) | ((c->r[r] + (uint64_t)delta) & m);
	if (asz == 4)
		c->r[r] &= 0xffffffffu;
}

static uint64_t src_addr(struct emu_cpu *c, const struct insn *d)
{
	unsigned s = d->seg >= 0 ? (unsigned)d->seg : X86_DS;

	return seg_linear(c, s, c->r[X86_RSI] & size_mask(d->asz), d->asz);
}

static uint64_t dst_addr(struct emu_cpu *c, const struct insn *d)
{
	return seg_linear(c, X86_ES, c->r[X86_RDI] & size_mask(d->asz), d->asz);
}

/* One iteration; returns false when a REPE/REPNE condition ends the loop. */
static bool string_once(struct emu_cpu *c, const struct insn *d, unsigned sz,
			int64_t step)
{
	uint64_t a, b;

	switch (d->op & ~1u) {
	case 0xa4: /* MOVS */
		a = mem_read(c, src_addr(c, d), sz);
		mem_write(c, dst_addr(c, d), sz, a);
		adv(c, X86_RSI, d->asz, step);
		adv(c, X86_RDI, d->asz, step);
		return true;
	case 0xa6: /* CMPS */
		a = mem_read(c, src_addr(c, d), sz);
		b = mem_read(c, dst_addr(c, d), sz);
		alu_op(c, ALU_CMP, sz, a, b);
		adv(c, X86_RSI, d->asz, step);
		adv(c, X86_RDI, d->asz, step);
		break;
	case 0xaa: /* STOS */
		mem_write(c, dst_addr(c, d), sz, c->r[X86_RAX]);
		adv(c, X86_RDI, d->asz, step);
		return true;
	case 0xac: /* LODS */
		a = mem_read(c, src_addr(c, d), sz);
		reg_set(c, d, X86_RAX, sz, a);
		adv(c, X86_RSI, d->asz, step);
		return true;
	case 0xae: /* SCAS */
		b = mem_read(c, dst_addr(c, d), sz);
		alu_op(c, ALU_CMP, sz, c->r[X86_RAX], b);
		adv(c, X86_RDI, d->asz, step);
		break;
	case 0x6c: /* INS: check the destination before the port read */
		mmu_translate(c, dst_addr(c, d), ACC_W, c->cpl == 3);
		a = io_in(c, (uint16_t)c->r[X86_RDX], sz);
		mem_write(c, dst_addr(c, d), sz, a);
		adv(c, X86_RDI, d->asz, step);
		return true;
	default: /* 0x6e OUTS */
		a = mem_read(c, src_addr(c, d), sz);
		io_out(c, (uint16_t)c->r[X86_RDX], sz, (uint32_t)a);
		adv(c, X86_RSI, d->asz, step);
		return true;
	}
	/* CMPS/SCAS: F3 repeats while equal, F2 while not equal. */
	if (d->rep == 0xf3)
		return flags_cond(c, 4);
	if (d->rep == 0xf2)
		return !flags_cond(c, 4);
	return true;
}

void exec_string(struct emu_cpu *c, const struct insn *d)
{
	unsigned sz = (d->op & 1) ? d->osz : 1;
	int64_t step;
	uint64_t m = size_mask(d->asz);

	if ((d->op & ~1u) == 0x6c || (d->op & ~1u) == 0x6e)
		sz = (d->op & 1) ? (d->osz == 2 ? 2 : 4) : 1;
	step = (c->rflags & FL_DF) ? -(int64_t)sz : (int64_t)sz;
	if (!d->rep) {
		string_once(c, d, sz, step);
		return;
	}
	for (unsigned n = 0; n < STRING_BATCH; n++) {
		bool more;

		if (!(c->r[X86_RCX] & m))
			return;
		more = string_once(c, d, sz, step);
		adv(c, X86_RCX, d->asz, -1);
		if (!more)
			return;
	}
	if (c->r[X86_RCX] & m)
		c->rip = c->insn_rip; /* continue after pending events */
}
