/* The software CPU's KVM paravirtual interface: CPUID leaves per mode and
 * the kvmclock structures it writes into guest memory. */
#include <string.h>
#include <time.h>

#include "../harness.h"
#include "core/mode.h"
#include "cpu/emu/emu.h"
#include "cpu/emu/kvmclock.h"
#include "cpu/emu/lapic.h"

#define CODE 0x10000ull

struct kvm_rig {
	struct guest_mem mem;
	struct emu_solo *s;
	struct emu_cpu *c;
};

static int rig_init(struct kvm_rig *r, unsigned pv)
{
	struct gerr err;

	if (gmem_init(&r->mem, 4 << 20, false, &err))
		return -1;
	gmem_write_u64(&r->mem, 0x1000, 0x2000 | 3);
	gmem_write_u64(&r->mem, 0x2000, 0x3000 | 3);
	gmem_write_u64(&r->mem, 0x3000, 0x0 | 0x83);
	r->s = emu_solo_new(&r->mem, NULL, NULL, &err);
	if (!r->s)
		return -1;
	r->c = emu_solo_cpu(r->s);
	r->c->pv = pv;
	r->c->exc_exit = true;
	return 0;
}

static void rig_fini(struct kvm_rig *r)
{
	emu_solo_free(r->s);
	gmem_destroy(&r->mem);
}

/* Runs one two-byte instruction (then HLT) in long mode with the given
 * RAX/RCX/RDX; returns the exit and leaves the registers in *st. */
static enum emu_exit run_insn(struct kvm_rig *r, uint8_t b0, uint8_t b1,
			      uint64_t rax, uint64_t rcx, uint64_t rdx,
			      struct x86_state *st)
{
	const uint8_t prog[] = { b0, b1, 0xf4 };
	enum emu_exit e;

	gmem_write(&r->mem, CODE, prog, sizeof(prog));
	x86_state_reset(st);
	st->cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_ET | X86_CR0_WP;
	st->cr3 = 0x1000;
	st->cr4 = X86_CR4_PAE;
	st->efer = X86_EFER_LME | X86_EFER_LMA;
	st->seg[X86_CS] = x86_flat_code64(0x8);
	for (int i = 0; i < X86_NR_SREGS; i++)
		if (i != X86_CS)
			st->seg[i] = x86_flat_data(0x10);
	st->gpr[X86_RSP] = 0x80000;
	st->gpr[X86_RAX] = rax;
	st->gpr[X86_RCX] = rcx;
	st->gpr[X86_RDX] = rdx;
	st->rip = CODE;
	emu_solo_set_state(r->s, st);
	e = emu_solo_run(r->s, 10);
	emu_solo_get_state(r->s, st);
	return e;
}

static enum emu_exit cpuid(struct kvm_rig *r, uint32_t leaf, uint32_t out[4])
{
	struct x86_state st;
	enum emu_exit e = run_insn(r, 0x0f, 0xa2, leaf, 0, 0, &st);

	out[0] = (uint32_t)st.gpr[X86_RAX];
	out[1] = (uint32_t)st.gpr[X86_RBX];
	out[2] = (uint32_t)st.gpr[X86_RCX];
	out[3] = (uint32_t)st.gpr[X86_RDX];
	return e;
}

static enum emu_exit wrmsr(struct kvm_rig *r, uint32_t idx, uint64_t v)
{
	struct x86_state st;

	return run_insn(r, 0x0f, 0x30, v & 0xffffffffu, idx, v >> 32, &st);
}

