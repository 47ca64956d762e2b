/* The block backend (blkif, xen/io/blkif.h): each --disk becomes a
 * virtual block device the guest's xen-blkfront drives (xvda, xvdb...),
 * served straight between the disk file and the granted guest pages
 * within the guest's notification, on its vCPU thread.
 *
 * Everything in the ring and the grant table is the guest's and may be
 * anything: requests are copied out of the ring before use, indexes that
 * run away stop the guest, and a segment that names a bad grant, a page
 * table, or sectors past the disk's end fails its request only. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "xenpv/xen_abi.h"

/* The ring macros' barriers (ring.h leaves them to the includer). */
#define xen_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#include <xen/io/blkif.h>
#include <xen/io/protocols.h>

#include "core/config.h"
#include "core/vm.h"
#include "xenpv/xen_blk.h"
#include "xenpv/xen_bus.h"

#define SECTOR 512ull

struct xen_blk {
	struct xen_bus_dev bus;
	int fd;
	bool ro;
	uint64_t sectors;
	const char *path;
	unsigned port;
	blkif_back_ring_t ring;
	uint64_t ring_gpa; /* held writable while connected */
	bool ring_ok;
	uint64_t reqs, bytes; /* --stats */
};

static int16_t do_rw(struct xen_blk *b, const struct blkif_request *r)
{
	struct xen *x = b->bus.x;
	bool write = r->operation == BLKIF_OP_WRITE;
	uint64_t sector = r->sector_number;

	if (r->nr_segments == 0 || r->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST)
		return BLKIF_RSP_ERROR;
	if (write && b->ro)
		return BLKIF_RSP_ERROR;
	for (unsigned i = 0; i < r->nr_segments; i++) {
		const struct blkif_request_segment *s = &r->seg[i];
		uint64_t gpa, n;
		uint8_t *p;
		ssize_t done;

		if (s->first_sect > s->last_sect || s->last_sect >= XEN_PAGE_SIZE / SECTOR)
			return BLKIF_RSP_ERROR;
		n = (uint64_t)(s->last_sect - s->first_sect + 1);
		if (sector > b->sectors || n > b->sectors - sector)
			return BLKIF_RSP_ERROR;
		/* Reading the disk writes the guest's page (held writable while
		 * it does), writing it reads the page. */
		if (write ? xen_gnt_frame(x, s->gref, false, &gpa) < 0
			  : xen_gnt_hold(x, s->gref, &gpa) < 0)
			return BLKIF_RSP_ERROR;
		p = write ? (uint8_t *)gmem_ptr(x->mem, gpa + s->first_sect * SECTOR, n * SECTOR)
			  : gmem_ptr_w(x->mem, gpa + s->first_sect * SECTOR, n * SECTOR);
		done = !p ? -1
		     : write ? pwrite(b->fd, p, n * SECTOR, (off_t)(sector * SECTOR))
			     : pread(b->fd, p, n * SECTOR, (off_t)(sector * SECTOR));
		if (!write)
			xen_gnt_release(x, gpa);
		if (done != (ssize_t)(n * SECTOR))
			return BLKIF_RSP_ERROR;
		sector += n;
		b->bytes += n * SECTOR;
	}
	return BLKIF_RSP_OKAY;
}

static int16_t do_req(struct xen_blk *b, const struct blkif_request *r)
{
	switch (r->operation) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		return do_rw(b, r);
	case BLKIF_OP_FLUSH_DISKCACHE:
		if (b->ro)
			return BLKIF_RSP_OKAY;
		return fdatasync(b->fd) < 0 ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY;
	default:
		return BLKIF_RSP_EOPNOTSUPP; /* discard, indirect, barrier */
	}
}

/* The guest signalled its event channel: every request it has queued. */
static void blk_notify(void *opaque)
{
	struct xen_blk *b = opaque;
	struct xen *x = b->bus.x;
	int more, notify;

	if (!b->ring_ok)
		return;
	do {
		RING_IDX rp = __atomic_load_n(&b->ring.sring->req_prod, __ATOMIC_ACQUIRE);

		if (rp - b->ring.req_cons > RING_SIZE(&b->ring)) {
			b->ring_ok = false;
			xen_crash(x, "xen vbd %u: request ring index ran away (%u after %u)",
				  b->bus.devid, rp, b->ring.req_cons);
			return;
		}
		while (b->ring.req_cons != rp) {
			struct blkif_request req;
			struct blkif_response *rsp;

			RING_COPY_REQUEST(&b->ring, b->ring.req_cons, &req);
			b->ring.req_cons++;
			b->reqs++;
			rsp = RING_GET_RESPONSE(&b->ring, b->ring.rsp_prod_pvt);
			rsp->id = req.id;
			rsp->operation = req.operation;
			rsp->status = do_req(b, &req);
			b->ring.rsp_prod_pvt++;
		}
		RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&b->ring, notify);
		if (notify)
			xen_evtchn_raise(x, b->port);
		RING_FINAL_CHECK_FOR_REQUESTS(&b->ring, more);
	} while (more);
}

