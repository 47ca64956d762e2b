/* The assembled BIOS (src/bios/bios.asm -> $(BUILD)/bios/bios.bin, see the
 * Makefile), embedded into gamut as read-only data. */
#include "bios/bios_image.h"

#ifndef GAMUT_BIOS_BIN
#error "GAMUT_BIOS_BIN must name the assembled BIOS (set by the Makefile)"
#endif

__asm__(".section .rodata\n"
	".balign 16\n"
	".globl bios_image\n"
	"bios_image:\n"
	".incbin \"" GAMUT_BIOS_BIN "\"\n"
	".globl bios_image_end\n"
	"bios_image_end:\n"
	".previous\n");
