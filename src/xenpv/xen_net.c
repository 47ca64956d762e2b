/* The network backend (netif, xen/io/netif.h): each --net becomes a
 * virtual interface the guest's xen-netfront drives (eth0, ...), on the
 * same network backends as the other modes (src/net: TAP, user-mode).
 *
 * One event channel and one queue, copy mode only ("request-rx-copy"):
 * transmitted frames are gathered from the guest's granted slots and
 * handed to the backend within the guest's notification (vCPU thread);
 * received frames are copied into the buffers the guest posted, on the
 * event-loop thread, under `lock`.  Netfront always offloads the IPv4
 * TCP/UDP checksum (NETTXF_csum_blank); gamut completes it, as Xen's
 * netback does.  No scatter-gather or segmentation offload is offered,
 * so a frame is at most one page on receive.  Ring contents are the
 * guest's: requests are copied out before use and indexes that run away
 * stop the guest. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenpv/xen_abi.h"

#define xen_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#include <xen/io/netif.h>

#include "core/vm.h"
#include "net/csum.h"
#include "net/net.h"
#include "xenpv/xen_bus.h"
#include "xenpv/xen_net.h"

#define ETH_HLEN 14

struct xen_net {
	struct xen_bus_dev bus;
	struct net_backend *nb;
	char mac[18];
	pthread_mutex_t lock; /* rings: vCPU thread (TX) and event loop (RX) */
	bool ok;
	unsigned port;
	netif_tx_back_ring_t tx;
	netif_rx_back_ring_t rx;
	uint64_t tx_gpa, rx_gpa; /* the rings, held writable while connected */
	uint8_t frame[NET_FRAME_MAX];
	uint64_t tx_frames, rx_frames, tx_errors;
};

/* A partially checksummed IPv4 TCP or UDP frame: the L4 checksum field
 * holds the pseudo-header sum; the sum over the L4 data completes it. */
static void complete_csum(uint8_t *f, size_t len)
{
	size_t ip = ETH_HLEN, l4, end;
	unsigned ihl, proto, tot;

	if (len >= ETH_HLEN + 4 && f[12] == 0x81 && f[13] == 0x00)
		ip += 4; /* an 802.1Q tag */
	if (len < ip + 20 || f[ip - 2] != 0x08 || f[ip - 1] != 0x00 || (f[ip] >> 4) != 4)
		return;
	ihl = (f[ip] & 0xf) * 4u;
	proto = f[ip + 9];
	tot = (unsigned)f[ip + 2] << 8 | f[ip + 3];
	l4 = ip + ihl;
	end = ip + tot;
	if (ihl < 20 || end > len || l4 >= end)
		return;
	if (proto == 6)
		net_csum_insert(f, end, l4, l4 + 16, 0, 0);
	else if (proto == 17)
		net_csum_insert(f, end, l4, l4 + 6, 0, 0);
}

static void tx_respond(struct xen_net *n, uint16_t id, int16_t status)
{
	netif_tx_response_t *r = RING_GET_RESPONSE(&n->tx, n->tx.rsp_prod_pvt);

	r->id = id;
	r->status = status;
	n->tx.rsp_prod_pvt++;
}

#define TX_SLOTS_MAX 18 /* XEN_NETIF_NR_SLOTS_MIN: what any backend takes */

/* One frame from the TX ring: its slots (more_data chains them; the
 * first slot's size is the whole frame's, its own data what the others
 * do not carry; an extra-info slot is answered and skipped), gathered
 * into n->frame. */
static void tx_one(struct xen_net *n, RING_IDX prod)
{
	struct xen *x = n->bus.x;
	netif_tx_request_t slot[TX_SLOTS_MAX];
	unsigned ns = 0;
	size_t len = 0, rest = 0;
	bool ok = true, more = true;

	while (more && n->tx.req_cons != prod) {
		netif_tx_request_t req;

		RING_COPY_REQUEST(&n->tx, n->tx.req_cons, &req);
		n->tx.req_cons++;
		more = req.flags & NETTXF_more_data;
		if (ns < TX_SLOTS_MAX)
			slot[ns++] = req;
		else
			ok = false, tx_respond(n, req.id, NETIF_RSP_ERROR);
		if ((req.flags & NETTXF_extra_info) && n->tx.req_cons != prod) {
			/* No offload was offered, so none should come. */
			n->tx.req_cons++;
			tx_respond(n, 0, NETIF_RSP_NULL);
		}
	}
	if (more)
		ok = false; /* the chain ran past what the guest produced */
	for (unsigned i = 1; i < ns; i++)
		rest += slot[i].size;
	for (unsigned i = 0; ok && i < ns; i++) {
		size_t size = i ? slot[i].size : (size_t)slot[0].size - rest;
		uint64_t gpa;
		const uint8_t *p;

		if (i == 0 && rest > slot[0].size) {
			ok = false;
			break;
		}
		if (slot[i].offset + size > XEN_PAGE_SIZE || len + size > sizeof(n->frame) ||
		    xen_gnt_frame(x, slot[i].gref, false, &gpa) < 0 ||
		    !(p = gmem_ptr(x->mem, gpa + slot[i].offset, size ? size : 1))) {
			ok = false;
			break;
		}
		memcpy(n->frame + len, p, size);
		len += size;
	}
	for (unsigned i = 0; i < ns; i++)
		tx_respond(n, slot[i].id, ok ? NETIF_RSP_OKAY : NETIF_RSP_ERROR);
	if (!ok || len < ETH_HLEN) {
		n->tx_errors++;
		return;
	}
	if (slot[0].flags & NETTXF_csum_blank)
		complete_csum(n->frame, len);
	{
		struct iovec iov = { n->frame, len };

		n->tx_frames++;
		net_send(n->nb, &iov, 1); /* a frame the backend drops is lost, as on a wire */
	}
}

