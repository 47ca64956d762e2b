/* System instructions: descriptor tables, control registers, MSRs, CPUID,
 * the TSC, SYSCALL/SYSRET, SWAPGS, fences and FXSAVE dispatch. */
#include "cpu/emu/cpu.h"
#include "cpu/emu/kvm_pv.h"
#include "cpu/emu/lapic.h"

static void ud(struct emu_cpu *c)
{
	emu_raise_noerr(c, EXC_UD);
}

static void need_cpl0(struct emu_cpu *c)
{
	if (c->cpl)
		emu_raise(c, EXC_GP, 0);
}

static void need_prot(struct emu_cpu *c)
{
	if (!(c->cr0 & X86_CR0_PE) || (c->rflags & FL_VM))
		ud(c);
}

/* LLDT/LTR: a system descriptor, 16 bytes in long mode. */
static void load_system_seg(struct emu_cpu *c, struct x86_segment *s,
			    uint16_t sel, bool tss)
{
	uint64_t d, hi = 0;
	unsigned type;

	if ((sel & ~3u) == 0) {
		if (tss)
			emu_raise(c, EXC_GP, 0);
		*s = (struct x86_segment){ .unusable = 1 };
		return;
	}
	if (sel & 4)
		emu_raise(c, EXC_GP, sel & 0xfffc);
	d = seg_read_desc(c, sel, &hi);
	type = (d >> 40) & 15;
	if (((d >> 44) & 1) || (tss ? (type != 9 && type != 1) : type != 2))
		emu_raise(c, EXC_GP, sel & 0xfffc);
	if (!((d >> 47) & 1))
		emu_raise(c, EXC_NP, sel & 0xfffc);
	seg_from_desc(s, sel, d);
	if (c->efer & X86_EFER_LMA)
		s->base |= (hi & 0xffffffffu) << 32;
	if (tss) { /* mark busy */
		mem_write_sys(c, c->gdt.base + (sel & ~7u) + 5, 1,
			      ((d >> 40) & 0xff) | 2);
		s->type |= 2;
	}
}

static void group6(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	unsigned sub = insn_subop(d);

	need_prot(c);
	switch (sub) {
	case 0:
		rm_set(c, d, d->mod == 3 ? d->osz : 2, c->ldt.selector, next);
		return;
	case 1:
		rm_set(c, d, d->mod == 3 ? d->osz : 2, c->tr.selector, next);
		return;
	case 2:
		need_cpl0(c);
		load_system_seg(c, &c->ldt, (uint16_t)rm_get(c, d, 2, next), false);
		return;
	case 3:
		need_cpl0(c);
		load_system_seg(c, &c->tr, (uint16_t)rm_get(c, d, 2, next), true);
		return;
	case 4:
	case 5: { /* VERR/VERW: ZF says whether the segment is usable */
		uint16_t sel = (uint16_t)rm_get(c, d, 2, next);
		uint64_t lim = sel & 4 ? c->ldt.limit : c->gdt.limit;
		bool ok = false;

		if ((sel & ~3u) && (sel | 7u) <= lim) {
			uint64_t e = seg_read_desc(c, sel, NULL);
			unsigned type = (e >> 40) & 15;

			ok = ((e >> 44) & 1) &&
			     (sub == 4 ? (!(type & 8) || (type & 2)) : (!(type & 8) && (type & 2)));
		}
		flags_set(c, ok ? FL_ZF : 0, FL_ZF);
		return;
	}
	}
	ud(c);
}

static void store_dtable(struct emu_cpu *c, const struct insn *d,
			 uint64_t next, const struct x86_dtable *t)
{
	uint64_t va = ea_linear(c, d, next);
	unsigned bsz = c->code_size == DEC_MODE64 ? 8 : 4;

	mem_write(c, va + 2, bsz, t->base);
	mem_write(c, va, 2, t->limit);
}

static void load_dtable(struct emu_cpu *c, const struct insn *d, uint64_t next,
			struct x86_dtable *t)
{
	uint64_t va = ea_linear(c, d, next), base;
	uint16_t limit;

