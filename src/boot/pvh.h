/* The PVH boot ABI (Xen's xen/include/public/arch-x86/hvm/start_info.h and
 * docs/misc/pvh.pandoc): the structures gamut writes for a PVH guest.
 *
 * At LAYOUT_PVH_START_INFO gamut places, in this order:
 *   struct hvm_start_info   (version 1, 56 bytes)
 *   struct hvm_modlist_entry at +PVH_MODLIST_OFF  (the initrd, if any)
 *   struct hvm_memmap_table_entry[] at +PVH_MEMMAP_OFF (the e820 map) */
#ifndef GAMUT_BOOT_PVH_H
#define GAMUT_BOOT_PVH_H

#include <stdint.h>

#define HVM_START_MAGIC_VALUE 0x336ec578u
#define HVM_START_INFO_VERSION 1

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	/* version 1 */
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

/* Types match the e820 types (boot/e820.h). */
struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

_Static_assert(sizeof(struct hvm_start_info) == 56, "start_info layout");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "modlist layout");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "memmap layout");

#define PVH_MODLIST_OFF 0x40
#define PVH_MEMMAP_OFF	0x80

#endif
