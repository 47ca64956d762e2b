/* xenbus backends: the handshake of xen/io/xenbus.h in xenstore. */
#include "xenpv/xen_bus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/xenbus.h>

#include "xenpv/xs.h"

static int write_kv(struct xs *xs, const char *dir, const char *key, const char *val)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xs_write(xs, path, val);
}

static void set_state(struct xen_bus_dev *d, int state)
{
	char v[8];

	d->state = state;
	snprintf(v, sizeof(v), "%d", state);
	write_kv(d->x->xs, d->be, "state", v);
}

static void report(struct xen_bus_dev *d, const char *why)
{
	write_kv(d->x->xs, d->be, "error", why);
	fprintf(stderr, "gamut: xen %s %u: %s\n", d->type, d->devid, why);
}

/* The frontend's state changed (or the watch was just set). */
static void fe_state(void *opaque, const char *path, const char *token)
{
	struct xen_bus_dev *d = opaque;
	uint64_t st;

	(void)path;
	(void)token;
	if (xen_bus_fe_read(d, "state", &st) < 0)
		return;
	switch (st) {
	case XenbusStateInitialised:
	case XenbusStateConnected:
		if (d->connected || d->state != XenbusStateInitWait)
			return;
		if (d->ops->connect(d) < 0) {
			report(d, "cannot connect to the frontend's ring");
			set_state(d, XenbusStateClosed);
			return;
		}
		d->connected = true;
		set_state(d, XenbusStateConnected);
		return;
	case XenbusStateClosing:
	case XenbusStateClosed:
		if (d->connected) {
			d->ops->disconnect(d);
			d->connected = false;
		}
		if (d->state != XenbusStateClosed)
			set_state(d, st == XenbusStateClosing ? XenbusStateClosing
							    : XenbusStateClosed);
		if (st == XenbusStateClosed)
			set_state(d, XenbusStateClosed);
		return;
	case XenbusStateInitialising:
		/* A frontend starting over (after a close): offer again. */
		if (d->state == XenbusStateClosed)
			set_state(d, XenbusStateInitWait);
		return;
	default:
		return;
	}
}

int xen_bus_add(struct xen *x, struct xen_bus_dev *d, const char *type,
		unsigned devid, const char *const *fe_keys,
		const char *const *be_keys, const struct xen_bus_ops *ops,
		void *opaque, struct gerr *err)
{
	static const char *const fe_perms[] = { "n1", "r0" };
	static const char *const be_perms[] = { "n0", "r1" };
	char v[16], path[128];

	memset(d, 0, sizeof(*d));
	d->x = x;
	d->type = type;
	d->devid = devid;
	d->ops = ops;
	d->opaque = opaque;
	snprintf(d->fe, sizeof(d->fe), "/local/domain/1/device/%s/%u", type, devid);
	snprintf(d->be, sizeof(d->be), "/local/domain/0/backend/%s/1/%u", type, devid);
	if (xs_write(x->xs, d->be, "") < 0 || xs_set_perms(x->xs, d->be, be_perms, 2) < 0 ||
	    xs_write(x->xs, d->fe, "") < 0 || xs_set_perms(x->xs, d->fe, fe_perms, 2) < 0)
		return gerr_set(err, "xen %s %u: cannot create its xenstore directories", type, devid);
	write_kv(x->xs, d->be, "frontend", d->fe);
	write_kv(x->xs, d->be, "frontend-id", "1");
	write_kv(x->xs, d->be, "online", "1");
	for (unsigned i = 0; be_keys && be_keys[i]; i += 2)
		write_kv(x->xs, d->be, be_keys[i], be_keys[i + 1]);
	write_kv(x->xs, d->fe, "backend", d->be);
	write_kv(x->xs, d->fe, "backend-id", "0");
	snprintf(v, sizeof(v), "%u", devid);
	write_kv(x->xs, d->fe, "virtual-device", v);
	for (unsigned i = 0; fe_keys && fe_keys[i]; i += 2)
		write_kv(x->xs, d->fe, fe_keys[i], fe_keys[i + 1]);
	snprintf(v, sizeof(v), "%d", XenbusStateInitialising);
	write_kv(x->xs, d->fe, "state", v);
	set_state(d, XenbusStateInitWait);
	snprintf(path, sizeof(path), "%s/state", d->fe);
	if (xs_watch_host(x->xs, path, d->fe, fe_state, d) < 0)
		return gerr_set(err, "xen %s %u: cannot watch its frontend", type, devid);
	return 0;
}

int xen_bus_fe_str(struct xen_bus_dev *d, const char *key, char *buf, size_t len)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", d->fe, key);
	return xs_read(d->x->xs, path, buf, len) < 0 ? -1 : 0;
}

int xen_bus_fe_read(struct xen_bus_dev *d, const char *key, uint64_t *v)
{
	char buf[32], *end;

	if (xen_bus_fe_str(d, key, buf, sizeof(buf)) < 0 || !buf[0])
		return -1;
	*v = strtoull(buf, &end, 10);
	return *end ? -1 : 0;
}

int xen_gnt_frame(struct xen *x, uint32_t ref, bool write, uint64_t *gpa)
{
	const uint32_t per_frame = XEN_PAGE_SIZE / sizeof(grant_entry_v1_t);
	grant_entry_v1_t e;
	enum xen_ftype t;

	if (ref >= XEN_GNT_FRAMES * per_frame ||
	    gmem_read(x->mem, (x->gnttab_mfn << 12) + (uint64_t)ref * sizeof(e), &e,
		      sizeof(e)) < 0)
		return -1;
	if ((e.flags & GTF_type_mask) != GTF_permit_access || e.domid != 0 ||
	    (write && (e.flags & GTF_readonly)) || e.frame >= x->nr_pages)
		return -1;
	t = xen_mm_type(&x->mm, e.frame, NULL, NULL);
	if (t != XEN_FT_NONE && t != XEN_FT_WRITABLE)
		return -1;
	*gpa = (uint64_t)e.frame << 12;
	return 0;
}

int xen_gnt_hold(struct xen *x, uint32_t ref, uint64_t *gpa)
{
	if (xen_gnt_frame(x, ref, true, gpa) < 0 ||
	    xen_mm_get_writable(&x->mm, *gpa >> 12) < 0)
		return -1;
	return 0;
}

void xen_gnt_release(struct xen *x, uint64_t gpa)
{
	xen_mm_put_writable(&x->mm, gpa >> 12);
}
