/* How fast guest kernel code runs under this host's KVM, measured.
 *
 * /dev/kvm can exist without hardware virtualization behind it (a nested,
 * paravirtual KVM whose host emulates guest CPL-0 code instruction by
 * instruction; SPECTRUM.md).  Only a measurement tells: a tiny guest runs a
 * `dec ecx; jnz` loop at CPL 0 in 32-bit protected mode, and the time per
 * iteration is compared with the same loop run natively.  `gamut info`
 * and `gamut spectrum` use this.  No KVM header here on purpose. */
#ifndef GAMUT_CPU_KVM_MEASURE_H
#define GAMUT_CPU_KVM_MEASURE_H

#include <stdbool.h>

#include "core/err.h"

/* Above this guest/native ratio KVM is called "not hardware-backed": with
 * VT-x/AMD-V the loop runs at ~1x; emulated it is ~1000x or more. */
#define KVM_HW_RATIO_MAX 50.0

struct kvm_speed {
	double guest_ns_per_iter;  /* CPL-0 loop iteration in the guest */
	double native_ns_per_iter; /* the same loop on the host */
	double ratio;		   /* guest / native */
	unsigned long iterations;  /* of the longest guest run */
	bool hw_backed;		   /* ratio <= KVM_HW_RATIO_MAX */
};

/* Runs the measurement (tens of milliseconds).  -1 with a message when
 * KVM is missing or the guest cannot run. */
int kvm_measure_cpl0(struct kvm_speed *out, struct gerr *err);

/* The native half alone (no KVM needed): ns per loop iteration. */
double kvm_measure_native_ns(void);

#endif
