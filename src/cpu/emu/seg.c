/* Segmentation: descriptor loads, far transfers, IRET, and the control
 * registers that change the CPU mode.
 *
 * Covered: real mode, 16/32-bit protected mode, long mode (64-bit and
 * compatibility), privilege changes through far RET/IRET and through
 * interrupt gates (except.c).  Not covered: call gates, task switches,
 * virtual-8086 mode and segment limit checks; those raise #GP or are
 * ignored, as each place says. */
#include "cpu/emu/cpu.h"

void seg_update_mode(struct emu_cpu *c)
{
	if (!(c->cr0 & X86_CR0_PE)) {
		c->code_size = DEC_MODE16;
		c->cpl = 0;
		return;
	}
	if ((c->efer & X86_EFER_LMA) && c->seg[X86_CS].l)
		c->code_size = DEC_MODE64;
	else
		c->code_size = c->seg[X86_CS].db ? DEC_MODE32 : DEC_MODE16;
	c->cpl = c->seg[X86_CS].selector & 3;
}

void seg_from_desc(struct x86_segment *s, uint16_t sel, uint64_t d)
{
	s->selector = sel;
	s->base = ((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000u);
	s->limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000));
	s->type = (d >> 40) & 15;
	s->s = (d >> 44) & 1;
	s->dpl = (d >> 45) & 3;
	s->present = (d >> 47) & 1;
	s->avl = (d >> 52) & 1;
	s->l = (d >> 53) & 1;
	s->db = (d >> 54) & 1;
	s->g = (d >> 55) & 1;
	if (s->g)
		s->limit = (s->limit << 12) | 0xfff;
	s->unusable = 0;
}

uint64_t seg_read_desc(struct emu_cpu *c, uint16_t sel, uint64_t *hi)
{
	uint64_t base, limit, off = sel & ~7u;

	if (sel & 4) {
		base = c->ldt.base;
		limit = c->ldt.unusable ? 0 : c->ldt.limit;
		if (c->ldt.unusable)
			emu_raise(c, EXC_GP, sel & 0xfffc);
	} else {
		base = c->gdt.base;
		limit = c->gdt.limit;
	}
	if (off + 7 > limit)
		emu_raise(c, EXC_GP, sel & 0xfffc);
	if (hi)
		*hi = off + 15 <= limit ? mem_read_sys(c, base + off + 8, 8) : 0;
	return mem_read_sys(c, base + off, 8);
}

/* Sets the accessed bit as the processor does on a load. */
static void desc_mark_accessed(struct emu_cpu *c, uint16_t sel, uint64_t d)
{
	uint64_t base = (sel & 4) ? c->ldt.base : c->gdt.base;

	if (!(d & (1ull << 40)))
		mem_write_sys(c, base + (sel & ~7u) + 5, 1, ((d >> 40) & 0xff) | 1);
}

static void seg_load_real(struct emu_cpu *c, unsigned sreg, uint16_t sel)
{
	struct x86_segment *s = &c->seg[sreg];

	s->selector = sel;
	s->base = (uint64_t)sel << 4;
	s->present = 1;
	s->unusable = 0;
	if (sreg == X86_CS) {
		s->db = 0;
		s->l = 0;
		s->type = 0xb;
		s->s = 1;
		s->dpl = 0;
	}
}

void seg_load(struct emu_cpu *c, unsigned sreg, uint16_t sel)
{
	struct x86_segment *s = &c->seg[sreg];
	unsigned rpl = sel & 3;
	uint64_t d;
	struct x86_segment n;

	if (!(c->cr0 & X86_CR0_PE) || (c->rflags & FL_VM)) {
		seg_load_real(c, sreg, sel);
		return;
	}
	if ((sel & ~3u) == 0) {
		if (sreg == X86_SS && (c->code_size != DEC_MODE64 || c->cpl == 3 ||
				       rpl != c->cpl))
			emu_raise(c, EXC_GP, 0);
		s->selector = sel;
		s->unusable = 1;
		s->present = 0;
		if (sreg != X86_FS && sreg != X86_GS)
			s->base = 0;
		if (sreg == X86_SS)
			s->dpl = (uint8_t)c->cpl;
		return;
	}
	d = seg_read_desc(c, sel, NULL);
	seg_from_desc(&n, sel, d);
	if (sreg == X86_SS) {
		if (!n.s || (n.type & 8) || !(n.type & 2) || rpl != c->cpl ||
		    n.dpl != c->cpl)
			emu_raise(c, EXC_GP, sel & 0xfffc);
		if (!n.present)
			emu_raise(c, EXC_SS, sel & 0xfffc);
	} else {
		if (!n.s || ((n.type & 8) && !(n.type & 2)))
			emu_raise(c, EXC_GP, sel & 0xfffc);
		/* Data and non-conforming code: DPL >= max(CPL, RPL). */
		if ((!(n.type & 8) || !(n.type & 4)) &&
		    (n.dpl < c->cpl || n.dpl < rpl))
			emu_raise(c, EXC_GP, sel & 0xfffc);
		if (!n.present)
			emu_raise(c, EXC_NP, sel & 0xfffc);
	}
	desc_mark_accessed(c, sel, d);
	n.type |= 1;
	*s = n;
}

