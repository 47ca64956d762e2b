/* What the virtio fuzz targets share on top of fuzz_common.h: the four
 * virtio devices (blk, net, console, rng) created through their classes on
 * either transport, a driver that brings a device up over virtio-mmio, and
 * the two places where the event-loop thread would hand a device data from
 * the host (a received frame, console input), which the targets call
 * directly so that every step runs on one thread in input order.
 *
 * Host sides: virtio-net sits on a backend whose send checks the frame the
 * device hands it and drops it (no TAP, no slirp: nothing leaves the
 * process and no host state survives an input); the console has no output.
 * Both are reached with the linker's --wrap (the Makefile adds it for
 * fuzz_virtio_* targets), so the device code itself is the real one. */
#ifndef GAMUT_FUZZ_VIRTIO_H
#define GAMUT_FUZZ_VIRTIO_H

#include "console/console.h"
#include "core/layout.h"
#include "fuzz_common.h"
#include "net/net.h"
#include "virtio/blk.h"
#include "virtio/transport.h"

/* Device indexes: also the virtio-mmio slot when all four are attached (a
 * lone device is in slot 0). */
enum { FZ_BLK, FZ_NET, FZ_CON, FZ_RNG, FZ_NDEV };
#define FZ_ALL 0xfu

static const char *const fz_vdev_class[FZ_NDEV] = {
	"virtio-blk", "virtio-net", "virtio-console", "virtio-rng",
};
static const unsigned fz_vdev_queues[FZ_NDEV] = { 1, 2, 2, 1 };

/* A queue as the driver set it up (its own record: the guest knows where
 * it put its rings), for offering chains on it. */
struct fz_queue {
	uint64_t desc, avail;
	uint16_t size; /* 0: not set up */
	uint16_t next; /* the next descriptor to fill */
};

struct fz_virtio {
	struct vm vm;
	struct fz_queue q[FZ_NDEV][2];
	void *blk;    /* the virtio-blk state: its I/O thread is waited for */
	unsigned dev; /* the first device attached */
};

/* One operation of a target's stream: `op` is its first byte; the step
 * takes its operands from *p.  A setup step takes what it needs from the
 * stream's start, before the operations. */
typedef void fz_step_fn(struct fz_virtio *f, unsigned op, const uint8_t **p,
			const uint8_t *end);
typedef void fz_setup_fn(struct fz_virtio *f, const uint8_t **p,
			 const uint8_t *end);

/* ---- host sides ---- */

static struct net_backend *fz_nb;
static console_input_fn fz_con_in;
static void *fz_con_opaque;

/* A frame the device sends: within the limits net.h sets, and every byte
 * readable (a bad guest pointer faults here rather than in a backend). */
static volatile uint8_t fz_net_sink;

static int fz_net_send(struct net_backend *nb, const struct iovec *iov,
		       unsigned nr)
{
	uint8_t sum = 0;
	size_t total = 0;

	(void)nb;
	if (nr > VIRTQ_IOV_MAX)
		__builtin_trap();
	for (unsigned i = 0; i < nr; i++) {
		for (size_t j = 0; j < iov[i].iov_len; j++)
			sum += ((const uint8_t *)iov[i].iov_base)[j];
		total += iov[i].iov_len;
	}
	fz_net_sink = sum;
	if (total == 0 || total > NET_FRAME_MAX)
		__builtin_trap();
	return 0;
}

static void fz_net_close(struct net_backend *nb)
{
	(void)nb;
}

static const struct net_backend_ops fz_net_ops = {
	.send = fz_net_send,
	.close = fz_net_close,
};

int __wrap_net_tap_open(struct net_backend *nb, const char *ifname,
			struct gerr *err);
int __wrap_net_tap_open(struct net_backend *nb, const char *ifname,
			struct gerr *err)
{
	(void)ifname;
	(void)err;
	nb->ops = &fz_net_ops;
	fz_nb = nb;
	return 0;
}

void __real_console_attach_input(struct console *c, console_input_fn fn,
				 void *opaque);
void __wrap_console_attach_input(struct console *c, console_input_fn fn,
				 void *opaque);
void __wrap_console_attach_input(struct console *c, console_input_fn fn,
				 void *opaque)
{
	fz_con_in = fn;
	fz_con_opaque = opaque;
	__real_console_attach_input(c, fn, opaque);
}

/* A frame from the network, as the backend's loop thread delivers it. */
static inline void fz_net_frame(const uint8_t **p, const uint8_t *end)
{
	size_t len = fz_get(p, end, 2), left = (size_t)(end - *p);

	if (len > left)
		len = left;
	if (fz_nb)
		fz_nb->rx(fz_nb->rx_opaque, *p, len);
	*p += len;
}

