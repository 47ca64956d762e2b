/* Hypercall dispatch, multicall, and the calls that need no subsystem of
 * their own (version, console output, VM assists, physdev). */
#include "xenpv/xen_hcall.h"

#include <stdio.h>
#include <string.h>

#include "console/console.h"
#include "core/vm.h"
#include "xenpv/xen_entry.h"

static int64_t hc_multicall(struct xen_call *c);

static const struct {
	xen_hcall_fn fn;
	bool in_multicall; /* allowed inside a multicall */
} calls[64] = {
	[__HYPERVISOR_set_trap_table] = { xen_hc_set_trap_table, true },
	[__HYPERVISOR_mmu_update] = { xen_hc_mmu_update, true },
	[__HYPERVISOR_set_gdt] = { xen_hc_set_gdt, true },
	[__HYPERVISOR_stack_switch] = { xen_hc_stack_switch, true },
	[__HYPERVISOR_set_callbacks] = { xen_hc_set_callbacks, true },
	[__HYPERVISOR_fpu_taskswitch] = { xen_hc_fpu_taskswitch, true },
	[__HYPERVISOR_set_debugreg] = { xen_hc_set_debugreg, true },
	[__HYPERVISOR_get_debugreg] = { xen_hc_get_debugreg, true },
	[__HYPERVISOR_update_descriptor] = { xen_hc_update_descriptor, true },
	[__HYPERVISOR_memory_op] = { xen_hc_memory_op, true },
	[__HYPERVISOR_multicall] = { hc_multicall, false },
	[__HYPERVISOR_update_va_mapping] = { xen_hc_update_va_mapping, true },
	[__HYPERVISOR_set_timer_op] = { xen_hc_set_timer_op, true },
	[__HYPERVISOR_xen_version] = { xen_hc_xen_version, true },
	[__HYPERVISOR_console_io] = { xen_hc_console_io, true },
	[__HYPERVISOR_grant_table_op] = { xen_hc_grant_table_op, true },
	[__HYPERVISOR_vm_assist] = { xen_hc_vm_assist, true },
	[__HYPERVISOR_iret] = { xen_hc_iret, false },
	[__HYPERVISOR_vcpu_op] = { xen_hc_vcpu_op, true },
	[__HYPERVISOR_set_segment_base] = { xen_hc_set_segment_base, true },
	[__HYPERVISOR_mmuext_op] = { xen_hc_mmuext_op, true },
	[__HYPERVISOR_sched_op] = { xen_hc_sched_op, true },
	[__HYPERVISOR_callback_op] = { xen_hc_callback_op, true },
	[__HYPERVISOR_event_channel_op] = { xen_hc_event_channel_op, true },
	[__HYPERVISOR_physdev_op] = { xen_hc_physdev_op, true },
};

int64_t xen_hypercall_nr(struct xen_call *c, unsigned nr)
{
	if (nr >= sizeof(calls) / sizeof(calls[0]) || !calls[nr].fn)
		return -XEN_ENOSYS;
	if (c->in_multicall && !calls[nr].in_multicall)
		return -XEN_EINVAL;
	return calls[nr].fn(c);
}

void xen_hypercall(struct xen_vcpu *v, struct x86_state *st)
{
	struct xen_call c = { .v = v, .st = st };
	uint64_t nr = st->gpr[X86_RAX];
	int64_t r;

	c.a[0] = st->gpr[X86_RDI];
	c.a[1] = st->gpr[X86_RSI];
	c.a[2] = st->gpr[X86_RDX];
	c.a[3] = st->gpr[X86_R10];
	c.a[4] = st->gpr[X86_R8];
	v->stat_hcalls++;
	r = nr > 63 ? -XEN_ENOSYS : xen_hypercall_nr(&c, (unsigned)nr);
	/* A frame changed type: translations of its old use may linger. */
	if (xen_mm_take_flush(&v->x->mm)) {
		xen_flush_tlb(v, st);
		xen_flush_others(v);
	}
	if (!c.no_ret)
		st->gpr[X86_RAX] = (uint64_t)r;
}

