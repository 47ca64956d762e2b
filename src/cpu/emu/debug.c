/* Debugging on the software CPU, at instruction boundaries:
 *  - for the GDB stub (src/debug), through the backend's vcpu_set_debug /
 *    vcpu_debug_pause: breakpoints, single step and pausing.  Breakpoints
 *    are compared against the linear RIP rather than patched into guest
 *    memory as INT3, so the guest never sees them;
 *  - for the GDB stub's watchpoints: while any is set (EMU_DBG_WATCH), no
 *    TLB entry maps a watched page for fast reads or writes, so every
 *    access to it takes mmu.c's slow path, which calls emu_debug_access;
 *    a hit is reported at the next boundary, once the instruction
 *    completed (emu_raise drops it when the instruction faults);
 *  - for the guest itself: RFLAGS.TF single-step traps and DR0-DR3
 *    instruction breakpoints, as #DB with DR6 (B0-B3, BS) set.
 *
 * The run loop calls emu_debug_boundary before each instruction only
 * while c->debug_on or RFLAGS.TF is set, so a vCPU without either pays one
 * predictable branch. */
#include "cpu/emu/cpu.h"

#include <stdlib.h>
#include <string.h>

#include "core/vm.h"
#include "cpu/backend.h"

#define DR6_BS	 0x4000ull /* single-step */
#define DR6_B0_3 0xfull
#define TF_ARMED 0x100u /* no vector: see arch_boundary */

struct emu_debug {
	struct debug_ctl ctl;
	int pause; /* atomic: vcpu_debug_pause asked for a trap */
	/* Where the vCPU last resumed: a breakpoint there does not fire
	 * until an instruction ran (the RF flag's job on hardware). */
	uint64_t resume_icount, resume_rip;
	/* Single-step: where the step began. */
	uint64_t step_icount, step_rip;
	/* Watchpoints: the one the current instruction hit (-1: none), and
	 * whether the list changed since the TLB was last flushed for it
	 * (atomic: set by the debugger's thread). */
	int wp_hit;
	int wp_flush;
};

static void dbg_set(struct emu_cpu *c, int bit)
{
	__atomic_fetch_or(&c->debug_on, bit, __ATOMIC_SEQ_CST);
}

static void dbg_clear(struct emu_cpu *c, int bit)
{
	__atomic_fetch_and(&c->debug_on, ~bit, __ATOMIC_SEQ_CST);
}

static uint64_t rip_linear(const struct emu_cpu *c)
{
	if (c->code_size == DEC_MODE64)
		return c->rip;
	return (c->seg[X86_CS].base + c->rip) & 0xffffffffu;
}

/* --- the GDB stub's side --- */

/* A changed watchpoint list: drop every TLB entry, so that tlb_fill
 * decides afresh which pages may be accessed without the slow path.  On
 * the vCPU's own thread, before its next instruction. */
static void watch_sync(struct emu_cpu *c, struct emu_debug *d)
{
	if (__atomic_exchange_n(&d->wp_flush, 0, __ATOMIC_SEQ_CST)) {
		mmu_flush(c, true);
		d->wp_hit = -1;
	}
}

/* Runs the debugger's trap and records where the vCPU goes on from. */
static void gdb_trap(struct emu_cpu *c, struct emu_debug *d,
		     enum debug_event ev, unsigned wp)
{
	/* This trap answers any pause asked meanwhile, and any hit. */
	__atomic_store_n(&d->pause, 0, __ATOMIC_SEQ_CST);
	d->wp_hit = -1;
	if (!d->ctl.trap(d->ctl.opaque, c->vm ? &c->vm->vcpu[c->index] : NULL,
			 ev, wp))
		return;
	/* The debugger may have changed the state (registers, debug_ctl). */
	watch_sync(c, d);
	d->resume_icount = d->step_icount = c->icount;
	d->resume_rip = d->step_rip = c->rip;
}

static bool at_breakpoint(const struct emu_cpu *c, const struct emu_debug *d)
{
	uint64_t lin;

	if (!d->ctl.nr_bp || c->state != EMU_RUNNING)
		return false;
	if (c->icount == d->resume_icount && c->rip == d->resume_rip)
		return false;
	lin = rip_linear(c);
	for (unsigned i = 0; i < d->ctl.nr_bp; i++)
		if (d->ctl.bp[i] == lin)
			return true;
	return false;
}

