/* Xen PV hypercalls and exceptions through the real dispatcher and entry
 * path (test_xen_fixture.h): the domain the builder makes, answers to
 * good and bad calls, and a bounce to the guest's handler. */
#include <string.h>

#include "../harness.h"
#include "test_xen_fixture.h"
#include "xenpv/xen_abi.h"
#include "xenpv/xen_entry.h"

TEST(xen_build_domain)
{
	struct xt t;
	start_info_t si;
	uint64_t si_gpa;

	CHECK(xt_init(&t, 1) == 0);
	CHECK_EQ(t.boot.rip, XT_VBASE + XT_KPADDR);
	CHECK_EQ(t.boot.seg[X86_CS].selector, FLAT_KERNEL_CS);
	si_gpa = t.boot.gpr[X86_RSI] - XT_VBASE;
	CHECK(gmem_read(&t.vm->mem, si_gpa, &si, sizeof(si)) == 0);
	CHECK(!strcmp(si.magic, "xen-3.0-x86_64"));
	CHECK_EQ(si.nr_pages, t.x->nr_pages);
	CHECK(si.shared_info == t.x->shared_info_mfn << 12);
	CHECK(si.pt_base > XT_VBASE && si.nr_pt_frames >= 4);
	CHECK_EQ(t.x->vcpu[0].guest_table, (si.pt_base - XT_VBASE) >> 12);
	xt_fini(&t);
}

TEST(xen_hcall_answers)
{
	struct xt t;
	struct multicall_entry mc[2];
	static const char msg[] = "hello from a test guest\n";

	CHECK(xt_init(&t, 1) == 0);
	CHECK_EQ(xt_hcall(&t, __HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0), 4 << 16 | 17);
	CHECK_EQ(xt_hcall(&t, 60, 0, 0, 0, 0, 0), -XEN_ENOSYS);
	CHECK_EQ(xt_hcall(&t, 100000, 0, 0, 0, 0, 0), -XEN_ENOSYS);
	gmem_write(&t.vm->mem, XT_BUF, msg, sizeof(msg) - 1);
	CHECK_EQ(xt_hcall(&t, __HYPERVISOR_console_io, CONSOLEIO_write, sizeof(msg) - 1, XT_BUF_VA, 0, 0), 0);
	CHECK_EQ(xt_hcall(&t, __HYPERVISOR_console_io, 7, 0, 0, 0, 0), -XEN_ENOSYS);
	/* A buffer outside the guest's mappings. */
	CHECK_EQ(xt_hcall(&t, __HYPERVISOR_console_io, CONSOLEIO_write, 16, 0x1000, 0, 0), -XEN_EFAULT);
	/* mmu_update for another domain, or aimed at gamut's own frames. */
	CHECK_EQ(xt_hcall(&t, __HYPERVISOR_mmu_update, XT_BUF_VA, 1, 0, 7, 0), -XEN_EPERM);
	{
		mmu_update_t u = { .ptr = t.x->hv_gpa | MMU_NORMAL_PT_UPDATE, .val = 0x67 };

		gmem_write(&t.vm->mem, XT_BUF, &u, sizeof(u));
		CHECK(xt_hcall(&t, __HYPERVISOR_mmu_update, XT_BUF_VA, 1, 0, DOMID_SELF, 0) < 0);
	}
	/* A multicall: each result lands in its entry. */
	memset(mc, 0, sizeof(mc));
	mc[0].op = __HYPERVISOR_xen_version;
	mc[0].args[0] = XENVER_version;
	mc[1].op = 61;
	gmem_write(&t.vm->mem, XT_BUF, mc, sizeof(mc));
	CHECK_EQ(xt_hcall(&t, __HYPERVISOR_multicall, XT_BUF_VA, 2, 0, 0, 0), 0);
	gmem_read(&t.vm->mem, XT_BUF, mc, sizeof(mc));
	CHECK_EQ(mc[0].result, 4 << 16 | 17);
	CHECK_EQ((int64_t)mc[1].result, -XEN_ENOSYS);
	CHECK_EQ(xt_hcall(&t, __HYPERVISOR_multicall, 0x1000, 2, 0, 0, 0), -XEN_EFAULT);
	CHECK_EQ(atomic_load(&t.vm->stop_reason), VM_RUNNING);
	xt_fini(&t);
}

