/* Debugger support for the software CPU: instruction breakpoints, single
 * step and pausing, for the GDB stub (src/debug) through the backend's
 * vcpu_set_debug / vcpu_debug_pause.
 *
 * The run loop calls emu_debug_boundary before each instruction while
 * c->debug_on is set, so a vCPU without a debugger pays one predictable
 * branch.  Breakpoints are compared against the linear RIP here rather
 * than patched into guest memory as INT3, so the guest never sees them
 * (not in its own reads, not in the decode cache). */
#include "cpu/emu/cpu.h"

#include <stdlib.h>
#include <string.h>

#include "core/vm.h"
#include "cpu/backend.h"

struct emu_debug {
	struct debug_ctl ctl;
	int pause; /* atomic: vcpu_debug_pause asked for a trap */
	/* Where the vCPU last resumed: a breakpoint there does not fire
	 * until an instruction ran (the RF flag's job on hardware). */
	uint64_t resume_icount, resume_rip;
	/* Single-step: where the step began. */
	uint64_t step_icount, step_rip;
};

static uint64_t rip_linear(const struct emu_cpu *c)
{
	if (c->code_size == DEC_MODE64)
		return c->rip;
	return (c->seg[X86_CS].base + c->rip) & 0xffffffffu;
}

/* Runs the debugger's trap and records where the vCPU goes on from. */
static void debug_trap(struct emu_cpu *c, struct emu_debug *d,
		       enum debug_event ev)
{
	/* This trap answers any pause asked meanwhile. */
	__atomic_store_n(&d->pause, 0, __ATOMIC_RELEASE);
	if (!d->ctl.trap(d->ctl.opaque, &c->vm->vcpu[c->index], ev))
		return;
	/* The debugger may have changed the state (registers, debug_ctl). */
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

void emu_debug_boundary(struct emu_cpu *c)
{
	struct emu_debug *d = c->debug;

	if (!d || !c->vm || !d->ctl.trap)
		return;
	if (__atomic_load_n(&d->pause, __ATOMIC_ACQUIRE)) {
		debug_trap(c, d, DEBUG_EV_PAUSE);
		return;
	}
	if (!d->ctl.enabled) {
		/* No debugger now: back to the fast path, unless a pause (a
		 * debugger attaching) came in meanwhile. */
		__atomic_store_n(&c->debug_on, 0, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&d->pause, __ATOMIC_SEQ_CST))
			__atomic_store_n(&c->debug_on, 1, __ATOMIC_SEQ_CST);
		return;
	}
	/* A step ends once an instruction ran or an exception or interrupt
	 * moved RIP (a faulting instruction does not always count). */
	if (d->ctl.step && c->state == EMU_RUNNING &&
	    (c->icount != d->step_icount || c->rip != d->step_rip)) {
		debug_trap(c, d, DEBUG_EV_STEP);
		return;
	}
	if (at_breakpoint(c, d))
		debug_trap(c, d, DEBUG_EV_BREAK);
}

/* The backend op: before vcpu_run or from inside the trap. */
int emu_set_debug(struct emu_cpu *c, const struct debug_ctl *ctl,
		  struct gerr *err)
{
	if (ctl->nr_bp > DEBUG_MAX_BP)
		return gerr_set(err, "emu: at most %d breakpoints", DEBUG_MAX_BP);
	if (!ctl->trap)
		return gerr_set(err, "emu: a debugger needs a trap callback");
	if (!c->debug) {
		c->debug = calloc(1, sizeof(*c->debug));
		if (!c->debug)
			return gerr_set(err, "emu: out of memory");
		c->debug->resume_icount = c->debug->step_icount = UINT64_MAX;
	}
	c->debug->ctl = *ctl;
	__atomic_store_n(&c->debug_on,
			 ctl->enabled || __atomic_load_n(&c->debug->pause, __ATOMIC_ACQUIRE),
			 __ATOMIC_RELEASE);
	return 0;
}

void emu_debug_pause(struct emu_cpu *c)
{
	if (!c->debug)
		return;
	__atomic_store_n(&c->debug->pause, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&c->debug_on, 1, __ATOMIC_RELEASE);
	emu_kick(c, EV_KICK); /* out of HLT or wait-for-SIPI */
}

void emu_debug_free(struct emu_cpu *c)
{
	free(c->debug);
	c->debug = NULL;
	c->debug_on = 0;
}
