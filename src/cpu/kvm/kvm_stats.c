/* KVM exits by reason, for `gamut run --stats` (docs/stats.md). */
#include "cpu/kvm/kvm_int.h"

#include "core/vm.h"

static const char *const exit_names[KVM_STAT_EXITS] = {
	[KVM_STAT_IO] = "kvm.exit.io",
	[KVM_STAT_MMIO] = "kvm.exit.mmio",
	[KVM_STAT_HLT] = "kvm.exit.hlt",
	[KVM_STAT_INTR] = "kvm.exit.intr",
	[KVM_STAT_IRQ_WINDOW] = "kvm.exit.irq_window",
	[KVM_STAT_SHUTDOWN] = "kvm.exit.shutdown",
	[KVM_STAT_SYSTEM_EVENT] = "kvm.exit.system_event",
	[KVM_STAT_DEBUG] = "kvm.exit.debug",
	[KVM_STAT_KICK] = "kvm.exit.kick",
	[KVM_STAT_OTHER] = "kvm.exit.other",
};

enum kvm_stat_exit kvm_stat_exit_index(uint32_t exit_reason)
{
	switch (exit_reason) {
	case KVM_EXIT_IO: return KVM_STAT_IO;
	case KVM_EXIT_MMIO: return KVM_STAT_MMIO;
	case KVM_EXIT_HLT: return KVM_STAT_HLT;
	case KVM_EXIT_INTR: return KVM_STAT_INTR;
	case KVM_EXIT_IRQ_WINDOW_OPEN: return KVM_STAT_IRQ_WINDOW;
	case KVM_EXIT_SHUTDOWN: return KVM_STAT_SHUTDOWN;
	case KVM_EXIT_SYSTEM_EVENT: return KVM_STAT_SYSTEM_EVENT;
	case KVM_EXIT_DEBUG: return KVM_STAT_DEBUG;
	default: return KVM_STAT_OTHER;
	}
}

void kvm_stats_register(struct vm *vm, struct kvm_vcpu *v)
{
	for (unsigned i = 0; i < KVM_STAT_EXITS; i++)
		stats_counter(&vm->stats, exit_names[i], &v->exits[i]);
}
