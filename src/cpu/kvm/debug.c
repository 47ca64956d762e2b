/* Debugger support for the KVM backend (api.rst, KVM_SET_GUEST_DEBUG).
 *
 * Breakpoints are INT3 bytes written into guest RAM while the guest runs
 * (KVM_GUESTDBG_USE_SW_BP: KVM then exits on #BP instead of delivering
 * it), placed through the BSP's page tables (KVM_TRANSLATE) and taken out
 * again whenever a vCPU stops, so gdb reads the guest's own bytes.  A #BP
 * at no breakpoint of ours is the guest's (Linux patches its text with
 * INT3) and goes back to it.  Debug-register breakpoints would leave
 * memory alone, but they do not fire under QEMU's emulated AMD-V, where
 * this is tested.  Single-step is KVM_GUESTDBG_SINGLESTEP; pauses ride on
 * the ordinary kick (KVM_RUN returns EINTR). */
#include "cpu/kvm/kvm_int.h"
#include "cpu/kvm/kvm_vm.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "core/vm.h"

#define INT3	   0xcc
#define EXC_BP	   3

/* Puts the guest's bytes back (where the INT3 is still ours). */
static void swbp_remove_all(struct vm *vm)
{
	struct kvm_vm *k = vm->backend_state;

	for (unsigned i = 0; i < k->nr_swbp; i++) {
		uint8_t now;

		if (gmem_read(&vm->mem, k->swbp[i].gpa, &now, 1) == 0 && now == INT3)
			gmem_write(&vm->mem, k->swbp[i].gpa, &k->swbp[i].orig, 1);
	}
	k->nr_swbp = 0;
}

/* Writes INT3 at each breakpoint that this vCPU's page tables map to RAM. */
static void swbp_insert_all(struct vcpu *vcpu, const struct debug_ctl *ctl)
{
	struct kvm_vcpu *v = vcpu->backend;
	struct kvm_vm *k = vcpu->vm->backend_state;
	struct guest_mem *mem = &vcpu->vm->mem;
	static const uint8_t int3 = INT3;

	for (unsigned i = 0; i < ctl->nr_bp; i++) {
		struct kvm_translation tr = { .linear_address = ctl->bp[i] };
		struct kvm_swbp bp;
		bool dup = false;

		if (kvm_ioctl(v->fd, KVM_TRANSLATE, &tr) < 0 || !tr.valid)
			continue;
		bp.gpa = tr.physical_address;
		for (unsigned j = 0; j < k->nr_swbp; j++)
			dup |= k->swbp[j].gpa == bp.gpa;
		if (dup || gmem_read(mem, bp.gpa, &bp.orig, 1) < 0 ||
		    gmem_write(mem, bp.gpa, &int3, 1) < 0)
			continue;
		k->swbp[k->nr_swbp++] = bp;
	}
}

int kvm_vcpu_set_debug(struct vcpu *vcpu, const struct debug_ctl *ctl,
		       struct gerr *err)
{
	struct kvm_vcpu *v = vcpu->backend;
	struct kvm_guest_debug g;

	if (ctl->nr_bp > DEBUG_MAX_BP)
		return gerr_set(err, "kvm: at most %d breakpoints", DEBUG_MAX_BP);
	memset(&g, 0, sizeof(g));
	if (ctl->enabled) {
		g.control = KVM_GUESTDBG_ENABLE;
		if (ctl->step)
			g.control |= KVM_GUESTDBG_SINGLESTEP;
		if (ctl->nr_bp)
			g.control |= KVM_GUESTDBG_USE_SW_BP;
	}
	if (kvm_ioctl(v->fd, KVM_SET_GUEST_DEBUG, &g) < 0)
		return gerr_errno(err, errno, "KVM_SET_GUEST_DEBUG");
	v->dbg = *ctl;
	/* Memory is the VM's: the BSP's call places every INT3 (the stub
	 * sets all vCPUs alike, each while parked). */
	if (vcpu->index == 0) {
		swbp_remove_all(vcpu->vm);
		if (ctl->enabled)
			swbp_insert_all(vcpu, ctl);
	}
	return 0;
}

void kvm_vcpu_debug_pause(struct vcpu *vcpu)
{
	struct kvm_vcpu *v = vcpu->backend;

	__atomic_store_n(&v->dbg_pause, 1, __ATOMIC_RELEASE);
	kvm_vcpu_kick(vcpu);
}

static void debug_trap(struct vcpu *vcpu, struct kvm_vcpu *v,
		       enum debug_event ev)
{
	__atomic_store_n(&v->dbg_pause, 0, __ATOMIC_RELEASE);
	if (!v->dbg.trap)
		return;
	/* Stopped: gdb must see the guest's bytes (it resumes with
	 * vcpu_set_debug, which puts the INT3s back). */
	if (v->dbg.enabled && v->dbg.nr_bp)
		swbp_remove_all(vcpu->vm);
	v->dbg.trap(v->dbg.opaque, vcpu, ev);
}

void kvm_debug_poll(struct vcpu *vcpu)
{
	struct kvm_vcpu *v = vcpu->backend;

	if (__atomic_load_n(&v->dbg_pause, __ATOMIC_ACQUIRE) && !vm_should_stop(vcpu->vm))
		debug_trap(vcpu, v, DEBUG_EV_PAUSE);
}

/* Gives a #BP that is not ours back to the guest. */
static void reinject_bp(struct kvm_vcpu *v)
{
	struct kvm_vcpu_events ev;

	if (kvm_ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
		return;
	ev.exception.injected = 1;
	ev.exception.nr = EXC_BP;
	ev.exception.has_error_code = 0;
	ev.flags = 0;
	kvm_ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev);
}

void kvm_debug_exit(struct vcpu *vcpu)
{
	struct kvm_vcpu *v = vcpu->backend;
	const struct kvm_debug_exit_arch *a = &v->run->debug.arch;

	if (a->exception == EXC_BP) {
		bool ours = false;

		for (unsigned i = 0; v->dbg.enabled && i < v->dbg.nr_bp; i++)
			ours |= v->dbg.bp[i] == a->pc;
		if (!ours) {
			reinject_bp(v);
			return;
		}
		debug_trap(vcpu, v, DEBUG_EV_BREAK);
		return;
	}
	if (!v->dbg.enabled)
		return; /* left over from a debugger that detached */
	debug_trap(vcpu, v, v->dbg.step ? DEBUG_EV_STEP : DEBUG_EV_BREAK);
}
