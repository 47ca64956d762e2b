/* One KVM exit, dispatched (see kvm_exit.h). */
#include "cpu/kvm/kvm_exit.h"

#include <stdint.h>

#include "core/vm.h"

static int exit_io(struct vm *vm, int cpu, struct kvm_run *run, size_t run_size,
		   struct gerr *err)
{
	uint64_t size = run->io.size, count = run->io.count;
	uint64_t off = run->io.data_offset;
	uint8_t *data = (uint8_t *)run;

	/* KVM writes the buffer itself; check it anyway rather than trust an
	 * offset into our mapping. */
	if ((size != 1 && size != 2 && size != 4) || count == 0 ||
	    off > run_size || count * size > run_size - off)
		return gerr_set(err, "KVM port I/O exit with a bad buffer (port %#x, size %u, count %u)",
				run->io.port, run->io.size, run->io.count);
	for (uint64_t i = 0; i < count; i++)
		bus_access(&vm->pio, run->io.port, data + off + i * size, (unsigned)size,
			   run->io.direction == KVM_EXIT_IO_OUT, cpu);
	return 0;
}

static int exit_mmio(struct vm *vm, int cpu, struct kvm_run *run, struct gerr *err)
{
	unsigned len = run->mmio.len;

	if (len == 0 || len > sizeof(run->mmio.data))
		return gerr_set(err, "KVM MMIO exit of %u bytes at %#llx", len,
				(unsigned long long)run->mmio.phys_addr);
	bus_access(&vm->mmio, run->mmio.phys_addr, run->mmio.data, len,
		   run->mmio.is_write, cpu);
	return 0;
}

static int exit_system_event(struct vm *vm, struct kvm_run *run, struct gerr *err)
{
	switch (run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vm_stop(vm, VM_STOP_POWEROFF, 0, "guest powered off");
		return 0;
	case KVM_SYSTEM_EVENT_RESET:
		vm_stop(vm, VM_STOP_RESET, 0, "guest reset");
		return 0;
	case KVM_SYSTEM_EVENT_CRASH:
		return gerr_set(err, "guest reported a crash (KVM system event)");
	default:
		return gerr_set(err, "unhandled KVM system event %u",
				run->system_event.type);
	}
}

static const char *internal_error_name(uint32_t sub)
{
	switch (sub) {
	case KVM_INTERNAL_ERROR_EMULATION:
		return "instruction emulation failed";
	case KVM_INTERNAL_ERROR_SIMUL_EX:
		return "exception while delivering an exception";
	case KVM_INTERNAL_ERROR_DELIVERY_EV:
		return "cannot deliver an event";
	case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON:
		return "unexpected hardware exit";
	default:
		return "unknown suberror";
	}
}

static int exit_internal_error(struct kvm_run *run, struct gerr *err)
{
	uint32_t n = run->internal.ndata;
	const __u64 *d = run->internal.data;

	/* The first data words identify the failing exit; show up to four. */
	return gerr_set(err, "KVM internal error %u: %s [%u data: %#llx %#llx %#llx %#llx]",
			run->internal.suberror,
			internal_error_name(run->internal.suberror), n,
			(unsigned long long)(n > 0 ? d[0] : 0),
			(unsigned long long)(n > 1 ? d[1] : 0),
			(unsigned long long)(n > 2 ? d[2] : 0),
			(unsigned long long)(n > 3 ? d[3] : 0));
}

int kvm_exit_handle(struct vm *vm, int cpu, struct kvm_run *run,
		    size_t run_size, bool *want_rip, struct gerr *err)
{
	*want_rip = true;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		return exit_io(vm, cpu, run, run_size, err);
	case KVM_EXIT_MMIO:
		return exit_mmio(vm, cpu, run, err);
	case KVM_EXIT_HLT: /* handled in-kernel with the irqchip; go back in */
	case KVM_EXIT_INTR:
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		return 0;
	case KVM_EXIT_SHUTDOWN:
		return gerr_set(err, "triple fault");
	case KVM_EXIT_SYSTEM_EVENT:
		*want_rip = false;
		return exit_system_event(vm, run, err);
	case KVM_EXIT_INTERNAL_ERROR:
		return exit_internal_error(run, err);
	case KVM_EXIT_FAIL_ENTRY:
		return gerr_set(err, "VM entry failed: hardware reason %#llx",
				(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
	case KVM_EXIT_UNKNOWN:
		return gerr_set(err, "unknown KVM exit: hardware reason %#llx",
				(unsigned long long)run->hw.hardware_exit_reason);
	default:
		return gerr_set(err, "unhandled KVM exit reason %u", run->exit_reason);
	}
}
