/* Modes are data: each `--mode` is a preset of boot protocol, platform,
 * device transport and paravirtual features (docs/modes.md).  Code asks the
 * preset what to build; it never switches on the mode's name. */
#ifndef GAMUT_CORE_MODE_H
#define GAMUT_CORE_MODE_H

#include <stdbool.h>

enum boot_protocol {
	BOOT_LINUX64 = 1 << 0, /* Linux 64-bit boot protocol (bzImage) */
	BOOT_PVH = 1 << 1,     /* PVH entry: ELF note 18 + hvm_start_info */
	BOOT_BIOS = 1 << 2,    /* 16-bit legacy BIOS, MBR or bzImage setup */
	BOOT_PV = 1 << 3,      /* gamut PV ABI image */
};

enum platform_kind {
	PLATFORM_MICROVM, /* no BIOS, no PCI: LAPIC/IOAPIC, UART, ACPI */
	PLATFORM_PC,	  /* PCI host bridge, PIC/PIT/RTC, i8042, BIOS */
	PLATFORM_PV,	  /* nothing emulated at all */
};

enum io_transport {
	IO_VIRTIO_MMIO, /* virtio devices on MMIO, found through ACPI */
	IO_VIRTIO_PCI,	/* virtio devices on the PCI bus */
	IO_EMULATED,	/* ATA disk, e1000 NIC */
	IO_PV_RINGS,	/* gamut PV rings */
};

enum pv_feature {
	PV_KVMCLOCK = 1 << 0,
	PV_EOI = 1 << 1,
	PV_STEAL_TIME = 1 << 2,
	PV_UNHALT = 1 << 3,
	PV_HYPERVISOR_BIT = 1 << 4, /* CPUID.1:ECX[31] and leaf 0x40000000 */
};

struct mode_preset {
	const char *name;
	const char *summary;
	unsigned boot;	 /* enum boot_protocol bits accepted */
	enum platform_kind platform;
	enum io_transport io;
	unsigned pv;	 /* enum pv_feature bits */
	const char *not_built; /* NULL when this build runs the mode */
	/* The table of SPECTRUM.md, for `gamut modes`. */
	const char *t_boot, *t_platform, *t_io, *t_timers, *t_cpu;
};

/* NULL if the name is unknown. */
const struct mode_preset *mode_find(const char *name);
/* All presets in spectrum order, NULL-terminated. */
extern const struct mode_preset *const mode_all[];

#endif
