/* The virtio-mmio transport, version 2 (virtio 1.x spec 4.2).
 *
 * Instance i sits at LAYOUT_VIRTIO_MMIO_BASE + i * LAYOUT_VIRTIO_MMIO_SIZE
 * on interrupt line LAYOUT_IRQ_VIRTIO_BASE + i % MMIO_NR_LINES, and is
 * described to the guest through the ACPI DSDT as "LNRO0005" (Debian
 * kernels find virtio-mmio devices only there).  The line is
 * level-triggered: high while InterruptStatus is non-zero.  The IOAPIC has
 * 24 pins, so lines 16-23 serve all slots: from the ninth device on, slots
 * share lines, wire-ORed (Linux's virtio-mmio driver takes a shared IRQ).  The backend's irqfd fast path is not used:
 * it only pulses a line, which loses an interrupt raised while the guest is
 * still handling the previous one on a level-triggered pin.  Its ioeventfd
 * fast path is used for QueueNotify when the backend has one. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/layout.h"
#include "core/vm.h"
#include "virtio/transport.h"

#define MMIO_MAGIC	 0x74726976 /* "virt" */
#define MMIO_VERSION	 2
#define MMIO_VENDOR	 0x554d4147 /* "GAMU" */
#define MMIO_HID	 "LNRO0005"
#define MMIO_NR_LINES	 8 /* IOAPIC pins 16-23 */

enum mmio_reg {
	REG_MAGIC = 0x000,
	REG_VERSION = 0x004,
	REG_DEVICE_ID = 0x008,
	REG_VENDOR_ID = 0x00c,
	REG_DEVICE_FEATURES = 0x010,
	REG_DEVICE_FEATURES_SEL = 0x014,
	REG_DRIVER_FEATURES = 0x020,
	REG_DRIVER_FEATURES_SEL = 0x024,
	REG_QUEUE_SEL = 0x030,
	REG_QUEUE_NUM_MAX = 0x034,
	REG_QUEUE_NUM = 0x038,
	REG_QUEUE_READY = 0x044,
	REG_QUEUE_NOTIFY = 0x050,
	REG_INTERRUPT_STATUS = 0x060,
	REG_INTERRUPT_ACK = 0x064,
	REG_STATUS = 0x070,
	REG_QUEUE_DESC_LOW = 0x080,
	REG_QUEUE_DESC_HIGH = 0x084,
	REG_QUEUE_DRIVER_LOW = 0x090,
	REG_QUEUE_DRIVER_HIGH = 0x094,
	REG_QUEUE_DEVICE_LOW = 0x0a0,
	REG_QUEUE_DEVICE_HIGH = 0x0a4,
	REG_SHM_LEN_LOW = 0x0b0,
	REG_SHM_LEN_HIGH = 0x0b4,
	REG_SHM_BASE_LOW = 0x0b8,
	REG_SHM_BASE_HIGH = 0x0bc,
	REG_CONFIG_GENERATION = 0x0fc,
	REG_CONFIG = 0x100,
};

struct mmio_kick {
	struct virtio_dev *d;
	unsigned q;
	int fd; /* ioeventfd, or -1 */
};

/* One interrupt line and the instances on it: high while any of them
 * asserts it. */
struct mmio_line {
	struct vm *vm;
	unsigned line;
	unsigned users, high;
	struct mmio_line *next;
};

struct virtio_mmio {
	struct virtio_dev *d;
	struct vm *vm;
	uint64_t base;
	unsigned line;
	struct mmio_line *lp;
	bool asserted; /* this instance's contribution to the line */
	uint32_t dev_features_sel, drv_features_sel, queue_sel;
	struct mmio_kick kick[VIRTIO_MAX_QUEUES];
};

/* Leaf lock for every line's level; taken last, held briefly. */
static pthread_mutex_t mmio_line_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mmio_line *mmio_lines;

