/* Boot loaders: put the guest's first code and its boot information in
 * guest memory and describe the entry state of the boot vCPU.
 *
 * boot_load() runs after every device exists (the firmware tables describe
 * them) and before any vCPU runs.  It picks the loader from the mode preset
 * (vm->cfg.mode->boot) and the kernel file's format, and refuses a file that
 * the mode cannot boot with one line naming the file and the problem. */
#ifndef GAMUT_BOOT_BOOT_H
#define GAMUT_BOOT_BOOT_H

#include "core/err.h"
#include "cpu/x86_state.h"

struct vm;

int boot_load(struct vm *vm, struct x86_state *bsp, struct gerr *err);

#endif