static void gdb_boundary(struct emu_cpu *c)
{
	struct emu_debug *d = c->debug;

	if (!d || !d->ctl.trap)
		return;
	watch_sync(c, d);
	/* A hit is the last instruction's: report it before anything else. */
	if (d->wp_hit >= 0 && d->ctl.enabled) {
		gdb_trap(c, d, DEBUG_EV_WATCH, (unsigned)d->wp_hit);
		return;
	}
	if (__atomic_load_n(&d->pause, __ATOMIC_SEQ_CST)) {
		gdb_trap(c, d, DEBUG_EV_PAUSE, 0);
		return;
	}
	if (!d->ctl.enabled) {
		/* No debugger now: off the slow path, unless a pause (a
		 * debugger attaching) came in meanwhile. */
		dbg_clear(c, EMU_DBG_GDB);
		if (__atomic_load_n(&d->pause, __ATOMIC_SEQ_CST))
			dbg_set(c, EMU_DBG_GDB);
		return;
	}
	/* A step ends once an instruction ran or an exception or interrupt
	 * moved RIP (a faulting instruction does not always count). */
	if (d->ctl.step && c->state == EMU_RUNNING &&
	    (c->icount != d->step_icount || c->rip != d->step_rip)) {
		gdb_trap(c, d, DEBUG_EV_STEP, 0);
		return;
	}
	if (at_breakpoint(c, d))
		gdb_trap(c, d, DEBUG_EV_BREAK, 0);
}

/* --- watchpoints (mmu.c and except.c call these while EMU_DBG_WATCH) --- */

/* Whether [a, a+alen) and [b, b+blen) share a byte (modulo 2^64). */
static bool overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a - b < blen || b - a < alen;
}

bool emu_debug_watched(struct emu_cpu *c, uint64_t va, unsigned len)
{
	const struct emu_debug *d = c->debug;

	for (unsigned i = 0; d && i < d->ctl.nr_wp; i++)
		if (overlap(va, len, d->ctl.wp[i].addr, d->ctl.wp[i].len))
			return true;
	return false;
}

void emu_debug_access(struct emu_cpu *c, uint64_t va, unsigned len, int acc)
{
	struct emu_debug *d = c->debug;
	unsigned want = acc == ACC_W ? DEBUG_WP_WRITE : DEBUG_WP_READ;

	if (!d || d->wp_hit >= 0) /* the first hit of an instruction wins */
		return;
	for (unsigned i = 0; i < d->ctl.nr_wp; i++)
		if ((d->ctl.wp[i].type & want) &&
		    overlap(va, len, d->ctl.wp[i].addr, d->ctl.wp[i].len)) {
			d->wp_hit = (int)i;
			return;
		}
}

void emu_debug_fault(struct emu_cpu *c)
{
	if (c->debug)
		c->debug->wp_hit = -1;
}

/* --- the guest's own debug features --- */

/* Raises #DB at the boundary: a trap (TF) or an instruction-breakpoint
 * fault; either way the saved RIP is the instruction about to run. */
static void raise_db(struct emu_cpu *c, uint64_t dr6_bits)
{
	c->dr[6] = (c->dr[6] & ~(DR6_B0_3 | DR6_BS)) | dr6_bits;
	c->insn_rip = c->rip; /* a fault while delivering restarts here */
	emu_deliver(c, EXC_DB, false, 0, false, c->rip);
}

/* DR0-DR3 with R/W = 00 (execution) and L or G enabled. */
static uint64_t dr_hits(struct emu_cpu *c)
{
	uint64_t dr7 = c->dr[7], lin, hits = 0;

	if (!(dr7 & 0xff)) {
		dbg_clear(c, EMU_DBG_DR);
		return 0;
	}
	if (c->rflags & FL_RF) {
		/* RF suppresses them for one instruction: this one. */
		c->rflags &= ~FL_RF;
		return 0;
	}
	lin = rip_linear(c);
	for (unsigned i = 0; i < 4; i++)
		if ((dr7 >> (2 * i) & 3) && !(dr7 >> (16 + 4 * i) & 3) &&
		    c->dr[i] == lin)
			hits |= 1ull << i;
	return hits;
}

static void arch_boundary(struct emu_cpu *c)
{
	uint64_t hits;

	/* TF was set when the last instruction began and it completed: trap
	 * now, even if that instruction cleared TF (POPF).  deliver_vec still
	 * holding the marker set at arming tells that no exception or
	 * interrupt came in between (an interrupt taken at this boundary
	 * goes first here, and the trap is lost: hardware would trap first). */
	if ((c->debug_on & EMU_DBG_TF) && c->icount != c->tf_icount) {
		dbg_clear(c, EMU_DBG_TF);
		if (c->deliver_vec == TF_ARMED) {
			raise_db(c, DR6_BS);
			return;
		}
	}
	if ((c->debug_on & EMU_DBG_DR) && (hits = dr_hits(c))) {
		raise_db(c, hits);
		return;
	}
	if ((c->rflags & FL_TF) && !(c->debug_on & EMU_DBG_TF)) {
		c->tf_icount = c->icount;
		/* Only read while no delivery runs (fault_during_delivery),
		 * and every delivery overwrites it. */
		c->deliver_vec = TF_ARMED;
		dbg_set(c, EMU_DBG_TF);
	}
}