static struct mmio_line *mmio_line_get(struct vm *vm, unsigned line)
{
	struct mmio_line *l;

	pthread_mutex_lock(&mmio_line_lock);
	for (l = mmio_lines; l; l = l->next)
		if (l->vm == vm && l->line == line)
			break;
	if (!l && (l = calloc(1, sizeof(*l)))) {
		*l = (struct mmio_line){ vm, line, 0, 0, mmio_lines };
		mmio_lines = l;
	}
	if (l)
		l->users++;
	pthread_mutex_unlock(&mmio_line_lock);
	return l;
}

static void mmio_line_put(struct mmio_line *l)
{
	pthread_mutex_lock(&mmio_line_lock);
	if (--l->users == 0) {
		for (struct mmio_line **p = &mmio_lines; *p; p = &(*p)->next) {
			if (*p == l) {
				*p = l->next;
				break;
			}
		}
		free(l);
	}
	pthread_mutex_unlock(&mmio_line_lock);
}

/* Brings the line in step with InterruptStatus.  The status is read under
 * the lock, so whichever thread syncs last leaves the right level. */
static void mmio_irq_sync(struct virtio_mmio *m)
{
	bool want;

	pthread_mutex_lock(&mmio_line_lock);
	want = atomic_load(&m->d->isr) != 0;
	if (want != m->asserted) {
		m->asserted = want;
		if (want ? m->lp->high++ == 0 : --m->lp->high == 0)
			vm_irq_set(m->vm, m->line, want);
	}
	pthread_mutex_unlock(&mmio_line_lock);
}

static void mmio_interrupt(struct virtio_dev *d, uint32_t why, unsigned q)
{
	struct virtio_mmio *m = d->transport;

	(void)q;
	atomic_fetch_or(&d->isr, why);
	mmio_irq_sync(m);
}

static void mmio_ack(struct virtio_mmio *m, uint32_t v)
{
	atomic_fetch_and(&m->d->isr, ~v);
	mmio_irq_sync(m);
}

static uint32_t mmio_features(struct virtio_mmio *m)
{
	uint64_t f = m->d->host_features;

	if (m->dev_features_sel > 1)
		return 0;
	return (uint32_t)(f >> (32 * m->dev_features_sel));
}

static uint32_t mmio_queue_read(struct virtio_mmio *m, uint64_t reg)
{
	struct virtq *vq;

	if (m->queue_sel >= m->d->nr_queues)
		return 0; /* NumMax 0: no such queue */
	vq = &m->d->vq[m->queue_sel];
	switch (reg) {
	case REG_QUEUE_NUM_MAX:
		return VIRTQ_MAX_SIZE;
	case REG_QUEUE_READY:
		return vq->ready;
	}
	return 0;
}

static uint32_t mmio_read(struct virtio_mmio *m, uint64_t reg)
{
	switch (reg) {
	case REG_MAGIC:
		return MMIO_MAGIC;
	case REG_VERSION:
		return MMIO_VERSION;
	case REG_DEVICE_ID:
		return m->d->device_id;
	case REG_VENDOR_ID:
		return MMIO_VENDOR;
	case REG_DEVICE_FEATURES:
		return mmio_features(m);
	case REG_QUEUE_NUM_MAX:
	case REG_QUEUE_READY:
		return mmio_queue_read(m, reg);
	case REG_INTERRUPT_STATUS:
		return atomic_load(&m->d->isr);
	case REG_STATUS:
		return atomic_load(&m->d->status);
	case REG_SHM_LEN_LOW:
	case REG_SHM_LEN_HIGH:
		return 0xffffffff; /* no shared memory regions */
	case REG_CONFIG_GENERATION:
		return atomic_load(&m->d->config_gen);
	}
	return 0;
}

static void set_low(uint64_t *v, uint32_t x)
{
	*v = (*v & ~0xffffffffull) | x;
}

