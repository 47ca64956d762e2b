/* Split virtqueues (virtio 1.x, spec 2.7): the one place in gamut that reads
 * the guest's rings.
 *
 * Every guest address and length goes through the guest-memory API; a chain
 * walk visits at most the queue size of descriptors (plus one indirect table
 * of at most VIRTQ_IOV_MAX entries), so it always terminates.  Anything that
 * breaks the rules (a next index out of range, a loop, an indirect table
 * inside an indirect table, a buffer outside RAM, a length past
 * VIRTQ_MAX_CHAIN_BYTES, an avail index more than the queue size ahead, a
 * readable descriptor after a writable one) marks the queue broken: from
 * then on it yields nothing and writes nothing until the driver resets the
 * device.  The broken callback tells the transport, which sets
 * DEVICE_NEEDS_RESET.  docs/virtio.md lists the rules.
 *
 * Order of calls: virtq_init once; the transport fills size and the three
 * ring addresses while the queue is not ready, then virtq_enable (on the
 * driver's QueueReady=1); devices call virtq_pop / virtq_push /
 * virtq_should_notify from any thread; virtq_reset on device reset.  Each
 * call takes the queue's mutex, so vCPU threads and the event loop may use
 * one queue at the same time. */
#ifndef GAMUT_VIRTIO_VIRTQ_H
#define GAMUT_VIRTIO_VIRTQ_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "core/gmem.h"

#define VIRTQ_MAX_SIZE	     256	 /* QueueNumMax gamut offers */
#define VIRTQ_IOV_MAX	     256	 /* host segments in one chain */
#define VIRTQ_MAX_CHAIN_BYTES (64u << 20) /* sane cap on one request */

struct virtq;

/* Called once, with the queue's mutex held, when the queue turns broken.
 * It must not call back into this queue. */
typedef void (*virtq_broken_fn)(void *opaque, struct virtq *vq);

struct virtq {
	pthread_mutex_t lock;
	struct guest_mem *mem;
	unsigned index; /* queue number, for messages */

	/* Set by the transport while !ready. */
	uint16_t size; /* a power of 2, 1..VIRTQ_MAX_SIZE */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	bool event_idx; /* VIRTIO_F_RING_EVENT_IDX negotiated */
	bool indirect;	/* VIRTIO_F_INDIRECT_DESC negotiated */

	bool ready;
	bool broken;
	char why[128]; /* what broke it, for logs and tests */
	uint32_t gen;  /* bumped on reset: stale chains are not pushed */

	uint16_t last_avail; /* next avail entry the device will take */
	uint16_t used_idx;   /* device's copy of used->idx */
	uint16_t signalled_used; /* used_idx at the last interrupt */
	bool signalled_valid;

	virtq_broken_fn broken_fn;
	void *broken_opaque;
};

/* One popped descriptor chain, split into the readable (driver-to-device)
 * segments first and the writable ones after, as host pointers. */
struct virtq_chain {
	uint16_t head;
	uint32_t gen;
	unsigned nr_read;  /* readable segments: iov[0 .. nr_read) */
	unsigned nr_write; /* writable: iov[nr_read .. nr_read+nr_write) */
	uint64_t read_len, write_len; /* total bytes of each part */
	struct iovec iov[VIRTQ_IOV_MAX];
};

void virtq_init(struct virtq *vq, struct guest_mem *mem, unsigned index,
		virtq_broken_fn fn, void *opaque);
void virtq_destroy(struct virtq *vq);

/* Checks the rings (size, alignment, all three inside RAM) and makes the
 * queue live.  Returns 0, or -1 with the queue marked broken. */
int virtq_enable(struct virtq *vq);

/* Back to the power-on state (not ready, not broken, default size). */
void virtq_reset(struct virtq *vq);

/* Takes the next available chain.  Returns 1 with *c filled, 0 when the
 * ring is empty (with EVENT_IDX the driver is then asked to notify on the
 * next buffer), -1 when the queue is (or just became) broken or not ready. */
int virtq_pop(struct virtq *vq, struct virtq_chain *c);

/* Gives the last `n` popped chains back (newest first), e.g. when a frame
 * did not fit and must wait for more buffers. */
void virtq_unpop(struct virtq *vq, unsigned n);

/* Returns chain c to the driver with `written` bytes written into its
 * writable part (clamped to what it offered).  A chain from before a reset
 * is dropped. */
void virtq_push(struct virtq *vq, const struct virtq_chain *c, uint32_t written);

/* True when the driver wants an interrupt for what was pushed since the last
 * time this returned true (EVENT_IDX used_event, or NO_INTERRUPT flag). */
bool virtq_should_notify(struct virtq *vq);

/* True when at least one chain is available (no state change). */
bool virtq_has_avail(struct virtq *vq);

/* Copies between a chain's readable / writable part and a flat buffer,
 * starting `off` bytes into that part.  Return the bytes copied. */
size_t virtq_copy_from(const struct virtq_chain *c, size_t off, void *dst,
		       size_t len);
size_t virtq_copy_to(const struct virtq_chain *c, size_t off, const void *src,
		     size_t len);

#endif
