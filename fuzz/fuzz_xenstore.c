/* libFuzzer target: gamut's xenstore (src/xenpv/xs_*.c) as a hostile guest
 * sees it.  The input is a stream of operations on one ring: bytes for the
 * request ring (in chunks, so messages split anywhere and across the
 * wrap), service calls, the guest reading all, part or none of its
 * replies, gamut's own changes (which fire watches, one of them a backend
 * that writes from its callback), and index corruption.  It must never
 * crash, leak or loop, and what comes out of the response ring must be
 * well-formed messages. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xenpv/xen_abi.h"
#include "xenpv/xs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HOME "/local/domain/1"

struct guest {
	struct xenstore_domain_interface ring;
	/* Replies being assembled on the guest's side. */
	uint8_t in[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
	uint32_t have;
	bool corrupt; /* the guest broke its response index: stop reading */
};

static uint32_t get(const uint8_t **p, const uint8_t *end, unsigned n)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < n && *p < end; i++, (*p)++)
		v |= (uint32_t)**p << (8 * i);
	return v;
}

/* Reads up to `max` bytes of replies, checking every message. */
static void drain(struct guest *g, uint32_t max)
{
	struct xenstore_domain_interface *r = &g->ring;
	const uint32_t hdr = sizeof(struct xsd_sockmsg);

	if (g->corrupt)
		return;
	if (r->rsp_prod - r->rsp_cons > XENSTORE_RING_SIZE)
		abort(); /* the server broke its own producer index */
	while (max-- && r->rsp_cons != r->rsp_prod) {
		struct xsd_sockmsg h;

		g->in[g->have++] = (uint8_t)r->rsp[MASK_XENSTORE_IDX(r->rsp_cons)];
		r->rsp_cons++;
		if (g->have < hdr)
			continue;
		memcpy(&h, g->in, hdr);
		if (h.len > XENSTORE_PAYLOAD_MAX || h.type >= XS_TYPE_COUNT)
			abort();
		if (g->have < hdr + h.len)
			continue;
		/* Errors and events are NUL-terminated strings. */
		if ((h.type == XS_ERROR || h.type == XS_WATCH_EVENT) &&
		    (h.len == 0 || g->in[hdr + h.len - 1] != 0))
			abort();
		if (h.type == XS_WATCH_EVENT && (h.req_id || h.tx_id))
			abort();
		g->have = 0;
	}
}

static void backend(void *opaque, const char *path, const char *token)
{
	struct xs *xs = opaque;

	(void)token;
	/* A backend that answers: outside what it watches. */
	xs_write(xs, "/local/domain/0/backend/seen", path);
}

static void put(struct guest *g, const uint8_t **p, const uint8_t *end,
		uint32_t n)
{
	struct xenstore_domain_interface *r = &g->ring;

	while (n-- && *p < end) {
		if (r->req_prod - r->req_cons >= XENSTORE_RING_SIZE)
			return; /* full: a guest would wait */
		r->req[MASK_XENSTORE_IDX(r->req_prod)] = (char)*(*p)++;
		r->req_prod++;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const home_perm[] = { "n0", "r1" };
	static const char *const own[] = { "n1" };
	static const char *const paths[] = {
		HOME "/data/a", HOME "/data", HOME "/data/a/b", "/vm/x",
		HOME "/device/vbd/51712/state", HOME,
	};
	const uint8_t *p = data, *end = data + size;
	struct guest *g = calloc(1, sizeof(*g));
	struct xs *xs = xs_new(1);
	struct gerr err;
	uint32_t start = get(&p, end, 4);
	unsigned ops = 0;

	if (!g || !xs)
		abort();
	g->ring.req_cons = g->ring.req_prod = start;
	g->ring.rsp_cons = g->ring.rsp_prod = start ^ get(&p, end, 2);
	xs_write(xs, HOME, "");
	xs_set_perms(xs, HOME, home_perm, 2);
	xs_write(xs, HOME "/data", "");
	xs_set_perms(xs, HOME "/data", own, 1);
	xs_write(xs, HOME "/device/vbd/51712/state", "1");
	xs_set_perms(xs, HOME "/device", own, 1);
	xs_watch_host(xs, HOME "/data", "be", backend, xs);
	xs_watch_host(xs, "@releaseDomain", "rd", backend, xs);

	while (p < end && ops++ < 4096) {
		uint8_t op = (uint8_t)get(&p, end, 1);
		int rc = 0;

		switch (op >> 6) {
		case 0: /* request bytes */
			put(g, &p, end, (op & 0x3f) + 1u);
			break;
		case 1: /* the guest signals; reads everything */
			rc = xs_ring_service(xs, &g->ring, &err);
			drain(g, UINT32_MAX);
			break;
		case 2: /* ... or only some of it */
			rc = xs_ring_service(xs, &g->ring, &err);
			drain(g, op & 0x3f);
			break;
		default: {
			const char *path = paths[(op & 7) % 6];

			switch ((op >> 3) & 7) {
			case 0: xs_write(xs, path, "v"); break;
			case 1: xs_rm(xs, path); break;
			case 2: xs_fire_special(xs, "@releaseDomain"); break;
			case 3: g->ring.req_prod += get(&p, end, 2); break;
			case 4:
				g->ring.rsp_cons += get(&p, end, 2);
				g->corrupt = true;
				break;
			case 5: {
				static const char *const guest_rw[] = { "b1" };

				xs_set_perms(xs, path, guest_rw, 1);
				break;
			}
			default: xs_mkdir(xs, path); break;
			}
		}
		}
		if (rc < 0)
			break;
	}
	/* The guest reads until nothing more comes (bounded: every call that
	 * moves something either consumes input or frees queued output). */
	for (unsigned i = 0; i < 100000; i++) {
		int rc = xs_ring_service(xs, &g->ring, &err);

		drain(g, UINT32_MAX);
		if (rc <= 0)
			break;
	}
	xs_free(xs);
	free(g);
	return 0;
}
