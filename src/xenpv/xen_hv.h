/* The hypervisor's part of every PV address space (L4 slots 256..271):
 * the read-only machine-to-physical table the guest may read at
 * MACH2PHYS_VIRT_START, and gamut's ring-0 scaffolding (IDT, stub code,
 * and per vCPU a GDT, a TSS and a ring-0 stack), supervisor-only.  All of
 * it lives in gamut's frames above the guest's, which the guest can never
 * map (xen_mm.h). */
#ifndef GAMUT_XEN_XEN_HV_H
#define GAMUT_XEN_XEN_HV_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "cpu/x86_state.h"

struct xen;
struct xen_vcpu;

/* Virtual layout of gamut's private area (L4 slot 257). */
#define XEN_HV_PRIV_VA	   0xffff808000000000ull
#define XEN_HV_IDT_VA	   (XEN_HV_PRIV_VA + 0x0000)
#define XEN_HV_STUB_VA	   (XEN_HV_PRIV_VA + 0x1000) /* SYSCALL entries */
#define XEN_HV_VEC_VA	   (XEN_HV_PRIV_VA + 0x2000) /* 256 x 16-byte vector stubs */
#define XEN_HV_VEC_STUB	   16
#define XEN_HV_VCPU_VA(i)  (XEN_HV_PRIV_VA + 0x100000 + (uint64_t)(i) * 0x40000)
/* Within a vCPU's window: the GDT (16 pages of virtual space: 14 for the
 * guest's descriptors, then gamut's reserved page at 0xe000), the TSS, an
 * unmapped guard page, the ring-0 stack. */
#define XEN_HV_GDT_OFF	   0x00000
#define XEN_HV_TSS_OFF	   0x10000
#define XEN_HV_STACK_OFF   0x12000
#define XEN_HV_WINDOW_PAGES 19 /* 15 GDT + TSS + guard + stack (+1 spare) */

/* gamut's reserved descriptors, at the GDT byte offsets Xen's public
 * selectors name (FLAT_RING3_*: xen/arch-x86/xen-x86_64.h). */
#define XEN_SEL_R0_CODE 0xe008 /* the stub's CS (SYSCALL's STAR) */
#define XEN_SEL_R0_DATA 0xe010
#define XEN_SEL_TSS	0xe040
#define XEN_GDT_LIMIT	0xe04f

/* Frames gamut needs at the top of RAM for `ncpus` vCPUs and `nr_frames`
 * guest frames (M2P size). */
uint64_t xen_hv_frames(unsigned ncpus, uint64_t nr_frames);
/* Builds the area in [x->hv_gpa, ...) and fills `hv_l4e` (the entries
 * forced into slots 256..271 of every guest L4) and the M2P address. */
int xen_hv_build(struct xen *x, uint64_t hv_l4e[16], uint64_t *m2p_gpa,
		 struct gerr *err);

/* The ring-0 part of a vCPU's state: GDTR, IDTR, TR, control registers,
 * EFER.  Used at boot and whenever gamut sets a vCPU's state. */
void xen_hv_sys_state(const struct xen_vcpu *v, struct x86_state *st);
/* The MSRs SYSCALL needs (STAR, LSTAR, CSTAR, SFMASK). */
int xen_hv_set_msrs(struct xen_vcpu *v, struct gerr *err);

/* Copies guest descriptors into the vCPU's GDT (set_gdt,
 * update_descriptor); the caller validated them. */
int xen_hv_gdt_write(struct xen_vcpu *v, unsigned index, uint64_t desc);
void xen_hv_gdt_clear(struct xen_vcpu *v);
/* Loads the hidden part of a segment register for `sel` from the vCPU's
 * GDT as the CPU would for a CPL-3 load; -1 when it is not loadable. */
int xen_hv_load_seg(const struct xen_vcpu *v, uint16_t sel, bool code,
		    struct x86_segment *seg);

/* Where the ring-0 stack's top lies in guest-physical memory (gamut
 * reads the exception frames the CPU pushed there). */
uint64_t xen_hv_stack0_gpa(const struct xen_vcpu *v);

#endif
