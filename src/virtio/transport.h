/* What a virtio device sees of its transport, and what a transport sees of
 * a device.  A device (blk, net, console, rng) fills a struct virtio_dev and
 * calls virtio_attach(); the transport that vm->cfg.mode->io names (MMIO
 * now, PCI later) then serves the driver's register accesses, negotiates
 * features, sets the queues up and calls the device's ops.  Devices never
 * know which transport they sit on.
 *
 * Order: device fills the "device fills" fields -> virtio_attach ->
 * (driver: reset, features, queues, DRIVER_OK; ops->notify on kicks;
 * ops->reset on reset) -> virtio_detach from the device's destroy.
 *
 * Threads and locks: ops->notify runs on a vCPU thread (bus handler) or on
 * the event loop (ioeventfd), possibly for two queues at once; queue calls
 * lock each queue.  `lock` guards status, features, queue setup and the
 * config bytes; a device that changes its config takes it.  Lock order:
 * dev lock -> queue lock -> the transport's interrupt lock (a leaf). */
#ifndef GAMUT_VIRTIO_TRANSPORT_H
#define GAMUT_VIRTIO_TRANSPORT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "core/err.h"
#include "virtio/virtio_spec.h"
#include "virtio/virtq.h"

#define VIRTIO_MAX_QUEUES 4

struct vm;
struct virtio_dev;

struct virtio_dev_ops {
	/* The driver kicked queue q (q < nr_queues and the queue is ready). */
	void (*notify)(struct virtio_dev *d, unsigned q);
	/* Optional: the driver wrote config bytes [off, off+len) (stored). */
	void (*config_write)(struct virtio_dev *d, unsigned off, unsigned len);
	/* Optional: status reached DRIVER_OK; features are final. */
	void (*start)(struct virtio_dev *d);
	/* Optional: the driver reset the device (queues already reset). */
	void (*reset)(struct virtio_dev *d);
};

/* The transport's side, filled by the transport's attach. */
struct virtio_transport_ops {
	const char *name; /* "mmio", "pci" */
	/* Sets bits of `why` (VIRTIO_INT_USED/CONFIG) in the interrupt status
	 * and raises the interrupt; q is the queue for VIRTIO_INT_USED (a
	 * transport with per-queue vectors uses it).  Any thread; leaf lock. */
	void (*interrupt)(struct virtio_dev *d, uint32_t why, unsigned q);
	/* Undoes the transport's attach (bus range, eventfds). */
	void (*detach)(struct virtio_dev *d);
};

struct virtio_dev {
	/* Device fills these before virtio_attach. */
	char name[32];		/* "virtio-blk0", for messages */
	uint32_t device_id;	/* VIRTIO_ID_* */
	uint64_t host_features; /* device bits; the core adds the ring bits */
	unsigned nr_queues;	/* <= VIRTIO_MAX_QUEUES */
	void *config;		/* device config space, little-endian */
	uint32_t config_len;
	const struct virtio_dev_ops *ops;
	void *opaque; /* the device's own state */

	/* Owned by the core and the transport. */
	struct vm *vm;
	pthread_mutex_t lock;
	struct virtq vq[VIRTIO_MAX_QUEUES];
	uint64_t driver_features; /* as the driver writes them */
	uint64_t features;	  /* accepted at FEATURES_OK */
	atomic_uint status;
	atomic_uint isr; /* interrupt status bits */
	atomic_uint config_gen;
	char why[128]; /* why it needs a reset, for logs and tests */
	const struct virtio_transport_ops *tops;
	void *transport;
	uint64_t notifies; /* the driver's kicks (atomic), for --stats */
};

/* Attaches d on the transport vm->cfg.mode->io names.  Fails with a
 * message when that transport is not built. */
int virtio_attach(struct vm *vm, struct virtio_dev *d, struct gerr *err);
void virtio_detach(struct virtio_dev *d);

/* --- For devices --- */

/* True when the driver accepted feature bit `bit`. */
static inline bool virtio_has(const struct virtio_dev *d, unsigned bit)
{
	return d->features & VIRTIO_BIT(bit);
}

/* After pushing used buffers on queue q: interrupts the driver if it asked
 * for it (EVENT_IDX / NO_INTERRUPT respected). */
void virtio_used(struct virtio_dev *d, unsigned q);

/* The device changed its config bytes (under d->lock): bumps the
 * generation and raises a config interrupt. */
void virtio_config_changed(struct virtio_dev *d);

/* The device found the driver's requests unusable: sets
 * DEVICE_NEEDS_RESET and raises a config interrupt. */
void virtio_needs_reset(struct virtio_dev *d, const char *why);

/* --- For transports (common register semantics) --- */

/* Applies a driver write of the status register: 0 resets the device;
 * FEATURES_OK is kept only if the driver's features are a subset of the
 * device's and include VERSION_1; DRIVER_OK starts the device. */
void virtio_status_write(struct virtio_dev *d, uint32_t v);
/* Enables queue q with the negotiated ring features (dev lock held). */
void virtio_queue_enable(struct virtio_dev *d, unsigned q);
/* Config space accesses, bounds-checked; reads outside are zero. */
void virtio_config_read(struct virtio_dev *d, uint64_t off, void *data,
			unsigned len);
void virtio_config_write(struct virtio_dev *d, uint64_t off, const void *data,
			 unsigned len);
/* Dispatches a queue notification (any thread, no lock held). */
void virtio_notify(struct virtio_dev *d, unsigned q);

/* The transports (one file each). */
int virtio_mmio_attach(struct vm *vm, struct virtio_dev *d, struct gerr *err);

#endif
