/* Where the guest enters gamut: the ring-0 stub's port writes (SYSCALL and
 * every exception), and the kick of a running vCPU for an event upcall.
 * Each entry reads the vCPU's state, does what Xen would, delivers a
 * pending event upcall if the guest accepts one, and writes the state
 * back once (docs/xen-pv.md, "Entering the hypervisor").
 *
 * The guest sees Xen's 64-bit PV frames (xen/arch-x86/xen-x86_64.h): an
 * exception, event or system call it handles is announced by a frame on
 * its kernel stack holding, from the top, SS, RSP, RFLAGS, CS, RIP, the
 * error code where the exception has one, then R11 and RCX; the saved CS
 * carries the event mask in bits 32-39 and has RPL 0 when the guest
 * kernel was interrupted; RFLAGS.IF there is the inverse of the event
 * mask (the guest's virtual interrupt flag). */
#include "xenpv/xen_entry.h"

#include <string.h>

#include "core/vm.h"
#include "xenpv/xen_hcall.h"
#include "xenpv/xen_hv.h"
#include "xenpv/xen_smp.h"

#define RFLAGS_TF   (1ull << 8)
#define RFLAGS_IF   (1ull << 9)
#define RFLAGS_IOPL (3ull << 12)
#define RFLAGS_NT   (1ull << 14)
#define RFLAGS_RF   (1ull << 16)
#define RFLAGS_VM   (1ull << 17)
#define RFLAGS_AC   (1ull << 18)

/* Exceptions that push an error code (Intel SDM vol. 3, 6.13). */
static bool has_error_code(unsigned vec)
{
	return vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 ||
	       vec == 29 || vec == 30;
}

struct vcpu_info *xen_vcpu_info(struct xen_vcpu *v)
{
	uint64_t gpa = v->vcpu_info_gpa ? v->vcpu_info_gpa
					: (v->x->shared_info_mfn << 12) +
						  (uint64_t)v->index * sizeof(struct vcpu_info);

	return gmem_ptr_w(v->x->mem, gpa, sizeof(struct vcpu_info));
}

int xen_set_segs(struct xen_vcpu *v, struct x86_state *st, uint16_t cs, uint16_t ss)
{
	if (xen_hv_load_seg(v, cs, true, &st->seg[X86_CS]) < 0 ||
	    xen_hv_load_seg(v, ss, false, &st->seg[X86_SS]) < 0)
		return -1;
	return 0;
}

/* Guest kernel <-> guest user: the other page tables and the other GS
 * base, as Xen toggles them (SWAPGS semantics for GS). */
void xen_toggle_mode(struct xen_vcpu *v, struct x86_state *st)
{
	uint64_t gs = st->seg[X86_GS].base;

	if (v->kernel_mode) {
		v->gs_base_kernel = gs;
		st->seg[X86_GS].base = v->gs_base_user;
	} else {
		v->gs_base_user = gs;
		st->seg[X86_GS].base = v->gs_base_kernel;
	}
	v->kernel_mode = !v->kernel_mode;
	st->cr3 = xen_current_l4(v) << 12;
}

int xen_bounce(struct xen_vcpu *v, struct x86_state *st, uint64_t handler,
	       bool has_err, uint64_t err_code, bool mask_events)
{
	struct vcpu_info *vi = xen_vcpu_info(v);
	uint8_t saved_mask = vi ? vi->evtchn_upcall_mask : 1;
	uint64_t cs = st->seg[X86_CS].selector, ss = st->seg[X86_SS].selector;
	uint64_t old_rsp = st->gpr[X86_RSP], rflags = st->rflags, rsp;
	uint64_t frame[8];
	unsigned n = 0;

	if (!handler) {
		xen_crash(v->x, "vcpu %d: no handler registered for a bounce at rip %#llx",
			  v->index, (unsigned long long)st->rip);
		return -1;
	}
	if (v->kernel_mode) {
		cs &= ~3ull; /* tells the guest kernel it interrupted itself */
		rsp = old_rsp;
	} else {
		xen_toggle_mode(v, st);
		rsp = v->kernel_sp;
	}
	rsp &= ~15ull;
	rflags = (rflags & ~(RFLAGS_IF | RFLAGS_IOPL)) | (saved_mask ? 0 : RFLAGS_IF);
	frame[n++] = st->gpr[X86_RCX];
	frame[n++] = st->gpr[X86_R11];
	if (has_err)
		frame[n++] = err_code;
	frame[n++] = st->rip;
	frame[n++] = cs | (uint64_t)saved_mask << 32;
	frame[n++] = rflags;
	frame[n++] = old_rsp;
	frame[n++] = ss;
	rsp -= n * 8;
	if (xen_copy_to_guest(v, rsp, frame, n * 8) < 0) {
		xen_crash(v->x, "vcpu %d: cannot write a trap frame on the guest kernel stack at %#llx (rip %#llx)",
			  v->index, (unsigned long long)rsp, (unsigned long long)st->rip);
		return -1;
	}
	if (mask_events && vi)
		vi->evtchn_upcall_mask = 1;
	st->rip = handler;
	st->gpr[X86_RSP] = rsp;
	st->rflags = (st->rflags & ~(RFLAGS_TF | RFLAGS_NT | RFLAGS_RF | RFLAGS_VM |
				     RFLAGS_AC | RFLAGS_IOPL)) | RFLAGS_IF;
	v->stat_bounces++;
	return xen_set_segs(v, st, FLAT_KERNEL_CS, FLAT_KERNEL_SS);
}

