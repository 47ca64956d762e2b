/* virtio-net (spec 5.1): one device per --net, on a network backend
 * (src/net: TAP or slirp).
 *
 * Queue 0 receives, queue 1 transmits; no control queue and no offloads,
 * so every frame carries a 12-byte virtio_net_hdr (the VERSION_1 layout,
 * num_buffers included) with nothing in it but num_buffers.  Transmit runs
 * on the notifying thread; receive runs on the event loop when the backend
 * has a frame.  With MRG_RXBUF a frame may fill several receive chains.
 * A transmit rate limit (src/net/net.h) leaves the frame it refuses on the
 * ring; the backend's tx_resume runs the queue again from the event loop,
 * so `tx_lock` keeps two threads from taking (and giving back) chains of
 * the transmit queue at once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/device.h"
#include "core/vm.h"
#include "net/net.h"
#include "virtio/transport.h"

#define VIRTIO_NET_F_MAC       5
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_STATUS    16
#define VIRTIO_NET_S_LINK_UP   1

#define NET_HDR_LEN 12 /* virtio_net_hdr with num_buffers (VERSION_1) */
#define NET_RXQ	    0
#define NET_TXQ	    1
/* A frame of NET_FRAME_MAX bytes spread over chains of at least one page. */
#define NET_RX_CHAINS_MAX 32

struct net_config_space {
	uint8_t mac[6];
	uint16_t status;
} __attribute__((packed));

struct vnet {
	struct virtio_dev dev;
	struct net_config_space config;
	struct net_backend *nb;
	pthread_mutex_t tx_lock;
	uint64_t rx_dropped, tx_dropped;
	struct virtq_chain rx_chain[NET_RX_CHAINS_MAX]; /* event loop only */
};

struct vnet_set {
	unsigned n;
	struct vnet *net[CONFIG_MAX_NETS];
};

/* --- transmit --- */

/* Sends the frame after the header of one transmit chain. */
static void vnet_tx_one(struct vnet *n, const struct virtq_chain *c)
{
	struct iovec iov[VIRTQ_IOV_MAX];
	uint64_t skip = NET_HDR_LEN;
	unsigned nr = 0;

	if (c->read_len <= NET_HDR_LEN || c->read_len - NET_HDR_LEN > NET_FRAME_MAX) {
		n->tx_dropped++;
		return;
	}
	for (unsigned i = 0; i < c->nr_read; i++) {
		if (skip >= c->iov[i].iov_len) {
			skip -= c->iov[i].iov_len;
			continue;
		}
		iov[nr++] = (struct iovec){ (uint8_t *)c->iov[i].iov_base + skip,
					    c->iov[i].iov_len - skip };
		skip = 0;
	}
	if (net_send(n->nb, iov, nr) < 0)
		n->tx_dropped++;
}

static void vnet_tx(struct vnet *n)
{
	struct virtq *vq = &n->dev.vq[NET_TXQ];
	struct virtq_chain *c = malloc(sizeof(*c));

	if (!c)
		return;
	pthread_mutex_lock(&n->tx_lock);
	while (virtq_pop(vq, c) == 1) {
		if (!net_tx_admit(n->nb, c->read_len > NET_HDR_LEN ?
						 c->read_len - NET_HDR_LEN : 0)) {
			virtq_unpop(vq, 1);
			break;
		}
		vnet_tx_one(n, c);
		virtq_push(vq, c, 0);
	}
	pthread_mutex_unlock(&n->tx_lock);
	free(c);
	virtio_used(&n->dev, NET_TXQ);
}

/* The transmit limit has room again (event loop). */
static void vnet_tx_resume(void *opaque)
{
	vnet_tx(opaque);
}

/* --- receive (event-loop thread) --- */

/* Pops chains until `need` writable bytes are gathered.  Returns how many,
 * 0 when the guest has too few buffers now (chains given back), -1 when the
 * frame cannot be taken at all. */
static int vnet_rx_gather(struct vnet *n, uint64_t need)
{
	struct virtq *vq = &n->dev.vq[NET_RXQ];
	bool mrg = virtio_has(&n->dev, VIRTIO_NET_F_MRG_RXBUF);
	uint64_t have = 0;
	int count = 0, r;

	while (have < need) {
		if (count == (mrg ? NET_RX_CHAINS_MAX : 1)) {
			virtq_unpop(vq, (unsigned)count);
			return -1; /* bigger than the guest's buffers allow */
		}
		r = virtq_pop(vq, &n->rx_chain[count]);
		if (r <= 0) {
			virtq_unpop(vq, (unsigned)count);
			return r;
		}
		/* The header (num_buffers with it) goes whole into the first
		 * buffer, and the spec (5.1.6.3.1) has the driver make every
		 * merged buffer at least that big: a smaller one can never be
		 * used, and counting it as part of the frame's room would
		 * move the frame's offset back past its start. */
		if (mrg && count == 0 && n->rx_chain[0].write_len < NET_HDR_LEN) {
			virtq_unpop(vq, 1);
			virtio_needs_reset(&n->dev, "receive buffer smaller than "
					   "the virtio-net header");
			return -1;
		}
		have += n->rx_chain[count++].write_len;
	}
	return count;
}

