/* ACPI tables for gamut's platforms (ACPI 6.3):
 *   RSDP (revision 2) -> XSDT -> FADT -> DSDT (and FACS on a PC)
 *                            \-> MADT
 * The microvm's FADT is hardware-reduced: it points at the sleep
 * control/status and reset registers.  A PC's FADT describes fixed ACPI
 * hardware: PM1a event and control blocks, a 32-bit PM timer, the SCI on
 * ISA IRQ 9 (a level, active-high MADT override), a FACS, the same reset
 * register, and no SMI command port (always in ACPI mode).  Ports are in
 * core/layout.h, the registers in devices/acpi_pm.c.  The DSDT has \_S5
 * for power-off, COM1, RTC0, on a PC the PCI host bridge PCI0 (_CRS
 * windows, _PRT), PEVT for the pvpanic port, and one LNRO0005 device per
 * virtio-mmio transport.
 *
 * acpi_build() is pure (fills a host buffer) so tests can parse the result;
 * acpi_install() builds for a VM and copies the tables to LAYOUT_ACPI, where
 * the RSDP sits on a 16-byte boundary inside the E0000-FFFFF scan area. */
#ifndef GAMUT_BOOT_ACPI_H
#define GAMUT_BOOT_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct vm;
struct vm_mmio_desc;

struct acpi_config {
	unsigned ncpus; /* one Local APIC per vCPU, APIC ID = index */
	const struct vm_mmio_desc *mmio;
	unsigned nr_mmio;
	/* A PC platform: the MADT says dual 8259s are present (PCAT_COMPAT),
	 * the FADT describes fixed ACPI hardware and sets LEGACY_DEVICES. */
	bool pc;
	/* What the FADT and DSDT describe, from the devices that exist:
	 * a CMOS RTC at 0x70 (DSDT RTC0, PNP0B00; else the FADT says "no
	 * CMOS RTC"), a UART at 0x3f8 (DSDT COM1, PNP0501), an 8042 at
	 * 0x60/0x64 (FADT 8042 flag, on a PC only: on the microvm it serves
	 * the reset line, and Linux need not probe a keyboard there). */
	bool i8042, rtc, com1;
	/* A pvpanic port at LAYOUT_PORT_PVPANIC (DSDT PEVT, QEMU0001). */
	bool pvpanic;
};

/* Table signatures' offsets inside the built image (for tests). */
#define ACPI_RSDP_OFF 0

/* Builds every table into buf (cap bytes) as if buf were at guest address
 * `base` (16-byte aligned); *used gets the bytes written.  -1 when cap is
 * too small. */
int acpi_build(const struct acpi_config *cfg, uint64_t base, uint8_t *buf,
	       size_t cap, size_t *used, struct gerr *err);

/* The configuration that describes vm: its vCPUs, vm->mmio_desc[], its
 * platform and the legacy devices that have claimed their ports. */
void acpi_config_for(struct vm *vm, struct acpi_config *cfg);

/* Builds the tables for vm (its vCPUs, its vm->mmio_desc[] and platform)
 * and writes them at LAYOUT_ACPI.  Call after every device has described
 * itself (boot_load does). */
int acpi_install(struct vm *vm, struct gerr *err);

/* The byte that makes `len` bytes sum to zero. */
uint8_t acpi_checksum(const uint8_t *p, size_t len);

#endif
