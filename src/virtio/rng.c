/* virtio-rng (spec 5.4): the guest's entropy comes from the host's
 * getrandom().  One device per VM in the virtio modes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

#include "core/device.h"
#include "core/vm.h"
#include "virtio/transport.h"

/* A request may be up to VIRTQ_MAX_CHAIN_BYTES long; the spec lets the
 * device fill less, so one request costs the host at most this much. */
#define RNG_MAX_PER_REQUEST (64u << 10)

struct rng {
	struct virtio_dev dev;
};

/* Fills up to `len` bytes of the chain's writable part; returns the count. */
static uint32_t rng_fill(const struct virtq_chain *c, uint64_t len)
{
	uint32_t done = 0;

	for (unsigned i = 0; i < c->nr_write && done < len; i++) {
		const struct iovec *v = &c->iov[c->nr_read + i];
		size_t want = v->iov_len < len - done ? v->iov_len : len - done;
		ssize_t r;

		do
			r = getrandom(v->iov_base, want, 0);
		while (r < 0 && errno == EINTR);
		if (r <= 0)
			break;
		done += (uint32_t)r;
		if ((size_t)r < want)
			break;
	}
	return done;
}

static void rng_notify(struct virtio_dev *d, unsigned q)
{
	struct virtq_chain *c = malloc(sizeof(*c));

	if (!c)
		return;
	while (virtq_pop(&d->vq[q], c) == 1)
		virtq_push(&d->vq[q], c,
			   rng_fill(c, c->write_len < RNG_MAX_PER_REQUEST
					       ? c->write_len
					       : RNG_MAX_PER_REQUEST));
	free(c);
	virtio_used(d, q);
}

static const struct virtio_dev_ops rng_ops = {
	.notify = rng_notify,
};

static void rng_destroy(void *state)
{
	struct rng *r = state;

	if (!r)
		return;
	virtio_detach(&r->dev);
	free(r);
}

static int rng_create(struct vm *vm, void **state, struct gerr *err)
{
	struct rng *r;

	*state = NULL;
	if (vm->cfg.mode->io != IO_VIRTIO_MMIO && vm->cfg.mode->io != IO_VIRTIO_PCI)
		return 0;
	r = calloc(1, sizeof(*r));
	if (!r)
		return gerr_set(err, "virtio-rng: out of memory");
	snprintf(r->dev.name, sizeof(r->dev.name), "virtio-rng");
	r->dev.device_id = VIRTIO_ID_RNG;
	r->dev.nr_queues = 1;
	r->dev.ops = &rng_ops;
	r->dev.opaque = r;
	if (virtio_attach(vm, &r->dev, err) < 0) {
		free(r);
		return -1;
	}
	*state = r;
	return 0;
}

static const struct device_class virtio_rng = {
	.name = "virtio-rng",
	.stage = DEVICE_STAGE_IO,
	.create = rng_create,
	.destroy = rng_destroy,
};
DEVICE_CLASS(virtio_rng);