static int blk_connect(struct xen_bus_dev *d)
{
	struct xen_blk *b = d->opaque;
	uint64_t ref, port, gpa;
	char proto[32];
	blkif_sring_t *sring;

	if (xen_bus_fe_read(d, "ring-ref", &ref) < 0 ||
	    xen_bus_fe_read(d, "event-channel", &port) < 0 || ref > UINT32_MAX)
		return -1;
	/* Only the native layout: a 32-bit frontend is not run here. */
	if (xen_bus_fe_str(d, "protocol", proto, sizeof(proto)) == 0 &&
	    strcmp(proto, XEN_IO_PROTO_ABI_X86_64))
		return -1;
	/* The ring is written for as long as the device is connected. */
	if (xen_gnt_hold(d->x, (uint32_t)ref, &gpa) < 0)
		return -1;
	if (!(sring = gmem_ptr_w(d->x->mem, gpa, XEN_PAGE_SIZE)) || port > UINT32_MAX ||
	    xen_evtchn_bind_backend(d->x, (unsigned)port, blk_notify, b) < 0) {
		xen_gnt_release(d->x, gpa);
		return -1;
	}
	BACK_RING_INIT(&b->ring, sring, XEN_PAGE_SIZE);
	b->port = (unsigned)port;
	b->ring_gpa = gpa;
	b->ring_ok = true;
	return 0;
}

static void blk_disconnect(struct xen_bus_dev *d)
{
	struct xen_blk *b = d->opaque;

	if (b->ring_ok)
		xen_gnt_release(d->x, b->ring_gpa);
	b->ring_ok = false;
}

static const struct xen_bus_ops blk_ops = {
	.connect = blk_connect,
	.disconnect = blk_disconnect,
};

static int blk_open(struct xen_blk *b, const struct disk_config *dc, struct gerr *err)
{
	off_t size;

	b->fd = open(dc->path, (dc->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (b->fd < 0)
		return gerr_errno(err, errno, "--disk %s: cannot open", dc->path);
	/* Two writers on one image corrupt it: refuse a second gamut. */
	if (flock(b->fd, (dc->readonly ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0)
		return gerr_errno(err, errno, "--disk %s: cannot lock", dc->path);
	size = lseek(b->fd, 0, SEEK_END);
	if (size < 0)
		return gerr_errno(err, errno, "--disk %s: cannot find its size", dc->path);
	b->sectors = (uint64_t)size / SECTOR;
	b->ro = dc->readonly;
	b->path = dc->path;
	return 0;
}

int xen_blk_add(struct xen *x, unsigned index, const struct disk_config *dc,
		struct xen_blk **out, struct gerr *err)
{
	struct xen_blk *b = calloc(1, sizeof(*b));
	char sectors[24];
	/* xvda, xvdb, ...: Xen's "xvd" major 202, 16 minors per disk. */
	unsigned devid = 202 << 8 | index << 4;

	if (!b)
		return gerr_set(err, "xen vbd: out of memory");
	b->fd = -1;
	*out = b;
	if (blk_open(b, dc, err) < 0)
		return -1;
	snprintf(sectors, sizeof(sectors), "%llu", (unsigned long long)b->sectors);
	{
		const char *const be[] = {
			"sectors", sectors, "sector-size", "512",
			"info", b->ro ? "4" : "0", /* VDISK_READONLY */
			"mode", b->ro ? "r" : "w", "params", dc->path,
			"type", "file", "feature-flush-cache", "1", NULL,
		};
		const char *const fe[] = { "device-type", "disk", NULL };

		if (xen_bus_add(x, &b->bus, "vbd", devid, fe, be, &blk_ops, b, err) < 0)
			return -1;
	}
	stats_counter(&x->vm->stats, "xen.vbd.requests", &b->reqs);
	stats_counter(&x->vm->stats, "xen.vbd.bytes", &b->bytes);
	return 0;
}

void xen_blk_free(struct xen_blk *b)
{
	if (!b)
		return;
	if (b->fd >= 0)
		close(b->fd);
	free(b);
}