/* Keyboard input, once the guest has used virtio-console's output. */
static inline void fz_con_input(const uint8_t **p, const uint8_t *end)
{
	size_t len = fz_get(p, end, 1), left = (size_t)(end - *p);

	if (len > left)
		len = left;
	if (fz_con_in)
		fz_con_in(fz_con_opaque, *p, len);
	*p += len;
}

/* Either host event, as the stream's next byte picks (bit 0). */
static inline void fz_host_event(const uint8_t **p, const uint8_t *end)
{
	if (fz_get(p, end, 1) & 1)
		fz_con_input(p, end);
	else
		fz_net_frame(p, end);
}

/* ---- the VM ---- */

/* Attaches the devices in mask `devs` (1 << FZ_BLK ...) in mode `mode`. */
static inline int fz_virtio_init(struct fz_virtio *f, const char *mode,
				 unsigned devs)
{
	void *st;

	fz_nb = NULL;
	fz_con_in = NULL;
	fz_con_opaque = NULL;
	if (fz_vm_init(&f->vm, mode) < 0)
		return -1;
	memset(f->q, 0, sizeof(f->q));
	f->blk = NULL;
	f->vm.cfg.disk[0].path = fz_disk(64);
	f->vm.cfg.nr_disks = f->vm.cfg.disk[0].path ? 1 : 0;
	f->vm.cfg.net[0].kind = NET_TAP;
	f->vm.cfg.net[0].ifname = "fuzz";
	f->vm.cfg.nr_nets = 1;
	if (fz_attach(&f->vm, "console", NULL) < 0 ||
	    (f->vm.cfg.mode->io == IO_VIRTIO_PCI && fz_attach(&f->vm, "pci", NULL) < 0))
		return -1;
	for (unsigned i = 0; i < FZ_NDEV; i++) {
		if (!(devs & (1u << i)))
			continue;
		if (fz_attach(&f->vm, fz_vdev_class[i], &st) < 0)
			return -1;
		if (i == FZ_BLK)
			f->blk = st;
	}
	return 0;
}

/* fz_virtio_init for a target: a VM that cannot be set up is the
 * environment's failure, not the input's, and must not pass silently. */
static inline void fz_virtio_start(struct fz_virtio *f, const char *mode,
				   unsigned devs)
{
	if (fz_virtio_init(f, mode, devs) < 0) {
		fprintf(stderr, "fuzz: cannot set the VM up\n");
		abort();
	}
}

static inline void fz_virtio_done(struct fz_virtio *f)
{
	fz_vm_done(&f->vm);
	fz_nb = NULL;
	fz_con_in = NULL;
}

/* After any guest access: what the access started has finished (the disk's
 * I/O thread is the only other thread a device runs on). */
static inline void fz_virtio_settle(struct fz_virtio *f)
{
	virtio_blk_wait_idle(f->blk);
}

/* A target's whole run: a fresh VM in `mode` with the devices `devs`,
 * `setup` (optional), the stream's operations (at most FZ_MAX_OPS), each
 * finished before the next, then the VM torn down. */
static inline int fz_virtio_run(const char *mode, unsigned devs,
				const uint8_t *data, size_t size,
				fz_setup_fn *setup, fz_step_fn *step)
{
	static struct fz_virtio f;
	const uint8_t *p = data, *end = data + size;

	fz_virtio_start(&f, mode, devs);
	f.dev = (unsigned)__builtin_ctz(devs);
	if (setup)
		setup(&f, &p, end);
	for (unsigned ops = 0; p < end && ops < FZ_MAX_OPS; ops++) {
		step(&f, fz_get(&p, end, 1), &p, end);
		fz_virtio_settle(&f);
	}
	fz_virtio_done(&f);
	return 0;
}

/* ---- a virtio-mmio driver ---- */

static inline uint64_t fz_mm_addr(unsigned slot, uint64_t reg)
{
	return LAYOUT_VIRTIO_MMIO_BASE + slot * LAYOUT_VIRTIO_MMIO_SIZE + reg;
}

static inline uint32_t fz_mm_rd(struct vm *vm, unsigned slot, uint64_t reg)
{
	uint32_t v = 0;

	bus_access(&vm->mmio, fz_mm_addr(slot, reg), &v, 4, false, 0);
	return v;
}

static inline void fz_mm_wr(struct vm *vm, unsigned slot, uint64_t reg, uint32_t v)
{
	bus_access(&vm->mmio, fz_mm_addr(slot, reg), &v, 4, true, 0);
}

/* The driver features byte `b` asks for: VERSION_1 always; bit 0
 * EVENT_IDX, bit 1 INDIRECT_DESC, bit 2 every device-specific bit the
 * device offers, bit 3 also one it does not (FEATURES_OK must then fail). */
