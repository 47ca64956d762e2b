/* The Linux KVM backend. */
#include "core/vm.h"

static int kvm_probe(struct gerr *err)
{
	return gerr_set(err, "the KVM backend is not built yet");
}

const struct cpu_backend cpu_backend_kvm = {
	.name = "kvm",
	.probe = kvm_probe,
};