void emu_debug_boundary(struct emu_cpu *c)
{
	if (c->debug_on & EMU_DBG_GDB)
		gdb_boundary(c);
	if (c->state == EMU_RUNNING)
		arch_boundary(c);
}

/* Whether an instruction single-steps is decided by RFLAGS.TF after it
 * executes when the instruction itself masks TF on its way to a more
 * privileged level: SYSCALL with TF in IA32_FMASK does not trap at the
 * first instruction of the kernel's entry (which would run it on the
 * caller's stack and GS).  Xen's emulator had the same mistake (XSA-204).
 * The trap armed at the boundary before SYSCALL is dropped. */
void emu_debug_tf_masked(struct emu_cpu *c)
{
	if (c->debug_on & EMU_DBG_TF)
		dbg_clear(c, EMU_DBG_TF);
}

void emu_debug_dr7_written(struct emu_cpu *c)
{
	if (c->dr[7] & 0xff)
		dbg_set(c, EMU_DBG_DR);
}

/* --- backend ops --- */

int emu_set_debug(struct emu_cpu *c, const struct debug_ctl *ctl,
		  struct gerr *err)
{
	if (ctl->nr_bp > DEBUG_MAX_BP)
		return gerr_set(err, "emu: at most %d breakpoints", DEBUG_MAX_BP);
	if (ctl->nr_wp > DEBUG_MAX_WP)
		return gerr_set(err, "emu: at most %d watchpoints", DEBUG_MAX_WP);
	if (!ctl->trap)
		return gerr_set(err, "emu: a debugger needs a trap callback");
	if (!c->debug) {
		c->debug = calloc(1, sizeof(*c->debug));
		if (!c->debug)
			return gerr_set(err, "emu: out of memory");
		c->debug->resume_icount = c->debug->step_icount = UINT64_MAX;
		c->debug->wp_hit = -1;
	}
	if (ctl->nr_wp != c->debug->ctl.nr_wp ||
	    memcmp(ctl->wp, c->debug->ctl.wp, ctl->nr_wp * sizeof(ctl->wp[0])))
		__atomic_store_n(&c->debug->wp_flush, 1, __ATOMIC_SEQ_CST);
	c->debug->ctl = *ctl;
	if (ctl->enabled && ctl->nr_wp)
		dbg_set(c, EMU_DBG_WATCH);
	else
		dbg_clear(c, EMU_DBG_WATCH);
	if (ctl->enabled || __atomic_load_n(&c->debug->pause, __ATOMIC_SEQ_CST))
		dbg_set(c, EMU_DBG_GDB);
	else
		dbg_clear(c, EMU_DBG_GDB);
	return 0;
}

void emu_debug_pause(struct emu_cpu *c)
{
	if (!c->debug)
		return;
	__atomic_store_n(&c->debug->pause, 1, __ATOMIC_SEQ_CST);
	dbg_set(c, EMU_DBG_GDB);
	emu_kick(c, EV_KICK); /* out of HLT or wait-for-SIPI */
}

void emu_debug_free(struct emu_cpu *c)
{
	free(c->debug);
	c->debug = NULL;
	dbg_clear(c, EMU_DBG_GDB | EMU_DBG_WATCH);
}

/* --- x87/SSE state for the debugger --- */

/* emu_fpu keeps the registers by physical number and TOP apart. */
void emu_get_fpu(const struct emu_cpu *c, struct x86_fpu *f)
{
	const struct emu_fpu *e = &c->fpu;

	memset(f, 0, sizeof(*f));
	for (unsigned i = 0; i < 8; i++)
		memcpy(f->st[i], e->st[(e->top + i) & 7], 10);
	f->fcw = e->fcw;
	f->fsw = (uint16_t)((e->fsw & ~0x3800u) | ((e->top & 7) << 11));
	f->ftw = e->ftw;
	f->fop = e->fop;
	f->fip = e->fip;
	f->fdp = e->fdp;
	f->mxcsr = e->mxcsr;
	memcpy(f->xmm, e->xmm, sizeof(f->xmm));
}

void emu_set_fpu(struct emu_cpu *c, const struct x86_fpu *f)
{
	struct emu_fpu *e = &c->fpu;

	e->top = (f->fsw >> 11) & 7;
	e->fsw = f->fsw & ~0x3800u;
	for (unsigned i = 0; i < 8; i++)
		memcpy(e->st[(e->top + i) & 7], f->st[i], 10);
	e->fcw = f->fcw;
	e->ftw = f->ftw;
	e->fop = f->fop & 0x7ff;
	e->fip = f->fip;
	e->fdp = f->fdp;
	e->mxcsr = f->mxcsr;
	memcpy(e->xmm, f->xmm, sizeof(e->xmm));
}