static inline uint64_t fz_want(uint64_t offered, uint8_t b)
{
	uint64_t want = VIRTIO_BIT(VIRTIO_F_VERSION_1);

	if (b & 1)
		want |= VIRTIO_BIT(VIRTIO_F_RING_EVENT_IDX);
	if (b & 2)
		want |= VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC);
	if (b & 4)
		want |= offered & 0xffffffu;
	want &= offered;
	if (b & 8)
		want |= 1ull << 23 | 1ull << 50;
	return want;
}

/* Where queue q of slot `slot` lives: 32 KiB per slot, 8 KiB per queue,
 * room for the rings of the largest queue (256 entries). */
static inline uint64_t fz_ring(unsigned slot, unsigned q)
{
	return slot * 0x8000ull + q * 0x2000ull;
}

/* Records queue q of device `dev` as set up with `size` entries at
 * fz_ring(dev, q); returns the avail and used ring addresses in r[1..2]. */
static inline void fz_queue_layout(struct fz_virtio *fv, unsigned dev,
				   unsigned q, uint16_t size, uint64_t r[3])
{
	r[0] = fz_ring(dev, q);
	r[1] = r[0] + 16ull * size;
	r[2] = (r[1] + 6 + 2ull * size + 3) & ~3ull;
	fv->q[dev][q] = (struct fz_queue){ r[0], r[1], size, 0 };
}

/* The Linux bring-up on `slot`: reset, features from `fb`, every queue
 * with 1 << (qsz % 9) entries at fz_ring(), DRIVER_OK. */
