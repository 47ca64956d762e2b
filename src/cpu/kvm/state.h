/* Conversion between gamut's architectural state (cpu/x86_state.h) and
 * KVM's kvm_regs / kvm_sregs (pure, unit-tested without /dev/kvm). */
#ifndef GAMUT_CPU_KVM_STATE_H
#define GAMUT_CPU_KVM_STATE_H

#include <linux/kvm.h>
#include <stdbool.h>

#include "core/err.h"
#include "cpu/x86_state.h"

void kvm_state_to_regs(const struct x86_state *st, struct kvm_regs *r);
/* Writes every field KVM_SET_SREGS takes except interrupt_bitmap, which
 * the caller keeps from KVM_GET_SREGS (interrupts KVM has queued).  With
 * keep_zero_apic_base, an apic_base of 0 in `st` (a loader that did not
 * set it) keeps s->apic_base instead of disabling the LAPIC. */
void kvm_state_to_sregs(const struct x86_state *st, struct kvm_sregs *s,
			bool keep_zero_apic_base);
void kvm_state_from_kvm(struct x86_state *st, const struct kvm_regs *r,
			const struct kvm_sregs *s);

/* Refuses states KVM would reject with a bare EINVAL, saying why. */
int kvm_state_check(const struct x86_state *st, struct gerr *err);

#endif
