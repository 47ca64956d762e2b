/* The CPU-state hypercalls: trap table, callbacks, descriptor tables,
 * stack switch, segment bases, FPU switch, debug registers and iret. */
#include <string.h>

#include "core/vm.h"
#include "xenpv/xen_entry.h"
#include "xenpv/xen_hcall.h"
#include "xenpv/xen_hv.h"

static bool canonical(uint64_t v)
{
	return (uint64_t)((int64_t)(v << 16) >> 16) == v;
}

int64_t xen_hc_set_trap_table(struct xen_call *c)
{
	struct xen_vcpu *v = c->v;
	uint64_t va = c->a[0];

	if (!va) {
		memset(v->trap, 0, sizeof(v->trap));
		return 0;
	}
	/* Entries until one with address 0; each replaces its vector. */
	for (unsigned i = 0; i < 256; i++) {
		struct trap_info t;

		if (xen_copy_from_guest(v, va + i * sizeof(t), &t, sizeof(t)) < 0)
			return -XEN_EFAULT;
		if (!t.address)
			return 0;
		if (!canonical(t.address))
			return -XEN_EINVAL;
		v->trap[t.vector] = t;
	}
	return 0;
}

/* Xen's rules for a 64-bit PV guest's descriptors: anything not present
 * is harmless; code and data segments get DPL 3 (the guest kernel runs
 * at CPL 3); system descriptors (gates, TSS, LDT) are refused. */
static int check_descriptor(uint64_t *d)
{
	if (!(*d & (1ull << 47)))
		return 0;
	if (!(*d & (1ull << 44)))
		return -XEN_EINVAL;
	*d |= 3ull << 45;
	return 0;
}

/* A frame the guest may use for descriptors: its own, and not a page
 * table (update_descriptor writes it). */
static bool descriptor_frame(struct xen *x, uint64_t mfn)
{
	enum xen_ftype t;

	if (mfn >= x->nr_pages)
		return false;
	t = xen_mm_type(&x->mm, mfn, NULL, NULL);
	return t == XEN_FT_NONE || t == XEN_FT_WRITABLE || t == XEN_FT_SEGDESC;
}

int64_t xen_gdt_load(struct xen_vcpu *v, const xen_ulong_t *frames, uint64_t entries)
{
	struct xen *x = v->x;
	unsigned nf;
	uint64_t desc[512];

	if (entries > XEN_GDT_GUEST_PAGES * 512ull)
		return -XEN_EINVAL;
	nf = (unsigned)((entries + 511) / 512);
	for (unsigned f = 0; f < nf; f++)
		if (!descriptor_frame(x, frames[f]))
			return -XEN_EINVAL;
	/* Check everything before changing anything. */
	for (unsigned f = 0; f < nf; f++) {
		if (gmem_read(x->mem, frames[f] << 12, desc, sizeof(desc)) < 0)
			return -XEN_EFAULT;
		for (unsigned i = 0; i < 512 && f * 512ull + i < entries; i++)
			if (check_descriptor(&desc[i]) < 0)
				return -XEN_EINVAL;
	}
	xen_hv_gdt_clear(v);
	for (unsigned f = 0; f < nf; f++) {
		gmem_read(x->mem, frames[f] << 12, desc, sizeof(desc));
		for (unsigned i = 0; i < 512 && f * 512ull + i < entries; i++) {
			check_descriptor(&desc[i]);
			/* Accessed preset: the copy is read-only to the CPU. */
			if (desc[i] & (1ull << 47))
				desc[i] |= 1ull << 40;
			xen_hv_gdt_write(v, f * 512 + i, desc[i]);
		}
		v->gdt_frame[f] = frames[f];
	}
	v->gdt_ents = (unsigned)entries;
	return 0;
}

int64_t xen_hc_set_gdt(struct xen_call *c)
{
	xen_ulong_t frames[XEN_GDT_GUEST_PAGES];
	uint64_t entries = c->a[1];
	unsigned nf;

	if (entries > XEN_GDT_GUEST_PAGES * 512ull)
		return -XEN_EINVAL;
	nf = (unsigned)((entries + 511) / 512);
	if (nf && xen_copy_from_guest(c->v, c->a[0], frames, nf * sizeof(frames[0])) < 0)
		return -XEN_EFAULT;
	return xen_gdt_load(c->v, frames, entries);
}