static inline void fz_mm_bringup(struct fz_virtio *fv, unsigned slot,
				 unsigned nq, uint8_t fb, uint8_t qsz)
{
	struct vm *vm = &fv->vm;
	uint64_t f = 0, want;
	uint16_t size = (uint16_t)(1u << (qsz % 9));

	fz_mm_wr(vm, slot, 0x70, 0);
	fz_mm_wr(vm, slot, 0x70, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	for (unsigned sel = 0; sel < 2; sel++) {
		fz_mm_wr(vm, slot, 0x14, sel);
		f |= (uint64_t)fz_mm_rd(vm, slot, 0x10) << (32 * sel);
	}
	want = fz_want(f, fb);
	for (unsigned sel = 0; sel < 2; sel++) {
		fz_mm_wr(vm, slot, 0x24, sel);
		fz_mm_wr(vm, slot, 0x20, (uint32_t)(want >> (32 * sel)));
	}
	fz_mm_wr(vm, slot, 0x70, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
					 VIRTIO_STATUS_FEATURES_OK);
	for (unsigned q = 0; q < nq; q++) {
		uint64_t r[3];

		fz_queue_layout(fv, slot, q, size, r);
		fz_mm_wr(vm, slot, 0x30, q);
		fz_mm_wr(vm, slot, 0x38, size);
		fz_mm_wr(vm, slot, 0x80, (uint32_t)r[0]);
		fz_mm_wr(vm, slot, 0x90, (uint32_t)r[1]);
		fz_mm_wr(vm, slot, 0xa0, (uint32_t)r[2]);
		fz_mm_wr(vm, slot, 0x44, 1);
	}
	fz_mm_wr(vm, slot, 0x70, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
					 VIRTIO_STATUS_FEATURES_OK |
					 VIRTIO_STATUS_DRIVER_OK);
}

/* The driver offers a chain on queue q of device `dev` (as its bring-up
 * recorded it): u8 count (1 to 4 descriptors), then per descriptor u16
 * length and u8 flags (bit 0: device-writable).  Buffer i of the chain is
 * at 0x40000 + 0x10000 * dev + 0x8000 * q + 0x2000 * i, where RAM writes
 * can reach it.  The descriptors come from the table in turn, the head
 * goes into the avail ring and its index moves on, whatever the guest's
 * other writes did to them. */
static inline void fz_offer(struct fz_virtio *fv, unsigned dev, unsigned q,
			    const uint8_t **p, const uint8_t *end)
{
	struct fz_queue *fq = &fv->q[dev % FZ_NDEV][q % 2];
	unsigned n = fz_get(p, end, 1) % 4 + 1;
	uint16_t head, aidx = 0;

	for (unsigned i = 0; i < n; i++) {
		uint64_t buf = 0x40000 + 0x10000ull * (dev % FZ_NDEV) +
			       0x8000ull * (q % 2) + 0x2000ull * i;
		uint32_t len = fz_get(p, end, 2);
		uint16_t flags = (fz_get(p, end, 1) & 1) ? VIRTQ_DESC_F_WRITE : 0;
		uint16_t idx, next;
		uint8_t d[16];

		if (!fq->size)
			continue;
		idx = (uint16_t)((fq->next + i) % fq->size);
		next = (uint16_t)((idx + 1) % fq->size);
		flags |= i + 1 < n ? VIRTQ_DESC_F_NEXT : 0;
		memcpy(d, &buf, 8);
		memcpy(d + 8, &len, 4);
		memcpy(d + 12, &flags, 2);
		memcpy(d + 14, &next, 2);
		gmem_write(&fv->vm.mem, fq->desc + 16ull * idx, d, sizeof(d));
	}
	if (!fq->size)
		return;
	head = (uint16_t)(fq->next % fq->size);
	fq->next = (uint16_t)(fq->next + n);
	gmem_read_u16(&fv->vm.mem, fq->avail + 2, &aidx);
	gmem_write_u16(&fv->vm.mem, fq->avail + 4 + 2ull * (aidx % fq->size), head);
	gmem_write_u16(&fv->vm.mem, fq->avail + 2, (uint16_t)(aidx + 1));
}

/* ---- one device's requests through real virtqueues ---- */

/* Sets a VM up with the one device `dev` on virtio-mmio slot 0 and plays
 * its driver; the request parsing of each device is reached without the
 * fuzzer having to discover the bring-up first.
 *
 * Input: byte 0 driver features (fz_want), byte 1 queue size (1 << n % 9),
 * u16 image length, that many bytes copied to GPA 0 (queue q's descriptor
 * table at 0x2000 * q, its avail ring right after the table, its used ring
 * after that; descriptors may point anywhere), then operations, one byte
 * each and its operands:
 *   op % 6: 0 kick queue op >> 3 (out-of-range numbers included)
 *           1 RAM write (fz_ram_write)
 *           2 host event: a frame (net) or console input (console)
 *           3 config write: u8 offset, u8 length (1..8), value bytes
 *           4 config read: u8 offset, u8 length, then InterruptACK of all
 *           5 reset and bring up again: u8 features, u8 queue size
 *           6 offer a chain (fz_offer) on queue op >> 3 and kick it */
static inline void fz_vdev_step(struct fz_virtio *f, unsigned op,
				const uint8_t **p, const uint8_t *end)
{
	uint8_t buf[8] = { 0 };
	unsigned off, len;

	switch (op % 7) {
	case 0:
		fz_mm_wr(&f->vm, 0, 0x50, op >> 3);
		break;
	case 1:
		fz_ram_write(&f->vm, p, end);
		break;
	case 2:
		if (f->dev == FZ_NET)
			fz_net_frame(p, end);
		else if (f->dev == FZ_CON)
			fz_con_input(p, end);
		break;
	case 3:
	case 4:
		off = fz_get(p, end, 1);
		len = fz_get(p, end, 1) % 8 + 1;
		if (op % 7 == 3) {
			for (unsigned i = 0; i < len; i++)
				buf[i] = (uint8_t)fz_get(p, end, 1);
			bus_access(&f->vm.mmio, fz_mm_addr(0, 0x100 + off), buf, len,
				   true, 0);
		} else {
			bus_access(&f->vm.mmio, fz_mm_addr(0, 0x100 + off), buf, len,
				   false, 0);
			fz_mm_wr(&f->vm, 0, 0x64, fz_mm_rd(&f->vm, 0, 0x60));
		}
		break;
	case 5:
		off = fz_get(p, end, 1);
		fz_mm_bringup(f, 0, fz_vdev_queues[f->dev], (uint8_t)off,
			      (uint8_t)fz_get(p, end, 1));
		break;
	default:
		off = (op >> 3) % fz_vdev_queues[f->dev];
		fz_offer(f, 0, off, p, end);
		fz_mm_wr(&f->vm, 0, 0x50, off);
		break;
	}
}

static inline void fz_vdev_setup(struct fz_virtio *f, const uint8_t **p,
				 const uint8_t *end)
{
	uint8_t fb = (uint8_t)fz_get(p, end, 1), qsz = (uint8_t)fz_get(p, end, 1);
	size_t img = fz_get(p, end, 2);

	if (img > (size_t)(end - *p))
		img = (size_t)(end - *p);
	gmem_write(&f->vm.mem, 0, *p, img);
	*p += img;
	fz_mm_bringup(f, 0, fz_vdev_queues[f->dev], fb, qsz);
}

/* A per-device target's whole body. */
static inline int fz_vdev_run(unsigned dev, const uint8_t *data, size_t size)
{
	return fz_virtio_run("pvh", 1u << dev, data, size, fz_vdev_setup,
			     fz_vdev_step);
}

#endif
