/* Exception bouncing: the vCPU state is put where the CPU and the ring-0
 * stub would leave it, then the trap port is written. */
#include <string.h>

#include "../harness.h"
#include "pv/pv_layout.h"
#include "test_pv_fixture.h"

static struct pvt t;

#define FAULT_RIP (PVT_TEXT_VA + 4)
#define HANDLER	  (PVT_TEXT_VA + 8)

/* As after a #PF at CPL 3 with user rsp `ursp`: CPU frame + stub pushes. */
static void fake_page_fault(uint64_t ursp)
{
	struct x86_state *st = pvt_state();
	uint64_t frame[8] = { 0x1111 /* rdx */, 0x2222 /* rax */, 6 /* error */,
			      FAULT_RIP, PV_SEL_UCODE, 0x3203, ursp, PV_SEL_UDATA };
	uint32_t vector = 14;

	gmem_write(&t.vm->mem, PV_STACK0_TOP - sizeof(frame), frame, sizeof(frame));
	st->seg[X86_CS].selector = PV_SEL_KCODE;
	st->seg[X86_CS].dpl = 0;
	st->rip = PV_STUB_GPA + 14 * 16 + 12;
	st->gpr[X86_RSP] = PV_STACK0_TOP - sizeof(frame);
	st->gpr[X86_RAX] = 14;
	st->gpr[X86_RDX] = PV_PORT_BASE + PV_PORT_TRAP;
	st->gpr[X86_RBX] = 0xb0b;
	st->cr2 = 0xdead000;
	bus_access(&t.vm->pio, PV_PORT_BASE + PV_PORT_TRAP, &vector, 4, true, 0);
}

static void set_handler(uint64_t entry, uint64_t vectors)
{
	struct pv_hc_trap_set ts = { 0, entry, vectors };

	gmem_write(&t.vm->mem, PVT_ARG, &ts, sizeof(ts));
	pvt_call(&t, PV_HC_TRAP_SET, PVT_ARG);
}

TEST(pv_trap_without_handler_stops_with_reason)
{
	CHECK(pvt_boot(&t) == 0);
	fake_page_fault(t.boot.gpr[X86_RSP] - 64);
	CHECK_EQ(pvt_stop_reason(&t), VM_STOP_CRASH);
	CHECK(strstr(t.vm->stop_msg, "#PF page fault"));
	CHECK(strstr(t.vm->stop_msg, "0xdead000"));
	CHECK(strstr(t.vm->stop_msg, "no handler"));
	pvt_fini(&t);
}

TEST(pv_trap_bounces_to_handler_and_returns)
{
	struct pv_trap_frame f;
	struct x86_state *st = pvt_state();
	uint64_t ursp, gpa;

	CHECK(pvt_boot(&t) == 0);
	ursp = t.boot.gpr[X86_RSP] - 64;
	set_handler(HANDLER, 1ull << 14);
	fake_page_fault(ursp);
	CHECK_EQ(pvt_stop_reason(&t), VM_RUNNING);
	CHECK_EQ(st->rip, HANDLER);
	CHECK_EQ(st->seg[X86_CS].selector, PV_SEL_UCODE);
	CHECK_EQ(st->gpr[X86_RDI], st->gpr[X86_RSP]);
	CHECK_EQ(st->gpr[X86_RSP] % 16, 0);
	CHECK(st->gpr[X86_RSP] + sizeof(f) <= ursp - 128); /* red zone kept */
	CHECK(pv_mmu_translate(&t.pv->mmu, st->gpr[X86_RSP], true, &gpa) == 0);
	gmem_read(&t.vm->mem, gpa, &f, sizeof(f));
	CHECK_EQ(f.vector, 14);
	CHECK_EQ(f.error_code, 6);
	CHECK_EQ(f.cr2, 0xdead000);
	CHECK_EQ(f.depth, 1);
	CHECK_EQ(f.rip, FAULT_RIP);
	CHECK_EQ(f.gpr[X86_RAX], 0x2222);
	CHECK_EQ(f.gpr[X86_RDX], 0x1111);
	CHECK_EQ(f.gpr[X86_RBX], 0xb0b);
	CHECK_EQ(f.gpr[X86_RSP], ursp);
	/* The handler skips the instruction and asks for a privileged flag. */
	f.rip += 2;
	f.rflags = 0x1 | (1ull << 14) | (3ull << 12) | (1ull << 8);
	gmem_write(&t.vm->mem, gpa, &f, sizeof(f));
	pvt_call(&t, PV_HC_TRAP_RETURN, gpa);
	CHECK_EQ(pvt_stop_reason(&t), VM_RUNNING);
	CHECK_EQ(st->rip, FAULT_RIP + 2);
	CHECK_EQ(st->gpr[X86_RSP], ursp);
	CHECK_EQ(st->gpr[X86_RAX], 0x2222);
	CHECK_EQ(st->rflags, 0x3203); /* NT and TF dropped, IOPL 3 and IF kept */
	CHECK_EQ(t.pv->trap_depth, 0);
	pvt_fini(&t);
}

