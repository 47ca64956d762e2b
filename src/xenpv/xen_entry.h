/* Entering gamut from a Xen PV guest (xen_entry.c) and what the entry
 * paths share with the hypercalls: bouncing to the guest kernel, its
 * mode toggle, event upcalls, the privileged-instruction emulator. */
#ifndef GAMUT_XEN_XEN_ENTRY_H
#define GAMUT_XEN_XEN_ENTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "xenpv/xen.h"

int xen_entry_init(struct xen *x, struct gerr *err);
void xen_entry_fini(struct xen *x);

/* The vCPU's vcpu_info in guest memory (shared_info's slot, or where the
 * guest registered it); NULL only if that lies outside RAM. */
struct vcpu_info *xen_vcpu_info(struct xen_vcpu *v);

/* Loads CS and SS from the vCPU's GDT for CPL 3; -1 if either is bad. */
int xen_set_segs(struct xen_vcpu *v, struct x86_state *st, uint16_t cs, uint16_t ss);
void xen_toggle_mode(struct xen_vcpu *v, struct x86_state *st);

/* Writes a Xen bounce frame for the context in `st` on the guest kernel
 * stack (switching to guest kernel mode first if needed) and points `st`
 * at `handler`.  0, or -1 after crashing the domain. */
int xen_bounce(struct xen_vcpu *v, struct x86_state *st, uint64_t handler,
	       bool has_err, uint64_t err_code, bool mask_events);
/* Bounces to the event callback if an upcall is pending and unmasked. */
void xen_deliver_upcall(struct xen_vcpu *v, struct x86_state *st);
/* An exception `vec` of the guest context in `st`. */
void xen_exception(struct xen_vcpu *v, struct x86_state *st, unsigned vec,
		   bool has_err, uint64_t err);

/* xen_emul.c: #GP from a privileged instruction Xen emulates for a PV
 * domU (port I/O, MSRs, INT n through the trap table) and #UD from the
 * forced-emulation prefix (ud2; "xen"; cpuid).  True when handled (the
 * state in `st` is the result, possibly a bounce). */
bool xen_emulate_gp(struct xen_vcpu *v, struct x86_state *st, uint64_t err);
bool xen_emulate_ud(struct xen_vcpu *v, struct x86_state *st);
/* xen_ptwr.c: a #PF that is the guest kernel writing one of its page
 * tables, done as a validated update; true when handled. */
bool xen_emulate_ptwr(struct xen_vcpu *v, struct x86_state *st, uint64_t err);

#endif
