/* PV boot state and hypercalls, driven through the PIO bus exactly as a
 * guest's `out` would reach them. */
#include <string.h>
#include <time.h>

#include "../harness.h"
#include "core/stats.h"
#include "pv/pv_layout.h"
#include "test_pv_fixture.h"

static struct pvt t;

static bool stopped_with(int reason, const char *needle)
{
	return pvt_stop_reason(&t) == reason && strstr(t.vm->stop_msg, needle);
}

TEST(pv_boot_builds_start_info_and_entry_state)
{
	struct pv_start_info si;
	const struct x86_state *st = &t.boot;
	uint64_t gpa;

	CHECK(pvt_boot(&t) == 0);
	CHECK(gmem_read(&t.vm->mem, PV_START_INFO_GPA, &si, sizeof(si)) == 0);
	CHECK_EQ(si.magic, PV_START_MAGIC);
	CHECK_EQ(si.abi_version, PV_ABI_VERSION);
	CHECK_EQ(si.frames_start, PV_IMAGE_BASE);
	CHECK_EQ(si.heap_start, PVT_DATA_VA + 0x2000);
	CHECK(si.heap_end == si.stack_bottom && si.stack_top == si.frames_end);
	CHECK_EQ(si.stack_top - si.stack_bottom, PV_STACK_SIZE);
	CHECK_EQ(si.cmdline[0], 0);
	CHECK_EQ(st->rip, PVT_TEXT_VA);
	CHECK_EQ(st->gpr[X86_RSP], si.stack_top);
	CHECK_EQ(st->gpr[X86_RDI], PV_START_INFO_GPA);
	CHECK_EQ(st->seg[X86_CS].selector, PV_SEL_UCODE);
	CHECK_EQ(st->seg[X86_CS].dpl, 3);
	CHECK(st->seg[X86_CS].l);
	CHECK_EQ(st->rflags, 0x3202);
	CHECK(st->efer & X86_EFER_NXE);
	CHECK_EQ(st->cr3, t.pv->mmu.pml4[0]);
	/* The image is mapped with its permissions; gamut's pages are not user. */
	CHECK(pv_mmu_translate(&t.pv->mmu, PVT_TEXT_VA, false, &gpa) == 0);
	CHECK(pv_mmu_translate(&t.pv->mmu, PVT_TEXT_VA, true, &gpa) < 0);
	CHECK(pv_mmu_translate(&t.pv->mmu, PVT_DATA_VA + 0x1000, true, &gpa) == 0);
	CHECK(pv_mmu_translate(&t.pv->mmu, PV_START_INFO_GPA, true, &gpa) < 0);
	CHECK(pv_mmu_translate(&t.pv->mmu, PV_START_INFO_GPA, false, &gpa) == 0);
	CHECK(pv_mmu_translate(&t.pv->mmu, PV_SYS_GPA, false, &gpa) < 0);
	CHECK(pv_mmu_translate(&t.pv->mmu, PV_STUB_GPA, false, &gpa) < 0);
	CHECK(pv_mmu_translate(&t.pv->mmu, 0, false, &gpa) < 0);
	CHECK(pv_mmu_translate(&t.pv->mmu, si.stack_top - 8, true, &gpa) == 0);
	CHECK(pv_mmu_translate(&t.pv->mmu, si.stack_top, false, &gpa) < 0);
	pvt_fini(&t);
}

TEST(pv_hcall_console_and_clock)
{
	struct pv_hc_console con = { 0, PVT_BUF, 5 };
	struct pv_hc_clock clk = { -1, 0, 0 };

	CHECK(pvt_boot(&t) == 0);
	gmem_write(&t.vm->mem, PVT_BUF, "hello", 5);
	gmem_write(&t.vm->mem, PVT_ARG, &con, sizeof(con));
	pvt_call(&t, PV_HC_CONSOLE_WRITE, PVT_ARG);
	gmem_read(&t.vm->mem, PVT_ARG, &con, sizeof(con));
	CHECK_EQ(con.ret, 5);
	con = (struct pv_hc_console){ 0, PV_SYS_GPA, 16 }; /* gamut's frame */
	gmem_write(&t.vm->mem, PVT_ARG, &con, sizeof(con));
	pvt_call(&t, PV_HC_CONSOLE_WRITE, PVT_ARG);
	gmem_read(&t.vm->mem, PVT_ARG, &con, sizeof(con));
	CHECK_EQ(con.ret, -PV_EFAULT);
	con = (struct pv_hc_console){ 0, PVT_BUF, ~0ull - 2 }; /* wraps */
	gmem_write(&t.vm->mem, PVT_ARG, &con, sizeof(con));
	pvt_call(&t, PV_HC_CONSOLE_WRITE, PVT_ARG);
	gmem_read(&t.vm->mem, PVT_ARG, &con, sizeof(con));
	CHECK_EQ(con.ret, -PV_EINVAL);
	gmem_write(&t.vm->mem, PVT_ARG, &clk, sizeof(clk));
	pvt_call(&t, PV_HC_CLOCK, PVT_ARG);
	gmem_read(&t.vm->mem, PVT_ARG, &clk, sizeof(clk));
	CHECK_EQ(clk.ret, 0);
	CHECK(clk.monotonic_ns > 0);
	CHECK(clk.wall_ns > 1500000000ull * 1000000000ull);
	CHECK_EQ(pvt_stop_reason(&t), VM_RUNNING);
	pvt_fini(&t);
}

