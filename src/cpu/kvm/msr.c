/* The MSR reset list (see msr.h for why these MSRs and values). */
#include "cpu/kvm/msr.h"

struct msr_reset {
	uint32_t index;
	uint64_t value;
};

static const struct msr_reset msr_resets[] = {
	{ MSR_IA32_SYSENTER_CS, 0 },
	{ MSR_IA32_SYSENTER_ESP, 0 },
	{ MSR_IA32_SYSENTER_EIP, 0 },
	{ MSR_STAR, 0 },
	{ MSR_LSTAR, 0 },
	{ MSR_CSTAR, 0 },
	{ MSR_SYSCALL_MASK, 0 },
	{ MSR_KERNEL_GS_BASE, 0 },
	{ MSR_IA32_TSC, 0 },
	{ MSR_IA32_MISC_ENABLE, MSR_MISC_ENABLE_FAST_STRING },
	{ MSR_IA32_CR_PAT, MSR_PAT_RESET },
};

static bool listed(const uint32_t *index, unsigned n, uint32_t msr)
{
	for (unsigned i = 0; i < n; i++)
		if (index[i] == msr)
			return true;
	return false;
}

unsigned kvm_msr_reset_list(const uint32_t *index, unsigned nindex,
			    bool has_mtrr, struct kvm_msr_entry *out)
{
	unsigned n = 0;

	for (unsigned i = 0; i < sizeof(msr_resets) / sizeof(msr_resets[0]); i++) {
		if (!listed(index, nindex, msr_resets[i].index))
			continue;
		out[n++] = (struct kvm_msr_entry){ .index = msr_resets[i].index,
						   .data = msr_resets[i].value };
	}
	if (has_mtrr)
		out[n++] = (struct kvm_msr_entry){ .index = MSR_MTRR_DEF_TYPE,
						   .data = MSR_MTRR_ENABLE_WB };
	return n;
}
