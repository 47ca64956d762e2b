/* The MSR reset list, filtered by a KVM MSR index list. */
#include "../harness.h"
#include "cpu/kvm/msr.h"

static const struct kvm_msr_entry *find(const struct kvm_msr_entry *e, unsigned n,
					uint32_t index)
{
	for (unsigned i = 0; i < n; i++)
		if (e[i].index == index)
			return &e[i];
	return NULL;
}

static const uint32_t all[] = {
	MSR_IA32_TSC, MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP,
	MSR_IA32_SYSENTER_EIP, MSR_IA32_MISC_ENABLE, MSR_IA32_CR_PAT, MSR_STAR,
	MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK, MSR_KERNEL_GS_BASE, 0x4b564d00,
};

TEST(kvm_msr_reset_values)
{
	struct kvm_msr_entry e[KVM_MSR_RESET_MAX];
	unsigned n = kvm_msr_reset_list(all, sizeof(all) / 4, true, e);

	CHECK_EQ(n, 12);
	CHECK(n <= KVM_MSR_RESET_MAX);
	CHECK_EQ(find(e, n, MSR_IA32_MISC_ENABLE)->data, MSR_MISC_ENABLE_FAST_STRING);
	CHECK_EQ(find(e, n, MSR_IA32_CR_PAT)->data, 0x0007040600070406ull);
	CHECK_EQ(find(e, n, MSR_MTRR_DEF_TYPE)->data, 0x806); /* E=1, FE=0, WB */
	CHECK_EQ(find(e, n, MSR_IA32_TSC)->data, 0);
	CHECK_EQ(find(e, n, MSR_LSTAR)->data, 0);
	CHECK(find(e, n, 0x4b564d00) == NULL); /* listed, but not ours to reset */
}

TEST(kvm_msr_only_listed_ones)
{
	static const uint32_t some[] = { MSR_LSTAR, MSR_IA32_TSC };
	struct kvm_msr_entry e[KVM_MSR_RESET_MAX];
	unsigned n = kvm_msr_reset_list(some, 2, false, e);

	CHECK_EQ(n, 2);
	CHECK(find(e, n, MSR_CSTAR) == NULL);
	CHECK(find(e, n, MSR_MTRR_DEF_TYPE) == NULL);
	CHECK_EQ(kvm_msr_reset_list(NULL, 0, false, e), 0);
	CHECK_EQ(kvm_msr_reset_list(NULL, 0, true, e), 1);
}