void xen_deliver_upcall(struct xen_vcpu *v, struct x86_state *st)
{
	struct vcpu_info *vi = xen_vcpu_info(v);

	if (!vi || !v->cb_event || vm_should_stop(v->x->vm))
		return;
	if (!__atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_ACQUIRE) ||
	    vi->evtchn_upcall_mask)
		return;
	v->stat_upcalls++;
	xen_bounce(v, st, v->cb_event, false, 0, true);
}

/* The guest's own handler for vector `vec`, or crash. */
static void bounce_exception(struct xen_vcpu *v, struct x86_state *st,
			     unsigned vec, bool has_err, uint64_t err)
{
	const struct trap_info *t = &v->trap[vec];

	if (!t->address) {
		xen_crash(v->x, "vcpu %d: exception %u (error %#llx) at rip %#llx with no guest handler",
			  v->index, vec, (unsigned long long)err,
			  (unsigned long long)st->rip);
		return;
	}
	/* Trap-table flags bit 2: "clear event enable", an interrupt gate. */
	xen_bounce(v, st, t->address, has_err, err, (t->flags & 4) != 0);
}

static void on_syscall(struct xen_vcpu *v, struct x86_state *st, bool compat)
{
	uint64_t ret_rip = st->gpr[X86_RCX], ret_flags = st->gpr[X86_R11];

	st->rip = ret_rip;
	st->rflags = (ret_flags & ~(RFLAGS_IOPL | RFLAGS_VM)) | RFLAGS_IF | X86_RFLAGS_FIXED;
	if (v->kernel_mode && !compat) {
		if (xen_set_segs(v, st, FLAT_KERNEL_CS, FLAT_KERNEL_SS) < 0) {
			xen_crash(v->x, "vcpu %d: gamut's flat selectors do not load", v->index);
			return;
		}
		xen_hypercall(v, st);
		return;
	}
	if (v->kernel_mode) {
		xen_crash(v->x, "vcpu %d: SYSCALL from 32-bit guest kernel code", v->index);
		return;
	}
	/* A system call of the guest's user space: to the guest kernel. */
	if (xen_set_segs(v, st, compat ? FLAT_USER_CS32 : FLAT_USER_CS64,
			 FLAT_USER_SS) < 0 || !v->cb_syscall) {
		/* Without a syscall callback, Xen raises #UD in the guest. */
		bounce_exception(v, st, 6, false, 0);
		return;
	}
	xen_bounce(v, st, v->cb_syscall, false, 0, v->cb_syscall_mask);
}

static void on_trap(struct xen_vcpu *v, struct x86_state *st)
{
	struct xen *x = v->x;
	uint64_t sp = st->gpr[X86_RSP], f[7];
	unsigned vec, n;
	bool errc;

	/* The ring-0 stack: the vector the stub pushed, the CPU's frame. */
	memset(f, 0, sizeof(f));
	if (sp > v->stack0_va - 6 * 8 || sp < v->stack0_va - XEN_PAGE_SIZE ||
	    gmem_read(x->mem, xen_hv_stack0_gpa(v) - (v->stack0_va - sp), f,
		      v->stack0_va - sp < sizeof(f) ? v->stack0_va - sp : sizeof(f)) < 0) {
		xen_crash(x, "vcpu %d: exception frame outside the ring-0 stack (rsp %#llx)",
			  v->index, (unsigned long long)sp);
		return;
	}
	vec = (unsigned)f[0] & 0xff;
	errc = has_error_code(vec);
	n = errc ? 2 : 1;
	if ((f[n + 1] & 3) == 0) {
		xen_crash(x, "vcpu %d: exception %u in gamut's ring-0 stub at %#llx",
			  v->index, vec, (unsigned long long)f[n]);
		return;
	}
	/* The interrupted guest context, as before the exception. */
	st->rip = f[n];
	st->rflags = f[n + 2];
	st->gpr[X86_RSP] = f[n + 3];
	if (xen_hv_load_seg(v, (uint16_t)f[n + 1], true, &st->seg[X86_CS]) < 0 ||
	    xen_hv_load_seg(v, (uint16_t)f[n + 4], false, &st->seg[X86_SS]) < 0) {
		xen_crash(x, "vcpu %d: interrupted context has selectors %#llx/%#llx gamut cannot reload",
			  v->index, (unsigned long long)f[n + 1], (unsigned long long)f[n + 4]);
		return;
	}
	xen_exception(v, st, vec, errc, errc ? f[1] : 0);
}

