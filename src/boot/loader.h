/* Pieces shared by the boot loaders (boot.c, pvh.c, bzimage.c).  Internal to
 * src/boot; other subsystems call boot_load() only. */
#ifndef GAMUT_BOOT_LOADER_H
#define GAMUT_BOOT_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "cpu/x86_state.h"

struct vm;
struct guest_mem;

/* A kernel file mapped whole into host memory (private: writes stay here). */
struct boot_file {
	const char *path;
	uint8_t *data;
	size_t len;
};

/* Reads `path` (at most `max` bytes; more is refused as too large). */
int boot_file_read(struct boot_file *f, const char *path, uint64_t max,
		   struct gerr *err);
void boot_file_free(struct boot_file *f);

/* Where an initrd goes: the highest `align`-aligned address at which `size`
 * bytes end at or below `ceiling` (exclusive) and start at or above `floor`.
 * 0 and an error naming the file when it does not fit. */
int boot_initrd_place(const char *path, uint64_t size, uint64_t floor,
		      uint64_t ceiling, uint64_t align, uint64_t *addr,
		      struct gerr *err);

/* The initrd's size in bytes (stat), refusing a missing or empty file. */
int boot_initrd_size(const char *path, uint64_t *size, struct gerr *err);

/* Reads the initrd file straight into guest memory at [addr, addr+size). */
int boot_initrd_load(struct guest_mem *mem, const char *path, uint64_t addr,
		     uint64_t size, struct gerr *err);

/* Checks that `cmdline` has at most `max` bytes (NUL excluded). */
int boot_cmdline_check(const char *cmdline, uint64_t max, struct gerr *err);
/* Writes it NUL-terminated at LAYOUT_CMDLINE. */
int boot_cmdline_write(struct guest_mem *mem, const char *cmdline,
		       struct gerr *err);

/* The boot GDT at LAYOUT_GDT, shared by both direct-boot entries:
 * 0x08 flat 32-bit code, 0x10 flat 64-bit code (__BOOT_CS), 0x18 flat data
 * (__BOOT_DS), 0x20 a busy TSS (16-byte system descriptor, base 0, limit
 * 0x67) that is valid as a 32-bit and as a 64-bit TSS. */
#define BOOT_SEL_CODE32 0x08
#define BOOT_SEL_CODE64 0x10
#define BOOT_SEL_DATA	0x18
#define BOOT_SEL_TSS	0x20
#define BOOT_GDT_LIMIT	0x2f
int boot_gdt_write(struct guest_mem *mem, struct gerr *err);

/* Identity page tables for the first 4 GiB with 2 MiB pages: PML4 at
 * LAYOUT_PML4, the PDPT in the next page, then four page directories
 * (LAYOUT_PML4 .. LAYOUT_PML4 + 0x6000). */
#define BOOT_PAGETABLES_SIZE 0x6000ull
int boot_pagetables_write(struct guest_mem *mem, struct gerr *err);

/* Entry states (after boot_gdt_write / boot_pagetables_write). */
void boot_state_pvh(struct x86_state *st, uint64_t entry, uint64_t start_info);
void boot_state_linux64(struct x86_state *st, uint64_t entry,
			uint64_t boot_params);

/* The loaders, called by boot_load() with the kernel already read. */
int pvh_load(struct vm *vm, const struct boot_file *k, struct x86_state *bsp,
	     struct gerr *err);
int bzimage_boot(struct vm *vm, const struct boot_file *k,
		 struct x86_state *bsp, struct gerr *err);

#endif
