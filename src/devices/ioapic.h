/* An 82093AA-style I/O APIC at LAYOUT_IOAPIC with 24 pins (version 0x11,
 * so an OS ends level-triggered interrupts through the local APIC's EOI
 * broadcast).  Device class "ioapic"; attached only when the CPU backend
 * has no interrupt controller of its own.
 *
 * It delivers every interrupt with vm_msi(), in the x86 MSI format:
 *   address 0xfee00000 | dest << 12 | RH << 3 | DM << 2
 *           (dest: RTE bits 63:56; DM: 1 logical; RH: 1 for the
 *            lowest-priority delivery mode)
 *   data    vector | delivery mode << 8 | 1 << 14 (assert)
 *           | trigger << 15 (1: level; the LAPIC must then call
 *             ioapic_eoi when the guest EOIs that vector)
 * Pin polarity (RTE bit 13) is not applied: lines are driven with their
 * logical level (1 = asserted).  RTEs with a reserved delivery mode (3, 6)
 * deliver nothing.
 *
 *   ioapic_set_irq - drives `pin` (0-23) to `level`; the emu backend's
 *                    vm_irq_set routing calls it (line L < 16 -> pin
 *                    L == 0 ? 2 : L; line L >= 16 -> pin L);
 *   ioapic_eoi     - the LAPIC's EOI broadcast: clears Remote IRR of the
 *                    level-triggered pins with this vector and delivers
 *                    again any that are still asserted.
 * Both are safe from any thread; vm_msi is called with no lock held. */
#ifndef GAMUT_DEVICES_IOAPIC_H
#define GAMUT_DEVICES_IOAPIC_H

#include <stdint.h>

#define IOAPIC_NR_PINS 24

void ioapic_set_irq(void *ioapic, unsigned pin, int level);
void ioapic_eoi(void *ioapic, uint8_t vector);

#endif
