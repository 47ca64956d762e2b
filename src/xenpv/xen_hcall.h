/* The hypercall dispatcher: a SYSCALL from guest kernel mode, number in
 * RAX, arguments in RDI, RSI, RDX, R10, R8, result in RAX (Xen's 64-bit
 * PV calling convention).  Each call validates its arguments and answers
 * a negative Xen errno for what it refuses; none stops gamut. */
#ifndef GAMUT_XEN_XEN_HCALL_H
#define GAMUT_XEN_XEN_HCALL_H

#include <stdbool.h>
#include <stdint.h>

#include "xenpv/xen.h"

struct xen_call {
	struct xen_vcpu *v;
	struct x86_state *st;
	uint64_t a[6];
	bool no_ret;	 /* the call set the whole state itself (iret) */
	bool in_multicall;
};

typedef int64_t (*xen_hcall_fn)(struct xen_call *c);

/* Runs the call in st->gpr[RAX] and puts its result there. */
void xen_hypercall(struct xen_vcpu *v, struct x86_state *st);
/* One call by number (also for multicall); -XEN_ENOSYS if unknown. */
int64_t xen_hypercall_nr(struct xen_call *c, unsigned nr);

/* Xen's hypercall preemption, for calls whose work the guest sizes (a
 * batch of page-table updates, a console write): every XEN_PREEMPT_BATCH
 * items, xen_hcall_preempt() either turns the call into a continuation --
 * the guest's registers rewritten to ask for what is left (args[0..4]),
 * RIP back on its SYSCALL, so the guest re-enters it, and takes events
 * and stops in between -- or, inside a multicall (no continuation there),
 * only looks whether the VM is stopping.  True when the caller must stop
 * now: its result is not seen (a continuation sets RAX itself). */
#define XEN_PREEMPT_BATCH 1024
bool xen_hcall_preempt(struct xen_call *c, unsigned nr, const uint64_t args[5]);

/* Drops the vCPU's cached translations (CR3 reloaded with its current
 * base): after page-table changes made by hypercalls. */
void xen_flush_tlb(struct xen_vcpu *v, struct x86_state *st);

/* Checks and copies a GDT of `entries` descriptors from guest frames
 * (set_gdt, and a new vCPU's context). */
int64_t xen_gdt_load(struct xen_vcpu *v, const xen_ulong_t *frames, uint64_t entries);

/* The groups (one file each). */
int64_t xen_hc_mmu_update(struct xen_call *c);
int64_t xen_hc_mmuext_op(struct xen_call *c);
int64_t xen_hc_update_va_mapping(struct xen_call *c);
int64_t xen_hc_memory_op(struct xen_call *c);
int64_t xen_hc_set_trap_table(struct xen_call *c);
int64_t xen_hc_set_gdt(struct xen_call *c);
int64_t xen_hc_update_descriptor(struct xen_call *c);
int64_t xen_hc_stack_switch(struct xen_call *c);
int64_t xen_hc_set_segment_base(struct xen_call *c);
int64_t xen_hc_fpu_taskswitch(struct xen_call *c);
int64_t xen_hc_set_debugreg(struct xen_call *c);
int64_t xen_hc_get_debugreg(struct xen_call *c);
int64_t xen_hc_callback_op(struct xen_call *c);
int64_t xen_hc_set_callbacks(struct xen_call *c);
int64_t xen_hc_iret(struct xen_call *c);
int64_t xen_hc_event_channel_op(struct xen_call *c);
int64_t xen_hc_sched_op(struct xen_call *c);
int64_t xen_hc_set_timer_op(struct xen_call *c);
int64_t xen_hc_vcpu_op(struct xen_call *c);
int64_t xen_hc_grant_table_op(struct xen_call *c);
int64_t xen_hc_console_io(struct xen_call *c);
int64_t xen_hc_xen_version(struct xen_call *c);
int64_t xen_hc_physdev_op(struct xen_call *c);
int64_t xen_hc_vm_assist(struct xen_call *c);

#endif
