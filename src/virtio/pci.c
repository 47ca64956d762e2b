/* The modern virtio-pci transport (see virtio/pci.h). */
#include "virtio/pci.h"

#include <stdlib.h>
#include <string.h>

#include "core/vm.h"
#include "pci/msix.h"
#include "pci/pci.h"
#include "virtio/transport.h"

struct virtio_pci {
	struct pci_dev pci;
	struct pci_msix msix;
	struct virtio_dev *d;
	uint32_t dfselect, gfselect;
	uint16_t qselect;
	uint16_t config_vector;
	uint16_t queue_vector[VIRTIO_MAX_QUEUES];
	pthread_mutex_t irq_lock; /* leaf: ISR bits and the INTx level */
};

/* ---- interrupts ---- */

static void vpci_intx_sync(struct virtio_pci *p)
{
	pci_irq_set(&p->pci, atomic_load(&p->d->isr) != 0);
}

static void vpci_interrupt(struct virtio_dev *d, uint32_t why, unsigned q)
{
	struct virtio_pci *p = d->transport;

	pthread_mutex_lock(&p->irq_lock);
	if (pci_msix_enabled(&p->pci)) {
		uint16_t vec = (why & VIRTIO_INT_CONFIG) ? p->config_vector
			       : q < VIRTIO_MAX_QUEUES	 ? p->queue_vector[q]
							 : VIRTIO_PCI_NO_VECTOR;

		if (vec != VIRTIO_PCI_NO_VECTOR)
			pci_msix_notify(&p->pci, vec);
	} else {
		atomic_fetch_or(&d->isr, why);
		vpci_intx_sync(p);
	}
	pthread_mutex_unlock(&p->irq_lock);
}

/* Reading the ISR returns and clears it, lowering INTx. */
static uint8_t vpci_isr_read(struct virtio_pci *p)
{
	uint8_t v;

	pthread_mutex_lock(&p->irq_lock);
	v = (uint8_t)atomic_exchange(&p->d->isr, 0);
	vpci_intx_sync(p);
	pthread_mutex_unlock(&p->irq_lock);
	return v;
}

/* A vector the function does not have reads back as NO_VECTOR, which is
 * how the driver learns it was refused. */
static uint16_t vpci_vector(struct virtio_pci *p, uint32_t v)
{
	return v < p->msix.nvec ? (uint16_t)v : VIRTIO_PCI_NO_VECTOR;
}

/* ---- common configuration ---- */

static struct virtq *vpci_queue(struct virtio_pci *p)
{
	return p->qselect < p->d->nr_queues ? &p->d->vq[p->qselect] : NULL;
}

static uint64_t vpci_common_read(struct virtio_pci *p, unsigned off)
{
	struct virtio_dev *d = p->d;
	struct virtq *vq = vpci_queue(p);

	switch (off) {
	case VPCI_DFSELECT: return p->dfselect;
	case VPCI_DF:
		return p->dfselect < 2 ? (uint32_t)(d->host_features >> (32 * p->dfselect)) : 0;
	case VPCI_GFSELECT: return p->gfselect;
	case VPCI_GF:
		return p->gfselect < 2 ? (uint32_t)(d->driver_features >> (32 * p->gfselect)) : 0;
	case VPCI_MSIX_CONFIG: return p->config_vector;
	case VPCI_NUM_QUEUES: return d->nr_queues;
	case VPCI_STATUS: return atomic_load(&d->status);
	case VPCI_CFG_GENERATION: return atomic_load(&d->config_gen) & 0xff;
	case VPCI_Q_SELECT: return p->qselect;
	case VPCI_Q_NOFF: return vq ? p->qselect : 0;
	}
	if (!vq)
		return 0; /* queue_size 0: no such queue */
	switch (off) {
	case VPCI_Q_SIZE: return vq->size;
	case VPCI_Q_MSIX: return p->queue_vector[p->qselect];
	case VPCI_Q_ENABLE: return vq->ready;
	case VPCI_Q_DESC: return vq->desc_gpa;
	case VPCI_Q_DESC + 4: return vq->desc_gpa >> 32;
	case VPCI_Q_DRIVER: return vq->avail_gpa;
	case VPCI_Q_DRIVER + 4: return vq->avail_gpa >> 32;
	case VPCI_Q_DEVICE: return vq->used_gpa;
	case VPCI_Q_DEVICE + 4: return vq->used_gpa >> 32;
	}
	return 0;
}

/* Sets the part [off, off+len) of a 64-bit ring address at `field`. */
static void set_part(uint64_t *v, unsigned off, unsigned field, unsigned len,
		     uint64_t x)
{
	unsigned shift = 8 * (off - field);
	uint64_t mask = len == 8 ? ~0ull : ((1ull << (8 * len)) - 1) << shift;

	*v = (*v & ~mask) | ((x << shift) & mask);
}

