/* The KVM backend's VM-wide operations (cpu/backend.h hooks) and the GSI
 * routing table it installs. */
#ifndef GAMUT_CPU_KVM_VM_H
#define GAMUT_CPU_KVM_VM_H

#include <linux/kvm.h>
#include <stdint.h>

#include "core/err.h"

struct vm;
struct vcpu;
struct x86_state;

#define KVM_IOAPIC_PINS	   24
#define KVM_GSI_ROUTES_MAX 64

/* Fills r (room for KVM_GSI_ROUTES_MAX entries) with gamut's interrupt
 * line convention (core/layout.h).  Returns the number of routes. */
unsigned kvm_gsi_routes(struct kvm_irq_routing *r);

int kvm_vm_init(struct vm *vm, struct gerr *err);
void kvm_vm_destroy(struct vm *vm);
void kvm_vm_irq_set(struct vm *vm, unsigned gsi, int level);
void kvm_vm_msi(struct vm *vm, uint64_t addr, uint32_t data);
int kvm_vm_ioeventfd(struct vm *vm, uint64_t addr, unsigned len,
		     uint64_t datamatch, int fd, struct gerr *err);
int kvm_vm_irqfd(struct vm *vm, unsigned line, int fd, struct gerr *err);

/* Sets LINT0 to ExtINT and LINT1 to NMI, unmasked, keeping other bits. */
void kvm_lapic_lint_setup(struct kvm_lapic_state *s);

int kvm_vcpu_init(struct vm *vm, struct vcpu *vcpu, struct gerr *err);
void kvm_vcpu_destroy(struct vcpu *vcpu);
int kvm_vcpu_set_state(struct vcpu *vcpu, const struct x86_state *st,
		       struct gerr *err);
int kvm_vcpu_get_state(struct vcpu *vcpu, struct x86_state *st, struct gerr *err);
int kvm_vcpu_run(struct vcpu *vcpu, struct gerr *err);
void kvm_vcpu_kick(struct vcpu *vcpu);

#endif