static bool vnet_rx(void *opaque, const void *frame, size_t len)
{
	struct vnet *n = opaque;
	struct virtq *vq = &n->dev.vq[NET_RXQ];
	uint8_t hdr[NET_HDR_LEN] = { 0 };
	uint64_t off = 0;
	uint16_t nbuf;
	int count;

	/* A driver that is not running has no use for old frames. */
	if (!(atomic_load(&n->dev.status) & VIRTIO_STATUS_DRIVER_OK) || !vq->ready) {
		n->rx_dropped++;
		return true;
	}
	count = vnet_rx_gather(n, NET_HDR_LEN + len);
	if (count == 0)
		return false; /* held by the backend until the guest adds buffers */
	if (count < 0) {
		n->rx_dropped++;
		return true;
	}
	nbuf = (uint16_t)count;
	memcpy(hdr + 10, &nbuf, 2);
	for (int i = 0; i < count; i++) {
		const struct virtq_chain *c = &n->rx_chain[i];
		size_t w = 0;

		if (i == 0)
			w = virtq_copy_to(c, 0, hdr, sizeof(hdr));
		w += virtq_copy_to(c, w, (const uint8_t *)frame + off, len - off);
		off += w - (i == 0 ? sizeof(hdr) : 0);
		virtq_push(vq, c, (uint32_t)w);
	}
	virtio_used(&n->dev, NET_RXQ);
	return true;
}

static void vnet_notify(struct virtio_dev *d, unsigned q)
{
	struct vnet *n = d->opaque;

	if (q == NET_TXQ)
		vnet_tx(n);
	else
		net_rx_ready(n->nb); /* new receive buffers: deliver held frames */
}

static const struct virtio_dev_ops vnet_ops = {
	.notify = vnet_notify,
};

/* --- creation --- */

static void vnet_free(struct vnet *n)
{
	if (n->dev.tops)
		virtio_detach(&n->dev);
	net_close(n->nb);
	pthread_mutex_destroy(&n->tx_lock);
	free(n);
}

static int vnet_add(struct vm *vm, struct vnet_set *set, unsigned i,
		    struct gerr *err)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	struct vnet *n = calloc(1, sizeof(*n));

	if (!n)
		return gerr_set(err, "virtio-net: out of memory");
	pthread_mutex_init(&n->tx_lock, NULL);
	n->nb = net_open(&vm->cfg.net[i], &vm->loop, vnet_rx, n, err);
	if (!n->nb) {
		pthread_mutex_destroy(&n->tx_lock);
		free(n);
		return -1;
	}
	net_set_tx_resume(n->nb, vnet_tx_resume, n);
	memcpy(n->config.mac, mac, 6);
	n->config.mac[5] = (uint8_t)(mac[5] + i);
	n->config.status = VIRTIO_NET_S_LINK_UP;
	snprintf(n->dev.name, sizeof(n->dev.name), "virtio-net%u", i);
	n->dev.device_id = VIRTIO_ID_NET;
	n->dev.host_features = VIRTIO_BIT(VIRTIO_NET_F_MAC) |
			       VIRTIO_BIT(VIRTIO_NET_F_STATUS) |
			       VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF);
	n->dev.nr_queues = 2;
	n->dev.config = &n->config;
	n->dev.config_len = sizeof(n->config);
	n->dev.ops = &vnet_ops;
	n->dev.opaque = n;
	if (virtio_attach(vm, &n->dev, err) < 0) {
		n->dev.tops = NULL;
		vnet_free(n);
		return -1;
	}
	set->net[set->n++] = n;
	return 0;
}

static void vnet_destroy(void *state)
{
	struct vnet_set *set = state;

	if (!set)
		return;
	for (unsigned i = 0; i < set->n; i++)
		vnet_free(set->net[i]);
	free(set);
}

static int vnet_create(struct vm *vm, void **state, struct gerr *err)
{
	struct vnet_set *set;

	*state = NULL;
	if (vm->cfg.mode->io != IO_VIRTIO_MMIO && vm->cfg.mode->io != IO_VIRTIO_PCI)
		return 0;
	if (vm->cfg.nr_nets == 0)
		return 0;
	set = calloc(1, sizeof(*set));
	if (!set)
		return gerr_set(err, "virtio-net: out of memory");
	for (unsigned i = 0; i < vm->cfg.nr_nets && i < CONFIG_MAX_NETS; i++) {
		if (vnet_add(vm, set, i, err) < 0) {
			vnet_destroy(set);
			return -1;
		}
	}
	*state = set;
	return 0;
}

static const struct device_class virtio_net = {
	.name = "virtio-net",
	.stage = DEVICE_STAGE_IO,
	.create = vnet_create,
	.destroy = vnet_destroy,
};
DEVICE_CLASS(virtio_net);