TEST(emu_kvm_cpuid_follows_mode)
{
	const struct mode_preset *hvm = mode_find("hvm"), *pvhvm = mode_find("pvhvm");
	const struct mode_preset *hvmpv = mode_find("hvm-pv"), *pvh = mode_find("pvh");
	struct kvm_rig r;
	uint32_t o[4];

	CHECK(hvm && pvhvm && hvmpv && pvh);
	/* hvm: no hypervisor bit, nothing in the hypervisor range. */
	CHECK(rig_init(&r, hvm->pv) == 0);
	CHECK_EQ(cpuid(&r, 1, o), EMU_EXIT_HLT);
	CHECK_EQ(o[2] >> 31, 0);
	CHECK_EQ(cpuid(&r, 0x40000000, o), EMU_EXIT_HLT);
	CHECK(o[0] == 0 && o[1] == 0 && o[2] == 0 && o[3] == 0);
	CHECK_EQ(cpuid(&r, 0x40000001, o), EMU_EXIT_HLT);
	CHECK_EQ(o[0], 0);
	rig_fini(&r);

	/* pvhvm and pvh: the KVM signature and exactly the kvmclock bits. */
	for (int i = 0; i < 2; i++) {
		CHECK(rig_init(&r, (i ? pvh : pvhvm)->pv) == 0);
		CHECK_EQ(cpuid(&r, 1, o), EMU_EXIT_HLT);
		CHECK_EQ(o[2] >> 31, 1);
		CHECK_EQ(cpuid(&r, 0x40000000, o), EMU_EXIT_HLT);
		CHECK_EQ(o[0], 0x40000001);
		CHECK(memcmp(&o[1], "KVMKVMKVM\0\0\0", 12) == 0);
		CHECK_EQ(cpuid(&r, 0x40000001, o), EMU_EXIT_HLT);
		CHECK_EQ(o[0], (1u << 0) | (1u << 3) | (1u << 24));
		CHECK_EQ(o[3], 0); /* no hints */
		rig_fini(&r);
	}

	/* hvm-pv: the hypervisor is visible, but offers no kvmclock. */
	CHECK(rig_init(&r, hvmpv->pv) == 0);
	CHECK_EQ(cpuid(&r, 1, o), EMU_EXIT_HLT);
	CHECK_EQ(o[2] >> 31, 1);
	CHECK_EQ(cpuid(&r, 0x40000001, o), EMU_EXIT_HLT);
	CHECK_EQ(o[0], 0);
	CHECK_EQ(wrmsr(&r, KVMCLOCK_MSR_SYSTEM_TIME_NEW, 0x5001), EMU_EXIT_EXCEPTION);
	CHECK_EQ(r.c->exc_vec, EXC_GP);
	rig_fini(&r);
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

TEST(emu_kvmclock_writes_pvclock)
{
	struct kvm_rig r;
	struct pvclock_time_info t;
	uint32_t wall[3];
	uint64_t before, after, rt0, rt1, guest_wall, v;
	const uint64_t gpa = 0x5040, tsc = 0x123456789ull;

	CHECK(rig_init(&r, PV_HYPERVISOR_BIT | PV_KVMCLOCK) == 0);
	CHECK_EQ(wrmsr(&r, 0x10, tsc), EMU_EXIT_HLT); /* move this vCPU's TSC */
	before = emu_now_ns();
	CHECK_EQ(wrmsr(&r, KVMCLOCK_MSR_SYSTEM_TIME_NEW, gpa | 1), EMU_EXIT_HLT);
	after = emu_now_ns();
	CHECK(gmem_read(&r.mem, gpa, &t, sizeof(t)) == 0);
	CHECK_EQ(t.version, 2); /* even: consistent */
	CHECK(t.system_time >= before && t.system_time <= after);
	/* The TSC at the same instant, so guest time follows the TSC exactly. */
	CHECK_EQ(t.tsc_timestamp - t.system_time, r.c->tsc_offset);
	CHECK(t.tsc_timestamp >= tsc);
	CHECK_EQ(t.tsc_to_system_mul, 1u << 31);
	CHECK_EQ(t.tsc_shift, 1); /* (delta << 1) * 2^31 >> 32 == delta: 1 GHz */
	CHECK_EQ(t.flags, PVCLOCK_TSC_STABLE);
	CHECK_EQ(r.c->kvm_system_time, gpa | 1);

	/* A TSC write rewrites the structure with the new timestamp. */
	CHECK_EQ(wrmsr(&r, 0x10, 0), EMU_EXIT_HLT);
	CHECK(gmem_read(&r.mem, gpa, &t, sizeof(t)) == 0);
	CHECK_EQ(t.version, 4);
	CHECK_EQ(t.tsc_timestamp - t.system_time, r.c->tsc_offset);
	CHECK(t.tsc_timestamp < tsc);

	/* Wall clock: boot epoch + kvmclock time is the real time. */
	rt0 = realtime_ns();
	CHECK_EQ(wrmsr(&r, KVMCLOCK_MSR_WALL_CLOCK_NEW, 0x6000), EMU_EXIT_HLT);
	v = emu_now_ns();
	rt1 = realtime_ns();
	CHECK(gmem_read(&r.mem, 0x6000, wall, sizeof(wall)) == 0);
	CHECK_EQ(wall[0] & 1, 0);
	CHECK(wall[0] != 0);
	guest_wall = (uint64_t)wall[1] * 1000000000ull + wall[2] + v;
	CHECK(wall[2] < 1000000000u);
	CHECK(guest_wall + 1000000000ull >= rt0 && guest_wall <= rt1 + 1000000000ull);

	/* The old MSR indices behave the same. */
	CHECK_EQ(wrmsr(&r, KVMCLOCK_MSR_SYSTEM_TIME, 0x7000 | 1), EMU_EXIT_HLT);
	CHECK(gmem_read(&r.mem, 0x7000, &t, sizeof(t)) == 0);
	CHECK_EQ(t.flags, PVCLOCK_TSC_STABLE);
	rig_fini(&r);
}

TEST(emu_kvmclock_bad_address_is_harmless)
{
	struct kvm_rig r;
	struct pvclock_time_info t;

	CHECK(rig_init(&r, PV_HYPERVISOR_BIT | PV_KVMCLOCK) == 0);
	/* Outside RAM, straddling its end, and far beyond: nothing is written,
	 * the guest goes on. */
	CHECK_EQ(wrmsr(&r, KVMCLOCK_MSR_SYSTEM_TIME_NEW, (4ull << 20) - 16 + 1), EMU_EXIT_HLT);
	CHECK_EQ(wrmsr(&r, KVMCLOCK_MSR_SYSTEM_TIME_NEW, 0xfffffffffffffff1ull), EMU_EXIT_HLT);
	CHECK_EQ(wrmsr(&r, KVMCLOCK_MSR_WALL_CLOCK_NEW, 0xfffffffffffffffcull), EMU_EXIT_HLT);
	CHECK_EQ(wrmsr(&r, KVMCLOCK_MSR_WALL_CLOCK_NEW, (4ull << 20) - 4), EMU_EXIT_HLT);
	/* Disabled (bit 0 clear): stored, nothing written. */
	CHECK_EQ(wrmsr(&r, KVMCLOCK_MSR_SYSTEM_TIME_NEW, 0x5000), EMU_EXIT_HLT);
	CHECK(gmem_read(&r.mem, 0x5000, &t, sizeof(t)) == 0);
	CHECK_EQ(t.version, 0);
	CHECK_EQ(t.system_time, 0);
	rig_fini(&r);
}