static void tx_process(struct xen_net *n)
{
	struct xen *x = n->bus.x;
	int more, notify;

	do {
		RING_IDX prod = __atomic_load_n(&n->tx.sring->req_prod, __ATOMIC_ACQUIRE);

		if (prod - n->tx.req_cons > RING_SIZE(&n->tx)) {
			n->ok = false;
			xen_crash(x, "xen vif %u: transmit ring index ran away", n->bus.devid);
			return;
		}
		while (n->tx.req_cons != prod) {
			netif_tx_request_t peek;

			RING_COPY_REQUEST(&n->tx, n->tx.req_cons, &peek);
			if (!net_tx_admit(n->nb, peek.size))
				break; /* the rate limit: tx_resume goes on */
			tx_one(n, prod);
		}
		RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&n->tx, notify);
		if (notify)
			xen_evtchn_raise(x, n->port);
		if (n->tx.req_cons != prod)
			return;
		RING_FINAL_CHECK_FOR_REQUESTS(&n->tx, more);
	} while (more);
}

static void net_notify(void *opaque)
{
	struct xen_net *n = opaque;

	pthread_mutex_lock(&n->lock);
	if (n->ok)
		tx_process(n);
	pthread_mutex_unlock(&n->lock);
	/* The notification may also announce new receive buffers. */
	if (n->ok)
		net_rx_ready(n->nb);
}

static void tx_resume(void *opaque)
{
	net_notify(opaque);
}

/* A frame for the guest (event-loop thread): into the next buffer it
 * posted; false when it has none, and the backend holds the frame. */
static bool net_rx(void *opaque, const void *frame, size_t len)
{
	struct xen_net *n = opaque;
	struct xen *x = n->bus.x;
	netif_rx_request_t req;
	netif_rx_response_t *r;
	uint64_t gpa;
	uint8_t *p;
	int notify;
	bool ok;

	pthread_mutex_lock(&n->lock);
	if (!n->ok) {
		pthread_mutex_unlock(&n->lock);
		return true; /* not connected: dropped, as by an unplugged NIC */
	}
	if (n->rx.req_cons == __atomic_load_n(&n->rx.sring->req_prod, __ATOMIC_ACQUIRE)) {
		/* Ask to be told when buffers are posted, then look again: a
		 * post that raced the request is otherwise never signalled. */
		n->rx.sring->req_event = n->rx.req_cons + 1;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (n->rx.req_cons == __atomic_load_n(&n->rx.sring->req_prod, __ATOMIC_ACQUIRE)) {
			pthread_mutex_unlock(&n->lock);
			return false;
		}
	}
	if (__atomic_load_n(&n->rx.sring->req_prod, __ATOMIC_ACQUIRE) - n->rx.req_cons >
	    RING_SIZE(&n->rx)) {
		n->ok = false;
		pthread_mutex_unlock(&n->lock);
		xen_crash(x, "xen vif %u: receive ring index ran away", n->bus.devid);
		return true;
	}
	RING_COPY_REQUEST(&n->rx, n->rx.req_cons, &req);
	n->rx.req_cons++;
	ok = len <= XEN_PAGE_SIZE && xen_gnt_hold(x, req.gref, &gpa) == 0;
	if (ok) {
		p = gmem_ptr_w(x->mem, gpa, len ? len : 1);
		if (p)
			memcpy(p, frame, len);
		xen_gnt_release(x, gpa);
		ok = p != NULL;
	}
	r = RING_GET_RESPONSE(&n->rx, n->rx.rsp_prod_pvt);
	r->id = req.id;
	r->offset = 0;
	r->flags = 0;
	r->status = ok ? (int16_t)len : NETIF_RSP_ERROR;
	n->rx.rsp_prod_pvt++;
	n->rx_frames += ok;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&n->rx, notify);
	pthread_mutex_unlock(&n->lock);
	if (notify)
		xen_evtchn_raise(x, n->port);
	return true;
}