	need_cpl0(c);
	limit = (uint16_t)mem_read(c, va, 2);
	if (c->code_size == DEC_MODE64)
		base = mem_read(c, va + 2, 8);
	else
		base = mem_read(c, va + 2, 4) & (d->osz == 2 ? 0xffffff : 0xffffffffu);
	t->base = base;
	t->limit = limit;
}

static void swapgs(struct emu_cpu *c)
{
	uint64_t t;

	if (c->code_size != DEC_MODE64)
		ud(c);
	need_cpl0(c);
	t = c->seg[X86_GS].base;
	c->seg[X86_GS].base = c->kernel_gs_base;
	c->kernel_gs_base = t;
}

static void rdtsc(struct emu_cpu *c, bool aux)
{
	uint64_t t;

	if ((c->cr4 & (1ull << 2)) && c->cpl) /* CR4.TSD */
		emu_raise(c, EXC_GP, 0);
	t = cpu_tsc(c);
	c->r[X86_RAX] = t & 0xffffffffu;
	c->r[X86_RDX] = t >> 32;
	if (aux)
		c->r[X86_RCX] = c->tsc_aux & 0xffffffffu;
}

static void group7(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	unsigned sub = insn_subop(d);

	if (d->mod == 3) {
		unsigned rm = d->rm & 7;

		if (sub == 0 && rm == 1) {
			kvm_pv_vmcall(c);
			return;
		}
		if (sub == 7 && rm == 0) {
			swapgs(c);
			return;
		}
		if (sub == 7 && rm == 1) {
			rdtsc(c, true);
			return;
		}
		if (sub == 4) {
			reg_set(c, d, d->rm, d->osz, c->cr0 & 0xffff);
			return;
		}
		if (sub == 6) {
			need_cpl0(c);
			cpu_write_cr(c, 0, (c->cr0 & ~0xeull) |
					   (c->r[d->rm] & 0xf) | (c->cr0 & 1));
			return;
		}
		ud(c); /* VMX/SVM, MONITOR/MWAIT, XGETBV, CLAC/STAC: not advertised */
	}
	switch (sub) {
	case 0: store_dtable(c, d, next, &c->gdt); return;
	case 1: store_dtable(c, d, next, &c->idt); return;
	case 2: load_dtable(c, d, next, &c->gdt); return;
	case 3: load_dtable(c, d, next, &c->idt); return;
	case 4: rm_set(c, d, 2, c->cr0 & 0xffff, next); return;
	case 6:
		need_cpl0(c);
		cpu_write_cr(c, 0, (c->cr0 & ~0xeull) |
				   (rm_get(c, d, 2, next) & 0xf) | (c->cr0 & 1));
		return;
	case 7:
		need_cpl0(c);
		mmu_flush_page(c, ea_linear(c, d, next));
		return;
	}
	ud(c);
}

static void lar_lsl(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	uint16_t sel = (uint16_t)rm_get(c, d, 2, next);
	uint64_t lim = sel & 4 ? c->ldt.limit : c->gdt.limit, e;
	struct x86_segment s;

	need_prot(c);
	if (!(sel & ~3u) || (sel | 7u) > lim) {
		flags_set(c, 0, FL_ZF);
		return;
	}
	e = seg_read_desc(c, sel, NULL);
	seg_from_desc(&s, sel, e);
	if (d->op == 0x02)
		reg_set(c, d, d->reg, d->osz, (e >> 32) & 0x00f0ff00u);
	else
		reg_set(c, d, d->reg, d->osz, s.limit);
	flags_set(c, FL_ZF, FL_ZF);
}

static void mov_cr(struct emu_cpu *c, const struct insn *d)
{
	unsigned n = d->reg, sz = c->code_size == DEC_MODE64 ? 8 : 4;

	need_cpl0(c);
	if (n == 8) {
		if (!c->lapic)
			ud(c);
		if (d->op == 0x20)
			reg_set(c, d, d->rm, sz, lapic_get_tpr(c->lapic));
		else
			lapic_set_tpr(c->lapic, (uint8_t)c->r[d->rm]);
		return;
	}
	if (d->op == 0x20)
		reg_set(c, d, d->rm, sz, cpu_read_cr(c, n));
	else
		cpu_write_cr(c, n, c->r[d->rm] & size_mask(sz));
}

