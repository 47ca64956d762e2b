/* Exceptions and interrupts: raising (a longjmp back to the run loop) and
 * delivery through the real-mode IVT, the 32-bit IDT or the 64-bit IDT
 * with TSS stack switching and IST. */
#include "cpu/emu/cpu.h"
#include "cpu/emu/lapic.h"

/* A faulting instruction did not complete: a watchpoint it hit before
 * the fault is not reported (debug.c). */
static void fault_cancels_watch(struct emu_cpu *c)
{
	if (__builtin_expect(c->debug_on & EMU_DBG_WATCH, 0))
		emu_debug_fault(c);
}

_Noreturn void emu_raise(struct emu_cpu *c, unsigned vec, uint32_t errcode)
{
	fault_cancels_watch(c);
	c->exc_vec = vec;
	c->exc_err = errcode;
	c->exc_has_err = true;
	longjmp(c->fault_jmp, 1);
}

_Noreturn void emu_raise_noerr(struct emu_cpu *c, unsigned vec)
{
	fault_cancels_watch(c);
	c->exc_vec = vec;
	c->exc_err = 0;
	c->exc_has_err = false;
	longjmp(c->fault_jmp, 1);
}

_Noreturn void emu_raise_pf(struct emu_cpu *c, uint64_t addr, uint32_t err)
{
	c->cr2 = addr;
	emu_raise(c, EXC_PF, err);
}

static void deliver_real(struct emu_cpu *c, unsigned vec, uint64_t ret)
{
	uint64_t ent;
	uint16_t ip, cs;

	if (vec * 4 + 3 > c->idt.limit)
		emu_raise(c, EXC_GP, 0);
	ent = mem_read_sys(c, c->idt.base + vec * 4, 4);
	ip = (uint16_t)ent;
	cs = (uint16_t)(ent >> 16);
	push(c, 2, flags_get(c));
	push(c, 2, c->seg[X86_CS].selector);
	push(c, 2, ret);
	c->rflags &= ~(FL_IF | FL_TF | FL_AC | FL_RF);
	c->seg[X86_CS].selector = cs;
	c->seg[X86_CS].base = (uint64_t)cs << 4;
	c->rip = ip;
}

/* Writes the frame below `sp` (8- or 4-byte slots) and returns the new sp. */
static uint64_t frame_push(struct emu_cpu *c, uint64_t sp, uint64_t ssbase,
			   unsigned slot, uint64_t v, uint64_t spmask)
{
	sp = (sp - slot) & spmask;
	mem_write_sys(c, ssbase + sp, slot, v);
	return sp;
}

static void check_gate(struct emu_cpu *c, unsigned vec, uint64_t lo, bool soft,
		       unsigned slot)
{
	unsigned type = (lo >> 40) & 15, dpl = (lo >> 45) & 3;
	uint32_t ec = vec * 8 + 2 + (soft ? 0 : 1);

	(void)slot;
	if (slot == 16 ? (type != 14 && type != 15)
		       : (type != 6 && type != 7 && type != 14 && type != 15))
		emu_raise(c, EXC_GP, ec);
	if (soft && dpl < c->cpl)
		emu_raise(c, EXC_GP, vec * 8 + 2);
	if (!((lo >> 47) & 1))
		emu_raise(c, EXC_NP, ec);
}

static void deliver_long(struct emu_cpu *c, unsigned vec, bool has_err,
			 uint32_t err, bool soft, uint64_t ret)
{
	uint64_t lo, hi, target, sp, csd, flags = flags_get(c);
	unsigned ist, newcpl, oldcpl = c->cpl;
	uint16_t sel, old_ss = c->seg[X86_SS].selector;

	if (vec * 16 + 15 > c->idt.limit)
		emu_raise(c, EXC_GP, vec * 8 + 2);
	lo = mem_read_sys(c, c->idt.base + vec * 16, 8);
	hi = mem_read_sys(c, c->idt.base + vec * 16 + 8, 8);
	check_gate(c, vec, lo, soft, 16);
	sel = (uint16_t)(lo >> 16);
	target = (lo & 0xffff) | ((lo >> 32) & 0xffff0000u) | (hi << 32);
	ist = (lo >> 32) & 7;
	if ((sel & ~3u) == 0)
		emu_raise(c, EXC_GP, 0);
	csd = seg_read_desc(c, sel, NULL);
	newcpl = ((csd >> 42) & 1) ? oldcpl : (csd >> 45) & 3; /* conforming keeps CPL */
	if (!((csd >> 53) & 1) || !((csd >> 43) & 1) || newcpl > oldcpl)
		emu_raise(c, EXC_GP, sel & 0xfffc);
	if (ist)
		sp = mem_read_sys(c, c->tr.base + 0x24 + 8 * (ist - 1), 8);
	else if (newcpl < oldcpl)
		sp = mem_read_sys(c, c->tr.base + 4 + 8 * newcpl, 8);
	else
		sp = c->r[X86_RSP];
	sp &= ~15ull;
	{
		uint64_t old_rsp = c->r[X86_RSP];

		sp = frame_push(c, sp, 0, 8, old_ss, ~0ull);
		sp = frame_push(c, sp, 0, 8, old_rsp, ~0ull);
		sp = frame_push(c, sp, 0, 8, flags, ~0ull);
		sp = frame_push(c, sp, 0, 8, c->seg[X86_CS].selector, ~0ull);
		sp = frame_push(c, sp, 0, 8, ret, ~0ull);
		if (has_err)
			sp = frame_push(c, sp, 0, 8, err, ~0ull);
	}
	seg_from_desc(&c->seg[X86_CS], (uint16_t)((sel & ~3u) | newcpl), csd);
	if (newcpl != oldcpl) {
		c->seg[X86_SS] = (struct x86_segment){ .selector = (uint16_t)newcpl,
						       .unusable = 1, .dpl = (uint8_t)newcpl };
	}
	c->r[X86_RSP] = sp;
	c->rflags &= ~(FL_TF | FL_NT | FL_RF | FL_VM);
	if (!((lo >> 40) & 1))
		c->rflags &= ~FL_IF; /* interrupt gate */
	seg_update_mode(c);
	c->cpl = newcpl;
	c->rip = target;
}