TEST(pv_hcall_unknown_number_is_enosys)
{
	int64_t ret = 0;

	CHECK(pvt_boot(&t) == 0);
	gmem_write(&t.vm->mem, PVT_ARG, &ret, sizeof(ret));
	pvt_call(&t, 29, PVT_ARG);
	gmem_read(&t.vm->mem, PVT_ARG, &ret, sizeof(ret));
	CHECK_EQ(ret, -PV_ENOSYS);
	CHECK_EQ(pvt_stop_reason(&t), VM_RUNNING);
	pvt_fini(&t);
}

TEST(pv_hcall_bad_argument_blocks_stop_the_guest)
{
	static const uint64_t bad[] = {
		PVT_MEM + 0x1000,	/* beyond RAM */
		PVT_ARG + 4,		/* misaligned */
		PV_START_INFO_GPA,	/* gamut's page */
		PVT_MEM - 0x1000,	/* the page-table pool */
		0,
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(pvt_boot(&t) == 0);
		pvt_call(&t, PV_HC_CLOCK, bad[i]);
		CHECK(stopped_with(VM_STOP_CRASH, "outside guest memory"));
		pvt_fini(&t);
	}
}

TEST(pv_hcall_ignores_reads_and_odd_sizes)
{
	uint8_t b = 0;
	uint32_t v = 0;

	CHECK(pvt_boot(&t) == 0);
	bus_access(&t.vm->pio, PV_PORT_BASE + PV_HC_EXIT, &b, 1, true, 0);
	CHECK(bus_access(&t.vm->pio, PV_PORT_BASE, &v, 4, false, 0));
	CHECK_EQ(v, 0xffffffff);
	bus_access(&t.vm->pio, PV_PORT_BASE + PV_HC_EXIT, &v, 4, true, 7);
	CHECK_EQ(pvt_stop_reason(&t), VM_RUNNING);
	pvt_fini(&t);
}

