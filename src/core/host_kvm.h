/* What this host's KVM can run: one answer for `gamut info`, `gamut modes`,
 * `gamut spectrum`, the default --cpu and the tests (docs/kvm.md,
 * "Capability").
 *
 * /dev/kvm can exist without VT-x/AMD-V behind it: such a KVM runs guest
 * user mode (CPL 3) natively and emulates guest kernel mode thousands of
 * times slower, and its emulator gives up ("internal error") on some
 * guests' first kernel instructions.  A PV guest, whose kernel runs at
 * CPL 3, still runs at native speed there; other modes do not. */
#ifndef GAMUT_CORE_HOST_KVM_H
#define GAMUT_CORE_HOST_KVM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

enum host_kvm_cap {
	HOST_KVM_NONE, /* no usable /dev/kvm */
	HOST_KVM_USER, /* /dev/kvm, no vmx/svm: only CPL 3 runs natively */
	HOST_KVM_FULL, /* /dev/kvm backed by VT-x/AMD-V */
};

struct host_kvm {
	enum host_kvm_cap cap;
	char why[sizeof(((struct gerr *)0)->msg)]; /* one line, for every cap */
};

/* Whether the "flags" line of a /proc/cpuinfo text has the word vmx or
 * svm (pure; /proc/cpuinfo drops them when firmware disables VT-x/AMD-V,
 * and a KVM then has no hardware under it). */
bool host_cpuinfo_hw_virt(const char *cpuinfo);

/* The decision (pure): `dev_err` is NULL when the KVM backend's probe
 * passed, else its message; `hw_flags` is host_cpuinfo_hw_virt's answer. */
void host_kvm_decide(struct host_kvm *k, const char *dev_err, bool hw_flags);

/* This host's answer: the KVM backend's probe and /proc/cpuinfo. */
void host_kvm_probe(struct host_kvm *k);

/* "none", "user" or "full" (what `gamut info --kvm` prints). */
const char *host_kvm_word(enum host_kvm_cap cap);

/* Whether --cpu kvm runs a mode at native speed: everywhere on FULL, on
 * USER only when the guest kernel runs at CPL 3 (PV mode). */
bool host_kvm_native(const struct host_kvm *k, bool kernel_at_cpl3);

/* One line on what --cpu kvm is like for such a mode here; `ratio` is a
 * measured guest/native slowdown of CPL-0 code, or 0 when not measured. */
void host_kvm_verdict(const struct host_kvm *k, bool kernel_at_cpl3,
		      double ratio, char *buf, size_t len);

#endif
