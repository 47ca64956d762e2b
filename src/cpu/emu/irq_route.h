/* The software interrupt controllers the emu backend drives: the 8259 PIC
 * (src/devices/pic.h) and the IOAPIC (src/devices/ioapic.h).  Their states
 * come from device_state(vm, "pic") / device_state(vm, "ioapic") and are
 * NULL when the mode has no such device; callers check. */
#ifndef GAMUT_CPU_EMU_IRQ_ROUTE_H
#define GAMUT_CPU_EMU_IRQ_ROUTE_H

#include "devices/ioapic.h"
#include "devices/pic.h"

#endif