static void mov_dr(struct emu_cpu *c, const struct insn *d)
{
	unsigned n = d->reg, sz = c->code_size == DEC_MODE64 ? 8 : 4;

	need_cpl0(c);
	if (n > 7)
		ud(c);
	if (d->op == 0x21) {
		uint64_t v = c->dr[n];

		if (n == 6 || n == 4)
			v = c->dr[6] | 0xffff0ff0u;
		else if (n == 7 || n == 5)
			v = c->dr[7] | 0x400;
		reg_set(c, d, d->rm, sz, v);
	} else {
		c->dr[n == 4 ? 6 : n == 5 ? 7 : n] = c->r[d->rm] & size_mask(sz);
		if (n == 7 || n == 5)
			emu_debug_dr7_written(c);
	}
}

static void do_syscall(struct emu_cpu *c, uint64_t next)
{
	uint16_t sel = (uint16_t)(c->star >> 32) & 0xfffc;

	if (!(c->efer & X86_EFER_SCE) || !(c->efer & X86_EFER_LMA))
		ud(c); /* legacy-mode SYSCALL is AMD only */
	c->r[X86_RCX] = next;
	c->r[X86_R11] = flags_get(c) & ~FL_RF;
	c->rip = c->code_size == DEC_MODE64 ? c->lstar : c->cstar;
	if (c->rflags & c->sfmask & FL_TF)
		emu_debug_tf_masked(c);
	c->rflags &= ~(c->sfmask | FL_RF);
	c->rflags |= X86_RFLAGS_FIXED;
	c->seg[X86_CS] = x86_flat_code64(sel);
	c->seg[X86_SS] = x86_flat_data((uint16_t)(sel + 8));
	seg_update_mode(c);
	c->cpl = 0;
}

static void do_sysret(struct emu_cpu *c, const struct insn *d)
{
	uint16_t sel = (uint16_t)(c->star >> 48);
	uint64_t rip = c->r[X86_RCX];

	if (!(c->efer & X86_EFER_SCE))
		ud(c);
	if (c->cpl || c->code_size != DEC_MODE64)
		emu_raise(c, EXC_GP, 0);
	if (d->osz == 8) {
		if ((uint64_t)((int64_t)(rip << 16) >> 16) != rip)
			emu_raise(c, EXC_GP, 0);
		c->seg[X86_CS] = x86_flat_code64((uint16_t)((sel + 16) | 3));
	} else {
		rip &= 0xffffffffu;
		c->seg[X86_CS] = x86_flat_code32((uint16_t)(sel | 3));
	}
	c->seg[X86_CS].dpl = 3;
	c->seg[X86_SS] = x86_flat_data((uint16_t)((sel + 8) | 3));
	c->seg[X86_SS].dpl = 3;
	flags_set(c, (c->r[X86_R11] & 0x3c7fd7) | 2, ~0ull);
	c->rflags &= ~FL_RF;
	c->rip = rip;
	seg_update_mode(c);
}

static void group15(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	unsigned sub = insn_subop(d);

	if (d->mod == 3) {
		if (sub >= 5 && !d->rep) {
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			return;
		}
		ud(c); /* RDFSBASE & co.: FSGSBASE not advertised */
	}
	if (c->cr0 & (X86_CR0_EM | X86_CR0_TS)) {
		if (sub <= 3 && (c->cr0 & X86_CR0_TS))
			emu_raise_noerr(c, EXC_NM);
	}
	switch (sub) {
	case 0: exec_fxsave(c, ea_linear(c, d, next)); return;
	case 1: exec_fxrstor(c, ea_linear(c, d, next)); return;
	case 2: {
		uint32_t v = (uint32_t)mem_read(c, ea_linear(c, d, next), 4);

		if (!(c->cr4 & X86_CR4_OSFXSR))
			ud(c);
		if (v & 0xffff0000u)
			emu_raise(c, EXC_GP, 0);
		c->fpu.mxcsr = v;
		return;
	}
	case 3:
		if (!(c->cr4 & X86_CR4_OSFXSR))
			ud(c);
		mem_write(c, ea_linear(c, d, next), 4, c->fpu.mxcsr);
		return;
	case 7:
		if (d->pfx66)
			ud(c); /* CLFLUSHOPT: not advertised */
		mem_read(c, ea_linear(c, d, next), 1); /* CLFLUSH faults like a read */
		return;
	}
	ud(c);
}

