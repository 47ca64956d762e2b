/* The software interrupt controllers that another part of gamut provides
 * (src/devices/pic.c, src/devices/ioapic.c), as the emu backend calls them.
 *
 * They are declared weak so the backend links (and treats the devices as
 * absent) in a tree without them; at run time their state comes from
 * device_state(vm, "pic") / device_state(vm, "ioapic"), NULL when absent. */
#ifndef GAMUT_CPU_EMU_IRQ_ROUTE_H
#define GAMUT_CPU_EMU_IRQ_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

void pic_set_irq(void *pic, unsigned irq, int level) __attribute__((weak));
int pic_ack(void *pic) __attribute__((weak)); /* INTA: vector or -1 */
bool pic_pending(void *pic) __attribute__((weak));
void ioapic_set_irq(void *ioapic, unsigned pin, int level) __attribute__((weak));
void ioapic_eoi(void *ioapic, uint8_t vector) __attribute__((weak));

#endif
