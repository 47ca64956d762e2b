/* The backend-independent half of a network backend: opening by config,
 * and holding frames while the guest has no receive buffers. */
#include "net/net.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* Hands queued frames to the NIC until it or the receive rate limit
 * refuses one (loop thread). */
static void net_flush(struct net_backend *nb)
{
	while (nb->count) {
		struct net_pending *p = &nb->pending[nb->head];

		if (!p->paid && !rl_gate_admit(&nb->rx_gate, p->len))
			return; /* the gate's timer flushes again */
		p->paid = true;
		if (!nb->rx(nb->rx_opaque, p->frame, p->len))
			return;
		free(p->frame);
		p->frame = NULL;
		nb->head = (nb->head + 1) % NET_PENDING_MAX;
		nb->count--;
	}
	if (nb->ops->pause)
		nb->ops->pause(nb, false);
}

static void net_kick(void *opaque, uint32_t events)
{
	struct net_backend *nb = opaque;
	uint64_t n;

	(void)events;
	if (read(nb->kickfd, &n, sizeof(n)) != sizeof(n))
		return;
	if (nb->count)
		net_flush(nb);
}

void net_deliver(struct net_backend *nb, const void *frame, size_t len)
{
	struct net_pending *p;
	bool paid = false;

	if (nb->count == 0 && (paid = rl_gate_admit(&nb->rx_gate, len)) &&
	    nb->rx(nb->rx_opaque, frame, len))
		return;
	if (nb->count == NET_PENDING_MAX) {
		nb->dropped++;
		return;
	}
	p = &nb->pending[(nb->head + nb->count) % NET_PENDING_MAX];
	p->frame = malloc(len ? len : 1);
	if (!p->frame) {
		nb->dropped++;
		return;
	}
	memcpy(p->frame, frame, len);
	p->len = len;
	p->paid = paid;
	if (nb->count++ == 0 && nb->ops->pause)
		nb->ops->pause(nb, true);
}

void net_rx_ready(struct net_backend *nb)
{
	uint64_t one = 1;

	/* The eventfd only saturates; a failed write means it is set already. */
	if (write(nb->kickfd, &one, sizeof(one)) < 0)
		return;
}

int net_send(struct net_backend *nb, const struct iovec *iov, unsigned nr)
{
	return nb->ops->send(nb, iov, nr);
}

bool net_tx_admit(struct net_backend *nb, size_t len)
{
	return rl_gate_admit(&nb->tx_gate, len);
}

void net_set_tx_resume(struct net_backend *nb, void (*fn)(void *opaque),
		       void *opaque)
{
	nb->tx_resume = fn;
	nb->tx_resume_opaque = opaque;
}

/* The receive limit has room again (loop thread). */
static void net_rx_resume(void *opaque)
{
	struct net_backend *nb = opaque;

	if (nb->count)
		net_flush(nb);
}

static void net_tx_resume(void *opaque)
{
	struct net_backend *nb = opaque;

	if (nb->tx_resume)
		nb->tx_resume(nb->tx_resume_opaque);
}

struct net_backend *net_open(const struct net_config *cfg, struct evloop *loop,
			     net_rx_fn rx, void *opaque, struct gerr *err)
{
	struct net_backend *nb = calloc(1, sizeof(*nb));
	char what[64];
	int ret;

	if (!nb) {
		gerr_set(err, "net: out of memory");
		return NULL;
	}
	if (cfg->kind == NET_TAP)
		snprintf(nb->name, sizeof(nb->name), "tap:%s",
			 cfg->ifname ? cfg->ifname : "");
	else
		snprintf(nb->name, sizeof(nb->name), "user");
	nb->loop = loop;
	nb->rx = rx;
	nb->rx_opaque = opaque;
	nb->kickfd = -1;
	snprintf(what, sizeof(what), "net %s", nb->name);
	if (rl_gate_init(&nb->rx_gate, &cfg->limit, loop, net_rx_resume, nb, what, err) < 0) {
		rl_gate_destroy(&nb->rx_gate);
		free(nb);
		return NULL;
	}
	if (rl_gate_init(&nb->tx_gate, &cfg->limit, loop, net_tx_resume, nb, what, err) < 0) {
		rl_gate_destroy(&nb->rx_gate);
		rl_gate_destroy(&nb->tx_gate);
		free(nb);
		return NULL;
	}
	nb->kickfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (nb->kickfd < 0) {
		gerr_errno(err, errno, "net %s: eventfd", nb->name);
		net_close(nb);
		return NULL;
	}
	if (evloop_add(loop, nb->kickfd, EPOLLIN, net_kick, nb, err) < 0) {
		net_close(nb);
		return NULL;
	}
	ret = cfg->kind == NET_TAP ? net_tap_open(nb, cfg->ifname, err)
				   : net_slirp_open(nb, cfg->user_opts, err);
	if (ret < 0) {
		gerr_prefix(err, "net %s: ", nb->name);
		nb->ops = NULL;
		net_close(nb);
		return NULL;
	}
	return nb;
}

void net_close(struct net_backend *nb)
{
	if (!nb)
		return;
	if (nb->ops)
		nb->ops->close(nb);
	if (nb->kickfd >= 0) {
		evloop_del(nb->loop, nb->kickfd);
		close(nb->kickfd);
	}
	rl_gate_destroy(&nb->rx_gate);
	rl_gate_destroy(&nb->tx_gate);
	for (unsigned i = 0; i < nb->count; i++)
		free(nb->pending[(nb->head + i) % NET_PENDING_MAX].frame);
	free(nb);
}