void exec_system(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	uint64_t v;
	uint32_t r[4];

	switch (d->op) {
	case 0x00: group6(c, d, next); return;
	case 0x01: group7(c, d, next); return;
	case 0x02: case 0x03: lar_lsl(c, d, next); return;
	case 0x05: do_syscall(c, next); return;
	case 0x06: need_cpl0(c); c->cr0 &= ~X86_CR0_TS; return;
	case 0x07: do_sysret(c, d); return;
	case 0x08: case 0x09: need_cpl0(c); return;
	case 0x20: case 0x22: mov_cr(c, d); return;
	case 0x21: case 0x23: mov_dr(c, d); return;
	case 0x30:
		need_cpl0(c);
		v = (c->r[X86_RAX] & 0xffffffffu) | (c->r[X86_RDX] << 32);
		if (!msr_write(c, (uint32_t)c->r[X86_RCX], v))
			emu_raise(c, EXC_GP, 0);
		return;
	case 0x31: rdtsc(c, false); return;
	case 0x32:
		need_cpl0(c);
		if (!msr_read(c, (uint32_t)c->r[X86_RCX], &v))
			emu_raise(c, EXC_GP, 0);
		c->r[X86_RAX] = v & 0xffffffffu;
		c->r[X86_RDX] = v >> 32;
		return;
	case 0x33: emu_raise(c, EXC_GP, 0); /* no PMU */
	case 0xa2:
		cpuid_query(c, (uint32_t)c->r[X86_RAX], (uint32_t)c->r[X86_RCX], r);
		c->r[X86_RAX] = r[0];
		c->r[X86_RBX] = r[1];
		c->r[X86_RCX] = r[2];
		c->r[X86_RDX] = r[3];
		return;
	case 0xae: group15(c, d, next); return;
	}
	ud(c);
}

/* Port access is allowed at CPL <= IOPL, else by the TSS I/O bitmap. */
static void io_check(struct emu_cpu *c, uint16_t port, unsigned len)
{
	unsigned iopl = (unsigned)((c->rflags & FL_IOPL) >> 12);
	uint64_t base = c->tr.base;
	uint16_t off;

	if (!(c->cr0 & X86_CR0_PE) || (c->cpl <= iopl && !(c->rflags & FL_VM)))
		return;
	if (c->tr.unusable || (c->tr.type & 7) != 3 || c->tr.limit < 0x67)
		emu_raise(c, EXC_GP, 0);
	off = (uint16_t)mem_read_sys(c, base + 0x66, 2);
	if ((uint64_t)off + port / 8 + 1 > c->tr.limit)
		emu_raise(c, EXC_GP, 0);
	if ((mem_read_sys(c, base + off + port / 8, 2) >> (port & 7)) &
	    ((1u << len) - 1))
		emu_raise(c, EXC_GP, 0);
}

uint32_t io_in(struct emu_cpu *c, uint16_t port, unsigned len)
{
	uint32_t v = 0;

	io_check(c, port, len);
	if (c->pio)
		bus_access(c->pio, port, &v, len, false, c->index);
	else
		v = 0xffffffffu;
	return v & (uint32_t)size_mask(len);
}

void io_out(struct emu_cpu *c, uint16_t port, unsigned len, uint32_t v)
{
	io_check(c, port, len);
	if (c->pio)
		bus_access(c->pio, port, &v, len, true, c->index);
}
