/* PV network devices (docs/pv-abi.md section 7) on the shared network
 * backends of src/net (TAP or user-mode).  Transmit requests go to the
 * backend synchronously inside RING_NOTIFY; frames from the backend fill
 * the receive buffers the guest posted, on the event-loop thread.  When no
 * buffer is posted the backend holds the frames (a TAP stops reading) until
 * the guest posts more and gamut calls net_rx_ready.  The RX ring is shared
 * by the two threads: `ring_lock` orders them.  A transmit rate limit
 * (src/net/net.h) stops the TX ring at the first request it refuses, which
 * stays unconsumed until the backend's tx_resume serves the ring again from
 * the event loop; so the TX ring takes `ring_lock` too. */
#include "pv/pv.h"

#include <string.h>

#include "core/vm.h"
#include "net/net.h"

#define RING_REQ_PROD  0
#define RING_REQ_EVENT 4
#define RING_RSP_PROD  8
#define RING_RSP_EVENT 12
#define NET_MTU	       1500
#define PV_FRAME_MAX   (NET_MTU + 14)

static bool net_rx(void *opaque, const void *frame, size_t len);
static void net_tx_resume(void *opaque);

int pv_net_open(struct pv *pv, unsigned index, const struct net_config *cfg,
		struct gerr *err)
{
	struct pv_device *d = &pv->dev[index];

	d->pv = pv;
	d->index = index;
	/* A locally administered MAC, one per manifest device. */
	memcpy(d->mac, (uint8_t[]){ 0x52, 0x54, 0x00, 0x70, 0x76, (uint8_t)index }, 6);
	d->mtu = NET_MTU;
	d->nb = net_open(cfg, &pv->vm->loop, net_rx, d, err);
	if (!d->nb)
		return -1;
	net_set_tx_resume(d->nb, net_tx_resume, d);
	return 0;
}

void pv_net_close(struct pv_device *d)
{
	if (d->nb)
		net_close(d->nb);
	d->nb = NULL;
}

/* The guest's producer index, or false (and the guest stopped) when it ran
 * away from what gamut consumed. */
static bool ring_pending(struct pv *pv, struct pv_device *d, struct pv_queue *q,
			 uint32_t *req_prod)
{
	if (gmem_read_u32(pv->mem, q->ring + RING_REQ_PROD, req_prod) < 0)
		return false;
	if (*req_prod - q->req_cons > (1u << q->order)) {
		pv_crash(pv, "device %s: ring index ran away (req_prod %u, consumed %u, %u slots)",
			 d->name, *req_prod, q->req_cons, 1u << q->order);
		return false;
	}
	return true;
}

static void ring_publish(struct pv *pv, struct pv_device *d, struct pv_queue *q,
			 uint32_t old_rsp)
{
	uint32_t rsp_event;

	__atomic_thread_fence(__ATOMIC_RELEASE);
	gmem_write_u32(pv->mem, q->ring + RING_RSP_PROD, q->rsp_prod);
	gmem_write_u32(pv->mem, q->ring + RING_REQ_EVENT, q->req_cons + 1);
	/* A full fence: the guest writes rsp_event, fences, then re-reads
	 * rsp_prod before it sleeps; without this one the load below may be
	 * served before the store above is seen, both sides read the other's
	 * old value, no event is raised and the guest sleeps on responses it
	 * never looks at (the receive side wedges). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	gmem_read_u32(pv->mem, q->ring + RING_RSP_EVENT, &rsp_event);
	if (q->rsp_prod != old_rsp && pv_ring_need_event(rsp_event, q->rsp_prod, old_rsp))
		pv_event_raise(pv, PV_EVENT_DEVICE(d->index));
}

static uint64_t slot_gpa(const struct pv_queue *q, uint32_t idx)
{
	return q->ring + 64 + (uint64_t)(idx & ((1u << q->order) - 1)) * 64;
}

static int32_t net_tx_one(struct pv *pv, struct pv_device *d, const struct pv_net_req *r)
{
	struct iovec iov;

	if (r->len < 14 || r->len > PV_FRAME_MAX)
		return -PV_EINVAL;
	if (!pv_guest_range(pv, r->buf, r->len) ||
	    !(iov.iov_base = (void *)gmem_ptr(pv->mem, r->buf, r->len)))
		return -PV_EFAULT;
	iov.iov_len = r->len;
	return net_send(d->nb, &iov, 1) < 0 ? -PV_EIO : 0; /* dropped, like a wire */
}