/* Loads CS for a transfer to privilege `cpl` (checks done by callers). */
static void load_cs(struct emu_cpu *c, uint16_t sel, uint64_t d, unsigned cpl)
{
	struct x86_segment n;

	seg_from_desc(&n, (uint16_t)((sel & ~3u) | cpl), d);
	if (!n.s || !(n.type & 8))
		emu_raise(c, EXC_GP, sel & 0xfffc);
	if (!n.present)
		emu_raise(c, EXC_NP, sel & 0xfffc);
	desc_mark_accessed(c, sel, d);
	n.type |= 1;
	c->seg[X86_CS] = n;
	seg_update_mode(c);
	c->cpl = cpl;
}

static uint64_t ip_mask(struct emu_cpu *c, unsigned osz)
{
	return c->code_size == DEC_MODE64 ? ~0ull : size_mask(osz);
}

void seg_far_jump(struct emu_cpu *c, uint16_t sel, uint64_t off, bool call,
		  unsigned osz, uint64_t next_rip)
{
	uint64_t d;

	if (!(c->cr0 & X86_CR0_PE) || (c->rflags & FL_VM)) {
		if (call) {
			push(c, osz, c->seg[X86_CS].selector);
			push(c, osz, next_rip);
		}
		seg_load_real(c, X86_CS, sel);
		c->rip = off & size_mask(osz);
		seg_update_mode(c);
		return;
	}
	if ((sel & ~3u) == 0)
		emu_raise(c, EXC_GP, 0);
	d = seg_read_desc(c, sel, NULL);
	if (!((d >> 44) & 1) || !((d >> 43) & 1))
		emu_raise(c, EXC_GP, sel & 0xfffc); /* gates, TSS: not modelled */
	if (((d >> 42) & 1) ? ((d >> 45) & 3) > c->cpl
			    : ((sel & 3) > c->cpl || ((d >> 45) & 3) != c->cpl))
		emu_raise(c, EXC_GP, sel & 0xfffc);
	if (call) {
		unsigned sz = osz;
		uint16_t old_cs = c->seg[X86_CS].selector;

		push(c, sz, old_cs);
		push(c, sz, next_rip);
	}
	load_cs(c, sel, d, c->cpl);
	c->rip = off & ip_mask(c, osz);
}

/* Returning to an outer level nulls data segments the new CPL may not use. */
static void null_inaccessible(struct emu_cpu *c)
{
	static const unsigned regs[] = { X86_ES, X86_DS, X86_FS, X86_GS };

	for (unsigned i = 0; i < 4; i++) {
		struct x86_segment *s = &c->seg[regs[i]];
		bool conforming_code = (s->type & 0xc) == 0xc;

		if (!s->unusable && !conforming_code && s->dpl < c->cpl) {
			s->selector = 0;
			s->unusable = 1;
		}
	}
}

static void return_to(struct emu_cpu *c, uint16_t cs, uint64_t rip,
		      bool outer_stack, uint16_t ss, uint64_t rsp, unsigned osz)
{
	unsigned rpl = cs & 3;
	uint64_t d;

	if ((cs & ~3u) == 0 || rpl < c->cpl)
		emu_raise(c, EXC_GP, cs & 0xfffc);
	d = seg_read_desc(c, cs, NULL);
	load_cs(c, cs, d, rpl);
	c->rip = rip & ip_mask(c, osz);
	if (outer_stack) {
		/* SS is loaded at the new CPL (seg_load checks against cpl). */
		seg_load(c, X86_SS, ss);
		c->r[X86_RSP] = c->code_size == DEC_MODE64 || osz == 8 ? rsp
				: c->seg[X86_SS].db ? rsp & 0xffffffffu
				: (c->r[X86_RSP] & ~0xffffull) | (rsp & 0xffff);
		null_inaccessible(c);
	}
}

void seg_far_ret(struct emu_cpu *c, unsigned osz, uint16_t extra)
{
	uint64_t rip, rsp;
	uint16_t cs, ss;

	if (!(c->cr0 & X86_CR0_PE) || (c->rflags & FL_VM)) {
		rip = pop(c, osz);
		cs = (uint16_t)pop(c, osz);
		c->r[X86_RSP] += extra;
		seg_load_real(c, X86_CS, cs);
		c->rip = rip & size_mask(osz);
		seg_update_mode(c);
		return;
	}
	rip = stack_read(c, 0, osz);
	cs = (uint16_t)stack_read(c, osz, osz);
	if ((cs & 3) > c->cpl) {
		rsp = stack_read(c, 2 * osz + extra, osz);
		ss = (uint16_t)stack_read(c, 3 * osz + extra, osz);
		return_to(c, cs, rip, true, ss, rsp + extra, osz);
		return;
	}
	return_to(c, cs, rip, false, 0, 0, osz);
	c->r[X86_RSP] += 2 * osz + extra;
}

