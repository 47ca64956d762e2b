/* Debugger support for the KVM backend (api.rst, KVM_SET_GUEST_DEBUG):
 * single-step and instruction breakpoints in the debug registers
 * (KVM_GUESTDBG_USE_HW_BP, so guest memory is never patched), reported as
 * KVM_EXIT_DEBUG; pauses ride on the ordinary kick (KVM_RUN -> EINTR).
 *
 * Verified under QEMU's emulated AMD-V (tests/integration/gdb_stub_kvm.sh):
 * attach, pause, Ctrl-C, registers, memory, single-step, detach.  The
 * breakpoints never fire there, with debug registers or with INT3 and
 * KVM_GUESTDBG_USE_SW_BP (which crashed the guest): untested on real
 * hardware, see docs/debug.md.  The x87/SSE registers for the debugger
 * come from KVM_GET_XSAVE / KVM_SET_XSAVE. */
#include "cpu/kvm/kvm_int.h"
#include "cpu/kvm/kvm_vm.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "core/vm.h"

#define DR6_BS	   (1ull << 14) /* single-step */
#define DR6_B0_3   0xfull	/* breakpoint 0-3 matched */
#define RFLAGS_RF  (1ull << 16)
#define EXC_DB	   1

int kvm_vcpu_set_debug(struct vcpu *vcpu, const struct debug_ctl *ctl,
		       struct gerr *err)
{
	struct kvm_vcpu *v = vcpu->backend;
	struct kvm_guest_debug g;

	if (ctl->nr_bp > 4)
		return gerr_set(err, "kvm: at most 4 breakpoints (debug registers)");
	if (ctl->nr_wp)
		return gerr_set(err, "kvm: watchpoints not built yet");
	memset(&g, 0, sizeof(g));
	if (ctl->enabled) {
		g.control = KVM_GUESTDBG_ENABLE;
		if (ctl->step)
			g.control |= KVM_GUESTDBG_SINGLESTEP;
		if (ctl->nr_bp)
			g.control |= KVM_GUESTDBG_USE_HW_BP;
		for (unsigned i = 0; i < ctl->nr_bp; i++) {
			g.arch.debugreg[i] = ctl->bp[i];
			/* DR7: local enable Li; R/W and LEN 00 = execution. */
			g.arch.debugreg[7] |= 1ull << (2 * i);
		}
	}
	if (kvm_ioctl(v->fd, KVM_SET_GUEST_DEBUG, &g) < 0)
		return gerr_errno(err, errno, "KVM_SET_GUEST_DEBUG");
	v->dbg = *ctl;
	return 0;
}

void kvm_vcpu_debug_pause(struct vcpu *vcpu)
{
	struct kvm_vcpu *v = vcpu->backend;

	__atomic_store_n(&v->dbg_pause, 1, __ATOMIC_RELEASE);
	kvm_vcpu_kick(vcpu);
}

/* Calls the debugger's trap; when it held the vCPU and breakpoints are
 * armed, sets RFLAGS.RF so one at the resume RIP does not fire at once. */
static void debug_trap(struct vcpu *vcpu, struct kvm_vcpu *v,
		       enum debug_event ev)
{
	struct kvm_regs regs;

	__atomic_store_n(&v->dbg_pause, 0, __ATOMIC_RELEASE);
	if (!v->dbg.trap || !v->dbg.trap(v->dbg.opaque, vcpu, ev, 0))
		return;
	if (!v->dbg.enabled || !v->dbg.nr_bp ||
	    kvm_ioctl(v->fd, KVM_GET_REGS, &regs) < 0)
		return;
	regs.rflags |= RFLAGS_RF;
	kvm_ioctl(v->fd, KVM_SET_REGS, &regs);
}

void kvm_debug_poll(struct vcpu *vcpu)
{
	struct kvm_vcpu *v = vcpu->backend;

	if (__atomic_load_n(&v->dbg_pause, __ATOMIC_ACQUIRE) && !vm_should_stop(vcpu->vm))
		debug_trap(vcpu, v, DEBUG_EV_PAUSE);
}