/* Queue registers (device lock held).  A live queue's layout is fixed. */
static void vpci_queue_write(struct virtio_pci *p, unsigned off, unsigned len,
			     uint64_t v)
{
	struct virtq *vq = vpci_queue(p);

	if (!vq)
		return;
	if (off == VPCI_Q_MSIX) {
		p->queue_vector[p->qselect] = vpci_vector(p, (uint32_t)v);
		return;
	}
	if (off == VPCI_Q_ENABLE) {
		if ((v & 1) && !vq->ready)
			virtio_queue_enable(p->d, p->qselect);
		return;
	}
	if (vq->ready)
		return;
	if (off == VPCI_Q_SIZE)
		vq->size = (uint16_t)(v > VIRTQ_MAX_SIZE ? 0 : v);
	else if (off >= VPCI_Q_DESC && off < VPCI_Q_DRIVER)
		set_part(&vq->desc_gpa, off, VPCI_Q_DESC, len, v);
	else if (off >= VPCI_Q_DRIVER && off < VPCI_Q_DEVICE)
		set_part(&vq->avail_gpa, off, VPCI_Q_DRIVER, len, v);
	else if (off >= VPCI_Q_DEVICE && off < VPCI_COMMON_SIZE)
		set_part(&vq->used_gpa, off, VPCI_Q_DEVICE, len, v);
}

static void vpci_status_write(struct virtio_pci *p, uint32_t v)
{
	virtio_status_write(p->d, v);
	if (v != 0)
		return;
	/* Reset: vectors unassigned, ISR clear, INTx low. */
	pthread_mutex_lock(&p->d->lock);
	p->config_vector = VIRTIO_PCI_NO_VECTOR;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		p->queue_vector[q] = VIRTIO_PCI_NO_VECTOR;
	pthread_mutex_unlock(&p->d->lock);
	pthread_mutex_lock(&p->irq_lock);
	atomic_store(&p->d->isr, 0);
	vpci_intx_sync(p);
	pthread_mutex_unlock(&p->irq_lock);
}

static void vpci_common_write(struct virtio_pci *p, unsigned off, unsigned len,
			      uint64_t v)
{
	struct virtio_dev *d = p->d;

	if (off == VPCI_STATUS) {
		vpci_status_write(p, (uint32_t)v & 0xff);
		return;
	}
	pthread_mutex_lock(&d->lock);
	switch (off) {
	case VPCI_DFSELECT: p->dfselect = (uint32_t)v; break;
	case VPCI_GFSELECT: p->gfselect = (uint32_t)v; break;
	case VPCI_GF:
		/* Features are final once FEATURES_OK is set. */
		if (!(atomic_load(&d->status) & VIRTIO_STATUS_FEATURES_OK) &&
		    p->gfselect < 2)
			set_part(&d->driver_features, 4 * p->gfselect, 0, 4,
				 (uint32_t)v);
		break;
	case VPCI_MSIX_CONFIG: p->config_vector = vpci_vector(p, (uint32_t)v); break;
	case VPCI_Q_SELECT: p->qselect = (uint16_t)v; break;
	default: vpci_queue_write(p, off, len, v); break;
	}
	pthread_mutex_unlock(&d->lock);
}

/* Fields are 1, 2, 4 bytes wide (ring addresses 8, or two 4-byte halves);
 * an access must match a field's width and alignment or it is ignored. */
static bool vpci_common_access_ok(unsigned off, unsigned len)
{
	if (off + len > VPCI_COMMON_SIZE || (off & (len - 1)))
		return false;
	if (off >= VPCI_Q_DESC)
		return len == 4 || len == 8;
	if (off == VPCI_STATUS || off == VPCI_CFG_GENERATION)
		return len == 1;
	if (off < VPCI_MSIX_CONFIG)
		return len == 4;
	return len == 2;
}

/* ---- the BAR ---- */

