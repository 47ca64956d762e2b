/* virtio-blk (spec 5.2) over a raw image: one device per --disk.
 *
 * Each disk has an I/O thread: a notification (from a vCPU, or from the
 * event loop with ioeventfd) only wakes it, so the vCPU goes back to the
 * guest and the event loop never waits for the disk.  FLUSH is
 * fdatasync(), so a write the guest flushed is on the host disk even if
 * gamut dies right after.  A request with a bad sector range or a length
 * that is not whole sectors gets IOERR; a chain too malformed to carry a
 * status byte marks the device as needing a reset.
 *
 * With a rate limit (--disk ...,iops=N,bw=N) the I/O thread asks the
 * disk's gate before each request; a request that does not fit goes back
 * on the ring and the thread sleeps until the gate's timer kicks it. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "core/device.h"
#include "core/ratelimit_gate.h"
#include "core/vm.h"
#include "sandbox/sandbox.h"
#include "virtio/blk.h"
#include "virtio/transport.h"

#define BLK_SECTOR 512u

#define VIRTIO_BLK_F_SEG_MAX  2
#define VIRTIO_BLK_F_RO	      5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH    9

#define VIRTIO_BLK_T_IN	    0
#define VIRTIO_BLK_T_OUT    1
#define VIRTIO_BLK_T_FLUSH  4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_ID_BYTES 20

#define VIRTIO_BLK_S_OK	    0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

/* The config space up to blk_size (spec 5.2.4), little-endian. */
struct blk_config {
	uint64_t capacity; /* in 512-byte sectors */
	uint32_t size_max;
	uint32_t seg_max;
	uint16_t cylinders;
	uint8_t heads;
	uint8_t sectors;
	uint32_t blk_size;
} __attribute__((packed));

struct blk {
	struct virtio_dev dev;
	struct blk_config config;
	const char *path;
	int fd;
	bool ro;
	uint64_t sectors;
	unsigned index;
	/* The I/O thread and its wake-up. */
	pthread_t worker;
	bool worker_started;
	pthread_mutex_t kick_lock;
	pthread_cond_t kick_cond;
	pthread_cond_t idle_cond; /* busy went false with no kick pending */
	bool kicked, stop, busy;
	struct virtq_chain chain; /* the I/O thread's current request */
	struct rl_gate gate;	  /* iops=, bw= */
	bool gate_ready;
};

struct blk_set {
	unsigned n;
	struct blk *blk[CONFIG_MAX_DISKS];
};

/* Copies the host segments covering bytes [off, off+len) of `src` into
 * dst; returns the segment count. */
static unsigned iov_slice(const struct iovec *src, unsigned nr, uint64_t off,
			  uint64_t len, struct iovec *dst)
{
	unsigned n = 0;

	for (unsigned i = 0; i < nr && len; i++) {
		uint64_t seg = src[i].iov_len, take;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		take = seg - off < len ? seg - off : len;
		dst[n++] = (struct iovec){ (uint8_t *)src[i].iov_base + off, take };
		len -= take;
		off = 0;
	}
	return n;
}

/* preadv/pwritev until done; a short transfer (image shrunk under us, or
 * EOF) is an I/O error. */
static int blk_rw(struct blk *b, struct iovec *iov, unsigned nr, uint64_t pos,
		  bool write)
{
	while (nr) {
		ssize_t r = write ? pwritev(b->fd, iov, (int)nr, (off_t)pos)
				  : preadv(b->fd, iov, (int)nr, (off_t)pos);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		pos += (uint64_t)r;
		while (nr && (size_t)r >= iov->iov_len) {
			r -= (ssize_t)iov->iov_len;
			iov++;
			nr--;
		}
		if (nr) {
			iov->iov_base = (uint8_t *)iov->iov_base + r;
			iov->iov_len -= (size_t)r;
		}
	}
	return 0;
}

/* IN / OUT: data follows the header (OUT) or precedes the status (IN). */
static uint8_t blk_data(struct blk *b, const struct virtq_chain *c,
			uint64_t sector, bool write, uint32_t *written)
{
	struct iovec iov[VIRTQ_IOV_MAX];
	uint64_t len = write ? c->read_len - 16 : c->write_len - 1;
	unsigned nr;

	if (write && b->ro)
		return VIRTIO_BLK_S_IOERR;
	if (len % BLK_SECTOR || sector > b->sectors ||
	    len / BLK_SECTOR > b->sectors - sector)
		return VIRTIO_BLK_S_IOERR;
	nr = write ? iov_slice(c->iov, c->nr_read, 16, len, iov)
		   : iov_slice(c->iov + c->nr_read, c->nr_write, 0, len, iov);
	if (blk_rw(b, iov, nr, sector * BLK_SECTOR, write) < 0)
		return VIRTIO_BLK_S_IOERR;
	if (!write)
		*written = (uint32_t)len;
	return VIRTIO_BLK_S_OK;
}

