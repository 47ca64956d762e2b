/* Facts about the host gamut runs on (for defaults, `gamut info`, spectrum). */
#ifndef GAMUT_CORE_HOST_H
#define GAMUT_CORE_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The host CPU advertises VT-x or AMD-V (vmx/svm in /proc/cpuinfo);
 * what KVM can run follows from it (core/host_kvm.h). */
bool host_has_hw_virt(void);
/* Monotonic clock in nanoseconds. */
unsigned long long host_now_ns(void);

/* CPUID, as the host CPU answers it. */
struct host_cpuid {
	uint32_t eax, ebx, ecx, edx;
};
struct host_cpuid host_cpuid(uint32_t leaf, uint32_t subleaf);

/* One CPU feature flag: CPUID.(leaf, subleaf).reg[bit], with the name
 * /proc/cpuinfo uses. */
enum host_reg { HOST_EAX, HOST_EBX, HOST_ECX, HOST_EDX };
struct host_feature {
	const char *name;
	uint32_t leaf, subleaf;
	enum host_reg reg;
	unsigned bit;
	bool guest; /* relevant to what guests can be given */
};
/* The features gamut reports, NULL-name terminated. */
extern const struct host_feature host_features[];

/* Whether `f` is set in the answer `r` to its leaf (pure). */
bool host_feature_in(const struct host_feature *f, const struct host_cpuid *r);
/* Whether the host CPU has feature `name` (false for unknown names or a
 * leaf above the CPU's maximum). */
bool host_cpu_has(const char *name);

/* The CPU's brand string ("AMD EPYC 7B13 64-Core Processor"), trimmed;
 * the vendor ID ("GenuineIntel") when there is no brand string. */
void host_cpu_model(char *buf, size_t len);
void host_cpu_vendor(char *buf, size_t len);
/* The hypervisor signature from CPUID 0x40000000 ("KVMKVMKVM"), or "" when
 * the host runs on bare metal (CPUID.1:ECX[31] clear). */
void host_hypervisor(char *buf, size_t len);

#endif