int64_t xen_hc_update_descriptor(struct xen_call *c)
{
	struct xen *x = c->v->x;
	uint64_t ma = c->a[0], d = c->a[1];

	if ((ma & 7) || !descriptor_frame(x, ma >> 12) || check_descriptor(&d) < 0)
		return -XEN_EINVAL;
	if (gmem_write_u64(x->mem, ma, d) < 0)
		return -XEN_EFAULT;
	if (d & (1ull << 47))
		d |= 1ull << 40;
	for (unsigned i = 0; i < x->nr_vcpus; i++) {
		struct xen_vcpu *v = &x->vcpu[i];

		for (unsigned f = 0; f * 512 < v->gdt_ents; f++) {
			unsigned idx = f * 512 + (unsigned)((ma & 0xfff) / 8);

			if (v->gdt_frame[f] == ma >> 12 && idx < v->gdt_ents)
				xen_hv_gdt_write(v, idx, d);
		}
	}
	return 0;
}

int64_t xen_hc_stack_switch(struct xen_call *c)
{
	if (!canonical(c->a[1]))
		return -XEN_EINVAL;
	c->v->kernel_ss = c->a[0] | 3;
	c->v->kernel_sp = c->a[1];
	return 0;
}

int64_t xen_hc_set_segment_base(struct xen_call *c)
{
	struct xen_vcpu *v = c->v;
	struct x86_state *st = c->st;
	uint64_t base = c->a[1];

	switch (c->a[0]) {
	case SEGBASE_FS:
		if (!canonical(base))
			return -XEN_EINVAL;
		st->seg[X86_FS].base = base;
		return 0;
	case SEGBASE_GS_USER:
		if (!canonical(base))
			return -XEN_EINVAL;
		if (v->kernel_mode)
			v->gs_base_user = base;
		else
			st->seg[X86_GS].base = base;
		return 0;
	case SEGBASE_GS_KERNEL:
		if (!canonical(base))
			return -XEN_EINVAL;
		if (v->kernel_mode)
			st->seg[X86_GS].base = base;
		else
			v->gs_base_kernel = base;
		return 0;
	case SEGBASE_GS_USER_SEL: {
		/* Loads the user's GS selector; its base becomes the user GS
		 * base, the active (kernel) base stays. */
		struct x86_segment s;
		uint64_t keep = st->seg[X86_GS].base;

		if (xen_hv_load_seg(v, (uint16_t)(base | 3), false, &s) < 0 &&
		    xen_hv_load_seg(v, 0, false, &s) < 0)
			return -XEN_EINVAL;
		v->gs_base_user = s.unusable ? 0 : s.base;
		st->seg[X86_GS] = s;
		st->seg[X86_GS].base = keep;
		return 0;
	}
	default:
		return -XEN_EINVAL;
	}
}

int64_t xen_hc_fpu_taskswitch(struct xen_call *c)
{
	if (c->a[0])
		c->st->cr0 |= X86_CR0_TS;
	else
		c->st->cr0 &= ~X86_CR0_TS;
	return 0;
}

/* Debug registers are kept for the guest to read back; gamut does not
 * arm hardware breakpoints for it (a guest debugger gets no #DB). */
int64_t xen_hc_set_debugreg(struct xen_call *c)
{
	if (c->a[0] > 7 || c->a[0] == 4 || c->a[0] == 5)
		return -XEN_EINVAL;
	c->v->debugreg[c->a[0]] = c->a[1];
	return 0;
}

int64_t xen_hc_get_debugreg(struct xen_call *c)
{
	if (c->a[0] > 7 || c->a[0] == 4 || c->a[0] == 5)
		return -XEN_EINVAL;
	return (int64_t)c->v->debugreg[c->a[0]];
}

static int set_callback(struct xen_vcpu *v, unsigned type, unsigned flags,
			uint64_t addr)
{
	if (addr && !canonical(addr))
		return -XEN_EINVAL;
	switch (type) {
	case CALLBACKTYPE_event:
		v->cb_event = addr;
		return 0;
	case CALLBACKTYPE_failsafe:
		v->cb_failsafe = addr;
		return 0;
	case CALLBACKTYPE_syscall:
		v->cb_syscall = addr;
		v->cb_syscall_mask = (flags & CALLBACKF_mask_events) != 0;
		return 0;
	case CALLBACKTYPE_nmi:
		v->cb_nmi = addr;
		return 0;
	case CALLBACKTYPE_syscall32:
	case CALLBACKTYPE_sysenter:
		return 0; /* 32-bit user space is not run (no compat entry) */
	default:
		return -XEN_EINVAL;
	}
}

