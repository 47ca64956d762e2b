/* The xenstore ring (Xen's docs/misc/xenstore-ring.txt): requests in
 * req[] between req_cons and req_prod, replies and watch events in rsp[]
 * between rsp_cons and rsp_prod, free-running 32-bit offsets taken modulo
 * XENSTORE_RING_SIZE.  The page is the guest's: each index is read once
 * per pass, checked (the producer at most one ring ahead of the
 * consumer), and only copies of the bytes are parsed.  A message may
 * arrive in pieces over several calls (kept in xs->in_*); replies wait in
 * an output queue until the ring has room for them. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "xenpv/xs_int.h"

#define HDR ((uint32_t)sizeof(struct xsd_sockmsg))

int xs_out_push_at(struct xs *xs, struct xs_outmsg **at, uint32_t type,
		   uint32_t req_id, uint32_t tx_id, const void *payload,
		   uint32_t len, bool droppable)
{
	struct xsd_sockmsg h = { type, req_id, tx_id, len };
	struct xs_outmsg *m;

	if (droppable && xs->out_bytes + HDR + len > XS_OUTQ_MAX)
		return -1;
	m = malloc(sizeof(*m) + HDR + len);
	if (!m)
		return -1;
	m->len = HDR + len;
	m->off = 0;
	memcpy(m->data, &h, HDR);
	if (len)
		memcpy(m->data + HDR, payload, len);
	m->next = *at;
	*at = m;
	if (xs->out_tail == at)
		xs->out_tail = &m->next;
	xs->out_bytes += m->len;
	return 0;
}

int xs_out_push(struct xs *xs, uint32_t type, uint32_t req_id, uint32_t tx_id,
		const void *payload, uint32_t len, bool droppable)
{
	return xs_out_push_at(xs, xs->out_tail, type, req_id, tx_id, payload,
			      len, droppable);
}

static int stop(struct xs *xs, const char *why, uint32_t a, uint32_t b)
{
	xs->dead = true;
	snprintf(xs->why, sizeof(xs->why), why, a, b);
	return -1;
}

/* Moves queued output into rsp[]: 1 when it wrote, 0 when not. */
static int flush(struct xs *xs, struct xenstore_domain_interface *ring)
{
	/* Acquire: the guest's reads of what it consumed are done before we
	 * write over them. */
	uint32_t cons = __atomic_load_n(&ring->rsp_cons, __ATOMIC_ACQUIRE);
	uint32_t prod = __atomic_load_n(&ring->rsp_prod, __ATOMIC_RELAXED);
	uint32_t room, put = 0;

	if (prod - cons > XENSTORE_RING_SIZE)
		return stop(xs, "response ring offsets out of range (cons %#x, prod %#x)",
			    cons, prod);
	room = XENSTORE_RING_SIZE - (prod - cons);
	while (xs->out_head && put < room) {
		struct xs_outmsg *m = xs->out_head;
		uint32_t idx = MASK_XENSTORE_IDX(prod + put);
		uint32_t n = m->len - m->off;

		if (n > room - put)
			n = room - put;
		if (n > XENSTORE_RING_SIZE - idx)
			n = XENSTORE_RING_SIZE - idx; /* up to the wrap */
		memcpy(ring->rsp + idx, m->data + m->off, n);
		m->off += n;
		put += n;
		if (m->off == m->len) {
			xs->out_head = m->next;
			if (!xs->out_head)
				xs->out_tail = &xs->out_head;
			xs->out_bytes -= m->len;
			free(m);
		}
	}
	if (!put)
		return 0;
	/* Release: the bytes are in before the guest sees the new offset. */
	__atomic_store_n(&ring->rsp_prod, prod + put, __ATOMIC_RELEASE);
	return 1;
}

/* Reads requests from req[] and handles each complete one: 1 when it
 * consumed bytes, 0 when not, -1 when the connection stops. */
static int take(struct xs *xs, struct xenstore_domain_interface *ring)
{
	/* Acquire: the guest's bytes are visible once its offset is. */
	uint32_t prod = __atomic_load_n(&ring->req_prod, __ATOMIC_ACQUIRE);
	uint32_t cons = __atomic_load_n(&ring->req_cons, __ATOMIC_RELAXED);
	uint32_t avail = prod - cons, got = 0;

	if (avail > XENSTORE_RING_SIZE)
		return stop(xs, "request ring offsets out of range (cons %#x, prod %#x)",
			    cons, prod);
	/* Stop reading while the guest leaves its replies unread. */
	while (got < avail && xs->out_bytes < XS_OUTQ_HIGH && !xs->dead) {
		uint32_t idx = MASK_XENSTORE_IDX(cons + got), want, n;
		char *dst;

		if (xs->in_have < HDR) {
			want = HDR - xs->in_have;
			dst = (char *)&xs->in_hdr + xs->in_have;
		} else {
			want = HDR + xs->in_hdr.len - xs->in_have;
			dst = xs->in_buf + (xs->in_have - HDR);
		}
		n = avail - got;
		if (n > want)
			n = want;
		if (n > XENSTORE_RING_SIZE - idx)
			n = XENSTORE_RING_SIZE - idx;
		memcpy(dst, ring->req + idx, n);
		got += n;
		xs->in_have += n;
		if (xs->in_have == HDR && xs->in_hdr.len > XENSTORE_PAYLOAD_MAX) {
			/* xenstore.txt: a client over the limit is cut off. */
			stop(xs, "request payload of %u bytes over the maximum of %u",
			     xs->in_hdr.len, XENSTORE_PAYLOAD_MAX);
			break;
		}
		if (xs->in_have >= HDR && xs->in_have == HDR + xs->in_hdr.len) {
			struct xsd_sockmsg h = xs->in_hdr;

			xs->in_buf[h.len] = '\0';
			xs->in_have = 0;
			xs_ops_handle(xs, &h, xs->in_buf);
		}
	}
	if (!got)
		return xs->dead ? -1 : 0;
	/* Release: our copies are done before the guest may reuse the space. */
	__atomic_store_n(&ring->req_cons, cons + got, __ATOMIC_RELEASE);
	return xs->dead ? -1 : 1;
}

int xs_ring_service(struct xs *xs, struct xenstore_domain_interface *ring,
		    struct gerr *err)
{
	int moved = 0;

	if (!xs->dead) {
		/* We offer no optional feature (no reconnection, no error
		 * field) and leave `connection` alone. */
		__atomic_store_n(&ring->server_features, 0, __ATOMIC_RELAXED);
		for (;;) {
			int w = flush(xs, ring), r = 0;

			if (w < 0)
				break;
			if (xs->out_bytes < XS_OUTQ_HIGH) {
				r = take(xs, ring);
				if (r < 0)
					break;
			}
			moved |= w | r;
			if (!w && !r)
				break;
		}
	}
	if (xs->dead)
		return gerr_set(err, "xenstore ring of domain %u: %s", xs->domid,
				xs->why);
	return moved;
}

bool xs_output_pending(const struct xs *xs)
{
	return xs->out_head != NULL;
}