void xen_exception(struct xen_vcpu *v, struct x86_state *st, unsigned vec,
		   bool has_err, uint64_t err)
{
	struct vcpu_info *vi;

	switch (vec) {
	case 14: /* page fault: the address goes in vcpu_info, as CR2 would */
		if (xen_emulate_ptwr(v, st, err))
			return;
		vi = xen_vcpu_info(v);
		if (vi)
			vi->arch.cr2 = st->cr2;
		/* Both guest modes run at CPL 3: the U bit says which. */
		err = (err & ~4ull) | (v->kernel_mode ? 0 : 4);
		bounce_exception(v, st, vec, true, err);
		return;
	case 13:
		if (xen_emulate_gp(v, st, err))
			return;
		bounce_exception(v, st, vec, true, err);
		return;
	case 6:
		if (xen_emulate_ud(v, st))
			return;
		bounce_exception(v, st, vec, false, 0);
		return;
	case 7: /* FPU use with CR0.TS set by fpu_taskswitch: the guest's */
		st->cr0 &= ~X86_CR0_TS;
		bounce_exception(v, st, vec, false, 0);
		return;
	case 2:
	case 8:
	case 18:
		xen_crash(v->x, "vcpu %d: exception %u at rip %#llx", v->index, vec,
			  (unsigned long long)st->rip);
		return;
	default:
		if (vec >= 32) {
			/* An interrupt gamut sent to make the vCPU look at its
			 * events: nothing to do but the upcall below. */
			return;
		}
		bounce_exception(v, st, vec, has_err, err);
	}
}

static void port_io(void *opaque, uint64_t off, void *data, unsigned len,
		    bool is_write, int cpu)
{
	struct xen *x = opaque;
	struct xen_vcpu *v;
	struct x86_state st;
	struct gerr err;

	if (!is_write) {
		memset(data, 0xff, len);
		return;
	}
	if (cpu < 0 || (unsigned)cpu >= x->nr_vcpus)
		return;
	v = &x->vcpu[cpu];
	if (x->vm->backend->vcpu_get_state(&x->vm->vcpu[cpu], &st, &err) < 0) {
		xen_crash(x, "cannot read vCPU %d's state: %s", cpu, err.msg);
		return;
	}
	if (st.seg[X86_CS].dpl != 0) {
		xen_crash(x, "vcpu %d: gamut's port written from CPL %u", cpu,
			  st.seg[X86_CS].dpl);
		return;
	}
	if (off == XEN_PORT_TRAP - XEN_PORT_SYSCALL)
		on_trap(v, &st);
	else
		on_syscall(v, &st, off == 2);
	if (vm_should_stop(x->vm))
		return;
	xen_deliver_upcall(v, &st);
	if (vm_should_stop(x->vm))
		return;
	xen_flush_if_asked(v); /* another vCPU's flush, asked meanwhile */
	if (x->vm->backend->vcpu_set_state(&x->vm->vcpu[cpu], &st, &err) < 0)
		xen_crash(x, "cannot set vCPU %d's state: %s", cpu, err.msg);
}

/* A kicked vCPU at an instruction boundary: deliver a pending upcall now
 * rather than at its next exit (timer events while the guest computes). */
static void kick_hook(void *opaque, int cpu)
{
	struct xen *x = opaque;
	struct xen_vcpu *v;
	struct vcpu_info *vi;
	struct x86_state st;
	struct gerr err;

	if (cpu < 0 || (unsigned)cpu >= x->nr_vcpus || !x->loaded)
		return;
	v = &x->vcpu[cpu];
	xen_flush_if_asked(v);
	if (__atomic_load_n(&v->start_pending, __ATOMIC_ACQUIRE)) {
		xen_vcpu_start(v);
		return;
	}
	if (!v->up)
		return;
	vi = xen_vcpu_info(v);
	if (!vi || !v->cb_event || vi->evtchn_upcall_mask ||
	    !__atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_ACQUIRE))
		return;
	if (x->vm->backend->vcpu_get_state(&x->vm->vcpu[cpu], &st, &err) < 0)
		return;
	if (st.seg[X86_CS].dpl == 0)
		return; /* inside the stub: its port write delivers it */
	xen_deliver_upcall(v, &st);
	if (!vm_should_stop(x->vm) &&
	    x->vm->backend->vcpu_set_state(&x->vm->vcpu[cpu], &st, &err) < 0)
		xen_crash(x, "cannot set vCPU %d's state: %s", cpu, err.msg);
}

int xen_entry_init(struct xen *x, struct gerr *err)
{
	if (bus_register(&x->vm->pio, XEN_PORT_SYSCALL, 3, port_io, x, "xen-entry",
			 err) < 0)
		return -1;
	x->vm->kick_hook = kick_hook;
	x->vm->kick_hook_opaque = x;
	return 0;
}

void xen_entry_fini(struct xen *x)
{
	bus_unregister(&x->vm->pio, XEN_PORT_SYSCALL);
	if (x->vm->kick_hook_opaque == x)
		x->vm->kick_hook = NULL;
}
