/* The contract between gamut and its BIOS (the .asm files in src/bios):
 * lives and the table at its start that gamut fills before boot.  The
 * offsets here and in bios.asm / bios_inc.asm must agree; test_bios.c
 * checks the assembled image against them.
 *
 *   off   size  field
 *   0x00  8     magic "GAMUTBIO"
 *   0x08  4     version (1)
 *   0x0c  4     flags: bit 0 = start the kernel gamut loaded
 *   0x10  2     real-mode segment of the kernel's setup code
 *   0x12  2     its initial SP (heap end)
 *   0x14  4     number of e820 entries
 *   0x18  4     E801 AX/CX: KiB of RAM between 1 and 16 MiB
 *   0x1c  4     E801 BX/DX: 64 KiB blocks of RAM from 16 MiB to 4 GiB
 *   0x20  4     INT 15h 88h: KiB of RAM above 1 MiB (capped)
 *   0x24  4     conventional memory KiB (INT 12h, BDA)
 *   0x40  20*n  e820 entries: u64 base, u64 length, u32 type */
#ifndef GAMUT_BIOS_BIOS_ABI_H
#define GAMUT_BIOS_BIOS_ABI_H

#define BIOS_LOAD_ADDR	0x000f0000ull /* F000:0000 */
#define BIOS_SIZE	0x10000ull
#define BIOS_ALIAS_ADDR 0xffff0000ull /* read-only copy below 4 GiB */
#define BIOS_RESET_IP	0xfff0

#define BIOS_MAGIC	"GAMUTBIO"
#define BIOS_VERSION	1
#define BIOS_OFF_VERSION 0x08
#define BIOS_OFF_FLAGS	0x0c
#define BIOS_OFF_KSEG	0x10
#define BIOS_OFF_KSP	0x12
#define BIOS_OFF_E820_N 0x14
#define BIOS_OFF_E801_LO 0x18
#define BIOS_OFF_E801_HI 0x1c
#define BIOS_OFF_EXT_KIB 0x20
#define BIOS_OFF_BASE_KIB 0x24
#define BIOS_OFF_E820	0x40
#define BIOS_E820_MAX	16
#define BIOS_F_KERNEL	1

/* Conventional memory ends where the EBDA starts (LAYOUT_EBDA). */
#define BIOS_BASE_KIB	639

/* Where the bzImage's real-mode setup goes when the BIOS starts it
 * (boot.rst's "X"): setup at X, stack and heap up to X + 0xE000, the
 * command line at X + 0x10000 (= LAYOUT_CMDLINE). */
#define BIOS_SETUP_SEG	0x1000
#define BIOS_SETUP_ADDR 0x10000ull
#define BIOS_SETUP_MAX	0x8000ull
#define BIOS_SETUP_SP	0xe000
#define BIOS_HEAP_END	0xde00 /* heap_end_ptr: 512 bytes below SP */
#define BIOS_KERNEL_ADDR 0x100000ull /* the setup code jumps to code32_start */

#endif
