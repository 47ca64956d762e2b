/* gamut's ring-0 structures for PV guests (pv_sys.c). */
#ifndef GAMUT_PV_PV_SYS_H
#define GAMUT_PV_PV_SYS_H

#include <stdint.h>

#include "cpu/x86_state.h"

/* Fills the system page (GDT, TSS, IDT) and the stub code page. */
void pv_sys_build(uint8_t *sys_page, uint8_t *stub_page);
/* Sets descriptor tables, TR, LDT and the control registers (not CR3). */
void pv_sys_state(struct x86_state *st);

#endif
