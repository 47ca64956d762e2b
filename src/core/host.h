/* Facts about the host gamut runs on (for defaults, `gamut info`, spectrum). */
#ifndef GAMUT_CORE_HOST_H
#define GAMUT_CORE_HOST_H

#include <stdbool.h>

/* The host CPU advertises VT-x or AMD-V (vmx/svm in /proc/cpuinfo). */
bool host_has_hw_virt(void);
/* /dev/kvm exists and can be opened read-write. */
bool host_kvm_usable(void);
/* "kvm" when KVM is usable and hardware-backed, else "emu": the backend
 * that will not crawl on this host. */
const char *host_default_cpu(void);
/* Monotonic clock in nanoseconds. */
unsigned long long host_now_ns(void);

#endif
