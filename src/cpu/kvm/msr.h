/* The MSR values a vCPU starts with (pure, unit-tested without /dev/kvm).
 *
 * KVM resets most MSRs itself; gamut writes the ones whose reset value a
 * guest depends on and that differ between KVM versions: the SYSENTER and
 * SYSCALL MSRs (zero), the TSC (zero on every vCPU, so they agree), fast
 * strings in MISC_ENABLE, the PAT's power-on value, and MTRRs enabled with
 * write-back as the default type (no variable ranges: all RAM is WB). */
#ifndef GAMUT_CPU_KVM_MSR_H
#define GAMUT_CPU_KVM_MSR_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

#define MSR_IA32_TSC		0x00000010u
#define MSR_IA32_SYSENTER_CS	0x00000174u
#define MSR_IA32_SYSENTER_ESP	0x00000175u
#define MSR_IA32_SYSENTER_EIP	0x00000176u
#define MSR_IA32_MISC_ENABLE	0x000001a0u
#define MSR_IA32_CR_PAT		0x00000277u
#define MSR_MTRR_DEF_TYPE	0x000002ffu
#define MSR_STAR		0xc0000081u
#define MSR_LSTAR		0xc0000082u
#define MSR_CSTAR		0xc0000083u
#define MSR_SYSCALL_MASK	0xc0000084u
#define MSR_KERNEL_GS_BASE	0xc0000102u

#define MSR_MISC_ENABLE_FAST_STRING 1ull
#define MSR_PAT_RESET		    0x0007040600070406ull
#define MSR_MTRR_ENABLE_WB	    ((1ull << 11) | 6) /* E=1, type WB */

#define KVM_MSR_RESET_MAX 16

/* Fills out[0..KVM_MSR_RESET_MAX) with the reset list, keeping only MSRs
 * in KVM's index list (KVM_GET_MSR_INDEX_LIST) -- except MTRRdefType,
 * which KVM handles whenever the guest's CPUID has MTRR (has_mtrr) but
 * does not list.  Returns the number of entries. */
unsigned kvm_msr_reset_list(const uint32_t *index, unsigned nindex,
			    bool has_mtrr, struct kvm_msr_entry *out);

#endif