static int64_t net_tx(struct pv *pv, struct pv_device *d, struct pv_queue *q)
{
	uint32_t req_prod, old = q->rsp_prod;

	if (!ring_pending(pv, d, q, &req_prod))
		return -PV_EINVAL;
	while (q->req_cons != req_prod) {
		union pv_ring_slot rsp = { .raw = { 0 } };
		struct pv_net_req req;

		gmem_read(pv->mem, slot_gpa(q, q->req_cons), &req, sizeof(req));
		/* Refused frames stay on the ring (bad ones are not charged). */
		if (req.len >= 14 && req.len <= PV_FRAME_MAX &&
		    !net_tx_admit(d->nb, req.len))
			break;
		rsp.net_rsp.id = req.id;
		rsp.net_rsp.status = net_tx_one(pv, d, &req);
		rsp.net_rsp.len = rsp.net_rsp.status ? 0 : req.len;
		gmem_write(pv->mem, slot_gpa(q, q->req_cons), &rsp, sizeof(rsp));
		q->req_cons++;
		q->rsp_prod++;
	}
	ring_publish(pv, d, q, old);
	return 0;
}

/* Puts one frame in the next posted RX buffer; false when none is posted
 * (the backend keeps the frame).  With ring_lock held. */
static bool net_rx_locked(struct pv *pv, struct pv_device *d, const void *frame,
			  size_t len)
{
	struct pv_queue *q = &d->q[PV_QUEUE_RX];
	union pv_ring_slot rsp = { .raw = { 0 } };
	uint32_t req_prod, old = q->rsp_prod;
	struct pv_net_req req;
	uint8_t *p;

	if (vm_should_stop(pv->vm) || len > PV_FRAME_MAX)
		return true; /* nobody will take it: drop */
	if (!q->ready || !ring_pending(pv, d, q, &req_prod))
		return false;
	if (q->req_cons == req_prod) {
		/* No buffer: ask to be told of the next one, then look again.
		 * Without the full fence the guest's post and this check can
		 * each miss the other's store (x86 lets a load pass an earlier
		 * store), the guest sees no need to notify, the backend stays
		 * paused, and the guest's receive side wedges for good. */
		gmem_write_u32(pv->mem, q->ring + RING_REQ_EVENT, q->req_cons + 1);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (!ring_pending(pv, d, q, &req_prod) || q->req_cons == req_prod)
			return false;
	}
	gmem_read(pv->mem, slot_gpa(q, q->req_cons), &req, sizeof(req));
	rsp.net_rsp.id = req.id;
	if (req.len < PV_FRAME_MAX)
		rsp.net_rsp.status = -PV_EINVAL;
	else if (!pv_guest_range(pv, req.buf, len) || !(p = gmem_ptr_w(pv->mem, req.buf, len)))
		rsp.net_rsp.status = -PV_EFAULT;
	else {
		memcpy(p, frame, len);
		rsp.net_rsp.len = (uint32_t)len;
	}
	gmem_write(pv->mem, slot_gpa(q, q->req_cons), &rsp, sizeof(rsp));
	q->req_cons++;
	q->rsp_prod++;
	ring_publish(pv, d, q, old);
	return true;
}

static bool net_rx(void *opaque, const void *frame, size_t len)
{
	struct pv_device *d = opaque;
	bool taken;

	pthread_mutex_lock(&d->pv->ring_lock);
	taken = net_rx_locked(d->pv, d, frame, len);
	pthread_mutex_unlock(&d->pv->ring_lock);
	return taken;
}

/* The transmit limit has room again (event loop). */
static void net_tx_resume(void *opaque)
{
	struct pv_device *d = opaque;

	pthread_mutex_lock(&d->pv->ring_lock);
	if (d->q[PV_QUEUE_TX].ready && !vm_should_stop(d->pv->vm))
		net_tx(d->pv, d, &d->q[PV_QUEUE_TX]);
	pthread_mutex_unlock(&d->pv->ring_lock);
}

int64_t pv_net_notify(struct pv *pv, unsigned index, unsigned queue)
{
	struct pv_device *d = &pv->dev[index];
	int64_t r;

	if (queue == PV_QUEUE_TX) {
		pthread_mutex_lock(&pv->ring_lock);
		r = net_tx(pv, d, &d->q[PV_QUEUE_TX]);
		pthread_mutex_unlock(&pv->ring_lock);
		return r;
	}
	net_rx_ready(d->nb); /* new buffers: the backend delivers held frames */
	return 0;
}
