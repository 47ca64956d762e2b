/* The software CPU's KVM paravirtual interface: CPUID leaves per mode,
 * the kvmclock and steal-time structures it writes into guest memory,
 * PV EOI and the KVM_HC_KICK_CPU hypercall (PV unhalt). */
#include <string.h>
#include <time.h>

#include "../harness.h"
#include "core/mode.h"
#include "cpu/emu/emu.h"
#include "cpu/emu/kvm_pv.h"
#include "cpu/emu/kvmclock.h"
#include "core/layout.h"
#include "cpu/emu/cpu.h"
#include "cpu/emu/lapic.h"
#include "test_emu_fixture.h"

#define CODE 0x10000ull

struct kvm_rig {
	struct guest_mem mem;
	struct emu_solo *s;
	struct emu_cpu *c;
};

/* 4 MiB of RAM, identity-mapped by a 2 MiB page at 0 (page tables at
 * 0x1000-0x3fff), and one vCPU (its LAPIC on `mmio` when given). */
static int rig_init_bus(struct kvm_rig *r, unsigned pv, struct bus *mmio)
{
	struct gerr err;

	if (gmem_init(&r->mem, 4 << 20, false, &err))
		return -1;
	emu_fx_identity_map(&r->mem);
	r->s = emu_solo_new(&r->mem, NULL, mmio, &err);
	if (!r->s)
		return -1;
	r->c = emu_solo_cpu(r->s);
	r->c->pv = pv;
	r->c->exc_exit = true;
	return 0;
}

static int rig_init(struct kvm_rig *r, unsigned pv)
{
	return rig_init_bus(r, pv, NULL);
}

static void rig_fini(struct kvm_rig *r)
{
	emu_solo_free(r->s);
	gmem_destroy(&r->mem);
}

/* Runs `prog` (ending in HLT) in long mode at CPL 0 with the given
 * RAX/RCX/RDX; returns the exit and leaves the registers in *st. */
static enum emu_exit run_prog(struct kvm_rig *r, const uint8_t *prog, size_t len,
			      uint64_t rax, uint64_t rcx, uint64_t rdx,
			      struct x86_state *st)
{
	enum emu_exit e;

	gmem_write(&r->mem, CODE, prog, len);
	emu_fx_long_mode(st);
	st->gpr[X86_RAX] = rax;
	st->gpr[X86_RCX] = rcx;
	st->gpr[X86_RDX] = rdx;
	st->rip = CODE;
	emu_solo_set_state(r->s, st);
	e = emu_solo_run(r->s, 10);
	emu_solo_get_state(r->s, st);
	return e;
}

/* One two-byte instruction, then HLT. */
static enum emu_exit run_insn(struct kvm_rig *r, uint8_t b0, uint8_t b1,
			      uint64_t rax, uint64_t rcx, uint64_t rdx,
			      struct x86_state *st)
{
	const uint8_t prog[] = { b0, b1, 0xf4 };

	return run_prog(r, prog, sizeof(prog), rax, rcx, rdx, st);
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
		/* kvmclock (0, 3, 24), steal time (5), PV EOI (6), PV unhalt (7) */
		CHECK_EQ(o[0], (1u << 0) | (1u << 3) | (1u << 24) | (1u << 5) |
				       (1u << 6) | (1u << 7));
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

static enum emu_exit rdmsr(struct kvm_rig *r, uint32_t idx, uint64_t *v)
{
	struct x86_state st;
	enum emu_exit e = run_insn(r, 0x0f, 0x32, 0, idx, 0, &st);

