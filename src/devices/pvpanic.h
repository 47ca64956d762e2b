/* The pvpanic device (class "pvpanic"), the ISA variant QEMU defines in
 * docs/specs/pvpanic.rst: one byte port, LAYOUT_PORT_PVPANIC.  A read
 * returns the events the device supports; the guest writes one event when
 * its kernel panics.  Linux's pvpanic driver finds it through the DSDT
 * device the ACPI tables describe (_HID "QEMU0001", _CRS the port:
 * boot/acpi.c).  docs/devices.md says what each event does to the VM. */
#ifndef GAMUT_DEVICES_PVPANIC_H
#define GAMUT_DEVICES_PVPANIC_H

#define PVPANIC_HID	      "QEMU0001"
/* Event bits, as the read returns and the guest writes them. */
#define PVPANIC_PANICKED      (1u << 0) /* the kernel panicked */
#define PVPANIC_CRASH_LOADED  (1u << 1) /* it did, and a crash kernel runs next */
#define PVPANIC_EVENTS	      (PVPANIC_PANICKED | PVPANIC_CRASH_LOADED)

#endif