static uint8_t blk_get_id(struct blk *b, const struct virtq_chain *c,
			  uint32_t *written)
{
	char id[VIRTIO_BLK_ID_BYTES] = { 0 };
	uint64_t room = c->write_len - 1;

	snprintf(id, sizeof(id), "gamut-disk%u", b->index);
	*written = (uint32_t)virtq_copy_to(c, 0, id,
					   room < sizeof(id) ? room : sizeof(id));
	return VIRTIO_BLK_S_OK;
}

/* Serves one request; returns -1 when the chain cannot even carry an
 * answer (no 16-byte header, no status byte). */
static int blk_request(struct blk *b, const struct virtq_chain *c,
		       uint32_t *used)
{
	uint8_t hdr[16], status;
	uint32_t type, written = 0;
	uint64_t sector;

	if (c->read_len < sizeof(hdr) || c->write_len < 1)
		return -1;
	virtq_copy_from(c, 0, hdr, sizeof(hdr));
	memcpy(&type, hdr, 4);
	memcpy(&sector, hdr + 8, 8);
	switch (type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		status = blk_data(b, c, sector, type == VIRTIO_BLK_T_OUT, &written);
		break;
	case VIRTIO_BLK_T_FLUSH:
		status = fdatasync(b->fd) < 0 ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_GET_ID:
		status = blk_get_id(b, c, &written);
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	virtq_copy_to(c, c->write_len - 1, &status, 1);
	*used = written + 1;
	return 0;
}

/* The bytes a request moves, for bw=: what follows the header and what
 * precedes the status byte (data only, whatever the type). */
static uint64_t blk_cost(const struct virtq_chain *c)
{
	return (c->read_len > 16 ? c->read_len - 16 : 0) +
	       (c->write_len > 1 ? c->write_len - 1 : 0);
}

/* Serves every available request the rate limit lets through (I/O
 * thread); the rest wait on the ring for the gate's timer. */
static void blk_process(struct blk *b, struct virtq_chain *c)
{
	struct virtq *vq = &b->dev.vq[0];
	uint32_t used;

	while (virtq_pop(vq, c) == 1) {
		if (!rl_gate_admit(&b->gate, blk_cost(c))) {
			virtq_unpop(vq, 1);
			break;
		}
		if (blk_request(b, c, &used) < 0) {
			virtio_needs_reset(&b->dev, "request without header or status byte");
			break;
		}
		virtq_push(vq, c, used);
	}
	virtio_used(&b->dev, 0);
}

static void *blk_worker(void *arg)
{
	struct blk *b = arg;
	struct gerr err;

	/* Requests carry guest-chosen offsets and lengths: none is served
	 * before this thread's own filter is in place. */
	if (sandbox_enter(SANDBOX_IO, &err) < 0) {
		vm_stop(b->dev.vm, VM_STOP_CRASH, 1, "%s: %s", b->dev.name, err.msg);
		return NULL;
	}
	pthread_mutex_lock(&b->kick_lock);
	while (!b->stop) {
		if (!b->kicked) {
			pthread_cond_wait(&b->kick_cond, &b->kick_lock);
			continue;
		}
		b->kicked = false;
		b->busy = true;
		pthread_mutex_unlock(&b->kick_lock);
		blk_process(b, &b->chain);
		pthread_mutex_lock(&b->kick_lock);
		b->busy = false;
		if (!b->kicked)
			pthread_cond_broadcast(&b->idle_cond);
	}
	pthread_cond_broadcast(&b->idle_cond);
	pthread_mutex_unlock(&b->kick_lock);
	return NULL;
}

static void blk_kick(struct blk *b, bool stop)
{
	pthread_mutex_lock(&b->kick_lock);
	b->kicked = true;
	b->stop |= stop;
	pthread_cond_signal(&b->kick_cond);
	pthread_mutex_unlock(&b->kick_lock);
}

static void blk_notify(struct virtio_dev *d, unsigned q)
{
	(void)q;
	blk_kick(d->opaque, false);
}

/* The rate limit has room again (event loop): the I/O thread goes on. */
static void blk_resume(void *opaque)
{
	blk_kick(opaque, false);
}

static const struct virtio_dev_ops blk_ops = {
	.notify = blk_notify,
};

static void blk_free(struct blk *b)
{
	if (b->worker_started) {
		blk_kick(b, true);
		pthread_join(b->worker, NULL);
	}
	if (b->dev.tops)
		virtio_detach(&b->dev);
	if (b->fd >= 0)
		close(b->fd);
	if (b->gate_ready)
		rl_gate_destroy(&b->gate);
	pthread_cond_destroy(&b->kick_cond);
	pthread_cond_destroy(&b->idle_cond);
	pthread_mutex_destroy(&b->kick_lock);
	free(b);
}

void virtio_blk_wait_idle(void *state)
{
	struct blk_set *set = state;

	for (unsigned i = 0; set && i < set->n; i++) {
		struct blk *b = set->blk[i];

		if (!b->worker_started)
			continue;
		pthread_mutex_lock(&b->kick_lock);
		while ((b->kicked || b->busy) && !b->stop)
			pthread_cond_wait(&b->idle_cond, &b->kick_lock);
		pthread_mutex_unlock(&b->kick_lock);
	}
}

static int blk_open(struct blk *b, const struct disk_config *dc,
		    struct gerr *err)
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
		return gerr_errno(err, errno, "--disk %s: cannot find its size",
				  dc->path);
	b->sectors = (uint64_t)size / BLK_SECTOR;
	b->ro = dc->readonly;
	b->path = dc->path;
	return 0;
}

