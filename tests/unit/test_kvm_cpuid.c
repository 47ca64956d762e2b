/* The KVM backend's CPUID policy, on a hand-made "supported" table shaped
 * like KVM_GET_SUPPORTED_CPUID's answer on an Intel host. */
#include <asm/kvm_para.h>
#include <string.h>

#include "../harness.h"
#include "core/mode.h"
#include "cpu/kvm/cpuid.h"

#define SIG KVM_CPUID_FLAG_SIGNIFCANT_INDEX

static const struct kvm_cpuid_entry2 supported[] = {
	{ .function = 0, .eax = 0x1f, .ebx = 0x756e6547 },
	{ .function = 1, .eax = 0x806c1, .ebx = 0x00010800,
	  .ecx = CPUID_1_ECX_CX16 | CPUID_1_ECX_X2APIC | CPUID_1_ECX_HYPERVISOR | 1,
	  .edx = 0x1f8bfbff | (1u << 12) },
	{ .function = 4, .index = 0, .flags = SIG, .eax = 0x121 }, /* L1d */
	{ .function = 4, .index = 1, .flags = SIG, .eax = 0x143 }, /* L2 */
	{ .function = 4, .index = 2, .flags = SIG, .eax = 0x163 }, /* L3 */
	{ .function = 4, .index = 3, .flags = SIG, .eax = 0 },	   /* end */
	{ .function = 0xb, .index = 0, .flags = SIG, .eax = 1, .ebx = 2, .ecx = 0x100 },
	{ .function = 0xb, .index = 1, .flags = SIG, .eax = 7, .ebx = 99, .ecx = 0x201 },
	{ .function = 0x40000000, .eax = 0x40000001 },
	{ .function = 0x40000001,
	  .eax = (1u << KVM_FEATURE_CLOCKSOURCE) | (1u << KVM_FEATURE_NOP_IO_DELAY) |
		 (1u << KVM_FEATURE_CLOCKSOURCE2) | (1u << KVM_FEATURE_ASYNC_PF) |
		 (1u << KVM_FEATURE_STEAL_TIME) | (1u << KVM_FEATURE_PV_EOI) |
		 (1u << KVM_FEATURE_PV_UNHALT) | (1u << KVM_FEATURE_CLOCKSOURCE_STABLE_BIT) },
	{ .function = 0x80000000, .eax = 0x8000001e },
	{ .function = 0x80000008, .eax = 0x3030, .ecx = 0x7 },
	{ .function = 0x8000001e, .eax = 5, .ebx = 0x105, .ecx = 0x3 },
};
#define NSUP (sizeof(supported) / sizeof(supported[0]))

static struct kvm_cpuid_entry2 out[64];

static int build(unsigned pv, unsigned ncpus, uint32_t apic, bool hide)
{
	struct cpuid_policy p = { .pv = pv, .ncpus = ncpus, .apic_id = apic,
				  .hide_cx16 = hide };
	struct gerr err;

	memset(out, 0xcc, sizeof(out));
	return kvm_cpuid_build(supported, NSUP, &p, out, 64, &err);
}

static const struct kvm_cpuid_entry2 *leaf(int n, uint32_t fn, uint32_t idx)
{
	return kvm_cpuid_find(out, (unsigned)n, fn, idx);
}

static unsigned count_leaf(int n, uint32_t fn)
{
	unsigned c = 0;

	for (int i = 0; i < n; i++)
		c += out[i].function == fn;
	return c;
}

