/* Network backends: where a guest NIC's Ethernet frames go.  One interface
 * for every NIC (virtio-net now, e1000 and PV net later) and every backend
 * (tap.c: a host TAP device; slirp.c: user-mode networking with libslirp).
 *
 * Frames cross this interface without any NIC header (no virtio_net_hdr).
 *
 * Order and threads: net_open (before vCPUs start) -> net_send from any
 * thread, frames to the guest through `rx` on the event-loop thread ->
 * net_close after the event loop has stopped.
 *
 * Flow control: `rx` returns false when the NIC has no guest buffer for
 * the frame.  The backend then keeps that frame (and up to
 * NET_PENDING_MAX more; a TAP stops reading) until the NIC calls
 * net_rx_ready, which may be called from any thread.
 *
 * Rate limits (--net ...,bw=N,pps=N; docs/devices.md) live here, once for
 * every NIC, with a gate (core/ratelimit_gate.h) for each direction.  To
 * the guest: a frame the limit holds back waits with the frames held for
 * lack of buffers (the backend paused), until the gate's timer lets it
 * through.  From the guest: the NIC asks net_tx_admit before it takes a
 * frame off its ring; on false it leaves the frame there and goes on when
 * the backend calls its tx_resume (event-loop thread).  No frame the guest
 * handed over is dropped for the limit's sake. */
#ifndef GAMUT_NET_NET_H
#define GAMUT_NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "core/config.h"
#include "core/err.h"
#include "core/evloop.h"
#include "core/ratelimit_gate.h"

#define NET_FRAME_MAX	65536 /* largest frame either way */
#define NET_PENDING_MAX 256   /* frames held while the guest has no room */

/* Takes one frame for the guest (event-loop thread); false: no room now. */
typedef bool (*net_rx_fn)(void *opaque, const void *frame, size_t len);

struct net_backend;

struct net_backend_ops {
	/* Sends one frame to the network; 0, or -1 when it was dropped. */
	int (*send)(struct net_backend *nb, const struct iovec *iov, unsigned nr);
	/* Optional: stop (true) or resume (false) producing frames. */
	void (*pause)(struct net_backend *nb, bool paused);
	/* Releases the backend's own state (fds, library handles). */
	void (*close)(struct net_backend *nb);
};

struct net_pending {
	uint8_t *frame;
	size_t len;
	bool paid; /* the receive rate limit let it through already */
};

struct net_backend {
	char name[40]; /* "tap:pv0", "user": for messages */
	const struct net_backend_ops *ops;
	struct evloop *loop;
	net_rx_fn rx;
	void *rx_opaque;
	int kickfd; /* eventfd: net_rx_ready wakes the loop through it */
	/* Frames waiting for guest buffers (event-loop thread only). */
	struct net_pending pending[NET_PENDING_MAX];
	unsigned head, count;
	uint64_t dropped;
	void *priv; /* the backend's own state */
	/* Rate limits: rx toward the guest, tx from it. */
	struct rl_gate rx_gate, tx_gate;
	void (*tx_resume)(void *opaque);
	void *tx_resume_opaque;
};

/* Opens the backend cfg names; frames for the guest go to rx(opaque).
 * Errors name the backend: "net tap:pv0: cannot create TAP: ...". */
struct net_backend *net_open(const struct net_config *cfg, struct evloop *loop,
			     net_rx_fn rx, void *opaque, struct gerr *err);
int net_send(struct net_backend *nb, const struct iovec *iov, unsigned nr);
/* The transmit rate limit: true when a frame of `len` bytes may be sent
 * now (the NIC then sends it with net_send); false when the NIC must keep
 * it and try again from tx_resume (any thread). */
bool net_tx_admit(struct net_backend *nb, size_t len);
/* Where the backend says the transmit limit has room again (set once,
 * after net_open; runs on the event-loop thread). */
void net_set_tx_resume(struct net_backend *nb, void (*fn)(void *opaque),
		       void *opaque);
/* The NIC has guest buffers again (any thread). */
void net_rx_ready(struct net_backend *nb);
void net_close(struct net_backend *nb);

/* --- For backends --- */

/* Hands a frame to the NIC, or queues it (event-loop thread). */
void net_deliver(struct net_backend *nb, const void *frame, size_t len);
/* Each backend's open: fills nb->ops and nb->priv, or fails. */
int net_tap_open(struct net_backend *nb, const char *ifname, struct gerr *err);
/* opts: the user backend's options (config.h user_opts), or NULL. */
int net_slirp_open(struct net_backend *nb, const char *opts, struct gerr *err);

#endif
