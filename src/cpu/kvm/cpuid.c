/* The guest CPUID table: KVM's supported leaves, adjusted per mode and vCPU
 * (policy in cpuid.h). */
#include "cpu/kvm/cpuid.h"

#include <asm/kvm_para.h>
#include <string.h>

#include "core/mode.h"

uint32_t kvm_cpuid_pv_bits(unsigned pv)
{
	uint32_t bits = 0;

	if (pv & PV_KVMCLOCK)
		bits |= 1u << KVM_FEATURE_CLOCKSOURCE | 1u << KVM_FEATURE_CLOCKSOURCE2 |
			1u << KVM_FEATURE_CLOCKSOURCE_STABLE_BIT;
	if (pv & PV_EOI)
		bits |= 1u << KVM_FEATURE_PV_EOI;
	if (pv & PV_STEAL_TIME)
		bits |= 1u << KVM_FEATURE_STEAL_TIME;
	if (pv & PV_UNHALT)
		bits |= 1u << KVM_FEATURE_PV_UNHALT;
	return bits;
}

const struct kvm_cpuid_entry2 *kvm_cpuid_find(const struct kvm_cpuid_entry2 *e,
					      unsigned n, uint32_t function,
					      uint32_t index)
{
	for (unsigned i = 0; i < n; i++) {
		if (e[i].function != function)
			continue;
		if (!(e[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e[i].index == index)
			return &e[i];
	}
	return NULL;
}

/* Bits needed to number `n` cores in an APIC ID (0 for one core). */
static uint32_t topo_bits(unsigned n)
{
	uint32_t b = 0;

	while ((1u << b) < n)
		b++;
	return b;
}

static bool rebuilt_leaf(uint32_t fn)
{
	/* Leaves written from scratch below, whatever KVM reported. */
	return fn == 0xb || fn == 0x1f || (fn & 0xffffff00u) == 0x40000000u;
}

static void fix_leaf1(struct kvm_cpuid_entry2 *e, const struct cpuid_policy *p)
{
	unsigned logical = p->ncpus > 255 ? 255 : p->ncpus;

	e->ebx = (e->ebx & 0x0000ffffu) | (p->apic_id & 0xffu) << 24 | logical << 16;
	if (p->ncpus > 1)
		e->edx |= CPUID_1_EDX_HTT;
	else
		e->edx &= ~CPUID_1_EDX_HTT;
	if (p->pv & PV_HYPERVISOR_BIT)
		e->ecx |= CPUID_1_ECX_HYPERVISOR;
	else
		e->ecx &= ~CPUID_1_ECX_HYPERVISOR;
	if (p->tsc_deadline)
		e->ecx |= CPUID_1_ECX_TSC_DEADLINE;
	if (p->hide_cx16)
		e->ecx &= ~CPUID_1_ECX_CX16;
}

/* Deterministic cache parameters: caches up to L2 are per core, L3 is
 * shared by the whole package. */
static void fix_leaf4(struct kvm_cpuid_entry2 *e, const struct cpuid_policy *p)
{
	unsigned cores = p->ncpus > 64 ? 64 : p->ncpus;
	unsigned level = (e->eax >> 5) & 7;
	unsigned sharing = level >= 3 ? p->ncpus - 1 : 0;

	if ((e->eax & 0x1f) == 0) /* no more caches */
		return;
	e->eax = (e->eax & 0x00003fffu) | (cores - 1) << 26 | (sharing & 0xfff) << 14;
}

static void fix_amd_leaves(struct kvm_cpuid_entry2 *e, const struct cpuid_policy *p)
{
	if (e->function == 0x80000008) {
		/* NC (cores - 1) in [7:0], ApicIdCoreIdSize in [15:12]. */
		e->ecx = (e->ecx & ~0xf0ffu) | ((p->ncpus - 1) & 0xff) |
			 (p->ncpus > 1 ? topo_bits(p->ncpus) << 12 : 0);
	} else if (e->function == 0x8000001e) {
		e->eax = p->apic_id; /* extended APIC ID */
		e->ebx = p->apic_id & 0xff; /* core ID; one thread per core */
		e->ecx = 0; /* node 0, one node */
	}
}

static void fix_leaf(struct kvm_cpuid_entry2 *e, const struct cpuid_policy *p)
{
	if (e->function == 1)
		fix_leaf1(e, p);
	else if (e->function == 4)
		fix_leaf4(e, p);
	else
		fix_amd_leaves(e, p);
}

struct out_table {
	struct kvm_cpuid_entry2 *e;
	unsigned n, max;
};

static int put(struct out_table *t, struct kvm_cpuid_entry2 e)
{
	if (t->n >= t->max)
		return -1;
	t->e[t->n++] = e;
	return 0;
}

/* Extended topology (0xB and 0x1F): an SMT level of one thread, then a
 * core level of ncpus, then the invalid level that ends the list. */
static int put_topology(struct out_table *t, uint32_t fn, const struct cpuid_policy *p)
{
	const uint32_t flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	struct kvm_cpuid_entry2 smt = { .function = fn, .index = 0, .flags = flags,
					.eax = 0, .ebx = 1, .ecx = 1u << 8,
					.edx = p->apic_id };
	struct kvm_cpuid_entry2 core = { .function = fn, .index = 1, .flags = flags,
					 .eax = topo_bits(p->ncpus), .ebx = p->ncpus,
					 .ecx = 2u << 8 | 1, .edx = p->apic_id };
	struct kvm_cpuid_entry2 end = { .function = fn, .index = 2, .flags = flags,
					.ecx = 2, .edx = p->apic_id };

	return put(t, smt) < 0 || put(t, core) < 0 || put(t, end) < 0 ? -1 : 0;
}

static int put_kvm_leaves(struct out_table *t, const struct kvm_cpuid_entry2 *sup,
			  unsigned nsup, const struct cpuid_policy *p)
{
	const struct kvm_cpuid_entry2 *f = kvm_cpuid_find(sup, nsup, CPUID_KVM_FEATURES, 0);
	struct kvm_cpuid_entry2 sig = { .function = CPUID_KVM_SIGNATURE,
					.eax = CPUID_KVM_FEATURES };
	struct kvm_cpuid_entry2 feat = { .function = CPUID_KVM_FEATURES };

	memcpy(&sig.ebx, "KVMK", 4);
	memcpy(&sig.ecx, "VMKV", 4);
	memcpy(&sig.edx, "M\0\0\0", 4);
	/* Only what the mode asks for and this KVM implements. */
	feat.eax = kvm_cpuid_pv_bits(p->pv) & (f ? f->eax : 0);
	return put(t, sig) < 0 || put(t, feat) < 0 ? -1 : 0;
}

int kvm_cpuid_build(const struct kvm_cpuid_entry2 *sup, unsigned nsup,
		    const struct cpuid_policy *p, struct kvm_cpuid_entry2 *out,
		    unsigned max, struct gerr *err)
{
	struct out_table t = { out, 0, max };
	const struct kvm_cpuid_entry2 *l0 = kvm_cpuid_find(sup, nsup, 0, 0);
	uint32_t max_basic = l0 ? l0->eax : 0;
	int r = 0;

	if (p->ncpus < 1 || p->ncpus > 255)
		return gerr_set(err, "CPUID: %u vCPUs cannot be described (1-255)", p->ncpus);
	for (unsigned i = 0; i < nsup && r == 0; i++) {
		struct kvm_cpuid_entry2 e = sup[i];

		if (rebuilt_leaf(e.function))
			continue;
		fix_leaf(&e, p);
		r = put(&t, e);
	}
	if (r == 0 && max_basic >= 0xb)
		r = put_topology(&t, 0xb, p);
	if (r == 0 && max_basic >= 0x1f)
		r = put_topology(&t, 0x1f, p);
	if (r == 0 && (p->pv & PV_HYPERVISOR_BIT))
		r = put_kvm_leaves(&t, sup, nsup, p);
	if (r < 0)
		return gerr_set(err, "CPUID: more than %u entries", max);
	return (int)t.n;
}