TEST(kvm_cpuid_pvh_has_kvm_leaves_and_mode_features_only)
{
	int n = build(mode_find("pvh")->pv, 1, 0, false);
	const struct kvm_cpuid_entry2 *sig, *feat;
	uint32_t want = (1u << KVM_FEATURE_CLOCKSOURCE) | (1u << KVM_FEATURE_CLOCKSOURCE2) |
			(1u << KVM_FEATURE_CLOCKSOURCE_STABLE_BIT) |
			(1u << KVM_FEATURE_STEAL_TIME) | (1u << KVM_FEATURE_PV_EOI) |
			(1u << KVM_FEATURE_PV_UNHALT);

	CHECK(n > 0);
	CHECK(leaf(n, 1, 0)->ecx & CPUID_1_ECX_HYPERVISOR);
	sig = leaf(n, 0x40000000, 0);
	CHECK(sig != NULL);
	CHECK_EQ(sig->eax, 0x40000001);
	CHECK(!memcmp(&sig->ebx, "KVMK", 4) && !memcmp(&sig->ecx, "VMKV", 4) &&
	      !memcmp(&sig->edx, "M\0\0\0", 4));
	feat = leaf(n, 0x40000001, 0);
	CHECK(feat != NULL);
	/* NOP_IO_DELAY and ASYNC_PF are supported but not in the mode. */
	CHECK_EQ(feat->eax, want);
	CHECK_EQ(count_leaf(n, 0x40000000), 1);
	CHECK_EQ(count_leaf(n, 0x40000001), 1);
}

TEST(kvm_cpuid_hvm_hides_hypervisor)
{
	int n = build(mode_find("hvm")->pv, 1, 0, false);

	CHECK(n > 0);
	CHECK(!(leaf(n, 1, 0)->ecx & CPUID_1_ECX_HYPERVISOR));
	CHECK(leaf(n, 0x40000000, 0) == NULL);
	CHECK(leaf(n, 0x40000001, 0) == NULL);
}

TEST(kvm_cpuid_hypervisor_bit_without_pv_features)
{
	int n = build(PV_HYPERVISOR_BIT, 1, 0, false);

	CHECK(n > 0);
	CHECK(leaf(n, 1, 0)->ecx & CPUID_1_ECX_HYPERVISOR);
	CHECK(leaf(n, 0x40000000, 0) != NULL);
	CHECK_EQ(leaf(n, 0x40000001, 0)->eax, 0);
}

TEST(kvm_cpuid_pv_features_limited_to_kvm_support)
{
	struct kvm_cpuid_entry2 sup[NSUP];
	struct cpuid_policy p = { .pv = PV_HYPERVISOR_BIT | PV_STEAL_TIME | PV_EOI,
				  .ncpus = 1 };
	struct kvm_cpuid_entry2 o[64];
	struct gerr err;
	int n;

	memcpy(sup, supported, sizeof(sup));
	for (unsigned i = 0; i < NSUP; i++)
		if (sup[i].function == 0x40000001)
			sup[i].eax = 1u << KVM_FEATURE_PV_EOI; /* no steal time */
	n = kvm_cpuid_build(sup, NSUP, &p, o, 64, &err);
	CHECK(n > 0);
	CHECK_EQ(kvm_cpuid_find(o, (unsigned)n, 0x40000001, 0)->eax,
		 1u << KVM_FEATURE_PV_EOI);
}

TEST(kvm_cpuid_topology_four_cpus)
{
	int n = build(0, 4, 2, false);
	const struct kvm_cpuid_entry2 *l1, *smt, *core, *end;

	CHECK(n > 0);
	l1 = leaf(n, 1, 0);
	CHECK_EQ(l1->ebx >> 24, 2);		/* initial APIC ID */
	CHECK_EQ((l1->ebx >> 16) & 0xff, 4);	/* logical CPUs */
	CHECK_EQ(l1->ebx & 0xffff, 0x0800);	/* CLFLUSH size etc. kept */
	CHECK(l1->edx & CPUID_1_EDX_HTT);
	CHECK_EQ(count_leaf(n, 0xb), 3);	/* KVM's two entries replaced */
	smt = leaf(n, 0xb, 0);
	core = leaf(n, 0xb, 1);
	end = leaf(n, 0xb, 2);
	CHECK(smt && core && end);
	CHECK_EQ(smt->ebx, 1);
	CHECK_EQ((smt->ecx >> 8) & 0xff, 1);
	CHECK_EQ(core->eax & 0x1f, 2);
	CHECK_EQ(core->ebx, 4);
	CHECK_EQ((core->ecx >> 8) & 0xff, 2);
	CHECK_EQ((end->ecx >> 8) & 0xff, 0);
	CHECK_EQ(core->edx, 2);
	CHECK_EQ(count_leaf(n, 0x1f), 3);
	CHECK_EQ(leaf(n, 0x1f, 1)->ebx, 4);
	CHECK_EQ(leaf(n, 4, 0)->eax >> 26, 3);		/* cores - 1 */
	CHECK_EQ((leaf(n, 4, 0)->eax >> 14) & 0xfff, 0); /* L1: per core */
	CHECK_EQ((leaf(n, 4, 2)->eax >> 14) & 0xfff, 3); /* L3: shared */
	CHECK_EQ(leaf(n, 4, 2)->eax & 0x3fff, 0x163);	/* type/level kept */
	CHECK_EQ(leaf(n, 4, 3)->eax, 0);
	CHECK_EQ(leaf(n, 0x80000008, 0)->ecx & 0xff, 3);
	CHECK_EQ((leaf(n, 0x80000008, 0)->ecx >> 12) & 0xf, 2);
	CHECK_EQ(leaf(n, 0x8000001e, 0)->eax, 2);
}