static void vpci_bar_io(void *opaque, uint64_t off, void *data, unsigned len,
			bool is_write, int cpu)
{
	struct virtio_pci *p = opaque;
	uint64_t v = 0;

	(void)cpu;
	if (is_write)
		memcpy(&v, data, len);
	if (off >= VIRTIO_PCI_NOTIFY_OFF) {
		uint64_t q = (off - VIRTIO_PCI_NOTIFY_OFF) / VIRTIO_PCI_NOTIFY_MULT;

		if (is_write)
			virtio_notify(p->d, (unsigned)q);
		else
			memset(data, 0, len);
		return;
	}
	if (off >= VIRTIO_PCI_DEVICE_OFF) {
		if (is_write)
			virtio_config_write(p->d, off - VIRTIO_PCI_DEVICE_OFF, data, len);
		else
			virtio_config_read(p->d, off - VIRTIO_PCI_DEVICE_OFF, data, len);
		return;
	}
	if (off >= VIRTIO_PCI_ISR_OFF) {
		if (!is_write) {
			memset(data, 0, len);
			if (off == VIRTIO_PCI_ISR_OFF)
				*(uint8_t *)data = vpci_isr_read(p);
		}
		return;
	}
	if (!vpci_common_access_ok((unsigned)off, len)) {
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	if (is_write) {
		vpci_common_write(p, (unsigned)off, len, v);
	} else {
		pthread_mutex_lock(&p->d->lock);
		v = vpci_common_read(p, (unsigned)off);
		if (len == 8 && off >= VPCI_Q_DESC)
			v |= vpci_common_read(p, (unsigned)off + 4) << 32;
		pthread_mutex_unlock(&p->d->lock);
		memcpy(data, &v, len);
	}
}

/* ---- capabilities and attach ---- */

static int vpci_cap(struct virtio_pci *p, uint8_t type, uint32_t off,
		    uint32_t len, bool notify, struct gerr *err)
{
	int c = pci_cap_add(&p->pci, PCI_CAP_ID_VENDOR, notify ? 20 : 16, err);

	if (c < 0)
		return -1;
	p->pci.cfg[c + 2] = notify ? 20 : 16; /* cap_len */
	p->pci.cfg[c + 3] = type;
	p->pci.cfg[c + 4] = VIRTIO_PCI_BAR;
	pci_cfg_set32(&p->pci, (unsigned)c + 8, off);
	pci_cfg_set32(&p->pci, (unsigned)c + 12, len);
	if (notify)
		pci_cfg_set32(&p->pci, (unsigned)c + 16, VIRTIO_PCI_NOTIFY_MULT);
	return 0;
}

static uint32_t vpci_class(uint32_t device_id)
{
	switch (device_id) {
	case VIRTIO_ID_NET: return 0x020000;	 /* Ethernet */
	case VIRTIO_ID_BLOCK: return 0x010000;	 /* mass storage */
	case VIRTIO_ID_CONSOLE: return 0x078000; /* communication */
	default: return 0x00ff00;
	}
}

static void vpci_detach(struct virtio_dev *d)
{
	struct virtio_pci *p = d->transport;

	pci_unregister(&p->pci);
	pthread_mutex_destroy(&p->irq_lock);
	free(p);
	d->transport = NULL;
}

static const struct virtio_transport_ops vpci_ops = {
	.name = "pci",
	.interrupt = vpci_interrupt,
	.detach = vpci_detach,
};

int virtio_pci_attach(struct vm *vm, struct virtio_dev *d, struct gerr *err)
{
	struct pci_bus *bus = pci_bus_find(vm);
	struct virtio_pci *p;
	uint32_t cfg_len = d->config_len ? d->config_len : 4;

	if (!bus)
		return gerr_set(err, "%s: virtio over PCI needs a PC platform "
				"with a PCI bus", d->name);
	if (cfg_len > VIRTIO_PCI_NOTIFY_OFF - VIRTIO_PCI_DEVICE_OFF)
		return gerr_set(err, "%s: config space too large", d->name);
	p = calloc(1, sizeof(*p));
	if (!p)
		return gerr_set(err, "%s: out of memory", d->name);
	p->d = d;
	p->config_vector = VIRTIO_PCI_NO_VECTOR;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		p->queue_vector[q] = VIRTIO_PCI_NO_VECTOR;
	pthread_mutex_init(&p->irq_lock, NULL);
	pci_dev_init(&p->pci, d->name, VIRTIO_PCI_VENDOR,
		     (uint16_t)(VIRTIO_PCI_DEVICE_BASE + d->device_id),
		     vpci_class(d->device_id), 1, 1);
	pci_cfg_set16(&p->pci, PCI_SUBSYS_VENDOR, VIRTIO_PCI_VENDOR);
	pci_cfg_set16(&p->pci, PCI_SUBSYS_ID, 0x40);
	if (pci_msix_init(&p->pci, &p->msix, d->nr_queues + 1, VIRTIO_PCI_MSIX_BAR,
			  err) < 0 ||
	    pci_bar_add(&p->pci, VIRTIO_PCI_BAR, PCI_BAR_MEM64, VIRTIO_PCI_BAR_SIZE,
			vpci_bar_io, p, err) < 0 ||
	    vpci_cap(p, VIRTIO_PCI_CAP_COMMON, VIRTIO_PCI_COMMON_OFF,
		     VPCI_COMMON_SIZE, false, err) < 0 ||
	    vpci_cap(p, VIRTIO_PCI_CAP_ISR, VIRTIO_PCI_ISR_OFF, 1, false, err) < 0 ||
	    vpci_cap(p, VIRTIO_PCI_CAP_DEVICE, VIRTIO_PCI_DEVICE_OFF, cfg_len,
		     false, err) < 0 ||
	    vpci_cap(p, VIRTIO_PCI_CAP_NOTIFY, VIRTIO_PCI_NOTIFY_OFF,
		     VIRTIO_PCI_NOTIFY_MULT * d->nr_queues, true, err) < 0 ||
	    pci_register(bus, &p->pci, -1, err) < 0) {
		pthread_mutex_destroy(&p->irq_lock);
		free(p);
		return gerr_prefix(err, "%s: ", d->name);
	}
	d->transport = p;
	d->tops = &vpci_ops;
	return 0;
}