/* A ring is written for as long as the device is connected: held. */
static int map_ring(struct xen_bus_dev *d, const char *key, void **sring, uint64_t *gpa)
{
	uint64_t ref;

	if (xen_bus_fe_read(d, key, &ref) < 0 || ref > UINT32_MAX ||
	    xen_gnt_hold(d->x, (uint32_t)ref, gpa) < 0)
		return -1;
	if (!(*sring = gmem_ptr_w(d->x->mem, *gpa, XEN_PAGE_SIZE))) {
		xen_gnt_release(d->x, *gpa);
		return -1;
	}
	return 0;
}

static int net_connect(struct xen_bus_dev *d)
{
	struct xen_net *n = d->opaque;
	uint64_t port, copy;
	void *tx, *rx;

	/* Only copy mode (the guest's pages are never given away), one
	 * queue, one event channel. */
	if (xen_bus_fe_read(d, "request-rx-copy", &copy) < 0 || copy != 1 ||
	    map_ring(d, "tx-ring-ref", &tx, &n->tx_gpa) < 0)
		return -1;
	if (map_ring(d, "rx-ring-ref", &rx, &n->rx_gpa) < 0) {
		xen_gnt_release(d->x, n->tx_gpa);
		return -1;
	}
	if (xen_bus_fe_read(d, "event-channel", &port) < 0 || port > UINT32_MAX ||
	    xen_evtchn_bind_backend(d->x, (unsigned)port, net_notify, n) < 0) {
		xen_gnt_release(d->x, n->tx_gpa);
		xen_gnt_release(d->x, n->rx_gpa);
		return -1;
	}
	pthread_mutex_lock(&n->lock);
	BACK_RING_INIT(&n->tx, (netif_tx_sring_t *)tx, XEN_PAGE_SIZE);
	BACK_RING_INIT(&n->rx, (netif_rx_sring_t *)rx, XEN_PAGE_SIZE);
	n->port = (unsigned)port;
	n->ok = true;
	pthread_mutex_unlock(&n->lock);
	return 0;
}

static void net_disconnect(struct xen_bus_dev *d)
{
	struct xen_net *n = d->opaque;

	pthread_mutex_lock(&n->lock);
	if (n->ok) {
		xen_gnt_release(d->x, n->tx_gpa);
		xen_gnt_release(d->x, n->rx_gpa);
	}
	n->ok = false;
	pthread_mutex_unlock(&n->lock);
}

static const struct xen_bus_ops net_ops = {
	.connect = net_connect,
	.disconnect = net_disconnect,
};

int xen_net_add(struct xen *x, unsigned index, const struct net_config *nc,
		struct xen_net **out, struct gerr *err)
{
	struct xen_net *n = calloc(1, sizeof(*n));
	char handle[12];

	if (!n)
		return gerr_set(err, "xen vif: out of memory");
	*out = n;
	pthread_mutex_init(&n->lock, NULL);
	/* Xen's own OUI (00:16:3e), one address per interface. */
	snprintf(n->mac, sizeof(n->mac), "00:16:3e:67:00:%02x", index & 0xff);
	snprintf(handle, sizeof(handle), "%u", index);
	n->nb = net_open(nc, &x->vm->loop, net_rx, n, err);
	if (!n->nb)
		return -1;
	net_set_tx_resume(n->nb, tx_resume, n);
	{
		const char *const be[] = {
			"mac", n->mac, "handle", handle,
			"feature-rx-copy", "1", "feature-rx-flip", "0",
			"feature-sg", "0", "feature-gso-tcpv4", "0",
			"feature-gso-tcpv6", "0", "feature-ipv6-csum-offload", "0",
			NULL,
		};
		const char *const fe[] = { "mac", n->mac, "handle", handle, NULL };

		if (xen_bus_add(x, &n->bus, "vif", index, fe, be, &net_ops, n, err) < 0)
			return -1;
	}
	stats_counter(&x->vm->stats, "xen.vif.tx", &n->tx_frames);
	stats_counter(&x->vm->stats, "xen.vif.rx", &n->rx_frames);
	stats_counter(&x->vm->stats, "xen.vif.tx-errors", &n->tx_errors);
	return 0;
}

void xen_net_free(struct xen_net *n)
{
	if (!n)
		return;
	if (n->nb)
		net_close(n->nb);
	pthread_mutex_destroy(&n->lock);
	free(n);
}
