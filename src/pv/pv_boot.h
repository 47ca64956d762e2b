/* Loading a gamut PV guest image (docs/pv-abi.md): called by boot_load()
 * when the mode boots with BOOT_PV. */
#ifndef GAMUT_PV_PV_BOOT_H
#define GAMUT_PV_PV_BOOT_H

#include "core/err.h"
#include "cpu/x86_state.h"

struct vm;

int pv_boot_load(struct vm *vm, struct x86_state *bsp, struct gerr *err);

#endif
