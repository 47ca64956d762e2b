/* Exit dispatch: what one KVM_RUN exit means for the VM.  Separate from
 * the run loop so it can be tested on a kvm_run filled by hand. */
#ifndef GAMUT_CPU_KVM_EXIT_H
#define GAMUT_CPU_KVM_EXIT_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct vm;

/* Serves the exit recorded in `run` (run_size: its mapped size) for vCPU
 * `cpu`: port I/O and MMIO go to vm->pio / vm->mmio one access at a time
 * (a `rep outsb` exit carries `count` of them), system events stop the VM
 * (poweroff, reset).  Returns 0 to re-enter the guest, or -1 with why the
 * vCPU cannot go on; *want_rip then says the message should name the
 * guest's RIP (the caller reads it from KVM). */
int kvm_exit_handle(struct vm *vm, int cpu, struct kvm_run *run,
		    size_t run_size, bool *want_rip, struct gerr *err);

#endif
