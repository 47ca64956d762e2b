/* virtio-console (spec 5.3): one port (no MULTIPORT) on the VM's console
 * (src/console).  Queue 0 carries input to the guest, queue 1 output.
 * VIRTIO_CONSOLE_F_EMERG_WRITE is offered too: a byte written to the
 * emerg_wr config field goes straight to the console.
 *
 * Input ownership: the console sends keyboard input to the last device
 * that attached.  The UART attaches at creation; this device attaches only
 * when the guest first writes to it, so input follows whichever console
 * the guest really uses (console=ttyS0 or console=hvc0). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/console.h"
#include "core/device.h"
#include "core/vm.h"
#include "virtio/transport.h"

#define VIRTIO_CONSOLE_F_EMERG_WRITE 2
#define VCON_RXQ 0
#define VCON_TXQ 1
#define VCON_PENDING 4096 /* input held while the guest has no buffers */

struct vcon_config {
	uint16_t cols, rows;
	uint32_t max_nr_ports;
	uint32_t emerg_wr;
} __attribute__((packed));

struct vcon {
	struct virtio_dev dev;
	struct vcon_config config;
	struct console *con;
	atomic_bool input_attached;
	pthread_mutex_t in_lock; /* pending input; taken before queue locks */
	uint8_t pending[VCON_PENDING];
	size_t npending;
};

/* Moves held input into the guest's receive buffers (any thread). */
static void vcon_rx_flush(struct vcon *v)
{
	struct virtq *vq = &v->dev.vq[VCON_RXQ];
	struct virtq_chain *c;
	bool pushed = false;

	pthread_mutex_lock(&v->in_lock);
	if (!v->npending) {
		pthread_mutex_unlock(&v->in_lock);
		return;
	}
	c = malloc(sizeof(*c));
	while (c && v->npending && virtq_pop(vq, c) == 1) {
		size_t n = virtq_copy_to(c, 0, v->pending, v->npending);

		memmove(v->pending, v->pending + n, v->npending - n);
		v->npending -= n;
		virtq_push(vq, c, (uint32_t)n);
		pushed = true;
	}
	pthread_mutex_unlock(&v->in_lock);
	free(c);
	if (pushed)
		virtio_used(&v->dev, VCON_RXQ);
}

/* Console input (event-loop thread): held, then flushed to the guest. */
static void vcon_input(void *opaque, const uint8_t *buf, size_t len)
{
	struct vcon *v = opaque;
	size_t room;

	pthread_mutex_lock(&v->in_lock);
	room = VCON_PENDING - v->npending;
	if (len > room)
		len = room; /* a guest that never reads loses keystrokes */
	memcpy(v->pending + v->npending, buf, len);
	v->npending += len;
	pthread_mutex_unlock(&v->in_lock);
	vcon_rx_flush(v);
}

static void vcon_take_input(struct vcon *v)
{
	if (!atomic_exchange(&v->input_attached, true))
		console_attach_input(v->con, vcon_input, v);
}

static void vcon_tx(struct vcon *v)
{
	struct virtq *vq = &v->dev.vq[VCON_TXQ];
	struct virtq_chain *c = malloc(sizeof(*c));
	bool any = false;

	if (!c)
		return;
	while (virtq_pop(vq, c) == 1) {
		for (unsigned i = 0; i < c->nr_read; i++)
			console_write(v->con, c->iov[i].iov_base, c->iov[i].iov_len);
		any |= c->read_len > 0;
		virtq_push(vq, c, 0);
	}
	free(c);
	virtio_used(&v->dev, VCON_TXQ);
	if (any)
		vcon_take_input(v);
}

static void vcon_notify(struct virtio_dev *d, unsigned q)
{
	struct vcon *v = d->opaque;

	if (q == VCON_TXQ)
		vcon_tx(v);
	else
		vcon_rx_flush(v);
}

static void vcon_config_write(struct virtio_dev *d, unsigned off, unsigned len)
{
	struct vcon *v = d->opaque;
	uint8_t ch;

	/* Only emerg_wr is writable; its low byte is the character. */
	if (off != offsetof(struct vcon_config, emerg_wr) || len == 0)
		return;
	pthread_mutex_lock(&d->lock);
	ch = (uint8_t)v->config.emerg_wr;
	v->config.emerg_wr = 0;
	pthread_mutex_unlock(&d->lock);
	console_write(v->con, &ch, 1);
}

static const struct virtio_dev_ops vcon_ops = {
	.notify = vcon_notify,
	.config_write = vcon_config_write,
};

static void vcon_destroy(void *state)
{
	struct vcon *v = state;

	if (!v)
		return;
	if (atomic_load(&v->input_attached))
		console_attach_input(v->con, NULL, NULL);
	virtio_detach(&v->dev);
	pthread_mutex_destroy(&v->in_lock);
	free(v);
}

static int vcon_create(struct vm *vm, void **state, struct gerr *err)
{
	struct vcon *v;

	*state = NULL;
	if (vm->cfg.mode->io != IO_VIRTIO_MMIO && vm->cfg.mode->io != IO_VIRTIO_PCI)
		return 0;
	v = calloc(1, sizeof(*v));
	if (!v)
		return gerr_set(err, "virtio-console: out of memory");
	v->con = console_get(vm, err);
	if (!v->con) {
		free(v);
		return -1;
	}
	pthread_mutex_init(&v->in_lock, NULL);
	snprintf(v->dev.name, sizeof(v->dev.name), "virtio-console");
	v->dev.device_id = VIRTIO_ID_CONSOLE;
	v->dev.host_features = VIRTIO_BIT(VIRTIO_CONSOLE_F_EMERG_WRITE);
	v->dev.nr_queues = 2;
	v->dev.config = &v->config;
	v->dev.config_len = sizeof(v->config);
	v->dev.ops = &vcon_ops;
	v->dev.opaque = v;
	if (virtio_attach(vm, &v->dev, err) < 0) {
		pthread_mutex_destroy(&v->in_lock);
		free(v);
		return -1;
	}
	*state = v;
	return 0;
}

static const struct device_class virtio_console = {
	.name = "virtio-console",
	.stage = DEVICE_STAGE_IO,
	.create = vcon_create,
	.destroy = vcon_destroy,
};
DEVICE_CLASS(virtio_console);