	*v = (st.gpr[X86_RDX] << 32) | (uint32_t)st.gpr[X86_RAX];
	return e;
}

TEST(emu_steal_time_structure)
{
	struct kvm_rig r;
	struct kvm_steal_time st;
	uint64_t v, steal;
	const uint64_t gpa = 0x5040;

	CHECK(rig_init(&r, mode_find("pvhvm")->pv) == 0);
	/* Reserved bits 1-5 and a missing feature are #GP. */
	CHECK_EQ(wrmsr(&r, KVM_MSR_STEAL_TIME, gpa | 2 | 1), EMU_EXIT_EXCEPTION);
	CHECK_EQ(r.c->exc_vec, EXC_GP);
	CHECK_EQ(wrmsr(&r, KVM_MSR_STEAL_TIME, gpa | 1), EMU_EXIT_HLT);
	CHECK_EQ(rdmsr(&r, KVM_MSR_STEAL_TIME, &v), EMU_EXIT_HLT);
	CHECK_EQ(v, gpa | 1);
	CHECK(gmem_read(&r.mem, gpa, &st, sizeof(st)) == 0);
	CHECK_EQ(st.version, 2); /* published once, consistent */
	CHECK_EQ(st.preempted, 0);
	steal = st.steal;
	/* Later updates keep the version even and the steal monotonic. */
	kvm_pv_steal_poll(r.c, emu_now_ns() + 10000000000ull);
	CHECK(gmem_read(&r.mem, gpa, &st, sizeof(st)) == 0);
	CHECK_EQ(st.version, 4);
	CHECK(st.steal >= steal);
	/* Within the period nothing is rewritten. */
	kvm_pv_steal_poll(r.c, 0);
	CHECK(gmem_read(&r.mem, gpa, &st, sizeof(st)) == 0);
	CHECK_EQ(st.version, 4);
	/* Disabled: no more updates; outside RAM: nothing written, no fault. */
	CHECK_EQ(wrmsr(&r, KVM_MSR_STEAL_TIME, gpa), EMU_EXIT_HLT);
	kvm_pv_steal_poll(r.c, UINT64_MAX);
	CHECK(gmem_read(&r.mem, gpa, &st, sizeof(st)) == 0);
	CHECK_EQ(st.version, 4);
	CHECK_EQ(wrmsr(&r, KVM_MSR_STEAL_TIME, (4ull << 20) - 64 + 1 + 64 * 8), EMU_EXIT_HLT);
	rig_fini(&r);

	/* hvm-pv offers no steal time. */
	CHECK(rig_init(&r, mode_find("hvm-pv")->pv) == 0);
	CHECK_EQ(wrmsr(&r, KVM_MSR_STEAL_TIME, gpa | 1), EMU_EXIT_EXCEPTION);
	CHECK_EQ(r.c->exc_vec, EXC_GP);
	rig_fini(&r);
}

/* A rig whose LAPIC is reachable on an MMIO bus, software-enabled. */
static int apic_rig_init(struct kvm_rig *r, struct bus *mmio)
{
	uint32_t svr = 0x1ff;

	bus_init(mmio, "mmio");
	if (rig_init_bus(r, mode_find("pvhvm")->pv, mmio))
		return -1;
	bus_access(mmio, LAYOUT_LAPIC + 0xf0, &svr, 4, true, 0);
	return 0;
}

TEST(emu_pv_eoi_skips_the_eoi_write)
{
	struct kvm_rig r;
	struct bus mmio;
	struct emu_lapic *l;
	const uint64_t byte = 0x7000;
	uint8_t b;

	CHECK(apic_rig_init(&r, &mmio) == 0);
	l = r.c->lapic;
	/* Misaligned: #GP (as KVM); aligned: accepted. */
	CHECK(!lapic_pv_eoi_write(l, byte | 2 | 1));
	CHECK(!lapic_pv_eoi_write(l, (64ull << 30) | 1)); /* not RAM */
	CHECK(lapic_pv_eoi_write(l, byte | 1));

	/* An edge interrupt alone: the guest may skip its EOI. */
	lapic_set_irr(l, 0x40, false);
	CHECK_EQ(lapic_take_interrupt(l), 0x40);
	CHECK(gmem_read(&r.mem, byte, &b, 1) == 0);
	CHECK_EQ(b & 1, 1);
	/* Still in the handler: a lower vector waits behind 0x40. */
	lapic_set_irr(l, 0x30, false);
	CHECK(!lapic_has_interrupt(l));
	/* The guest clears the bit instead of writing EOI: gamut does it. */
	b = 0;
	gmem_write(&r.mem, byte, &b, 1);
	CHECK(lapic_has_interrupt(l));
	/* 0x30 arrives with nothing else in service, so it is offered too. */
	CHECK_EQ(lapic_take_interrupt(l), 0x30);
	CHECK(gmem_read(&r.mem, byte, &b, 1) == 0);
	CHECK_EQ(b & 1, 1);
	b = 0;
	gmem_write(&r.mem, byte, &b, 1);

	/* Not offered with another interrupt waiting, nor for a level one. */
	lapic_set_irr(l, 0x50, false);
	lapic_set_irr(l, 0x60, false);
	CHECK_EQ(lapic_take_interrupt(l), 0x60);
	CHECK(gmem_read(&r.mem, byte, &b, 1) == 0);
	CHECK_EQ(b & 1, 0);
	rig_fini(&r);
	bus_destroy(&mmio);

	CHECK(apic_rig_init(&r, &mmio) == 0);
	l = r.c->lapic;
	CHECK(lapic_pv_eoi_write(l, byte | 1));
	lapic_set_irr(l, 0x70, true);
	CHECK_EQ(lapic_take_interrupt(l), 0x70);
	CHECK(gmem_read(&r.mem, byte, &b, 1) == 0);
	CHECK_EQ(b & 1, 0);
	rig_fini(&r);
	bus_destroy(&mmio);
}

TEST(emu_vmcall_kick_cpu_unhalts)
{
	/* vmcall; hlt; hlt: the kick (to itself) makes the first HLT fall
	 * through, so the run stops at the second. */
	const uint8_t prog[] = { 0x0f, 0x01, 0xc1, 0xf4, 0xf4 };
	struct kvm_rig r;
	struct bus mmio;
	struct x86_state st;

	CHECK(apic_rig_init(&r, &mmio) == 0);
	r.c->stop_at_hlt = true;
	CHECK_EQ(run_prog(&r, prog, sizeof(prog), KVM_HC_KICK_CPU, 0, 0, &st), EMU_EXIT_HLT);
	CHECK_EQ(st.gpr[X86_RAX], 0);
	CHECK_EQ(st.rip, CODE + 5);
	/* Without a kick the first HLT stops. */
	CHECK_EQ(run_prog(&r, prog, sizeof(prog), KVM_HC_VAPIC_POLL_IRQ, 0, 0, &st), EMU_EXIT_HLT);
	CHECK_EQ(st.gpr[X86_RAX], 0);
	CHECK_EQ(st.rip, CODE + 4);
	/* An unknown hypercall: -KVM_ENOSYS. */
	CHECK_EQ(run_prog(&r, prog, sizeof(prog), 999, 0, 0, &st), EMU_EXIT_HLT);
	CHECK_EQ(st.gpr[X86_RAX], (uint64_t)-KVM_ENOSYS);
	rig_fini(&r);
	bus_destroy(&mmio);

	/* No hypervisor in hvm: VMCALL is #UD, as on a CPU without VMX. */
	CHECK(rig_init(&r, mode_find("hvm")->pv) == 0);
	CHECK_EQ(run_prog(&r, prog, sizeof(prog), KVM_HC_KICK_CPU, 0, 0, &st),
		 EMU_EXIT_EXCEPTION);
	CHECK_EQ(r.c->exc_vec, EXC_UD);
	rig_fini(&r);
}

/* The TSC has IA32_TSC_ADJUST and, in modes without kvmclock, is
 * invariant (so Linux may trust it without its clocksource watchdog); the
 * MSR follows the SDM: a TSC write moves it by the same amount, and
 * writing it moves the TSC. */
TEST(emu_tsc_invariant_with_adjust)
{
	struct kvm_rig r;
	uint32_t o[4];
	uint64_t adj, tsc0, tsc1;

	CHECK(rig_init(&r, mode_find("hvm")->pv) == 0);
	CHECK_EQ(cpuid(&r, 0x80000007, o), EMU_EXIT_HLT);
	CHECK_EQ(o[3], 1u << 8);
	CHECK_EQ(cpuid(&r, 7, o), EMU_EXIT_HLT);
	CHECK_EQ(o[1] & 2, 2);
	CHECK_EQ(rdmsr(&r, 0x3b, &adj), EMU_EXIT_HLT);
	CHECK_EQ(adj, 0);
	rig_fini(&r);
	/* With kvmclock the PV clock stays the clocksource: no invariant bit. */
	CHECK(rig_init(&r, mode_find("pvhvm")->pv) == 0);
	CHECK_EQ(cpuid(&r, 0x80000007, o), EMU_EXIT_HLT);
	CHECK_EQ(o[3], 0);
	CHECK_EQ(cpuid(&r, 7, o), EMU_EXIT_HLT);
	CHECK_EQ(o[1] & 2, 2);
	/* Move the TSC back by ~1e12: TSC_ADJUST follows. */
	CHECK_EQ(rdmsr(&r, 0x10, &tsc0), EMU_EXIT_HLT);
	CHECK_EQ(wrmsr(&r, 0x10, tsc0 - 1000000000000ull), EMU_EXIT_HLT);
	CHECK_EQ(rdmsr(&r, 0x3b, &adj), EMU_EXIT_HLT);
	/* minus the time between the read and the write */
	CHECK((int64_t)adj <= -1000000000000ll && (int64_t)adj > -1001000000000ll);
	/* Writing TSC_ADJUST back to 0 moves the TSC forward again. */
	CHECK_EQ(wrmsr(&r, 0x3b, 0), EMU_EXIT_HLT);
	CHECK_EQ(rdmsr(&r, 0x10, &tsc1), EMU_EXIT_HLT);
	CHECK(tsc1 > tsc0 && tsc1 - tsc0 < 1000000000000ull / 2);
	rig_fini(&r);
}
