/* One MSR at a time and the guest's TSC, for hypervisor ABIs gamut serves
 * itself (backend.h: vcpu_set_msr, vcpu_tsc). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/vm.h"
#include "cpu/kvm/kvm_int.h"

#define MSR_IA32_TSC 0x10

union one_msr {
	struct kvm_msrs hdr;
	uint8_t bytes[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
};

int kvm_vcpu_set_msr(struct vcpu *vcpu, uint32_t index, uint64_t value,
		     struct gerr *err)
{
	struct kvm_vcpu *v = vcpu->backend;
	union one_msr m;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = 1;
	m.hdr.entries[0].index = index;
	m.hdr.entries[0].data = value;
	if (kvm_ioctl(v->fd, KVM_SET_MSRS, &m) != 1)
		return gerr_errno(err, errno ? errno : EINVAL, "KVM_SET_MSRS(%#x)", index);
	return 0;
}

int kvm_vcpu_tsc(struct vcpu *vcpu, uint64_t *tsc, uint64_t *host_ns,
		 uint64_t *khz, struct gerr *err)
{
	struct kvm_vcpu *v = vcpu->backend;
	struct timespec ts;
	union one_msr m;
	int r;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = 1;
	m.hdr.entries[0].index = MSR_IA32_TSC;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (kvm_ioctl(v->fd, KVM_GET_MSRS, &m) != 1)
		return gerr_errno(err, errno ? errno : EINVAL, "KVM_GET_MSRS(TSC)");
	r = kvm_ioctl(v->fd, KVM_GET_TSC_KHZ, NULL);
	if (r <= 0)
		return gerr_errno(err, errno ? errno : EINVAL, "KVM_GET_TSC_KHZ");
	*tsc = m.hdr.entries[0].data;
	*host_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	*khz = (uint64_t)r;
	return 0;
}

/* The vCPU's own CPUID table, as KVM_SET_CPUID2 gave it. */
int kvm_vcpu_cpuid(struct vcpu *vcpu, uint32_t leaf, uint32_t sub,
		   uint32_t r[4], struct gerr *err)
{
	struct kvm_vcpu *v = vcpu->backend;
	enum { MAX = 256 };
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + MAX * sizeof(c->entries[0]));

	if (!c)
		return gerr_set(err, "out of memory for CPUID");
	c->nent = MAX;
	if (kvm_ioctl(v->fd, KVM_GET_CPUID2, c) < 0) {
		free(c);
		return gerr_errno(err, errno, "KVM_GET_CPUID2");
	}
	r[0] = r[1] = r[2] = r[3] = 0;
	for (uint32_t i = 0; i < c->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == leaf &&
		    (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == sub)) {
			r[0] = e->eax;
			r[1] = e->ebx;
			r[2] = e->ecx;
			r[3] = e->edx;
			break;
		}
	}
	free(c);
	return 0;
}