int64_t xen_hc_callback_op(struct xen_call *c)
{
	struct callback_register r;
	struct callback_unregister u;

	switch (c->a[0]) {
	case CALLBACKOP_register:
		if (xen_copy_from_guest(c->v, c->a[1], &r, sizeof(r)) < 0)
			return -XEN_EFAULT;
		return set_callback(c->v, r.type, r.flags, r.address);
	case CALLBACKOP_unregister:
		if (xen_copy_from_guest(c->v, c->a[1], &u, sizeof(u)) < 0)
			return -XEN_EFAULT;
		return set_callback(c->v, u.type, 0, 0);
	default:
		return -XEN_ENOSYS;
	}
}

int64_t xen_hc_set_callbacks(struct xen_call *c)
{
	if (set_callback(c->v, CALLBACKTYPE_event, 0, c->a[0]) < 0 ||
	    set_callback(c->v, CALLBACKTYPE_failsafe, 0, c->a[1]) < 0 ||
	    set_callback(c->v, CALLBACKTYPE_syscall, 0, c->a[2]) < 0)
		return -XEN_EINVAL;
	return 0;
}

/* HYPERVISOR_iret: the guest kernel's return from an exception, event or
 * system call, with struct iret_context on its stack.  Returning to a
 * context with RPL 3 in CS goes back to guest user mode; RFLAGS.IF there
 * becomes the event mask; VGCF_in_syscall leaves RCX and R11 as SYSRET
 * would. */
int64_t xen_hc_iret(struct xen_call *c)
{
	struct xen_vcpu *v = c->v;
	struct x86_state *st = c->st;
	struct iret_context ic;
	struct vcpu_info *vi;

	if (!v->kernel_mode) {
		xen_crash(v->x, "vcpu %d: iret hypercall from guest user mode", v->index);
		c->no_ret = true;
		return 0;
	}
	if (xen_copy_from_guest(v, st->gpr[X86_RSP], &ic, sizeof(ic)) < 0) {
		xen_crash(v->x, "vcpu %d: iret frame at %#llx unreadable", v->index,
			  (unsigned long long)st->gpr[X86_RSP]);
		c->no_ret = true;
		return 0;
	}
	c->no_ret = true;
	if ((ic.cs & 3) == 3)
		xen_toggle_mode(v, st);
	if (xen_set_segs(v, st, (uint16_t)(ic.cs | 3), (uint16_t)(ic.ss | 3)) < 0 ||
	    !canonical(ic.rip)) {
		if (v->cb_failsafe) {
			/* Xen's failsafe callback: the guest kernel repairs
			 * its selectors; frame has DS, ES, FS, GS on top. */
			xen_crash(v->x, "vcpu %d: iret to bad selectors %#llx/%#llx (failsafe not supported)",
				  v->index, (unsigned long long)ic.cs,
				  (unsigned long long)ic.ss);
		} else {
			xen_crash(v->x, "vcpu %d: iret to bad selectors %#llx/%#llx",
				  v->index, (unsigned long long)ic.cs,
				  (unsigned long long)ic.ss);
		}
		return 0;
	}
	st->rip = ic.rip;
	st->gpr[X86_RSP] = ic.rsp;
	st->rflags = (ic.rflags & ~(3ull << 12 | 1ull << 17)) | (1ull << 9) | X86_RFLAGS_FIXED;
	st->gpr[X86_RAX] = ic.rax;
	if (ic.flags & VGCF_in_syscall) {
		st->gpr[X86_RCX] = ic.rip;
		st->gpr[X86_R11] = st->rflags;
	} else {
		st->gpr[X86_RCX] = ic.rcx;
		st->gpr[X86_R11] = ic.r11;
	}
	vi = xen_vcpu_info(v);
	if (vi)
		vi->evtchn_upcall_mask = !(ic.rflags & (1ull << 9));
	return 0;
}