bool xen_hcall_preempt(struct xen_call *c, unsigned nr, const uint64_t args[5])
{
	struct x86_state *st = c->st;

	if (vm_should_stop(c->v->x->vm))
		return true;
	if (c->in_multicall)
		return false;
	/* SYSCALL is 0f 05: RIP (the return address gamut resumes at) goes
	 * back onto it, as Xen's continuations do for a 64-bit guest. */
	c->no_ret = true;
	st->rip -= 2;
	st->gpr[X86_RAX] = nr;
	st->gpr[X86_RDI] = args[0];
	st->gpr[X86_RSI] = args[1];
	st->gpr[X86_RDX] = args[2];
	st->gpr[X86_R10] = args[3];
	st->gpr[X86_R8] = args[4];
	return true;
}

/* Calls in a batch, each result written back to its entry; the batch
 * stops being read at the first entry gamut cannot read. */
static int64_t hc_multicall(struct xen_call *c)
{
	uint64_t list = c->a[0], n = c->a[1];

	if (n > 1024)
		return -XEN_EINVAL;
	for (uint64_t i = 0; i < n; i++) {
		struct multicall_entry e;
		struct xen_call sub = { .v = c->v, .st = c->st, .in_multicall = true };
		uint64_t at = list + i * sizeof(e);

		if (xen_copy_from_guest(c->v, at, &e, sizeof(e)) < 0)
			return -XEN_EFAULT;
		memcpy(sub.a, e.args, sizeof(sub.a));
		e.result = (xen_ulong_t)(e.op > 63 ? -XEN_ENOSYS
						   : xen_hypercall_nr(&sub, (unsigned)e.op));
		if (xen_copy_to_guest(c->v, at + offsetof(struct multicall_entry, result),
				      &e.result, sizeof(e.result)) < 0)
			return -XEN_EFAULT;
		if (vm_should_stop(c->v->x->vm))
			break;
	}
	return 0;
}

static int put_string(struct xen_call *c, uint64_t va, const char *s, size_t size)
{
	char buf[1024];

	if (size > sizeof(buf))
		return -XEN_EINVAL;
	memset(buf, 0, size);
	snprintf(buf, size, "%s", s);
	return xen_copy_to_guest(c->v, va, buf, size);
}

int64_t xen_hc_xen_version(struct xen_call *c)
{
	struct xen *x = c->v->x;
	uint64_t arg = c->a[1];

	switch (c->a[0]) {
	case XENVER_version:
		return 4 << 16 | 17; /* the interface of Xen 4.17, whose headers gamut uses */
	case XENVER_extraversion:
		return put_string(c, arg, ".0-gamut", sizeof(xen_extraversion_t));
	case XENVER_compile_info: {
		xen_compile_info_t ci;

		memset(&ci, 0, sizeof(ci));
		snprintf(ci.compiler, sizeof(ci.compiler), "gamut");
		snprintf(ci.compile_by, sizeof(ci.compile_by), "gamut");
		snprintf(ci.compile_domain, sizeof(ci.compile_domain), "gamut");
		snprintf(ci.compile_date, sizeof(ci.compile_date), "%s", __DATE__);
		return xen_copy_to_guest(c->v, arg, &ci, sizeof(ci));
	}
	case XENVER_capabilities:
		return put_string(c, arg, "xen-3.0-x86_64 ", sizeof(xen_capabilities_info_t));
	case XENVER_changeset:
		return put_string(c, arg, "gamut", sizeof(xen_changeset_info_t));
	case XENVER_platform_parameters: {
		xen_platform_parameters_t p = { .virt_start = HYPERVISOR_VIRT_START };

		return xen_copy_to_guest(c->v, arg, &p, sizeof(p));
	}
	case XENVER_get_features: {
		xen_feature_info_t fi;

		if (xen_copy_from_guest(c->v, arg, &fi, sizeof(fi)) < 0)
			return -XEN_EFAULT;
		fi.submap = 0;
		if (fi.submap_idx == 0)
			/* gnttab_map_avail_bits: Linux refuses to boot as a
			 * PV guest without it; it concerns a guest mapping
			 * another domain's grants, which gamut's guests never
			 * do (the backends are gamut's: map_grant_ref is
			 * ENOSYS). */
			fi.submap = 1u << XENFEAT_pae_pgdir_above_4gb |
				    1u << XENFEAT_mmu_pt_update_preserve_ad |
				    1u << XENFEAT_gnttab_map_avail_bits;
		return xen_copy_to_guest(c->v, arg, &fi, sizeof(fi));
	}
	case XENVER_pagesize:
		return XEN_PAGE_SIZE;
	case XENVER_guest_handle: {
		xen_domain_handle_t h;

		memset(h, 0, sizeof(h));
		h[15] = 1;
		return xen_copy_to_guest(c->v, arg, h, sizeof(h));
	}
	case XENVER_commandline:
		return -XEN_EPERM;
	default:
		(void)x;
		return -XEN_ENOSYS;
	}
}

