/* Where gamut's own PV structures sit inside the frames of pv_abi.h. */
#ifndef GAMUT_PV_PV_LAYOUT_H
#define GAMUT_PV_PV_LAYOUT_H

#include "gamut/pv_abi.h"

#define PV_GDT_GPA	 (PV_SYS_GPA + 0x000) /* 7 entries (TSS takes 2) */
#define PV_GDT_LIMIT	 (7 * 8 - 1)
#define PV_TSS_GPA	 (PV_SYS_GPA + 0x080)
/* The I/O permission bitmap (pv_sys.c says why there is one) follows the
 * 104-byte 64-bit TSS (Intel SDM vol. 1 19.5.2, vol. 3 8.7): one bit per
 * port up to the last byte of gamut's ports (a 4-byte OUT to port p checks
 * the bits of p..p+3), then a byte of ones, since the CPU reads two bytes
 * for every check.  Ports beyond it fall outside the TSS limit, which
 * denies them too. */
#define PV_TSS_IOPB	 0x68
#define PV_IOPB_LAST_PORT (PV_PORT_BASE + PV_PORT_COUNT + 2) /* as the bus claims */
#define PV_IOPB_BYTES	 (PV_IOPB_LAST_PORT / 8 + 1)
#define PV_TSS_LIMIT	 (PV_TSS_IOPB + PV_IOPB_BYTES) /* the byte of ones */
#define PV_IDT_GPA	 (PV_SYS_GPA + 0x800)
#define PV_IDT_LIMIT	 (32 * 16 - 1)
#define PV_STUB_ENTRY_SIZE 16 /* stub code for vector v at PV_STUB_GPA + 16 v */
#define PV_STACK0_TOP	 (PV_STACK0_GPA + PV_PAGE_SIZE)

#endif
