/* The transport-independent half of a virtio device: feature negotiation,
 * status, queue enabling, config space and interrupts on behalf of devices.
 * The register layouts live in the transports (mmio.c, later pci.c). */
#include <stdio.h>
#include <string.h>

#include "core/vm.h"
#include "virtio/pci.h"
#include "virtio/transport.h"

/* Ring features every gamut device offers: the virtqueue code does them. */
#define VIRTIO_RING_FEATURES                                                  \
	(VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_RING_EVENT_IDX) | \
	 VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC))

static void virtio_queue_broken(void *opaque, struct virtq *vq)
{
	virtio_needs_reset(opaque, vq->why);
}

/* Counts the driver's kicks as "virtq.notify.blk0" (docs/stats.md). */
static int attached(struct vm *vm, struct virtio_dev *d)
{
	char name[STATS_NAME_MAX];
	const char *dev = d->name;

	if (!strncmp(dev, "virtio-", 7))
		dev += 7;
	snprintf(name, sizeof(name), "virtq.notify.%s", dev);
	d->notifies = 0;
	stats_counter(&vm->stats, name, &d->notifies);
	return 0;
}

int virtio_attach(struct vm *vm, struct virtio_dev *d, struct gerr *err)
{
	if (d->nr_queues == 0 || d->nr_queues > VIRTIO_MAX_QUEUES)
		return gerr_set(err, "%s: %u queues (1 to %d)", d->name,
				d->nr_queues, VIRTIO_MAX_QUEUES);
	d->vm = vm;
	d->host_features |= VIRTIO_RING_FEATURES;
	d->features = d->driver_features = 0;
	atomic_init(&d->status, 0);
	atomic_init(&d->isr, 0);
	atomic_init(&d->config_gen, 0);
	d->why[0] = 0;
	pthread_mutex_init(&d->lock, NULL);
	for (unsigned q = 0; q < d->nr_queues; q++)
		virtq_init(&d->vq[q], &vm->mem, q, virtio_queue_broken, d);
	switch (vm->cfg.mode->io) {
	case IO_VIRTIO_MMIO:
		if (virtio_mmio_attach(vm, d, err) == 0)
			return attached(vm, d);
		break;
	case IO_VIRTIO_PCI:
		if (virtio_pci_attach(vm, d, err) == 0)
			return attached(vm, d);
		break;
	default:
		gerr_set(err, "%s: mode %s has no virtio transport", d->name,
			 vm->cfg.mode->name);
		break;
	}
	for (unsigned q = 0; q < d->nr_queues; q++)
		virtq_destroy(&d->vq[q]);
	pthread_mutex_destroy(&d->lock);
	return -1;
}

void virtio_detach(struct virtio_dev *d)
{
	if (d->tops && d->tops->detach)
		d->tops->detach(d);
	for (unsigned q = 0; q < d->nr_queues; q++)
		virtq_destroy(&d->vq[q]);
	pthread_mutex_destroy(&d->lock);
}

void virtio_used(struct virtio_dev *d, unsigned q)
{
	if (virtq_should_notify(&d->vq[q]))
		d->tops->interrupt(d, VIRTIO_INT_USED, q);
}

void virtio_config_changed(struct virtio_dev *d)
{
	atomic_fetch_add(&d->config_gen, 1);
	d->tops->interrupt(d, VIRTIO_INT_CONFIG, 0);
}

void virtio_needs_reset(struct virtio_dev *d, const char *why)
{
	unsigned old = atomic_fetch_or(&d->status,
				       VIRTIO_STATUS_DEVICE_NEEDS_RESET);

	if (old & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
		return;
	snprintf(d->why, sizeof(d->why), "%s", why);
	/* The spec asks for a config change notification once the driver
	 * is running, so it looks at the status. */
	if (old & VIRTIO_STATUS_DRIVER_OK)
		d->tops->interrupt(d, VIRTIO_INT_CONFIG, 0);
}

static void virtio_reset_locked(struct virtio_dev *d)
{
	for (unsigned q = 0; q < d->nr_queues; q++)
		virtq_reset(&d->vq[q]);
	d->features = d->driver_features = 0;
	atomic_store(&d->status, 0);
	atomic_store(&d->isr, 0);
	d->why[0] = 0;
	if (d->ops->reset)
		d->ops->reset(d);
}

/* FEATURES_OK stands only for a subset of what we offer, with VERSION_1:
 * gamut has no legacy (0.9) interface. */
static bool virtio_features_ok(const struct virtio_dev *d)
{
	return !(d->driver_features & ~d->host_features) &&
	       (d->driver_features & VIRTIO_BIT(VIRTIO_F_VERSION_1));
}

void virtio_status_write(struct virtio_dev *d, uint32_t v)
{
	unsigned old;
	bool start;

	pthread_mutex_lock(&d->lock);
	if (v == 0) {
		virtio_reset_locked(d);
		pthread_mutex_unlock(&d->lock);
		return;
	}
	old = atomic_load(&d->status);
	if ((v & VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK)) {
		if (virtio_features_ok(d))
			d->features = d->driver_features;
		else
			v &= ~VIRTIO_STATUS_FEATURES_OK;
	}
	/* Only the device sets NEEDS_RESET; only a reset clears it. */
	v = (v & 0xff & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET) |
	    (old & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	start = (v & VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK) &&
		(v & VIRTIO_STATUS_FEATURES_OK);
	atomic_store(&d->status, v);
	pthread_mutex_unlock(&d->lock);
	if (start && d->ops->start)
		d->ops->start(d);
}

void virtio_queue_enable(struct virtio_dev *d, unsigned q)
{
	struct virtq *vq = &d->vq[q];

	vq->event_idx = virtio_has(d, VIRTIO_F_RING_EVENT_IDX);
	vq->indirect = virtio_has(d, VIRTIO_F_INDIRECT_DESC);
	virtq_enable(vq);
}

void virtio_config_read(struct virtio_dev *d, uint64_t off, void *data,
			unsigned len)
{
	memset(data, 0, len);
	pthread_mutex_lock(&d->lock);
	if (off <= d->config_len && len <= d->config_len - off)
		memcpy(data, (uint8_t *)d->config + off, len);
	pthread_mutex_unlock(&d->lock);
}

void virtio_config_write(struct virtio_dev *d, uint64_t off, const void *data,
			 unsigned len)
{
	bool ok = false;

	pthread_mutex_lock(&d->lock);
	/* Only devices that take config writes see them stored. */
	if (d->ops->config_write && off <= d->config_len &&
	    len <= d->config_len - off) {
		memcpy((uint8_t *)d->config + off, data, len);
		ok = true;
	}
	pthread_mutex_unlock(&d->lock);
	if (ok)
		d->ops->config_write(d, (unsigned)off, len);
}

void virtio_notify(struct virtio_dev *d, unsigned q)
{
	if (q < d->nr_queues) {
		/* vCPUs and the event loop (ioeventfd) may kick at once. */
		__atomic_fetch_add(&d->notifies, 1, __ATOMIC_RELAXED);
		d->ops->notify(d, q);
	}
}
