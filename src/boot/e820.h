/* The guest's physical memory map: one source for both loaders.
 *
 * The Linux zero page (e820_table) and the PVH hvm_start_info memory map use
 * the same entry types (1 RAM, 2 reserved, 3 ACPI reclaimable), so both are
 * filled from e820_build().  The map is:
 *   0        .. 0x9fc00   RAM (conventional memory)
 *   0x9fc00  .. 0xe0000   reserved (EBDA, VGA hole, option ROMs)
 *   0xe0000  .. 0x100000  ACPI (our tables; RSDP found by the E0000 scan)
 *   0x100000 .. low top   RAM
 *   4 GiB    .. +high     RAM (when guest memory goes past GMEM_LOW_LIMIT)
 * MMIO (virtio, IOAPIC, LAPIC) lies in the hole and is not listed. */
#ifndef GAMUT_BOOT_E820_H
#define GAMUT_BOOT_E820_H

#include <stdint.h>

#include "core/gmem.h"

enum e820_type {
	E820_RAM = 1,
	E820_RESERVED = 2,
	E820_ACPI = 3,
	E820_NVS = 4,
};

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

#define E820_MAX_ENTRIES 8

/* Fills `out` (room for E820_MAX_ENTRIES) from the guest's RAM regions and
 * returns the number of entries, sorted by address and non-overlapping.
 * Guest RAM must be at least 1 MiB (gmem_init guarantees it). */
unsigned e820_build(const struct guest_mem *mem, struct e820_entry *out);

/* End (exclusive) of the RAM that starts at 1 MiB: where the loaders put the
 * initrd, under any limit the kernel sets. */
uint64_t e820_low_ram_end(const struct guest_mem *mem);

#endif