void kvm_debug_exit(struct vcpu *vcpu)
{
	struct kvm_vcpu *v = vcpu->backend;
	const struct kvm_debug_exit_arch *a = &v->run->debug.arch;

	if (!v->dbg.enabled)
		return; /* left over from a debugger that detached */
	if (a->exception == EXC_DB && !(a->dr6 & DR6_BS) && (a->dr6 & DR6_B0_3))
		debug_trap(vcpu, v, DEBUG_EV_BREAK);
	else
		debug_trap(vcpu, v, v->dbg.step ? DEBUG_EV_STEP : DEBUG_EV_BREAK);
}

/* The x87/SSE registers come from the legacy (FXSAVE-format) region of
 * KVM_GET_XSAVE rather than KVM_GET_FPU, whose struct kvm_fpu leaves
 * MXCSR out (it reads 0 there, found under nested KVM).  Offsets in the
 * region, in bytes (SDM Vol. 1, 10.5.1, 64-bit format): */
enum {
	FX_FCW = 0, FX_FSW = 2, FX_FTW = 4, FX_FOP = 6, FX_FIP = 8, FX_FDP = 16,
	FX_MXCSR = 24, FX_ST = 32, FX_XMM = 160, XS_BV = 512,
};
#define XFEATURE_X87_SSE 3ull /* XSTATE_BV bits: the legacy region is live */

int kvm_vcpu_get_fpu(struct vcpu *vcpu, struct x86_fpu *f, struct gerr *err)
{
	struct kvm_vcpu *v = vcpu->backend;
	struct kvm_xsave xs;
	const uint8_t *r = (const uint8_t *)xs.region;

	if (kvm_ioctl(v->fd, KVM_GET_XSAVE, &xs) < 0)
		return gerr_errno(err, errno, "KVM_GET_XSAVE");
	memset(f, 0, sizeof(*f));
	for (unsigned i = 0; i < 8; i++)
		memcpy(f->st[i], r + FX_ST + 16 * i, 10);
	memcpy(&f->fcw, r + FX_FCW, 2);
	memcpy(&f->fsw, r + FX_FSW, 2);
	f->ftw = r[FX_FTW];
	memcpy(&f->fop, r + FX_FOP, 2);
	memcpy(&f->fip, r + FX_FIP, 8);
	memcpy(&f->fdp, r + FX_FDP, 8);
	memcpy(&f->mxcsr, r + FX_MXCSR, 4);
	memcpy(f->xmm, r + FX_XMM, sizeof(f->xmm));
	return 0;
}

int kvm_vcpu_set_fpu(struct vcpu *vcpu, const struct x86_fpu *f,
		     struct gerr *err)
{
	struct kvm_vcpu *v = vcpu->backend;
	struct kvm_xsave xs;
	uint8_t *r = (uint8_t *)xs.region;
	uint64_t bv;

	/* Read first: the rest of the XSAVE area stays as it is. */
	if (kvm_ioctl(v->fd, KVM_GET_XSAVE, &xs) < 0)
		return gerr_errno(err, errno, "KVM_GET_XSAVE");
	for (unsigned i = 0; i < 8; i++)
		memcpy(r + FX_ST + 16 * i, f->st[i], 10);
	memcpy(r + FX_FCW, &f->fcw, 2);
	memcpy(r + FX_FSW, &f->fsw, 2);
	r[FX_FTW] = f->ftw;
	memcpy(r + FX_FOP, &f->fop, 2);
	memcpy(r + FX_FIP, &f->fip, 8);
	memcpy(r + FX_FDP, &f->fdp, 8);
	memcpy(r + FX_MXCSR, &f->mxcsr, 4);
	memcpy(r + FX_XMM, f->xmm, sizeof(f->xmm));
	/* A component marked as in its init state would be loaded as such,
	 * ignoring what was written here. */
	memcpy(&bv, r + XS_BV, 8);
	bv |= XFEATURE_X87_SSE;
	memcpy(r + XS_BV, &bv, 8);
	if (kvm_ioctl(v->fd, KVM_SET_XSAVE, &xs) < 0)
		return gerr_errno(err, errno, "KVM_SET_XSAVE");
	return 0;
}