TEST(pv_hcall_exit_sets_gamut_status)
{
	struct pv_hc_exit ex = { 0, 300, 0 };

	CHECK(pvt_boot(&t) == 0);
	gmem_write(&t.vm->mem, PVT_ARG, &ex, sizeof(ex));
	pvt_call(&t, PV_HC_EXIT, PVT_ARG);
	CHECK_EQ(pvt_stop_reason(&t), VM_STOP_EXIT);
	CHECK_EQ(t.vm->exit_status, 300 & 0xff);
	pvt_fini(&t);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

TEST(pv_hcall_poll_events_and_timer)
{
	struct pv_hc_poll p = { 0, 0, PV_EVENT_ALL, 0 };
	struct pv_hc_timer tm = { 0, 1 }; /* already due */
	uint64_t word;

	CHECK(pvt_boot(&t) == 0);
	gmem_write(&t.vm->mem, PVT_ARG, &p, sizeof(p));
	pvt_call(&t, PV_HC_POLL, PVT_ARG); /* deadline 0: does not block */
	gmem_read(&t.vm->mem, PVT_ARG, &p, sizeof(p));
	CHECK_EQ(p.pending, 0);
	pv_event_raise(t.pv, PV_EVENT_DEVICE(2) | PV_EVENT_DEVICE(3));
	gmem_read_u64(&t.vm->mem, PV_SHARED_GPA, &word);
	CHECK_EQ(word, PV_EVENT_DEVICE(2) | PV_EVENT_DEVICE(3));
	p = (struct pv_hc_poll){ 0, PV_DEADLINE_NEVER, PV_EVENT_DEVICE(2), 0 };
	gmem_write(&t.vm->mem, PVT_ARG, &p, sizeof(p));
	pvt_call(&t, PV_HC_POLL, PVT_ARG);
	gmem_read(&t.vm->mem, PVT_ARG, &p, sizeof(p));
	CHECK_EQ(p.pending, PV_EVENT_DEVICE(2));
	gmem_read_u64(&t.vm->mem, PV_SHARED_GPA, &word);
	CHECK_EQ(word, PV_EVENT_DEVICE(3)); /* only the polled bit was cleared */
	gmem_write(&t.vm->mem, PVT_ARG, &tm, sizeof(tm));
	pvt_call(&t, PV_HC_TIMER_SET, PVT_ARG);
	gmem_read_u64(&t.vm->mem, PV_SHARED_GPA, &word);
	CHECK(word & PV_EVENT_TIMER);
	/* A timer 20 ms out wakes a poll with no deadline. */
	tm.deadline_ns = mono_ns() + 20000000ull;
	gmem_write(&t.vm->mem, PVT_ARG, &tm, sizeof(tm));
	pvt_call(&t, PV_HC_TIMER_SET, PVT_ARG);
	gmem_write_u64(&t.vm->mem, PV_SHARED_GPA, 0);
	p = (struct pv_hc_poll){ 0, PV_DEADLINE_NEVER, PV_EVENT_TIMER, 0 };
	gmem_write(&t.vm->mem, PVT_ARG, &p, sizeof(p));
	pvt_call(&t, PV_HC_POLL, PVT_ARG);
	gmem_read(&t.vm->mem, PVT_ARG, &p, sizeof(p));
	CHECK_EQ(p.pending, PV_EVENT_TIMER);
	CHECK(mono_ns() >= tm.deadline_ns);
	pvt_fini(&t);
}

TEST(pv_hcall_mmu_batch_stops_at_first_failure)
{
	struct pv_mmu_op ops[3] = {
		{ PV_MMU_MAP, PV_MMU_W, 0x40000000, 0x300000, 2 },
		{ PV_MMU_UNMAP, 0, 0x40000000, 0, 1 },
		{ PV_MMU_MAP, 0, 0x40002000, PVT_MEM - 0x1000, 1 }, /* pool frame */
	};
	struct pv_hc_mmu h = { 0, PVT_BUF, 3, 0 };
	uint64_t cr3 = 0;

	CHECK(pvt_boot(&t) == 0);
	cr3 = pvt_state()->cr3;
	gmem_write(&t.vm->mem, PVT_BUF, ops, sizeof(ops));
	gmem_write(&t.vm->mem, PVT_ARG, &h, sizeof(h));
	pvt_call(&t, PV_HC_MMU, PVT_ARG);
	gmem_read(&t.vm->mem, PVT_ARG, &h, sizeof(h));
	CHECK_EQ(h.ret, -PV_EPERM);
	CHECK_EQ(h.done, 2);
	CHECK(pvt_state()->cr3 != cr3); /* the unmap was flushed */
	h = (struct pv_hc_mmu){ 0, PVT_BUF, PV_MMU_BATCH_MAX + 1, 0 };
	gmem_write(&t.vm->mem, PVT_ARG, &h, sizeof(h));
	pvt_call(&t, PV_HC_MMU, PVT_ARG);
	gmem_read(&t.vm->mem, PVT_ARG, &h, sizeof(h));
	CHECK_EQ(h.ret, -PV_EINVAL);
	h = (struct pv_hc_mmu){ 0, PVT_MEM - 16, 2, 0 }; /* ops past RAM */
	gmem_write(&t.vm->mem, PVT_ARG, &h, sizeof(h));
	pvt_call(&t, PV_HC_MMU, PVT_ARG);
	gmem_read(&t.vm->mem, PVT_ARG, &h, sizeof(h));
	CHECK_EQ(h.ret, -PV_EFAULT);
	CHECK_EQ(pvt_stop_reason(&t), VM_RUNNING);
	pvt_fini(&t);
}

TEST(pv_hcall_storm_is_served_and_counted)
{
	struct pv_hc_clock clk = { 0, 0, 0 };

	CHECK(pvt_boot(&t) == 0);
	gmem_write(&t.vm->mem, PVT_ARG, &clk, sizeof(clk));
	for (int i = 0; i < 100000; i++)
		pvt_call(&t, PV_HC_CLOCK, PVT_ARG);
	CHECK_EQ(pvt_stop_reason(&t), VM_RUNNING);
	/* --stats sees each call by name and each port write on the bus. */
	{
		struct stats_snap snap;
		uint64_t calls, writes, other;

		stats_snapshot(&t.vm->stats, &snap);
		bus_stats(&t.vm->pio, &snap); /* vm_create's source */
		calls = stats_snap_get(&snap, "pv.hypercall.clock");
		writes = stats_snap_get(&snap, "pio.pv-hypercall");
		other = stats_snap_get(&snap, "pv.hypercall.mmu");
		stats_snap_free(&snap);
		CHECK_EQ(calls, 100000);
		CHECK_EQ(writes, 100000);
		CHECK_EQ(other, 0);
	}
	pvt_fini(&t);
}