static void iret_flags(struct emu_cpu *c, uint64_t f, unsigned osz,
		       unsigned old_cpl)
{
	uint64_t mask = FL_ARITH | FL_TF | FL_DF | FL_NT | FL_AC | FL_ID | FL_RF;
	unsigned iopl = (unsigned)((c->rflags & FL_IOPL) >> 12);

	if (old_cpl == 0)
		mask |= FL_IOPL | FL_VIF | FL_VIP;
	if (old_cpl <= iopl)
		mask |= FL_IF;
	if (osz == 2)
		mask &= 0xffff;
	flags_set(c, f, mask);
}

void seg_iret(struct emu_cpu *c, unsigned osz)
{
	uint64_t rip, f, rsp = 0;
	uint16_t cs, ss = 0;
	unsigned old_cpl = c->cpl;
	bool outer;

	if (!(c->cr0 & X86_CR0_PE)) {
		rip = stack_read(c, 0, osz);
		cs = (uint16_t)stack_read(c, osz, osz);
		f = stack_read(c, 2 * osz, osz);
		c->r[X86_RSP] = (c->r[X86_RSP] & ~size_mask(stack_size(c))) |
				((c->r[X86_RSP] + 3 * osz) & size_mask(stack_size(c)));
		seg_load_real(c, X86_CS, cs);
		c->rip = rip & size_mask(osz);
		iret_flags(c, f, osz, 0);
		seg_update_mode(c);
		return;
	}
	if (c->rflags & (FL_NT | FL_VM))
		emu_raise(c, EXC_GP, 0); /* task return, VM86: not modelled */
	rip = stack_read(c, 0, osz);
	cs = (uint16_t)stack_read(c, osz, osz);
	f = stack_read(c, 2 * osz, osz);
	if (f & FL_VM)
		emu_raise(c, EXC_GP, 0);
	outer = c->code_size == DEC_MODE64 || (cs & 3) > c->cpl;
	if (outer) {
		rsp = stack_read(c, 3 * osz, osz);
		ss = (uint16_t)stack_read(c, 4 * osz, osz);
	}
	if (!outer) {
		return_to(c, cs, rip, false, 0, 0, osz);
		c->r[X86_RSP] += 3 * osz;
	} else {
		return_to(c, cs, rip, true, ss, rsp, osz);
	}
	iret_flags(c, f, osz, old_cpl);
	c->nmi_pending = c->nmi_pending; /* NMI blocking ends here (not modelled) */
}

void cpu_write_cr(struct emu_cpu *c, unsigned n, uint64_t v)
{
	uint64_t old;

	switch (n) {
	case 0:
		old = c->cr0;
		v |= X86_CR0_ET;
		if ((v >> 32) || ((v & X86_CR0_PG) && !(v & X86_CR0_PE)) ||
		    ((v & X86_CR0_NW) && !(v & X86_CR0_CD)))
			emu_raise(c, EXC_GP, 0);
		if ((v & X86_CR0_PG) && !(old & X86_CR0_PG) &&
		    (c->efer & X86_EFER_LME)) {
			if (!(c->cr4 & X86_CR4_PAE))
				emu_raise(c, EXC_GP, 0);
			c->efer |= X86_EFER_LMA;
		}
		if (!(v & X86_CR0_PG) && (old & X86_CR0_PG)) {
			if (c->code_size == DEC_MODE64)
				emu_raise(c, EXC_GP, 0);
			c->efer &= ~X86_EFER_LMA;
		}
		c->cr0 = v;
		if ((old ^ v) & (X86_CR0_PG | X86_CR0_WP | X86_CR0_PE))
			mmu_flush(c, true);
		seg_update_mode(c);
		return;
	case 2:
		c->cr2 = v;
		return;
	case 3:
		c->cr3 = v;
		mmu_flush(c, false);
		return;
	case 4:
		old = c->cr4;
		if (v & ~0x7feull) /* VME and everything above OSXMMEXCPT */
			emu_raise(c, EXC_GP, 0);
		if ((c->efer & X86_EFER_LMA) && !(v & X86_CR4_PAE))
			emu_raise(c, EXC_GP, 0);
		c->cr4 = v;
		if ((old ^ v) & (X86_CR4_PGE | X86_CR4_PAE | X86_CR4_PSE))
			mmu_flush(c, true);
		return;
	}
	emu_raise_noerr(c, EXC_UD);
}

uint64_t cpu_read_cr(struct emu_cpu *c, unsigned n)
{
	switch (n) {
	case 0: return c->cr0;
	case 2: return c->cr2;
	case 3: return c->cr3;
	case 4: return c->cr4;
	}
	emu_raise_noerr(c, EXC_UD);
}
