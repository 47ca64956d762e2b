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
 * come from KVM_GET_FPU / KVM_SET_FPU. */
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

/* struct kvm_fpu is the FXSAVE image: fpr[] in stack order, as x86_fpu. */
int kvm_vcpu_get_fpu(struct vcpu *vcpu, struct x86_fpu *f, struct gerr *err)
{
	struct kvm_vcpu *v = vcpu->backend;
	struct kvm_fpu k;

	if (kvm_ioctl(v->fd, KVM_GET_FPU, &k) < 0)
		return gerr_errno(err, errno, "KVM_GET_FPU");
	memset(f, 0, sizeof(*f));
	for (unsigned i = 0; i < 8; i++)
		memcpy(f->st[i], k.fpr[i], 10);
	f->fcw = k.fcw;
	f->fsw = k.fsw;
	f->ftw = k.ftwx;
	f->fop = k.last_opcode;
	f->fip = k.last_ip;
	f->fdp = k.last_dp;
	f->mxcsr = k.mxcsr;
	memcpy(f->xmm, k.xmm, sizeof(f->xmm));
	return 0;
}

int kvm_vcpu_set_fpu(struct vcpu *vcpu, const struct x86_fpu *f,
		     struct gerr *err)
{
	struct kvm_vcpu *v = vcpu->backend;
	struct kvm_fpu k;

	/* Read first: the bytes x86_fpu does not carry stay as they are. */
	if (kvm_ioctl(v->fd, KVM_GET_FPU, &k) < 0)
		return gerr_errno(err, errno, "KVM_GET_FPU");
	for (unsigned i = 0; i < 8; i++)
		memcpy(k.fpr[i], f->st[i], 10);
	k.fcw = f->fcw;
	k.fsw = f->fsw;
	k.ftwx = f->ftw;
	k.last_opcode = f->fop;
	k.last_ip = f->fip;
	k.last_dp = f->fdp;
	k.mxcsr = f->mxcsr;
	memcpy(k.xmm, f->xmm, sizeof(k.xmm));
	if (kvm_ioctl(v->fd, KVM_SET_FPU, &k) < 0)
		return gerr_errno(err, errno, "KVM_SET_FPU");
	return 0;
}
