/* The Linux KVM backend: guest code runs on the host CPU through /dev/kvm,
 * with the interrupt controllers and PIT in the host kernel.  The pieces
 * are described in kvm_int.h and docs/kvm.md. */
#include "core/vm.h"
#include "cpu/kvm/kvm_int.h"
#include "cpu/kvm/kvm_vm.h"

#include <unistd.h>

static int kvm_probe(struct gerr *err)
{
	int fd = kvm_sys_open(KVM_DEV_PATH, err);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int kvm_state_set(struct vcpu *vcpu, const struct x86_state *st,
			 struct gerr *err)
{
	return kvm_vcpu_set_state(vcpu, st, err);
}

const struct cpu_backend cpu_backend_kvm = {
	.name = "kvm",
	.probe = kvm_probe,
	.vm_init = kvm_vm_init,
	.vm_destroy = kvm_vm_destroy,
	.vcpu_init = kvm_vcpu_init,
	.vcpu_destroy = kvm_vcpu_destroy,
	.vcpu_set_state = kvm_state_set,
	.vcpu_get_state = kvm_vcpu_get_state,
	.vcpu_run = kvm_vcpu_run,
	.vcpu_kick = kvm_vcpu_kick,
	.irq_set = kvm_vm_irq_set,
	.msi = kvm_vm_msi,
	.ioeventfd = kvm_vm_ioeventfd,
	.irqfd = kvm_vm_irqfd,
	.vcpu_set_debug = kvm_vcpu_set_debug,
	.vcpu_debug_pause = kvm_vcpu_debug_pause,
	.vcpu_get_fpu = kvm_vcpu_get_fpu,
	.vcpu_set_fpu = kvm_vcpu_set_fpu,
	.vcpu_set_msr = kvm_vcpu_set_msr,
	.vcpu_tsc = kvm_vcpu_tsc,
	.vcpu_cpuid = kvm_vcpu_cpuid,
};