TEST(pv_trap_return_outside_a_trap_stops)
{
	struct pv_trap_frame f = { 0 };

	CHECK(pvt_boot(&t) == 0);
	gmem_write(&t.vm->mem, PVT_ARG, &f, sizeof(f));
	pvt_call(&t, PV_HC_TRAP_RETURN, PVT_ARG);
	CHECK_EQ(pvt_stop_reason(&t), VM_STOP_CRASH);
	CHECK(strstr(t.vm->stop_msg, "no trap"));
	pvt_fini(&t);
}

TEST(pv_trap_nesting_is_bounded)
{
	uint64_t ursp;

	CHECK(pvt_boot(&t) == 0);
	ursp = t.boot.gpr[X86_RSP] - 64;
	set_handler(HANDLER, 1ull << 14);
	for (int i = 0; i < PV_TRAP_NEST_MAX; i++) {
		fake_page_fault(ursp);
		CHECK_EQ(pvt_stop_reason(&t), VM_RUNNING);
		ursp = pvt_state()->gpr[X86_RSP];
	}
	fake_page_fault(ursp);
	CHECK_EQ(pvt_stop_reason(&t), VM_STOP_CRASH);
	CHECK(strstr(t.vm->stop_msg, "faults were being handled"));
	pvt_fini(&t);
}

TEST(pv_trap_unusable_stack_stops)
{
	CHECK(pvt_boot(&t) == 0);
	set_handler(HANDLER, 1ull << 14);
	fake_page_fault(PV_SYS_GPA + 0x800); /* gamut's page: not user-writable */
	CHECK_EQ(pvt_stop_reason(&t), VM_STOP_CRASH);
	CHECK(strstr(t.vm->stop_msg, "cannot take the trap frame"));
	pvt_fini(&t);
}

TEST(pv_trap_port_only_from_the_stub)
{
	uint32_t vector = 13;

	CHECK(pvt_boot(&t) == 0); /* state: CPL 3 at the entry point */
	bus_access(&t.vm->pio, PV_PORT_BASE + PV_PORT_TRAP, &vector, 4, true, 0);
	CHECK_EQ(pvt_stop_reason(&t), VM_STOP_CRASH);
	CHECK(strstr(t.vm->stop_msg, "trap port"));
	pvt_fini(&t);
}

TEST(pv_trap_set_validates)
{
	struct pv_hc_trap_set ts = { 0, HANDLER, 1ull << 40 };

	CHECK(pvt_boot(&t) == 0);
	gmem_write(&t.vm->mem, PVT_ARG, &ts, sizeof(ts));
	pvt_call(&t, PV_HC_TRAP_SET, PVT_ARG);
	gmem_read(&t.vm->mem, PVT_ARG, &ts, sizeof(ts));
	CHECK_EQ(ts.ret, -PV_EINVAL);
	pvt_fini(&t);
}
