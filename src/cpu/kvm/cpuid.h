/* The guest's CPUID table, built from KVM's supported one (pure functions,
 * unit-tested without /dev/kvm).
 *
 * Policy (docs/kvm.md):
 *  - start from KVM_GET_SUPPORTED_CPUID: the guest sees what the host CPU
 *    and KVM can both virtualize;
 *  - CPUID.1:ECX[31] (hypervisor) and leaves 0x40000000 ("KVMKVMKVM") /
 *    0x40000001 exist only when the mode has PV_HYPERVISOR_BIT, and
 *    0x40000001 advertises exactly the mode's PV features that KVM supports;
 *  - topology: `ncpus` single-threaded cores in one package, APIC ID =
 *    vCPU index (leaves 1, 4, 0xB, 0x1F, 0x80000008, 0x8000001E agree);
 *  - the LAPIC's TSC-deadline mode is advertised when KVM has it (older
 *    KVMs report it only as a capability, not in the supported table);
 *  - hide_cx16 clears CMPXCHG16B (a KVM without hardware virtualization
 *    stops with an internal error when a guest uses it; SPECTRUM.md). */
#ifndef GAMUT_CPU_KVM_CPUID_H
#define GAMUT_CPU_KVM_CPUID_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

#define CPUID_KVM_SIGNATURE   0x40000000u
#define CPUID_KVM_FEATURES    0x40000001u
#define CPUID_1_ECX_CX16      (1u << 13)
#define CPUID_1_ECX_X2APIC    (1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define CPUID_1_EDX_HTT	      (1u << 28)

struct cpuid_policy {
	unsigned pv;	  /* enum pv_feature bits of the mode (core/mode.h) */
	unsigned ncpus;	  /* vCPUs in the VM, 1..255 */
	uint32_t apic_id; /* this vCPU's APIC ID */
	bool hide_cx16;
	bool tsc_deadline; /* KVM_CAP_TSC_DEADLINE_TIMER: advertise it */
};

/* Writes the guest table for one vCPU into out[0..max).  Returns the number
 * of entries, or -1 with a message when out is too small or the policy is
 * invalid. */
int kvm_cpuid_build(const struct kvm_cpuid_entry2 *sup, unsigned nsup,
		    const struct cpuid_policy *p, struct kvm_cpuid_entry2 *out,
		    unsigned max, struct gerr *err);

/* The KVM_FEATURE_* bits (CPUID 0x40000001 EAX) for enum pv_feature bits. */
uint32_t kvm_cpuid_pv_bits(unsigned pv);

/* The entry for (function, index), or NULL.  index is ignored for leaves
 * without KVM_CPUID_FLAG_SIGNIFCANT_INDEX. */
const struct kvm_cpuid_entry2 *kvm_cpuid_find(const struct kvm_cpuid_entry2 *e,
					      unsigned n, uint32_t function,
					      uint32_t index);

#endif
