/* The Xen block backend (xen_blk.c): one per --disk in a Xen PV domain. */
#ifndef GAMUT_XEN_XEN_BLK_H
#define GAMUT_XEN_XEN_BLK_H

#include "core/err.h"

struct xen;
struct xen_blk;
struct disk_config;

/* Opens the disk and offers it to the guest as vbd 202:16*index (xvda,
 * xvdb, ...).  On failure *out may hold a partial device for
 * xen_blk_free. */
int xen_blk_add(struct xen *x, unsigned index, const struct disk_config *dc,
		struct xen_blk **out, struct gerr *err);
void xen_blk_free(struct xen_blk *b);

#endif
