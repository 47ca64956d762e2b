/* A Xen PV domain's further vCPUs and cross-vCPU TLB flushes (xen_smp.c);
 * xen_flush_others and xen_flush_if_asked are declared in xen.h. */
#ifndef GAMUT_XEN_XEN_SMP_H
#define GAMUT_XEN_XEN_SMP_H

#include <stdint.h>

#include "xenpv/xen.h"

/* VCPUOP_initialise: keeps a copy of the guest's vcpu_guest_context for
 * vCPU v, read through the calling vCPU's tables. */
int64_t xen_vcpu_initialise(struct xen_vcpu *caller, struct xen_vcpu *v, uint64_t va);
/* VCPUOP_up: applies the context's Xen state and kicks the vCPU, whose
 * thread then calls xen_vcpu_start. */
int64_t xen_vcpu_up(struct xen_vcpu *v);
void xen_vcpu_start(struct xen_vcpu *v);

/* The PV clock of one vCPU (xen_sched.c). */
void xen_clock_update(struct xen_vcpu *v);

#endif
