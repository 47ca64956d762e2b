/* Network devices over two PV rings (docs/pv-abi.md section 7): TX frames
 * are copied into per-slot buffers and sent with one notification per
 * batch; RX buffers are posted up front and re-posted as frames are read. */
#include <gamut/pv.h>
#include <stdlib.h>
#include <string.h>

#define NET_ORDER 5
#define NET_SLOTS (1u << NET_ORDER)
#define BUF_SIZE  2048

struct pv_queue_state {
	volatile struct pv_ring *ring;
	uint32_t req_prod, rsp_cons;
	char *bufs; /* NET_SLOTS buffers of BUF_SIZE */
};

struct pv_net {
	unsigned dev;
	uint8_t mac[6];
	struct pv_queue_state tx, rx;
};

static int queue_init(struct pv_net *n, struct pv_queue_state *q, unsigned queue)
{
	struct pv_hc_ring_setup rs = { 0, n->dev, queue, 0, NET_ORDER, 0 };

	q->ring = aligned_alloc(PV_PAGE_SIZE, PV_RING_BYTES(NET_ORDER));
	q->bufs = aligned_alloc(PV_PAGE_SIZE, NET_SLOTS * BUF_SIZE);
	if (!q->ring || !q->bufs)
		return -PV_ENOMEM;
	memset((void *)q->ring, 0, PV_RING_BYTES(NET_ORDER));
	rs.ring = pv_gpa((const void *)q->ring);
	pv_hypercall(PV_HC_RING_SETUP, &rs);
	return (int)rs.ret;
}

static void publish(struct pv_net *n, struct pv_queue_state *q, unsigned queue)
{
	uint32_t old = q->ring->req_prod;
	struct pv_hc_ring_notify nt = { 0, n->dev, queue };

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	q->ring->req_prod = q->req_prod;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (pv_ring_need_event(q->ring->req_event, q->req_prod, old))
		pv_hypercall(PV_HC_RING_NOTIFY, &nt);
}

static void post_rx(struct pv_net *n, uint32_t slot)
{
	volatile struct pv_net_req *r = &n->rx.ring->slot[n->rx.req_prod & (NET_SLOTS - 1)].net_req;

	r->id = slot;
	r->buf = pv_gpa(n->rx.bufs + (size_t)slot * BUF_SIZE);
	r->len = BUF_SIZE;
	r->flags = 0;
	n->rx.req_prod++;
}

struct pv_net *pv_net_open(const char *name)
{
	struct pv_hc_device_info info;
	struct pv_net *n;
	int dev = pv_device_find(PV_DEV_NET, name);

	if (dev < 0 || pv_device_info((unsigned)dev, &info) < 0)
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->dev = (unsigned)dev;
	memcpy(n->mac, info.mac, 6);
	if (queue_init(n, &n->tx, PV_QUEUE_TX) < 0 || queue_init(n, &n->rx, PV_QUEUE_RX) < 0)
		return NULL;
	for (uint32_t i = 0; i < NET_SLOTS; i++)
		post_rx(n, i);
	publish(n, &n->rx, PV_QUEUE_RX);
	return n;
}

void pv_net_mac(const struct pv_net *n, uint8_t mac[6])
{
	memcpy(mac, n->mac, 6);
}

/* Takes the transmit responses gamut has written; keeps an error. */
static void tx_collect(struct pv_queue_state *q, int *status)
{
	while (q->rsp_cons != q->ring->rsp_prod) {
		int32_t s = q->ring->slot[q->rsp_cons & (NET_SLOTS - 1)].net_rsp.status;

		if (s < 0)
			*status = s;
		q->rsp_cons++;
	}
}

int pv_net_send(struct pv_net *n, const void *frame, size_t len)
{
	struct pv_queue_state *q = &n->tx;
	uint32_t slot = q->req_prod & (NET_SLOTS - 1);
	volatile struct pv_net_req *r = &q->ring->slot[slot].net_req;
	int status = 0;

	if (len > PV_NET_FRAME_MAX)
		return -PV_EINVAL;
	/* gamut normally sends within the notification, but a transmit rate
	 * limit (docs/devices.md) leaves requests on the ring for later:
	 * with every slot in flight, wait for the oldest instead of
	 * overwriting it. */
	while (q->req_prod - q->rsp_cons >= NET_SLOTS) {
		tx_collect(q, &status);
		if (q->req_prod - q->rsp_cons < NET_SLOTS)
			break;
		q->ring->rsp_event = q->rsp_cons + 1;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (q->rsp_cons == q->ring->rsp_prod)
			pv_poll(PV_DEADLINE_NEVER, PV_EVENT_DEVICE(n->dev));
	}
	memcpy(q->bufs + (size_t)slot * BUF_SIZE, frame, len);
	r->id = slot;
	r->buf = pv_gpa(q->bufs + (size_t)slot * BUF_SIZE);
	r->len = (uint32_t)len;
	r->flags = 0;
	q->req_prod++;
	publish(n, q, PV_QUEUE_TX);
	tx_collect(q, &status);
	return status;
}

int pv_net_recv(struct pv_net *n, void *buf, size_t cap, uint64_t deadline_ns)
{
	struct pv_queue_state *q = &n->rx;

	for (;;) {
		if (q->rsp_cons != q->ring->rsp_prod) {
			volatile struct pv_net_rsp *r =
				&q->ring->slot[q->rsp_cons & (NET_SLOTS - 1)].net_rsp;
			uint32_t slot = (uint32_t)r->id & (NET_SLOTS - 1), len = r->len;
			int32_t status = r->status;

			q->rsp_cons++;
			if (len > cap)
				len = (uint32_t)cap;
			if (status == 0)
				memcpy(buf, q->bufs + (size_t)slot * BUF_SIZE, len);
			post_rx(n, slot);
			publish(n, q, PV_QUEUE_RX);
			return status < 0 ? status : (int)len;
		}
		q->ring->rsp_event = q->rsp_cons + 1;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (q->rsp_cons != q->ring->rsp_prod)
			continue;
		if (pv_monotonic_ns() >= deadline_ns)
			return 0;
		pv_poll(deadline_ns, PV_EVENT_DEVICE(n->dev));
	}
}