TEST(kvm_cpuid_single_cpu)
{
	int n = build(0, 1, 0, false);

	CHECK(n > 0);
	CHECK(!(leaf(n, 1, 0)->edx & CPUID_1_EDX_HTT));
	CHECK_EQ((leaf(n, 1, 0)->ebx >> 16) & 0xff, 1);
	CHECK_EQ(leaf(n, 0xb, 1)->eax & 0x1f, 0);
	CHECK_EQ(leaf(n, 0xb, 1)->ebx, 1);
	CHECK_EQ(leaf(n, 0x80000008, 0)->ecx & 0xf0ff, 0);
}

TEST(kvm_cpuid_hide_cx16)
{
	int n = build(0, 1, 0, true);

	CHECK(n > 0);
	CHECK(!(leaf(n, 1, 0)->ecx & CPUID_1_ECX_CX16));
	CHECK(leaf(n, 1, 0)->ecx & CPUID_1_ECX_X2APIC);
	n = build(0, 1, 0, false);
	CHECK(leaf(n, 1, 0)->ecx & CPUID_1_ECX_CX16);
}

TEST(kvm_cpuid_rejects_small_table_and_bad_cpu_count)
{
	struct cpuid_policy p = { .pv = mode_find("pvh")->pv, .ncpus = 1 };
	struct kvm_cpuid_entry2 o[8];
	struct gerr err;

	CHECK(kvm_cpuid_build(supported, NSUP, &p, o, 8, &err) == -1);
	CHECK(strstr(err.msg, "more than 8 entries") != NULL);
	p.ncpus = 0;
	CHECK(kvm_cpuid_build(supported, NSUP, &p, out, 64, &err) == -1);
	p.ncpus = 256;
	CHECK(kvm_cpuid_build(supported, NSUP, &p, out, 64, &err) == -1);
}

TEST(kvm_cpuid_pv_bits_map)
{
	CHECK_EQ(kvm_cpuid_pv_bits(0), 0);
	CHECK_EQ(kvm_cpuid_pv_bits(PV_HYPERVISOR_BIT), 0);
	CHECK_EQ(kvm_cpuid_pv_bits(PV_UNHALT), 1u << KVM_FEATURE_PV_UNHALT);
	CHECK(kvm_cpuid_pv_bits(PV_KVMCLOCK) & (1u << KVM_FEATURE_CLOCKSOURCE_STABLE_BIT));
}

TEST(kvm_cpuid_tsc_deadline_when_kvm_has_it)
{
	struct cpuid_policy p = { .ncpus = 1, .tsc_deadline = true };
	int n = kvm_cpuid_build(supported, NSUP, &p, out, 64, &(struct gerr){ "" });

	CHECK(n > 0);
	CHECK(leaf(n, 1, 0)->ecx & CPUID_1_ECX_TSC_DEADLINE);
	n = build(0, 1, 0, false);
	CHECK(!(leaf(n, 1, 0)->ecx & CPUID_1_ECX_TSC_DEADLINE));
}
