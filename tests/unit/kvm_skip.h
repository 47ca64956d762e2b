/* Whether this host's KVM can run a unit test, decided by the probe every
 * gamut command uses (core/host_kvm.h): raw CPL-0 guests need a hardware-
 * backed KVM, since an emulated guest kernel mode gives up on some of them
 * ("internal error 1: instruction emulation failed"); creating VMs and
 * vCPUs, kicks and the speed measurement need only a usable /dev/kvm. */
#ifndef GAMUT_TESTS_UNIT_KVM_SKIP_H
#define GAMUT_TESTS_UNIT_KVM_SKIP_H

#include <stdio.h>

#include "core/host_kvm.h"

/* NULL when KVM here is at least `need`, else why not (in `buf`). */
static inline const char *kvm_skip_why(enum host_kvm_cap need, char *buf, size_t len)
{
	struct host_kvm k;

	host_kvm_probe(&k);
	if (k.cap >= need)
		return NULL;
	snprintf(buf, len, "needs KVM '%s', this host's is '%s': %s",
		 host_kvm_word(need), host_kvm_word(k.cap), k.why);
	return buf;
}

#define KVM_NEED(need)                                                         \
	do {                                                                   \
		char why_[700];                                                \
		if (kvm_skip_why(need, why_, sizeof(why_)))                    \
			SKIP(why_);                                            \
	} while (0)

#endif
