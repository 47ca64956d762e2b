/* The TAP backend: frames go to and come from a host TAP interface
 * (/dev/net/tun, IFF_TAP | IFF_NO_PI).  Creating one needs CAP_NET_ADMIN,
 * or a persistent TAP the user owns (`ip tuntap add NAME mode tap user U`).
 * No IFF_VNET_HDR: gamut's NICs offer no checksum or segmentation offload,
 * so frames cross as plain Ethernet. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "net/net.h"

/* Frames read per wake-up, so one busy TAP cannot starve the loop. */
#define TAP_BURST 64

struct tap {
	int fd;
	bool paused;
	bool dead; /* no longer watched */
	uint8_t buf[NET_FRAME_MAX];
};

/* A TAP whose interface went away reports errors for ever: stop watching
 * it rather than spin (the guest's link is then dead, not gamut). */
static void tap_stop(struct net_backend *nb, struct tap *t)
{
	evloop_del(nb->loop, t->fd);
	t->dead = true;
}

static void tap_readable(void *opaque, uint32_t events)
{
	struct net_backend *nb = opaque;
	struct tap *t = nb->priv;

	if (events & (EPOLLERR | EPOLLHUP)) {
		tap_stop(nb, t);
		return;
	}
	for (int i = 0; i < TAP_BURST && !t->paused; i++) {
		ssize_t n = read(t->fd, t->buf, sizeof(t->buf));

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			tap_stop(nb, t);
			return;
		}
		net_deliver(nb, t->buf, (size_t)n);
	}
}

static int tap_send(struct net_backend *nb, const struct iovec *iov,
		    unsigned nr)
{
	struct tap *t = nb->priv;
	ssize_t n;

	do
		n = writev(t->fd, iov, (int)nr);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : 0; /* EAGAIN: dropped, as a full wire would */
}

static void tap_pause(struct net_backend *nb, bool paused)
{
	struct tap *t = nb->priv;

	t->paused = paused;
	if (!t->dead)
		evloop_mod(nb->loop, t->fd, paused ? 0 : EPOLLIN);
}

static void tap_close(struct net_backend *nb)
{
	struct tap *t = nb->priv;

	if (!t)
		return;
	if (!t->dead)
		evloop_del(nb->loop, t->fd);
	close(t->fd);
	free(t);
	nb->priv = NULL;
}

static const struct net_backend_ops tap_ops = {
	.send = tap_send,
	.pause = tap_pause,
	.close = tap_close,
};

int net_tap_open(struct net_backend *nb, const char *ifname, struct gerr *err)
{
	struct ifreq ifr = { 0 };
	struct tap *t;

	if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ)
		return gerr_set(err, "interface name must be 1 to %d characters",
				IFNAMSIZ - 1);
	t = calloc(1, sizeof(*t));
	if (!t)
		return gerr_set(err, "out of memory");
	t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0) {
		free(t);
		return gerr_errno(err, errno, "cannot create TAP");
	}
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;

		close(t->fd);
		free(t);
		return gerr_errno(err, e, "cannot create TAP");
	}
	nb->priv = t;
	nb->ops = &tap_ops;
	if (evloop_add(nb->loop, t->fd, EPOLLIN, tap_readable, nb, err) < 0) {
		nb->ops = NULL;
		nb->priv = NULL;
		close(t->fd);
		free(t);
		return -1;
	}
	return 0;
}
