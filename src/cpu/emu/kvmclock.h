/* kvmclock for the software CPU: the KVM paravirtual clock MSRs.
 *
 * Offered only when the mode has PV_KVMCLOCK (cpuid.c advertises it in
 * leaf 0x40000001).  The guest names a guest-physical address per vCPU
 * (system time) and one for the VM (wall clock); the CPU writes
 * struct pvclock_vcpu_time_info / pvclock_wall_clock there. */
#ifndef GAMUT_CPU_EMU_KVMCLOCK_H
#define GAMUT_CPU_EMU_KVMCLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct emu_cpu;

#define KVMCLOCK_MSR_WALL_CLOCK	     0x11u
#define KVMCLOCK_MSR_SYSTEM_TIME     0x12u
#define KVMCLOCK_MSR_WALL_CLOCK_NEW  0x4b564d00u
#define KVMCLOCK_MSR_SYSTEM_TIME_NEW 0x4b564d01u

/* KVM_FEATURE_* bit numbers of CPUID 0x40000001 EAX that kvmclock covers:
 * CLOCKSOURCE (old MSRs), CLOCKSOURCE2 (new MSRs), CLOCKSOURCE_STABLE_BIT. */
#define KVMCLOCK_CPUID_BITS ((1u << 0) | (1u << 3) | (1u << 24))

/* The time-info layout (32 bytes) and PVCLOCK_TSC_STABLE_BIT. */
#define PVCLOCK_TSC_STABLE 0x01u
struct pvclock_time_info {
	uint32_t version, pad0;
	uint64_t tsc_timestamp, system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags, pad[2];
};

/* RDMSR/WRMSR of the four MSRs; false: not a kvmclock MSR, or kvmclock
 * is not offered (the caller raises #GP). */
bool kvmclock_msr_read(struct emu_cpu *c, uint32_t idx, uint64_t *v);
bool kvmclock_msr_write(struct emu_cpu *c, uint32_t idx, uint64_t v);
/* Rewrites the time info after the TSC moved (a WRMSR to the TSC). */
void kvmclock_update(struct emu_cpu *c);

#endif
