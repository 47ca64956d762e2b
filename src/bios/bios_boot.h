/* Booting through gamut's legacy BIOS (BOOT_BIOS, the hvm modes).
 *
 * bios_boot_load() runs in boot_load()'s place for BOOT_BIOS modes, after
 * every device exists: it installs the ACPI tables, copies the BIOS to
 * F0000-FFFFF (with a read-only alias below 4 GiB), fills the BIOS table
 * (memory map, sizes), and with --kernel loads a bzImage the way a PC boot
 * loader does (setup code at 1000:0000, kernel at 1 MiB, command line,
 * initrd, type_of_loader) for the BIOS to start in real mode.  Without
 * --kernel the BIOS boots the first disk's MBR.  The boot vCPU starts at
 * the reset vector F000:FFF0 (CS base F0000, so no fetch from MMIO). */
#ifndef GAMUT_BIOS_BIOS_BOOT_H
#define GAMUT_BIOS_BIOS_BOOT_H

#include <stdint.h>

#include "core/err.h"
#include "cpu/x86_state.h"

struct vm;
struct guest_mem;

int bios_boot_load(struct vm *vm, struct x86_state *bsp, struct gerr *err);

/* Fills the BIOS table at the start of `img` (a copy of the image) with
 * the memory map of `mem`.  Pure: for tests. */
void bios_info_fill(uint8_t *img, const struct guest_mem *mem);

#endif
