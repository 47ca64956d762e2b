/* Where gamut's own PV structures sit inside the frames of pv_abi.h. */
#ifndef GAMUT_PV_PV_LAYOUT_H
#define GAMUT_PV_PV_LAYOUT_H

#include "gamut/pv_abi.h"

#define PV_GDT_GPA	 (PV_SYS_GPA + 0x000) /* 7 entries (TSS takes 2) */
#define PV_GDT_LIMIT	 (7 * 8 - 1)
#define PV_TSS_GPA	 (PV_SYS_GPA + 0x080)
#define PV_TSS_LIMIT	 103
#define PV_IDT_GPA	 (PV_SYS_GPA + 0x800)
#define PV_IDT_LIMIT	 (32 * 16 - 1)
#define PV_STUB_ENTRY_SIZE 16 /* stub code for vector v at PV_STUB_GPA + 16 v */
#define PV_STACK0_TOP	 (PV_STACK0_GPA + PV_PAGE_SIZE)

#endif
