/* Loading a gamut PV guest image (docs/pv-abi.md): called by boot_load()
 * when the mode boots with BOOT_PV.  Every other mode's loader calls
 * pv_image_detect() to refuse a PV image with a clear message. */
#ifndef GAMUT_PV_PV_BOOT_H
#define GAMUT_PV_PV_BOOT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "cpu/x86_state.h"

struct vm;

/* Reads vm->cfg.kernel, checks it is a PV image for this ABI version,
 * attaches the manifest's devices to vm->cfg's --disk/--net, builds the
 * page tables, the ring-0 stub and the start info in guest memory, and
 * fills the boot vCPU's entry state.  Runs after device_create_all() (the
 * "pv" device must exist: mode preset io == IO_PV_RINGS). */
int pv_boot_load(struct vm *vm, struct x86_state *bsp, struct gerr *err);

/* True when buf is an ELF file carrying a gamut-pv ABI note (any version):
 * other modes' loaders refuse such a file ("a PV image: use --mode pv"). */
bool pv_image_detect(const void *buf, size_t len);

#endif
