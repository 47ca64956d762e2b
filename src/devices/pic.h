/* Two cascaded 8259A programmable interrupt controllers (the slave on
 * master input 2), at ports 0x20-0x21 / 0xa0-0xa1 with the ELCR
 * edge/level register at 0x4d0-0x4d1.  Device class "pic"; attached only
 * when the CPU backend has no interrupt controller of its own.
 *
 * The software CPU finds it with device_state(vm, "pic") and uses:
 *   pic_set_irq  - drives input `irq` (0-15) to `level` (the emu backend's
 *                  vm_irq_set routing calls it for lines 0-15);
 *   pic_pending  - whether the master's INT output is asserted;
 *   pic_ack      - the INTA cycle: returns the vector and moves the IRQ
 *                  from IRR to ISR (unless auto-EOI), or -1 when nothing
 *                  is deliverable any more (the caller then delivers
 *                  nothing, as a spurious interrupt would be ignored).
 * When the INT output rises the PIC calls vm_kick(vm, 0): the PIC is
 * wired to the bootstrap processor's LINT0 (ExtINT).
 * All three are safe from any thread; pic_pending takes no lock, so it is
 * cheap enough to poll at instruction boundaries. */
#ifndef GAMUT_DEVICES_PIC_H
#define GAMUT_DEVICES_PIC_H

#include <stdbool.h>

void pic_set_irq(void *pic, unsigned irq, int level);
int pic_ack(void *pic);
bool pic_pending(void *pic);

#endif
