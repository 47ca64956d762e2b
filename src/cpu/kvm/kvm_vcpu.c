/* A KVM vCPU: creation and its initial CPUID, MSRs, LAPIC and FPU; the
 * architectural state in and out. */
#include "cpu/kvm/kvm_int.h"
#include "cpu/kvm/kvm_vm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/vm.h"
#include "cpu/kvm/cpuid.h"
#include "cpu/kvm/msr.h"
#include "cpu/kvm/state.h"

#define CPUID_1_EDX_MTRR (1u << 12)
#define APIC_LVT0	 0x350
#define APIC_LVT1	 0x360
#define APIC_MODE_MASK	 0x700u
#define APIC_MODE_NMI	 0x400u
#define APIC_MODE_EXTINT 0x700u
#define APIC_LVT_MASKED	 (1u << 16)

static uint32_t lapic_reg(const struct kvm_lapic_state *s, unsigned off)
{
	uint32_t v;

	memcpy(&v, &s->regs[off], 4);
	return v;
}

static void lapic_reg_set(struct kvm_lapic_state *s, unsigned off, uint32_t v)
{
	memcpy(&s->regs[off], &v, 4);
}

void kvm_lapic_lint_setup(struct kvm_lapic_state *s)
{
	/* LINT0 takes the PIC's output (virtual-wire mode), LINT1 the NMI
	 * line, as a PC's firmware leaves them. */
	uint32_t lvt0 = lapic_reg(s, APIC_LVT0), lvt1 = lapic_reg(s, APIC_LVT1);

	lvt0 = (lvt0 & ~(APIC_MODE_MASK | APIC_LVT_MASKED)) | APIC_MODE_EXTINT;
	lvt1 = (lvt1 & ~(APIC_MODE_MASK | APIC_LVT_MASKED)) | APIC_MODE_NMI;
	lapic_reg_set(s, APIC_LVT0, lvt0);
	lapic_reg_set(s, APIC_LVT1, lvt1);
}

static int setup_cpuid(struct vm *vm, struct vcpu *vcpu, struct kvm_vcpu *v,
		       bool *has_mtrr, struct gerr *err)
{
	struct kvm_vm *k = vm->backend_state;
	unsigned max = k->supported_cpuid->nent + 16;
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + max * sizeof(c->entries[0]));
	struct cpuid_policy p = { .pv = vm->cfg.mode ? vm->cfg.mode->pv : 0,
				  .ncpus = vm->ncpus, .apic_id = vcpu->apic_id,
				  .hide_cx16 = k->hide_cx16,
				  .tsc_deadline = k->tsc_deadline };
	const struct kvm_cpuid_entry2 *l1;
	int n, r;

	if (!c)
		return gerr_set(err, "out of memory for CPUID");
	n = kvm_cpuid_build(k->supported_cpuid->entries, k->supported_cpuid->nent,
			    &p, c->entries, max, err);
	if (n < 0) {
		free(c);
		return -1;
	}
	c->nent = (uint32_t)n;
	l1 = kvm_cpuid_find(c->entries, c->nent, 1, 0);
	*has_mtrr = l1 && (l1->edx & CPUID_1_EDX_MTRR);
	r = kvm_ioctl(v->fd, KVM_SET_CPUID2, c);
	free(c);
	if (r < 0)
		return gerr_errno(err, errno, "KVM_SET_CPUID2");
	if (k->enforce_pv_cpuid) {
		/* A guest that uses a PV MSR the mode did not offer gets #GP,
		 * so modes stay honest about what they paravirtualize. */
		struct kvm_enable_cap cap = { .cap = KVM_CAP_ENFORCE_PV_FEATURE_CPUID,
					      .args = { 1 } };

		if (kvm_ioctl(v->fd, KVM_ENABLE_CAP, &cap) < 0)
			return gerr_errno(err, errno, "KVM_ENABLE_CAP(ENFORCE_PV_FEATURE_CPUID)");
	}
	return 0;
}

static int setup_msrs(struct kvm_vm *k, struct kvm_vcpu *v, bool has_mtrr,
		      struct gerr *err)
{
	/* kvm_msrs ends in a flexible array: allocate header and entries. */
	union {
		struct kvm_msrs hdr;
		uint8_t bytes[sizeof(struct kvm_msrs) +
			      KVM_MSR_RESET_MAX * sizeof(struct kvm_msr_entry)];
	} m;
	struct kvm_msr_entry e[KVM_MSR_RESET_MAX];
	int r;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = kvm_msr_reset_list(k->msr_index->indices, k->msr_index->nmsrs,
					 has_mtrr, e);
	memcpy(m.hdr.entries, e, m.hdr.nmsrs * sizeof(e[0]));
	r = kvm_ioctl(v->fd, KVM_SET_MSRS, &m);
	if (r < 0)
		return gerr_errno(err, errno, "KVM_SET_MSRS");
	/* KVM stops at the first MSR it refuses and returns how many it set. */
	if ((unsigned)r < m.hdr.nmsrs)
		return gerr_set(err, "KVM_SET_MSRS: MSR %#x refused", e[r].index);
	return 0;
}

