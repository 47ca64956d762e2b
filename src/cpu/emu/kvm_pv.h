/* The KVM paravirtual CPU features beyond kvmclock, for the software CPU:
 * steal time, PV EOI and PV unhalt (the KVM_HC_KICK_CPU hypercall), so
 * that `--mode pvhvm` offers a guest the same interface on both backends.
 *
 * Each is offered only when the mode has its PV_* bit (CPUID leaf
 * 0x40000001 names exactly those), as KVM does for the other backend.
 * The layouts and numbers are KVM's guest ABI (Linux's
 * Documentation/virt/kvm/x86/msr.rst and hypercalls.rst). */
#ifndef GAMUT_CPU_EMU_KVM_PV_H
#define GAMUT_CPU_EMU_KVM_PV_H

#include <stdbool.h>
#include <stdint.h>

struct emu_cpu;

#define KVM_MSR_STEAL_TIME 0x4b564d03u
#define KVM_MSR_PV_EOI_EN  0x4b564d04u

/* KVM_FEATURE_* bit numbers in CPUID 0x40000001 EAX. */
#define KVM_FEATURE_BIT_STEAL_TIME 5
#define KVM_FEATURE_BIT_PV_EOI	   6
#define KVM_FEATURE_BIT_PV_UNHALT  7

/* Hypercall numbers (RAX) and results. */
#define KVM_HC_VAPIC_POLL_IRQ 1
#define KVM_HC_KICK_CPU	      5
#define KVM_ENOSYS	      1000
#define KVM_EPERM	      1

/* struct kvm_steal_time: 64 bytes, 64-byte aligned in guest memory. */
struct kvm_steal_time {
	uint64_t steal;	  /* ns this vCPU was runnable but not running */
	uint32_t version; /* odd while gamut updates the structure */
	uint32_t flags;
	uint8_t preempted;
	uint8_t pad8[3];
	uint32_t pad[11];
};

/* CPUID 0x40000001 EAX for the mode bits `pv` (kvmclock's included). */
uint32_t kvm_pv_cpuid_features(unsigned pv);

/* RDMSR/WRMSR of the steal-time and PV EOI MSRs; false: not one of them,
 * not offered, or (WRMSR) a reserved bit set: the caller raises #GP. */
bool kvm_pv_msr_read(struct emu_cpu *c, uint32_t idx, uint64_t *v);
bool kvm_pv_msr_write(struct emu_cpu *c, uint32_t idx, uint64_t v);

/* On the vCPU's own thread before its seccomp filter (src/sandbox):
 * opens the thread's scheduler statistics, which steal time reads. */
void kvm_pv_thread_setup(struct emu_cpu *c);

/* Adds the steal time accrued since the last update to the guest's
 * structure, at most every STEAL_PERIOD_NS; cheap when disabled. */
void kvm_pv_steal_poll(struct emu_cpu *c, uint64_t now_ns);

/* VMCALL: the hypercall in RAX with arguments in RBX, RCX, RDX, RSI;
 * the result goes to RAX.  #UD when the mode offers no hypervisor. */
void kvm_pv_vmcall(struct emu_cpu *c);

/* HLT: true when a kick arrived since the last HLT (PV unhalt), which
 * then falls through instead of halting.  Consumes the kick. */
bool kvm_pv_take_unhalt(struct emu_cpu *c);

/* Drops the vCPU's PV state (reset, INIT). */
void kvm_pv_reset(struct emu_cpu *c);

#endif
