/* PV network devices over TAP (docs/pv-abi.md section 7).  Transmit
 * requests are written to the TAP device synchronously inside RING_NOTIFY;
 * receive buffers the guest posts are filled from the event loop when
 * frames arrive, and gamut stops watching the TAP device while the guest
 * has no buffer posted (so the kernel queues frames instead of gamut
 * dropping them).  The RX ring is shared by two threads: `lock` orders
 * them. */
#include "pv/pv.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/vm.h"

#define RING_REQ_PROD  0
#define RING_REQ_EVENT 4
#define RING_RSP_PROD  8
#define RING_RSP_EVENT 12
#define NET_MTU	       1500
#define NET_FRAME_MAX  (NET_MTU + 14)

static void net_rx_ready(void *opaque, uint32_t events);

int pv_net_open(struct pv *pv, unsigned index, const char *ifname, struct gerr *err)
{
	struct pv_device *d = &pv->dev[index];
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (strlen(ifname) >= sizeof(ifr.ifr_name))
		return gerr_set(err, "tap:%s: interface name too long", ifname);
	strcpy(ifr.ifr_name, ifname);
	d->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (d->fd < 0)
		return gerr_errno(err, errno, "tap:%s: cannot open /dev/net/tun", ifname);
	if (ioctl(d->fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;

		pv_blk_close(d);
		return gerr_errno(err, e, "tap:%s: cannot attach", ifname);
	}
	/* A locally administered MAC, one per manifest device. */
	memcpy(d->mac, (uint8_t[]){ 0x52, 0x54, 0x00, 0x70, 0x76, (uint8_t)index }, 6);
	d->mtu = NET_MTU;
	d->pv = pv;
	d->index = index;
	if (evloop_add(&pv->vm->loop, d->fd, 0, net_rx_ready, d, err) < 0) {
		pv_blk_close(d);
		return gerr_prefix(err, "tap:%s: ", ifname);
	}
	d->watched = true;
	return 0;
}

void pv_net_close(struct pv_device *d)
{
	if (d->watched)
		evloop_del(&d->pv->vm->loop, d->fd);
	d->watched = false;
}

/* Reads a request slot; false (and the guest stopped) when the ring's
 * producer index ran away. */
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
	const void *p;

	if (r->len < 14 || r->len > NET_FRAME_MAX)
		return -PV_EINVAL;
	if (!pv_guest_range(pv, r->buf, r->len) || !(p = gmem_ptr(pv->mem, r->buf, r->len)))
		return -PV_EFAULT;
	for (;;) {
		ssize_t n = write(d->fd, p, r->len);

		if (n == (ssize_t)r->len)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		return -PV_EIO; /* a full TAP queue drops, like a wire */
	}
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

/* Fills posted RX buffers from the TAP device; with lock held.  Stops
 * watching the device when no buffer is left. */
static void net_rx_fill(struct pv *pv, struct pv_device *d)
{
	struct pv_queue *q = &d->q[PV_QUEUE_RX];
	uint32_t req_prod, old = q->rsp_prod;
	bool more = true;

	if (!q->ready || vm_should_stop(pv->vm) || !ring_pending(pv, d, q, &req_prod))
		return;
	while (q->req_cons != req_prod) {
		union pv_ring_slot rsp = { .raw = { 0 } };
		struct pv_net_req req;
		uint8_t *p;
		ssize_t n;

		gmem_read(pv->mem, slot_gpa(q, q->req_cons), &req, sizeof(req));
		rsp.net_rsp.id = req.id;
		if (req.len < NET_FRAME_MAX || !pv_guest_range(pv, req.buf, req.len) ||
		    !(p = gmem_ptr_w(pv->mem, req.buf, req.len))) {
			rsp.net_rsp.status = req.len < NET_FRAME_MAX ? -PV_EINVAL : -PV_EFAULT;
		} else {
			n = read(d->fd, p, req.len);
			if (n < 0) {
				more = false;
				break; /* EAGAIN: nothing more to receive now */
			}
			rsp.net_rsp.len = (uint32_t)n;
		}
		gmem_write(pv->mem, slot_gpa(q, q->req_cons), &rsp, sizeof(rsp));
		q->req_cons++;
		q->rsp_prod++;
	}
	ring_publish(pv, d, q, old);
	/* No buffer left: let the kernel queue frames until the guest posts. */
	if (q->req_cons == req_prod && more)
		evloop_mod(&pv->vm->loop, d->fd, 0);
}

static void net_rx_ready(void *opaque, uint32_t events)
{
	struct pv_device *d = opaque;

	(void)events;
	pthread_mutex_lock(&d->pv->lock);
	net_rx_fill(d->pv, d);
	pthread_mutex_unlock(&d->pv->lock);
}

int64_t pv_net_notify(struct pv *pv, unsigned index, unsigned queue)
{
	struct pv_device *d = &pv->dev[index];
	int64_t rc = 0;

	if (queue == PV_QUEUE_TX)
		return net_tx(pv, d, &d->q[PV_QUEUE_TX]);
	/* New RX buffers: watch the device again; the event loop fills them. */
	pthread_mutex_lock(&pv->lock);
	if (evloop_mod(&pv->vm->loop, d->fd, EPOLLIN) < 0)
		rc = -PV_EIO;
	pthread_mutex_unlock(&pv->lock);
	return rc;
}
