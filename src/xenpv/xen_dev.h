/* The Xen PV platform as the rest of gamut sees it: whether a kernel file
 * is a Xen PV kernel, and its boot loader (the domain builder). */
#ifndef GAMUT_XEN_XEN_DEV_H
#define GAMUT_XEN_XEN_DEV_H

#include <stdbool.h>

#include "core/err.h"
#include "cpu/x86_state.h"

struct vm;

/* True when `path` is an ELF kernel carrying Xen's PV notes. */
bool xen_kernel_file_detect(const char *path);
/* True when the VM was given such a kernel in a PV mode. */
bool xen_boot_wanted(struct vm *vm);
int xen_boot_load(struct vm *vm, struct x86_state *bsp, struct gerr *err);

#endif
