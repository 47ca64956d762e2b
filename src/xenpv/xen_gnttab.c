/* The grant table, version 1 (xen/grant_table.h): frames the guest owns
 * (above its RAM) where it lists which of its pages a backend may use.
 * gamut's backends read the entries when a request names a grant
 * reference. */
#include <string.h>

#include "xenpv/xen_hcall.h"

static int64_t query_size(struct xen_call *c, uint64_t va)
{
	struct gnttab_query_size q;

	if (xen_copy_from_guest(c->v, va, &q, sizeof(q)) < 0)
		return -XEN_EFAULT;
	q.nr_frames = XEN_GNT_FRAMES;
	q.max_nr_frames = XEN_GNT_FRAMES;
	q.status = q.dom == DOMID_SELF ? GNTST_okay : GNTST_bad_domain;
	return xen_copy_to_guest(c->v, va, &q, sizeof(q));
}

static int64_t setup_table(struct xen_call *c, uint64_t va)
{
	struct xen *x = c->v->x;
	struct gnttab_setup_table s;

	if (xen_copy_from_guest(c->v, va, &s, sizeof(s)) < 0)
		return -XEN_EFAULT;
	if (s.dom != DOMID_SELF)
		s.status = GNTST_bad_domain;
	else if (s.nr_frames > XEN_GNT_FRAMES)
		s.status = GNTST_general_error;
	else {
		s.status = GNTST_okay;
		for (uint32_t i = 0; i < s.nr_frames; i++) {
			xen_pfn_t f = x->gnttab_mfn + i;

			if (xen_copy_to_guest(c->v, (uint64_t)(uintptr_t)s.frame_list.p + i * sizeof(f),
					      &f, sizeof(f)) < 0)
				return -XEN_EFAULT;
		}
	}
	return xen_copy_to_guest(c->v, va, &s, sizeof(s));
}

int64_t xen_hc_grant_table_op(struct xen_call *c)
{
	uint64_t cmd = c->a[0], va = c->a[1], count = c->a[2];

	if (count > 64)
		return -XEN_EINVAL;
	for (uint64_t i = 0; i < count; i++) {
		int64_t rc;

		switch (cmd) {
		case GNTTABOP_query_size:
			rc = query_size(c, va + i * sizeof(struct gnttab_query_size));
			break;
		case GNTTABOP_setup_table:
			rc = setup_table(c, va + i * sizeof(struct gnttab_setup_table));
			break;
		case GNTTABOP_set_version: {
			struct gnttab_set_version sv;

			if (xen_copy_from_guest(c->v, va, &sv, sizeof(sv)) < 0)
				return -XEN_EFAULT;
			if (sv.version != 1)
				return -XEN_EINVAL;
			rc = 0;
			break;
		}
		case GNTTABOP_get_version: {
			struct gnttab_get_version gv;

			if (xen_copy_from_guest(c->v, va, &gv, sizeof(gv)) < 0)
				return -XEN_EFAULT;
			gv.version = 1;
			rc = xen_copy_to_guest(c->v, va, &gv, sizeof(gv));
			break;
		}
		default:
			return -XEN_ENOSYS; /* mapping foreign grants is a backend's business */
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}