static void set_high(uint64_t *v, uint32_t x)
{
	*v = (*v & 0xffffffffull) | ((uint64_t)x << 32);
}

/* Queue setup registers; the spec forbids changing a live queue, so such
 * writes are ignored.  Called with the device lock held. */
static void mmio_queue_write(struct virtio_mmio *m, uint64_t reg, uint32_t v)
{
	struct virtq *vq;

	if (m->queue_sel >= m->d->nr_queues)
		return;
	vq = &m->d->vq[m->queue_sel];
	if (reg == REG_QUEUE_READY) {
		if (v && !vq->ready)
			virtio_queue_enable(m->d, m->queue_sel);
		else if (!v)
			virtq_reset(vq);
		return;
	}
	if (vq->ready)
		return;
	switch (reg) {
	case REG_QUEUE_NUM:
		vq->size = (uint16_t)(v > VIRTQ_MAX_SIZE ? 0 : v);
		break;
	case REG_QUEUE_DESC_LOW:
		set_low(&vq->desc_gpa, v);
		break;
	case REG_QUEUE_DESC_HIGH:
		set_high(&vq->desc_gpa, v);
		break;
	case REG_QUEUE_DRIVER_LOW:
		set_low(&vq->avail_gpa, v);
		break;
	case REG_QUEUE_DRIVER_HIGH:
		set_high(&vq->avail_gpa, v);
		break;
	case REG_QUEUE_DEVICE_LOW:
		set_low(&vq->used_gpa, v);
		break;
	case REG_QUEUE_DEVICE_HIGH:
		set_high(&vq->used_gpa, v);
		break;
	}
}

static void mmio_driver_features(struct virtio_mmio *m, uint32_t v)
{
	struct virtio_dev *d = m->d;

	if (atomic_load(&d->status) & VIRTIO_STATUS_FEATURES_OK)
		return; /* too late: features are final */
	if (m->drv_features_sel == 0)
		set_low(&d->driver_features, v);
	else if (m->drv_features_sel == 1)
		set_high(&d->driver_features, v);
}

static void mmio_write(struct virtio_mmio *m, uint64_t reg, uint32_t v)
{
	struct virtio_dev *d = m->d;

	switch (reg) {
	case REG_QUEUE_NOTIFY:
		virtio_notify(d, v);
		return;
	case REG_INTERRUPT_ACK:
		mmio_ack(m, v);
		return;
	case REG_STATUS:
		virtio_status_write(d, v);
		if (v == 0)
			mmio_irq_sync(m);
		return;
	}
	pthread_mutex_lock(&d->lock);
	switch (reg) {
	case REG_DEVICE_FEATURES_SEL:
		m->dev_features_sel = v;
		break;
	case REG_DRIVER_FEATURES_SEL:
		m->drv_features_sel = v;
		break;
	case REG_DRIVER_FEATURES:
		mmio_driver_features(m, v);
		break;
	case REG_QUEUE_SEL:
		m->queue_sel = v;
		break;
	default:
		mmio_queue_write(m, reg, v);
		break;
	}
	pthread_mutex_unlock(&d->lock);
}