static int blk_add(struct vm *vm, struct blk_set *set, unsigned i,
		   struct gerr *err)
{
	struct blk *b = calloc(1, sizeof(*b));

	if (!b)
		return gerr_set(err, "virtio-blk: out of memory");
	b->fd = -1;
	b->index = i;
	pthread_mutex_init(&b->kick_lock, NULL);
	pthread_cond_init(&b->kick_cond, NULL);
	pthread_cond_init(&b->idle_cond, NULL);
	if (blk_open(b, &vm->cfg.disk[i], err) < 0) {
		blk_free(b);
		return -1;
	}
	b->gate_ready = true;
	if (rl_gate_init(&b->gate, &vm->cfg.disk[i].limit, &vm->loop, blk_resume,
			 b, vm->cfg.disk[i].path, err) < 0) {
		blk_free(b);
		return -1;
	}
	b->config.capacity = b->sectors;
	b->config.seg_max = VIRTQ_IOV_MAX - 2; /* header and status */
	b->config.blk_size = BLK_SECTOR;
	snprintf(b->dev.name, sizeof(b->dev.name), "virtio-blk%u", i);
	b->dev.device_id = VIRTIO_ID_BLOCK;
	b->dev.host_features = VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) |
			       VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE) |
			       VIRTIO_BIT(VIRTIO_BLK_F_FLUSH) |
			       (b->ro ? VIRTIO_BIT(VIRTIO_BLK_F_RO) : 0);
	b->dev.nr_queues = 1;
	b->dev.config = &b->config;
	b->dev.config_len = sizeof(b->config);
	b->dev.ops = &blk_ops;
	b->dev.opaque = b;
	if (virtio_attach(vm, &b->dev, err) < 0) {
		b->dev.tops = NULL;
		blk_free(b);
		return -1;
	}
	set->blk[set->n++] = b;
	if (pthread_create(&b->worker, NULL, blk_worker, b) != 0)
		return gerr_set(err, "%s: cannot start its I/O thread", b->dev.name);
	b->worker_started = true;
	return 0;
}

static void blk_destroy(void *state)
{
	struct blk_set *set = state;

	if (!set)
		return;
	for (unsigned i = 0; i < set->n; i++)
		blk_free(set->blk[i]);
	free(set);
}

static int blk_create(struct vm *vm, void **state, struct gerr *err)
{
	struct blk_set *set;

	*state = NULL;
	if (vm->cfg.mode->io != IO_VIRTIO_MMIO && vm->cfg.mode->io != IO_VIRTIO_PCI)
		return 0;
	if (vm->cfg.nr_disks == 0)
		return 0;
	set = calloc(1, sizeof(*set));
	if (!set)
		return gerr_set(err, "virtio-blk: out of memory");
	for (unsigned i = 0; i < vm->cfg.nr_disks && i < CONFIG_MAX_DISKS; i++) {
		if (blk_add(vm, set, i, err) < 0) {
			blk_destroy(set);
			return -1;
		}
	}
	*state = set;
	return 0;
}

static const struct device_class virtio_blk = {
	.name = "virtio-blk",
	.stage = DEVICE_STAGE_IO,
	.create = blk_create,
	.destroy = blk_destroy,
};
DEVICE_CLASS(virtio_blk);
