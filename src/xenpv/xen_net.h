/* The Xen network backend (xen_net.c): one per --net in a Xen PV domain. */
#ifndef GAMUT_XEN_XEN_NET_H
#define GAMUT_XEN_XEN_NET_H

#include "core/err.h"

struct xen;
struct xen_net;
struct net_config;

/* Opens the network backend and offers it to the guest as vif `index`
 * (eth0, ...).  On failure *out may hold a partial device for
 * xen_net_free. */
int xen_net_add(struct xen *x, unsigned index, const struct net_config *nc,
		struct xen_net **out, struct gerr *err);
/* After the event loop stopped. */
void xen_net_free(struct xen_net *n);

#endif