/* CONSOLEIO_write: what Xen prints for a guest on its own console (the
 * early boot messages of a kernel that has no hvc console yet). */
int64_t xen_hc_console_io(struct xen_call *c)
{
	/* The count is an unsigned int in Xen's ABI. */
	uint64_t n = (uint32_t)c->a[1], va = c->a[2];
	struct gerr err;
	struct console *con;
	char buf[512];

	if (c->a[0] == CONSOLEIO_read)
		return 0;
	if (c->a[0] != CONSOLEIO_write)
		return -XEN_ENOSYS;
	con = console_get(c->v->x->vm, &err);
	for (uint64_t done = 0; done < n;) {
		size_t chunk = n - done > sizeof(buf) ? sizeof(buf) : (size_t)(n - done);

		/* A write as long as the guest likes: preempted. */
		if (done && done % (XEN_PREEMPT_BATCH * sizeof(buf)) == 0 &&
		    xen_hcall_preempt(c, __HYPERVISOR_console_io,
				      (const uint64_t[5]){ CONSOLEIO_write, n - done,
							   va + done, 0, 0 }))
			return 0;

		if (xen_copy_from_guest(c->v, va + done, buf, chunk) < 0)
			return -XEN_EFAULT;
		if (con)
			console_write(con, buf, chunk);
		done += chunk;
	}
	return 0;
}

int64_t xen_hc_vm_assist(struct xen_call *c)
{
	uint64_t type = c->a[1];
	/* 4 GB segments and PAE extended CR3 mean nothing to a 64-bit guest;
	 * writable page tables are emulated (xen_emul.c, #PF on a table). */
	const uint64_t known = 1u << VMASST_TYPE_4gb_segments |
			       1u << VMASST_TYPE_4gb_segments_notify |
			       1u << VMASST_TYPE_writable_pagetables |
			       1u << VMASST_TYPE_pae_extended_cr3;

	if (type >= 32 || !(known & (1ull << type)))
		return -XEN_EINVAL;
	if (c->a[0] == VMASST_CMD_enable)
		c->v->x->vm_assist |= 1ull << type;
	else if (c->a[0] == VMASST_CMD_disable)
		c->v->x->vm_assist &= ~(1ull << type);
	else
		return -XEN_ENOSYS;
	return 0;
}

/* A domU owns no devices: I/O privilege stays 0 (port accesses are
 * emulated as absent) and there are no physical interrupts to map. */
int64_t xen_hc_physdev_op(struct xen_call *c)
{
	switch (c->a[0]) {
	case PHYSDEVOP_set_iopl: {
		struct physdev_set_iopl s;

		if (xen_copy_from_guest(c->v, c->a[1], &s, sizeof(s)) < 0)
			return -XEN_EFAULT;
		return s.iopl > 1 ? -XEN_EPERM : 0;
	}
	default:
		return -XEN_ENOSYS;
	}
}
