/* The BIOS image built from the assembly in src/bios (64 KiB, see bios_abi.h). */
#ifndef GAMUT_BIOS_BIOS_IMAGE_H
#define GAMUT_BIOS_BIOS_IMAGE_H

#include <stdint.h>

extern const uint8_t bios_image[];
extern const uint8_t bios_image_end[];

#endif