TEST(xen_hcall_event_channels)
{
	struct xt t;
	struct evtchn_bind_virq b = { .virq = VIRQ_TIMER, .vcpu = 0 };
	struct evtchn_send s = { .port = 0 };

	CHECK(xt_init(&t, 1) == 0);
	gmem_write(&t.vm->mem, XT_BUF, &b, sizeof(b));
	CHECK_EQ(xt_hcall(&t, __HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, XT_BUF_VA, 0, 0, 0), 0);
	gmem_read(&t.vm->mem, XT_BUF, &b, sizeof(b));
	CHECK(b.port > 0 && b.port < XEN_NR_EVTCHN);
	/* The same VIRQ twice, a VIRQ past the last, ports out of range. */
	CHECK_EQ(xt_hcall(&t, __HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, XT_BUF_VA, 0, 0, 0), -XEN_EEXIST);
	b.virq = NR_VIRQS;
	gmem_write(&t.vm->mem, XT_BUF, &b, sizeof(b));
	CHECK_EQ(xt_hcall(&t, __HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, XT_BUF_VA, 0, 0, 0), -XEN_EINVAL);
	for (uint32_t p = 0; p < 3; p++) {
		s.port = p == 0 ? 0 : p == 1 ? XEN_NR_EVTCHN : 70000;
		gmem_write(&t.vm->mem, XT_BUF, &s, sizeof(s));
		CHECK_EQ(xt_hcall(&t, __HYPERVISOR_event_channel_op, EVTCHNOP_send, XT_BUF_VA, 0, 0, 0), -XEN_EINVAL);
	}
	xt_fini(&t);
}

TEST(xen_exception_bounce_and_crash)
{
	struct xt t;
	struct trap_info ti[2] = { { .vector = 14, .flags = 0, .cs = FLAT_KERNEL_CS,
				     .address = XT_VBASE + XT_KPADDR + 0x40 } };
	uint64_t rsp, frame[8];

	/* No handler: the guest is stopped with a reason. */
	CHECK(xt_init(&t, 1) == 0);
	xt_exception(&t, 14, 2);
	CHECK_EQ(atomic_load(&t.vm->stop_reason), VM_STOP_CRASH);
	CHECK(strstr(t.vm->stop_msg, "exception 14"));
	xt_fini(&t);

	/* With one: Xen's frame on the kernel stack, RIP at the handler. */
	CHECK(xt_init(&t, 1) == 0);
	gmem_write(&t.vm->mem, XT_BUF, ti, sizeof(ti));
	CHECK_EQ(xt_hcall(&t, __HYPERVISOR_set_trap_table, XT_BUF_VA, 0, 0, 0, 0), 0);
	xt_exception(&t, 14, 2);
	CHECK_EQ(atomic_load(&t.vm->stop_reason), VM_RUNNING);
	CHECK_EQ(xt_state()->rip, ti[0].address);
	rsp = xt_state()->gpr[X86_RSP];
	CHECK(gmem_read(&t.vm->mem, rsp - XT_VBASE, frame, sizeof(frame)) == 0);
	/* rcx, r11, error code, rip, cs (RPL 0: kernel context), rflags, rsp, ss */
	CHECK_EQ(frame[2], 2);
	CHECK_EQ(frame[3], t.boot.rip);
	CHECK_EQ(frame[4] & 0xffff, FLAT_KERNEL_CS & ~3u);
	CHECK_EQ(frame[7], FLAT_KERNEL_SS);
	xt_fini(&t);
}
