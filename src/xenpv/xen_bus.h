/* The backend half of a Xen split device (xenbus, docs/xen-pv.md
 * "Devices"): gamut writes the frontend's and the backend's directories
 * in xenstore, announces its features, follows the frontend's state, and
 * when the frontend has published its ring and event channel calls the
 * device's connect().  Frontend states follow xen/io/xenbus.h.
 *
 * Everything here runs with x->xs_lock held (from xenstore's watch
 * callbacks or at build time), except the device's notify on its event
 * channel. */
#ifndef GAMUT_XEN_XEN_BUS_H
#define GAMUT_XEN_XEN_BUS_H

#include <stdbool.h>
#include <stdint.h>

#include "xenpv/xen.h"

struct xen_bus_dev;

struct xen_bus_ops {
	/* The frontend is Initialised: read its keys (xen_bus_fe_read), map
	 * its ring, bind its event channel.  0, or -1 with a one-line reason
	 * in xenstore's error node and the device left unconnected. */
	int (*connect)(struct xen_bus_dev *d);
	/* The frontend closes or the VM ends: drop ring and channel. */
	void (*disconnect)(struct xen_bus_dev *d);
};

struct xen_bus_dev {
	struct xen *x;
	const char *type;	/* "vbd", "vif" */
	unsigned devid;
	char fe[96], be[96];	/* xenstore directories */
	int state;		/* the backend's XenbusState */
	bool connected;
	const struct xen_bus_ops *ops;
	void *opaque;		/* the device's own state */
};

/* Creates both directories: `be_keys` and `fe_keys` are NULL-terminated
 * key, value pairs the backend announces and the frontend starts with;
 * then the backend waits in InitWait. */
int xen_bus_add(struct xen *x, struct xen_bus_dev *d, const char *type,
		unsigned devid, const char *const *fe_keys,
		const char *const *be_keys, const struct xen_bus_ops *ops,
		void *opaque, struct gerr *err);

/* An unsigned number the frontend wrote under its directory; -1 if the
 * key is missing or not a number. */
int xen_bus_fe_read(struct xen_bus_dev *d, const char *key, uint64_t *v);
/* A string the frontend wrote (NUL-terminated, truncated); -1 if none. */
int xen_bus_fe_str(struct xen_bus_dev *d, const char *key, char *buf, size_t len);

/* The guest's grant `ref` (grant table v1): the guest-physical address
 * of the frame it grants gamut, with write access if asked.  -1 when the
 * reference is out of range, not granted to domain 0, read-only for a
 * write, or names a frame the guest may not hand out (not its RAM, or
 * one of its page tables or descriptor pages, which only validated
 * updates may change). */
int xen_gnt_frame(struct xen *x, uint32_t ref, bool write, uint64_t *gpa);

/* As xen_gnt_frame for a frame gamut will write, holding a writable use
 * of it (xen_mm.h) until xen_gnt_release: while gamut writes there, the
 * guest cannot turn the frame into a page table (another vCPU could,
 * between a check and the write, and a ring is written for as long as
 * the device is connected). */
int xen_gnt_hold(struct xen *x, uint32_t ref, uint64_t *gpa);
void xen_gnt_release(struct xen *x, uint64_t gpa);

#endif
