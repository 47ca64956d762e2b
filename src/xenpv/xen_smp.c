/* More than one vCPU: bringing one up from the context the guest gives
 * (VCPUOP_initialise, VCPUOP_up: xen/vcpu.h) and TLB flushes that reach
 * every vCPU.
 *
 * A vCPU's state is only ever set on its own thread (backend.h), so
 * VCPUOP_up leaves the context with the vCPU and kicks it: its thread,
 * waiting as an AP does for a start-up IPI, finds the context in the kick
 * hook (xen_entry.c) and starts there. */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/vm.h"
#include "xenpv/xen_entry.h"
#include "xenpv/xen_hcall.h"
#include "xenpv/xen_hv.h"
#include "xenpv/xen_smp.h"

#define FLUSH_WAIT_NS 200000000ull /* a vCPU that never answers: give up */

void xen_flush_if_asked(struct xen_vcpu *v)
{
	struct vm *vm = v->x->vm;

	if (!__atomic_exchange_n(&v->flush_req, 0, __ATOMIC_ACQ_REL))
		return;
	if (vm->backend->vcpu_flush_tlb)
		vm->backend->vcpu_flush_tlb(&vm->vcpu[v->index]);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void xen_flush_others(struct xen_vcpu *self)
{
	struct xen *x = self->x;
	uint64_t deadline = now_ns() + FLUSH_WAIT_NS;
	bool waiting;

	if (x->nr_vcpus < 2)
		return;
	for (unsigned i = 0; i < x->nr_vcpus; i++) {
		struct xen_vcpu *v = &x->vcpu[i];

		if (v == self || !v->up)
			continue;
		__atomic_store_n(&v->flush_req, 1, __ATOMIC_RELEASE);
		vm_kick(x->vm, (int)i);
	}
	/* A blocked vCPU runs no guest code: it flushes when it wakes. */
	do {
		waiting = false;
		for (unsigned i = 0; i < x->nr_vcpus; i++) {
			struct xen_vcpu *v = &x->vcpu[i];

			if (v != self && v->up && __atomic_load_n(&v->flush_req, __ATOMIC_ACQUIRE) &&
			    !__atomic_load_n(&v->blocked, __ATOMIC_ACQUIRE))
				waiting = true;
		}
		if (waiting)
			sched_yield();
	} while (waiting && now_ns() < deadline && !vm_should_stop(x->vm));
}

int64_t xen_vcpu_initialise(struct xen_vcpu *caller, struct xen_vcpu *v, uint64_t va)
{
	struct vcpu_guest_context *c;

	if (v->up || v->start_pending)
		return -XEN_EEXIST;
	c = malloc(sizeof(*c));
	if (!c)
		return -XEN_ENOMEM;
	if (xen_copy_from_guest(caller, va, c, sizeof(*c)) < 0) {
		free(c);
		return -XEN_EFAULT;
	}
	free(v->start_ctx);
	v->start_ctx = c;
	return 0;
}

/* The new vCPU's Xen state from the context: trap table, descriptors,
 * stacks, callbacks, page tables, on the calling vCPU's thread; only the
 * registers wait for the new vCPU's own. */
int64_t xen_vcpu_up(struct xen_vcpu *v)
{
	struct vcpu_guest_context *c = v->start_ctx;
	int64_t rc;

	if (v->up)
		return 0;
	if (!c)
		return -XEN_EINVAL;
	memset(v->trap, 0, sizeof(v->trap));
	for (unsigned i = 0; i < 256; i++)
		if (c->trap_ctxt[i].address)
			v->trap[c->trap_ctxt[i].vector] = c->trap_ctxt[i];
	rc = xen_gdt_load(v, c->gdt_frames, c->gdt_ents);
	if (rc < 0)
		return rc;
	rc = xen_mm_set_base(&v->x->mm, &v->guest_table, c->ctrlreg[3] >> 12, false);
	if (rc < 0)
		return rc;
	v->kernel_ss = c->kernel_ss | 3;
	v->kernel_sp = c->kernel_sp;
	v->cb_event = c->event_callback_eip;
	v->cb_failsafe = c->failsafe_callback_eip;
	v->cb_syscall = c->syscall_callback_eip;
	v->gs_base_user = c->gs_base_user;
	v->gs_base_kernel = c->gs_base_kernel;
	v->kernel_mode = true;
	__atomic_store_n(&v->start_pending, true, __ATOMIC_RELEASE);
	v->up = true;
	vm_kick(v->x->vm, v->index);
	return 0;
}

/* On the new vCPU's thread (kick hook): its first registers. */
void xen_vcpu_start(struct xen_vcpu *v)
{
	struct xen *x = v->x;
	const struct vcpu_guest_context *c = v->start_ctx;
	const struct cpu_user_regs *r = &c->user_regs;
	struct x86_state st;
	struct gerr err;

	__atomic_store_n(&v->start_pending, false, __ATOMIC_RELEASE);
	memset(&st, 0, sizeof(st));
	xen_hv_sys_state(v, &st);
	if (xen_set_segs(v, &st, (uint16_t)(r->cs | 3), (uint16_t)(r->ss | 3)) < 0) {
		xen_crash(x, "vcpu %d: VCPUOP_up with selectors %#x/%#x that do not load",
			  v->index, r->cs, r->ss);
		return;
	}
	for (int s = 0; s < X86_NR_SREGS; s++)
		if (s != X86_CS && s != X86_SS)
			st.seg[s] = (struct x86_segment){ .unusable = 1 };
	st.seg[X86_FS].base = c->fs_base;
	st.seg[X86_GS].base = c->gs_base_kernel;
	st.gpr[X86_RAX] = r->rax; st.gpr[X86_RBX] = r->rbx; st.gpr[X86_RCX] = r->rcx;
	st.gpr[X86_RDX] = r->rdx; st.gpr[X86_RSI] = r->rsi; st.gpr[X86_RDI] = r->rdi;
	st.gpr[X86_RBP] = r->rbp; st.gpr[X86_RSP] = r->rsp;
	st.gpr[X86_R8] = r->r8; st.gpr[X86_R9] = r->r9; st.gpr[X86_R10] = r->r10;
	st.gpr[X86_R11] = r->r11; st.gpr[X86_R12] = r->r12; st.gpr[X86_R13] = r->r13;
	st.gpr[X86_R14] = r->r14; st.gpr[X86_R15] = r->r15;
	st.rip = r->rip;
	st.rflags = (r->rflags & ~(3ull << 12 | 1ull << 17)) | (1ull << 9) | X86_RFLAGS_FIXED;
	st.cr3 = v->guest_table << 12;
	if (xen_hv_set_msrs(v, &err) < 0 ||
	    x->vm->backend->vcpu_set_state(&x->vm->vcpu[v->index], &st, &err) < 0)
		xen_crash(x, "vcpu %d: cannot start: %s", v->index, err.msg);
	xen_clock_update(v);
}
