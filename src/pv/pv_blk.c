/* PV block devices and their rings (docs/pv-abi.md section 7).  Requests
 * are served synchronously inside RING_NOTIFY on the vCPU thread, straight
 * between the disk file and guest memory: one exit per batch, no copies.
 *
 * With a rate limit (--disk NAME=PATH,iops=N,bw=N) the ring stops at the
 * first request the gate refuses: it stays unconsumed (the guest sees no
 * response yet) and the gate's timer serves the ring again from the event
 * loop, raising the device's event as usual.  Both threads then serve the
 * ring, so it is served under `ring_lock`. */
#include "pv/pv.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h"
#include "core/vm.h"

static void blk_resume(void *opaque);

int pv_blk_open(struct pv *pv, unsigned index, const struct disk_config *dc,
		struct gerr *err)
{
	struct pv_device *d = &pv->dev[index];
	struct stat sb;
	off_t size;

	d->fd = open(dc->path, (dc->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (d->fd < 0)
		return gerr_errno(err, errno, "--disk %s=%s: cannot open", dc->name, dc->path);
	if (fstat(d->fd, &sb) < 0 || (size = lseek(d->fd, 0, SEEK_END)) < 0) {
		pv_blk_close(d);
		return gerr_errno(err, errno, "--disk %s=%s: cannot find its size",
				  dc->name, dc->path);
	}
	d->readonly = dc->readonly;
	d->sectors = (uint64_t)size / PV_SECTOR_SIZE;
	d->path = dc->path;
	d->pv = pv;
	d->index = index;
	d->gate_ready = true;
	if (rl_gate_init(&d->gate, &dc->limit, &pv->vm->loop, blk_resume, d,
			 dc->path, err) < 0) {
		pv_blk_close(d);
		return -1;
	}
	return 0;
}

void pv_blk_close(struct pv_device *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	if (d->gate_ready)
		rl_gate_destroy(&d->gate);
	d->gate_ready = false;
}

int64_t pv_hc_ring_setup(struct pv_call *c, void *blk)
{
	struct pv_hc_ring_setup *a = blk;
	struct pv_device *d;
	struct pv_queue *q;
	uint32_t zero[4] = { 0, 1, 0, 0 }; /* req_prod, req_event, rsp_prod, rsp_event */

	if (a->device >= c->pv->nr_devices)
		return -PV_ENOENT;
	d = &c->pv->dev[a->device];
	if (a->queue > (d->type == PV_DEV_NET ? 1u : 0u) || a->order < 1 ||
	    a->order > PV_RING_ORDER_MAX || (a->ring & (PV_PAGE_SIZE - 1)))
		return -PV_EINVAL;
	if (!pv_guest_range(c->pv, a->ring, PV_RING_BYTES(a->order)))
		return -PV_EFAULT;
	q = &d->q[a->queue];
	pthread_mutex_lock(&c->pv->ring_lock); /* the RX path runs on the event loop */
	*q = (struct pv_queue){ true, a->ring, a->order, 0, 0 };
	gmem_write(c->pv->mem, a->ring, zero, sizeof(zero));
	pthread_mutex_unlock(&c->pv->ring_lock);
	return 0;
}

static int32_t blk_rw(struct pv *pv, struct pv_device *d,
		      const struct pv_blk_req *r, uint32_t *done)
{
	uint64_t nsec = r->len / PV_SECTOR_SIZE;
	off_t off = (off_t)(r->sector * PV_SECTOR_SIZE);
	uint8_t *p;

	if (r->len == 0 || r->len % PV_SECTOR_SIZE || r->len > PV_BLK_MAX_LEN ||
	    r->sector > d->sectors || nsec > d->sectors - r->sector)
		return -PV_EINVAL;
	if (r->op == PV_BLK_WRITE && d->readonly)
		return -PV_EPERM;
	if (!pv_guest_range(pv, r->buf, r->len))
		return -PV_EFAULT;
	p = r->op == PV_BLK_READ ? gmem_ptr_w(pv->mem, r->buf, r->len)
				 : (uint8_t *)gmem_ptr(pv->mem, r->buf, r->len);
	while (*done < r->len) {
		ssize_t n = r->op == PV_BLK_READ
				    ? pread(d->fd, p + *done, r->len - *done, off + *done)
				    : pwrite(d->fd, p + *done, r->len - *done, off + *done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -PV_EIO;
		*done += (uint32_t)n;
	}
	return 0;
}

static void blk_do(struct pv *pv, struct pv_device *d, const struct pv_blk_req *r,
		   struct pv_blk_rsp *rsp)
{
	uint32_t done = 0;

	memset(rsp, 0, sizeof(*rsp));
	rsp->id = r->id;
	switch (r->op) {
	case PV_BLK_READ:
	case PV_BLK_WRITE:
		rsp->status = blk_rw(pv, d, r, &done);
		break;
	case PV_BLK_FLUSH:
		rsp->status = d->readonly || fdatasync(d->fd) == 0 ? 0 : -PV_EIO;
		break;
	default:
		rsp->status = -PV_EINVAL;
	}
	rsp->len = done;
}

/* Field offsets inside struct pv_ring (guest memory). */
#define RING_REQ_PROD  0
#define RING_REQ_EVENT 4
#define RING_RSP_PROD  8
#define RING_RSP_EVENT 12

static int64_t blk_notify(struct pv *pv, unsigned dev, struct pv_queue *q)
{
	uint32_t size = 1u << q->order, req_prod, rsp_event, old = q->rsp_prod;

	if (gmem_read_u32(pv->mem, q->ring + RING_REQ_PROD, &req_prod) < 0)
		return -PV_EFAULT;
	if (req_prod - q->req_cons > size) {
		pv_crash(pv, "device %s: ring index ran away (req_prod %u, consumed %u, %u slots)",
			 pv->dev[dev].name, req_prod, q->req_cons, size);
		return -PV_EINVAL;
	}
	while (q->req_cons != req_prod) {
		uint64_t slot = q->ring + 64 + (uint64_t)(q->req_cons & (size - 1)) * 64;
		union pv_ring_slot rsp = { .raw = { 0 } };
		struct pv_blk_req req;

		gmem_read(pv->mem, slot, &req, sizeof(req));
		/* Charged for what it asks, valid or not: a guest must not
		 * get free requests by making them fail. */
		if (!rl_gate_admit(&pv->dev[dev].gate,
				   req.op == PV_BLK_FLUSH ? 0 : req.len))
			break;
		blk_do(pv, &pv->dev[dev], &req, &rsp.blk_rsp);
		gmem_write(pv->mem, slot, &rsp, sizeof(rsp));
		q->req_cons++;
		q->rsp_prod++;
	}
	__atomic_thread_fence(__ATOMIC_RELEASE);
	gmem_write_u32(pv->mem, q->ring + RING_RSP_PROD, q->rsp_prod);
	gmem_write_u32(pv->mem, q->ring + RING_REQ_EVENT, q->req_cons + 1);
	gmem_read_u32(pv->mem, q->ring + RING_RSP_EVENT, &rsp_event);
	if (q->rsp_prod != old && pv_ring_need_event(rsp_event, q->rsp_prod, old))
		pv_event_raise(pv, PV_EVENT_DEVICE(dev));
	return 0;
}

/* The rate limit has room again (event loop). */
static void blk_resume(void *opaque)
{
	struct pv_device *d = opaque;
	struct pv *pv = d->pv;

	pthread_mutex_lock(&pv->ring_lock);
	if (d->q[0].ready && !vm_should_stop(pv->vm))
		blk_notify(pv, d->index, &d->q[0]);
	pthread_mutex_unlock(&pv->ring_lock);
}

int64_t pv_hc_ring_notify(struct pv_call *c, void *blk)
{
	struct pv_hc_ring_notify *a = blk;
	struct pv_device *d;
	int64_t r;

	if (a->device >= c->pv->nr_devices)
		return -PV_ENOENT;
	d = &c->pv->dev[a->device];
	if (a->queue > 1 || !d->q[a->queue].ready)
		return -PV_EINVAL;
	if (d->type == PV_DEV_NET)
		return pv_net_notify(c->pv, a->device, a->queue);
	pthread_mutex_lock(&c->pv->ring_lock);
	r = blk_notify(c->pv, a->device, &d->q[a->queue]);
	pthread_mutex_unlock(&c->pv->ring_lock);
	return r;
}
