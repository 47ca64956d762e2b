/* CPUID: one coherent model that advertises only what this CPU implements.
 *
 * A family-6 Intel-compatible CPU with long mode, NX, 1 GiB pages, PAE,
 * PSE, PGE, PAT, the TSC (1 GHz, from host monotonic time, with
 * IA32_TSC_ADJUST; invariant in the modes without kvmclock), RDTSCP, an
 * xAPIC, CX8/CX16, CMOV, POPCNT, CLFLUSH, x87, MMX, FXSR, SSE and SSE2.
 * The hypervisor bit and the KVM leaves 0x40000000/0x40000001 follow the
 * mode's pv bits as on the KVM backend: kvmclock (kvmclock.c), steal
 * time, PV EOI and PV unhalt (kvm_pv.c).
 * No SSE3+, AVX, XSAVE, x2APIC, MTRR, MCE, SEP, PMU, TSC-deadline.
 *
 * Leaf 0x15 states the TSC and LAPIC timer clocks (both 1 GHz: emu_now_ns
 * and LAPIC_BUS_HZ), so a guest needs no PIT calibration: on a busy host a
 * calibration against a software PIT is unreliable, and the PVH platform
 * (hardware-reduced ACPI, no legacy PIC) does not route the PIT at all.
 * Invariant TSC plus TSC_ADJUST is what lets Linux trust the TSC without
 * its clocksource watchdog, which on a loaded host (an interpreted guest
 * reading two clocks) can misjudge the skew and drop the TSC. */
#include "cpu/emu/cpu.h"

#include <string.h>

#include "core/mode.h"
#include "core/vm.h"
#include "cpu/emu/kvm_pv.h"
#include "cpu/emu/lapic.h"

#define MAX_LEAF 0x16u
#define MAX_XLEAF 0x80000008u

#define KVM_MAX_LEAF 0x40000001u

/* The KVM paravirtual leaves, or zeros when the mode has none. */
static void cpuid_kvm(const struct emu_cpu *c, uint32_t leaf, uint32_t r[4])
{
	if (!(c->pv & PV_HYPERVISOR_BIT))
		return;
	if (leaf == 0x40000000) {
		r[0] = KVM_MAX_LEAF;
		memcpy(&r[1], "KVMK", 4);
		memcpy(&r[2], "VMKV", 4);
		memcpy(&r[3], "M\0\0\0", 4);
	} else if (leaf == 0x40000001) {
		r[0] = kvm_pv_cpuid_features(c->pv);
	}
}

static void put_str(uint32_t *r, const char *s)
{
	memcpy(r, s, 16);
}

void cpuid_query(struct emu_cpu *c, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	static const char brand[48] = "gamut software x86-64 CPU";
	unsigned ncpus = c->vm ? c->vm->ncpus : 1;

	r[0] = r[1] = r[2] = r[3] = 0;
	switch (leaf) {
	case 0:
		r[0] = MAX_LEAF;
		memcpy(&r[1], "Genu", 4);
		memcpy(&r[3], "ineI", 4);
		memcpy(&r[2], "ntel", 4);
		return;
	case 1:
		r[0] = 0x000006f1; /* family 6, model 15, stepping 1 */
		r[1] = ((uint32_t)c->index << 24) | (ncpus << 16) | (8 << 8);
		r[2] = (1u << 13) | (1u << 23); /* CX16 POPCNT */
		if (c->pv & PV_HYPERVISOR_BIT)
			r[2] |= 1u << 31;
		r[3] = (1u << 0) | (1u << 3) | (1u << 4) | (1u << 5) |	/* FPU PSE TSC MSR */
		       (1u << 6) | (1u << 8) | (1u << 9) | (1u << 13) | /* PAE CX8 APIC PGE */
		       (1u << 15) | (1u << 16) | (1u << 19) |		/* CMOV PAT CLFSH */
		       (1u << 23) | (1u << 24) | (1u << 25) | (1u << 26); /* MMX FXSR SSE SSE2 */
		if (ncpus > 1)
			r[3] |= 1u << 28; /* HTT: the count in EBX is meaningful */
		return;
	case 7:
		if (sub == 0) {
			r[1] = 1u << 1;	 /* IA32_TSC_ADJUST (msr.c) */
			r[3] = 1u << 29; /* IA32_ARCH_CAPABILITIES (msr.c) */
		}
		return;
	case 0x16: /* base, maximum and bus MHz */
		r[0] = r[1] = (uint32_t)(LAPIC_BUS_HZ / 1000000);
		r[2] = 100;
		return;
	case 0x15: /* TSC = crystal * EBX / EAX; ECX: crystal Hz */
		r[0] = 1;
		r[1] = 1;
		r[2] = (uint32_t)LAPIC_BUS_HZ;
		return;
	case 0x80000000:
		r[0] = MAX_XLEAF;
		return;
	case 0x80000001:
		r[2] = 1u << 0; /* LAHF/SAHF in 64-bit mode */
		r[3] = (1u << 11) | (1u << 20) | (1u << 26) | (1u << 27) |
		       (1u << 29); /* SYSCALL NX PDPE1GB RDTSCP LM */
		return;
	case 0x80000002: case 0x80000003: case 0x80000004:
		put_str(r, brand + 16 * (leaf - 0x80000002));
		return;
	case 0x80000007:
		/* Invariant TSC (host monotonic time, never stops), except where
		 * kvmclock is offered: there, as with QEMU's default CPU models,
		 * the PV clock stays the guest's clocksource. */
		if (!(c->pv & PV_KVMCLOCK))
			r[3] = 1u << 8;
		return;
	case 0x80000008:
		r[0] = 0x3028; /* 40 physical, 48 virtual address bits */
		return;
	}
	if ((leaf & 0xf0000000u) == 0x40000000u) {
		cpuid_kvm(c, leaf, r); /* the hypervisor range: never the basic */
		return;
	}
	if (leaf > MAX_LEAF && leaf < 0x80000000u) {
		/* Intel returns the highest basic leaf for out-of-range leaves. */
		cpuid_query(c, MAX_LEAF, sub, r);
	}
}
