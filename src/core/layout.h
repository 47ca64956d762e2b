/* The guest-physical and port map shared by loaders, ACPI and devices. */
#ifndef GAMUT_CORE_LAYOUT_H
#define GAMUT_CORE_LAYOUT_H

/* Low memory used by the direct-boot loaders (below 1 MiB). */
#define LAYOUT_GDT		0x00000500ull
#define LAYOUT_BOOT_PARAMS	0x00007000ull /* Linux zero page */
#define LAYOUT_PVH_START_INFO	0x00006000ull /* hvm_start_info + modlist + memmap */
#define LAYOUT_PML4		0x00009000ull /* identity page tables: 9000..efff (4 GiB, 2 MiB pages) */
#define LAYOUT_CMDLINE		0x00020000ull
#define LAYOUT_CMDLINE_MAX	0x00010000ull
#define LAYOUT_MPTABLE		0x0009fc00ull
#define LAYOUT_EBDA		0x0009fc00ull
#define LAYOUT_ACPI		0x000e0000ull /* RSDP is found by scanning E0000-FFFFF */
#define LAYOUT_ACPI_SIZE	0x00020000ull
#define LAYOUT_HIGH_MEM		0x00100000ull
#define LAYOUT_KERNEL_64	0x01000000ull /* default bzImage load address */

/* MMIO above guest RAM. */
#define LAYOUT_VIRTIO_MMIO_BASE 0xd0000000ull
#define LAYOUT_VIRTIO_MMIO_SIZE 0x1000ull
#define LAYOUT_VIRTIO_MMIO_MAX	32
#define LAYOUT_ACPI_GED		0xfeb00000ull /* sleep control/status registers */
#define LAYOUT_IOAPIC		0xfec00000ull
#define LAYOUT_LAPIC		0xfee00000ull

/* Interrupt lines (vm_irq_set): 0-15 ISA IRQs, 16+ IOAPIC pins.  ISA IRQ 0
 * (PIT) is wired to IOAPIC pin 2 (MADT interrupt source override); every
 * other ISA IRQ n to pin n, and to PIC input n. */
#define LAYOUT_IRQ_PIT		0
#define LAYOUT_IOAPIC_PIN_PIT	2
#define LAYOUT_IRQ_KBD		1
#define LAYOUT_IRQ_COM1		4
#define LAYOUT_IRQ_RTC		8
#define LAYOUT_IRQ_ACPI		9
#define LAYOUT_IRQ_VIRTIO_BASE	16 /* above the ISA lines */

/* Port I/O. */
#define LAYOUT_PORT_COM1	0x3f8
#define LAYOUT_PORT_I8042	0x60
/* Hardware-reduced ACPI: FADT SLEEP_CONTROL_REG (8-bit, SLP_TYPx in bits
 * 2-4, SLP_EN bit 5; _S5 uses SLP_TYP 5), SLEEP_STATUS_REG (8-bit, WAK_STS
 * bit 7) and RESET_REG (8-bit, value LAYOUT_ACPI_RESET_VALUE). */
#define LAYOUT_PORT_ACPI_SLEEP_CTL  0x600
#define LAYOUT_PORT_ACPI_SLEEP_STS  0x601
#define LAYOUT_PORT_ACPI_RESET	    0x602
#define LAYOUT_ACPI_RESET_VALUE	    0x01
/* The PC's fixed ACPI hardware (full FADT, SCI on LAYOUT_IRQ_ACPI): the
 * reset register above, then the PM1a event block (PM1_STS, PM1_EN: 16
 * bits each), the PM1a control block (16 bits) and the 32-bit PM timer. */
#define LAYOUT_PORT_ACPI_PM1A_EVT   0x604
#define LAYOUT_PORT_ACPI_PM1A_CNT   0x608
#define LAYOUT_PORT_ACPI_PM_TMR	    0x60c
#define LAYOUT_ACPI_S5_SLP_TYP	    5
#define LAYOUT_PORT_DEBUG_EXIT	    0x501 /* test guests: exit (v<<1)|1 */
#define LAYOUT_PORT_PVPANIC	    0x505 /* guest panic reports (devices/pvpanic.c) */
#define LAYOUT_PORT_PV_BASE	    0x700 /* PV hypercalls (src/pv) */

#endif