static int setup_lapic_fpu(struct kvm_vcpu *v, struct gerr *err)
{
	struct kvm_lapic_state lapic;
	struct kvm_fpu fpu;

	if (kvm_ioctl(v->fd, KVM_GET_LAPIC, &lapic) < 0)
		return gerr_errno(err, errno, "KVM_GET_LAPIC");
	kvm_lapic_lint_setup(&lapic);
	if (kvm_ioctl(v->fd, KVM_SET_LAPIC, &lapic) < 0)
		return gerr_errno(err, errno, "KVM_SET_LAPIC");
	/* x87 and SSE in their FNINIT / power-on state. */
	memset(&fpu, 0, sizeof(fpu));
	fpu.fcw = 0x37f;
	fpu.mxcsr = 0x1f80;
	if (kvm_ioctl(v->fd, KVM_SET_FPU, &fpu) < 0)
		return gerr_errno(err, errno, "KVM_SET_FPU");
	return 0;
}

static int setup_mp_state(struct vcpu *vcpu, struct kvm_vcpu *v, struct gerr *err)
{
	/* The BSP runs; APs wait in the in-kernel LAPIC for INIT/SIPI. */
	struct kvm_mp_state mp = { .mp_state = vcpu->index == 0 ?
						       KVM_MP_STATE_RUNNABLE :
						       KVM_MP_STATE_UNINITIALIZED };

	if (kvm_ioctl(v->fd, KVM_SET_MP_STATE, &mp) < 0)
		return gerr_errno(err, errno, "KVM_SET_MP_STATE");
	return 0;
}

int kvm_vcpu_init(struct vm *vm, struct vcpu *vcpu, struct gerr *err)
{
	struct kvm_vm *k = vm->backend_state;
	struct kvm_vcpu *v = calloc(1, sizeof(*v));
	bool has_mtrr = false;
	void *run;

	if (!v)
		return gerr_set(err, "out of memory");
	v->fd = -1;
	pthread_mutex_init(&v->lock, NULL);
	vcpu->backend = v;
	kvm_kick_signal_setup();
	v->fd = ioctl(k->vm_fd, KVM_CREATE_VCPU, (unsigned long)vcpu->apic_id);
	if (v->fd < 0)
		return gerr_errno(err, errno, "KVM_CREATE_VCPU %u", vcpu->apic_id);
	run = mmap(NULL, (size_t)k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (run == MAP_FAILED)
		return gerr_errno(err, errno, "mmap of kvm_run");
	v->run = run;
	v->run_size = k->run_size;
	kvm_stats_register(vm, v);
	if (setup_cpuid(vm, vcpu, v, &has_mtrr, err) < 0 ||
	    setup_msrs(k, v, has_mtrr, err) < 0 || setup_lapic_fpu(v, err) < 0)
		return -1;
	return setup_mp_state(vcpu, v, err);
}

void kvm_vcpu_destroy(struct vcpu *vcpu)
{
	struct kvm_vcpu *v = vcpu->backend;

	if (v->run)
		munmap(v->run, (size_t)v->run_size);
	if (v->fd >= 0)
		close(v->fd);
	pthread_mutex_destroy(&v->lock);
	free(v);
	vcpu->backend = NULL;
}

int kvm_vcpu_set_state(struct vcpu *vcpu, const struct x86_state *st,
		       struct gerr *err)
{
	struct kvm_vcpu *v = vcpu->backend;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (kvm_state_check(st, err) < 0)
		return -1;
	/* Read first: KVM_SET_SREGS also takes the pending-interrupt bitmap. */
	if (kvm_ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		return gerr_errno(err, errno, "KVM_GET_SREGS");
	kvm_state_to_sregs(st, &sregs, true);
	if (kvm_ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0)
		return gerr_errno(err, errno, "KVM_SET_SREGS");
	kvm_state_to_regs(st, &regs);
	if (kvm_ioctl(v->fd, KVM_SET_REGS, &regs) < 0)
		return gerr_errno(err, errno, "KVM_SET_REGS");
	return 0;
}

int kvm_vcpu_get_state(struct vcpu *vcpu, struct x86_state *st, struct gerr *err)
{
	struct kvm_vcpu *v = vcpu->backend;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (kvm_ioctl(v->fd, KVM_GET_REGS, &regs) < 0)
		return gerr_errno(err, errno, "KVM_GET_REGS");
	if (kvm_ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		return gerr_errno(err, errno, "KVM_GET_SREGS");
	kvm_state_from_kvm(st, &regs, &sregs);
	return 0;
}