static void deliver_prot(struct emu_cpu *c, unsigned vec, bool has_err,
			 uint32_t err, bool soft, uint64_t ret)
{
	uint64_t lo, target, sp, csd, flags = flags_get(c), ssbase, spmask;
	unsigned newcpl, oldcpl = c->cpl, type, slot;
	uint16_t sel, ss = c->seg[X86_SS].selector;
	struct x86_segment nss = c->seg[X86_SS];

	if (vec * 8 + 7 > c->idt.limit)
		emu_raise(c, EXC_GP, vec * 8 + 2);
	lo = mem_read_sys(c, c->idt.base + vec * 8, 8);
	check_gate(c, vec, lo, soft, 8);
	type = (lo >> 40) & 15;
	slot = type >= 14 ? 4 : 2;
	sel = (uint16_t)(lo >> 16);
	target = (lo & 0xffff) | ((lo >> 32) & 0xffff0000u);
	if (slot == 2)
		target &= 0xffff;
	if ((sel & ~3u) == 0)
		emu_raise(c, EXC_GP, 0);
	csd = seg_read_desc(c, sel, NULL);
	newcpl = ((csd >> 42) & 1) ? oldcpl : (csd >> 45) & 3;
	if (!((csd >> 43) & 1) || newcpl > oldcpl)
		emu_raise(c, EXC_GP, sel & 0xfffc);
	sp = c->r[X86_RSP];
	if (newcpl < oldcpl) {
		/* 32-bit TSS: ESPn at 4 + 8n, SSn at 8 + 8n. */
		uint16_t nsel = (uint16_t)mem_read_sys(c, c->tr.base + 8 + 8 * newcpl, 2);
		uint64_t d = seg_read_desc(c, nsel, NULL);

		sp = mem_read_sys(c, c->tr.base + 4 + 8 * newcpl, 4);
		seg_from_desc(&nss, nsel, d);
	}
	ssbase = nss.base;
	spmask = nss.db ? 0xffffffffu : 0xffff;
	sp &= spmask;
	if (newcpl < oldcpl) {
		sp = frame_push(c, sp, ssbase, slot, ss, spmask);
		sp = frame_push(c, sp, ssbase, slot, c->r[X86_RSP], spmask);
	}
	sp = frame_push(c, sp, ssbase, slot, flags, spmask);
	sp = frame_push(c, sp, ssbase, slot, c->seg[X86_CS].selector, spmask);
	sp = frame_push(c, sp, ssbase, slot, ret, spmask);
	if (has_err)
		sp = frame_push(c, sp, ssbase, slot, err, spmask);
	seg_from_desc(&c->seg[X86_CS], (uint16_t)((sel & ~3u) | newcpl), csd);
	c->seg[X86_SS] = nss;
	c->r[X86_RSP] = nss.db ? sp : (c->r[X86_RSP] & ~0xffffull) | sp;
	c->rflags &= ~(FL_TF | FL_NT | FL_RF | FL_VM);
	if (!((lo >> 40) & 1))
		c->rflags &= ~FL_IF;
	seg_update_mode(c);
	c->cpl = newcpl;
	c->rip = target;
}

void emu_deliver(struct emu_cpu *c, unsigned vec, bool has_err, uint32_t err,
		 bool soft, uint64_t next_rip)
{
	c->delivering++;
	c->deliver_vec = vec;
	if (!(c->cr0 & X86_CR0_PE))
		deliver_real(c, vec, next_rip);
	else if (c->efer & X86_EFER_LMA)
		deliver_long(c, vec, has_err, err, soft, next_rip);
	else
		deliver_prot(c, vec, has_err, err, soft, next_rip);
	c->delivering--;
	c->state = EMU_RUNNING;
}

void emu_check_irq(struct emu_cpu *c)
{
	int vec;

	if (c->nmi_pending) {
		c->nmi_pending = false;
		emu_deliver(c, EXC_NMI, false, 0, false, c->rip);
		return;
	}
	if (!(c->rflags & FL_IF) || c->irq_shadow || !c->lapic)
		return;
	vec = lapic_take_interrupt(c->lapic);
	if (vec >= 0)
		emu_deliver(c, (unsigned)vec, false, 0, false, c->rip);
}