static void mmio_io(void *opaque, uint64_t off, void *data, unsigned len,
		    bool is_write, int cpu)
{
	struct virtio_mmio *m = opaque;
	uint32_t v = 0;

	(void)cpu;
	if (off >= REG_CONFIG) {
		if (is_write)
			virtio_config_write(m->d, off - REG_CONFIG, data, len);
		else
			virtio_config_read(m->d, off - REG_CONFIG, data, len);
		return;
	}
	/* The register block takes aligned 32-bit accesses only. */
	if (len != 4 || (off & 3)) {
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	if (is_write) {
		memcpy(&v, data, 4);
		mmio_write(m, off, v);
	} else {
		v = mmio_read(m, off);
		memcpy(data, &v, 4);
	}
}

/* ioeventfd: the backend signals the eventfd on a QueueNotify write of
 * queue q; the event loop turns that into the same notify. */
static void mmio_kick_fd(void *opaque, uint32_t events)
{
	struct mmio_kick *k = opaque;
	uint64_t n;

	(void)events;
	if (read(k->fd, &n, sizeof(n)) == sizeof(n))
		virtio_notify(k->d, k->q);
}

static void mmio_ioeventfd_setup(struct virtio_mmio *m)
{
	struct gerr err;

	for (unsigned q = 0; q < m->d->nr_queues; q++) {
		struct mmio_kick *k = &m->kick[q];

		*k = (struct mmio_kick){ m->d, q, -1 };
		if (!m->vm->backend || !m->vm->backend->ioeventfd)
			continue;
		k->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (k->fd < 0)
			continue;
		/* On failure the bus handler still serves the notify. */
		if (m->vm->backend->ioeventfd(m->vm, m->base + REG_QUEUE_NOTIFY, 4,
					      q, k->fd, &err) < 0 ||
		    evloop_add(&m->vm->loop, k->fd, EPOLLIN, mmio_kick_fd, k,
			       &err) < 0) {
			close(k->fd);
			k->fd = -1;
		}
	}
}

static void mmio_detach(struct virtio_dev *d)
{
	struct virtio_mmio *m = d->transport;

	bus_unregister(&m->vm->mmio, m->base);
	for (unsigned q = 0; q < d->nr_queues; q++) {
		if (m->kick[q].fd < 0)
			continue;
		evloop_del(&m->vm->loop, m->kick[q].fd);
		close(m->kick[q].fd);
	}
	if (m->asserted) {
		atomic_store(&d->isr, 0);
		mmio_irq_sync(m);
	}
	mmio_line_put(m->lp);
	free(m);
	d->transport = NULL;
}

static const struct virtio_transport_ops mmio_ops = {
	.name = "mmio",
	.interrupt = mmio_interrupt,
	.detach = mmio_detach,
};

/* The next free slot: one per virtio-mmio device already described. */
static unsigned mmio_next_slot(const struct vm *vm)
{
	unsigned n = 0;

	for (unsigned i = 0; i < vm->nr_mmio_desc; i++)
		n += !strcmp(vm->mmio_desc[i].hid, MMIO_HID);
	return n;
}

int virtio_mmio_attach(struct vm *vm, struct virtio_dev *d, struct gerr *err)
{
	unsigned slot = mmio_next_slot(vm);
	struct virtio_mmio *m;

	if (slot >= LAYOUT_VIRTIO_MMIO_MAX)
		return gerr_set(err, "%s: more than %d virtio-mmio devices",
				d->name, LAYOUT_VIRTIO_MMIO_MAX);
	m = calloc(1, sizeof(*m));
	if (!m)
		return gerr_set(err, "%s: out of memory", d->name);
	m->d = d;
	m->vm = vm;
	m->base = LAYOUT_VIRTIO_MMIO_BASE + slot * LAYOUT_VIRTIO_MMIO_SIZE;
	m->line = LAYOUT_IRQ_VIRTIO_BASE + slot % MMIO_NR_LINES;
	m->lp = mmio_line_get(vm, m->line);
	if (!m->lp) {
		free(m);
		return gerr_set(err, "%s: out of memory", d->name);
	}
	if (bus_register(&vm->mmio, m->base, LAYOUT_VIRTIO_MMIO_SIZE, mmio_io, m,
			 d->name, err) < 0 ||
	    vm_describe_mmio(vm, MMIO_HID, m->base, LAYOUT_VIRTIO_MMIO_SIZE,
			     m->line, err) < 0) {
		bus_unregister(&vm->mmio, m->base);
		mmio_line_put(m->lp);
		free(m);
		return -1;
	}
	d->transport = m;
	d->tops = &mmio_ops;
	mmio_ioeventfd_setup(m);
	return 0;
}
