/* Split virtqueues; the rules are in virtq.h and docs/virtio.md. */
#include "virtio/virtq.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "virtio/virtio_spec.h"

/* One descriptor as the guest wrote it (little-endian, x86 host). */
struct vdesc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

static void vdesc_parse(struct vdesc *d, const uint8_t *raw)
{
	memcpy(&d->addr, raw, 8);
	memcpy(&d->len, raw + 8, 4);
	memcpy(&d->flags, raw + 12, 2);
	memcpy(&d->next, raw + 14, 2);
}

void virtq_init(struct virtq *vq, struct guest_mem *mem, unsigned index,
		virtq_broken_fn fn, void *opaque)
{
	memset(vq, 0, sizeof(*vq));
	pthread_mutex_init(&vq->lock, NULL);
	vq->mem = mem;
	vq->index = index;
	vq->size = VIRTQ_MAX_SIZE;
	vq->broken_fn = fn;
	vq->broken_opaque = opaque;
}

void virtq_destroy(struct virtq *vq)
{
	pthread_mutex_destroy(&vq->lock);
}

/* Marks the queue broken (lock held); always returns -1. */
__attribute__((format(printf, 2, 3)))
static int vq_break(struct virtq *vq, const char *fmt, ...)
{
	va_list ap;

	if (vq->broken)
		return -1;
	va_start(ap, fmt);
	vsnprintf(vq->why, sizeof(vq->why), fmt, ap);
	va_end(ap);
	vq->broken = true;
	if (vq->broken_fn)
		vq->broken_fn(vq->broken_opaque, vq);
	return -1;
}

/* Bytes of the avail and used rings, including the EVENT_IDX fields. */
static uint64_t avail_bytes(const struct virtq *vq)
{
	return 4 + 2ull * vq->size + (vq->event_idx ? 2 : 0);
}

static uint64_t used_bytes(const struct virtq *vq)
{
	return 4 + (uint64_t)VIRTQ_USED_ELEM_SIZE * vq->size +
	       (vq->event_idx ? 2 : 0);
}

int virtq_enable(struct virtq *vq)
{
	int ret = 0;

	pthread_mutex_lock(&vq->lock);
	vq->ready = true;
	vq->last_avail = vq->used_idx = vq->signalled_used = 0;
	vq->signalled_valid = false;
	if (vq->size == 0 || vq->size > VIRTQ_MAX_SIZE ||
	    (vq->size & (vq->size - 1)))
		ret = vq_break(vq, "queue %u: size %u is not a power of 2 up to %u",
			       vq->index, vq->size, VIRTQ_MAX_SIZE);
	else if ((vq->desc_gpa & 15) || (vq->avail_gpa & 1) || (vq->used_gpa & 3))
		ret = vq_break(vq, "queue %u: misaligned ring", vq->index);
	else if (!gmem_valid(vq->mem, vq->desc_gpa,
			     (uint64_t)VIRTQ_DESC_SIZE * vq->size) ||
		 !gmem_valid(vq->mem, vq->avail_gpa, avail_bytes(vq)) ||
		 !gmem_valid(vq->mem, vq->used_gpa, used_bytes(vq)))
		ret = vq_break(vq, "queue %u: ring outside guest RAM", vq->index);
	pthread_mutex_unlock(&vq->lock);
	return ret;
}

void virtq_reset(struct virtq *vq)
{
	pthread_mutex_lock(&vq->lock);
	vq->ready = vq->broken = false;
	vq->why[0] = 0;
	vq->gen++;
	vq->size = VIRTQ_MAX_SIZE;
	vq->desc_gpa = vq->avail_gpa = vq->used_gpa = 0;
	vq->event_idx = vq->indirect = false;
	vq->last_avail = vq->used_idx = vq->signalled_used = 0;
	vq->signalled_valid = false;
	pthread_mutex_unlock(&vq->lock);
}

/* Ring fields.  The ring ranges were checked by virtq_enable, but every
 * access still goes through gmem so no pointer is ever computed here. */
static uint16_t *avail_field(struct virtq *vq, uint64_t off)
{
	return (uint16_t *)gmem_ptr(vq->mem, vq->avail_gpa + off, 2);
}

static int avail_idx(struct virtq *vq, uint16_t *idx)
{
	const uint16_t *p = avail_field(vq, 2);

	if (!p)
		return vq_break(vq, "queue %u: avail ring outside RAM", vq->index);
	*idx = __atomic_load_n(p, __ATOMIC_ACQUIRE);
	return 0;
}

static void used_write_u16(struct virtq *vq, uint64_t off, uint16_t v)
{
	uint16_t *p = gmem_ptr_w(vq->mem, vq->used_gpa + off, 2);

	if (p)
		__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Appends one buffer to the chain (lock held). */
static int chain_add(struct virtq *vq, struct virtq_chain *c,
		     const struct vdesc *d)
{
	bool wr = d->flags & VIRTQ_DESC_F_WRITE;
	unsigned n = c->nr_read + c->nr_write;
	void *p;

	if (d->len == 0)
		return 0; /* nothing to map; harmless */
	if (!wr && c->nr_write)
		return vq_break(vq, "queue %u: readable buffer after a writable one",
				vq->index);
	if (n == VIRTQ_IOV_MAX)
		return vq_break(vq, "queue %u: chain has more than %u buffers",
				vq->index, VIRTQ_IOV_MAX);
	if (d->len > VIRTQ_MAX_CHAIN_BYTES - c->read_len - c->write_len)
		return vq_break(vq, "queue %u: chain longer than %u bytes",
				vq->index, VIRTQ_MAX_CHAIN_BYTES);
	p = wr ? gmem_ptr_w(vq->mem, d->addr, d->len)
	       : (void *)gmem_ptr(vq->mem, d->addr, d->len);
	if (!p)
		return vq_break(vq, "queue %u: buffer %#llx+%#x outside guest RAM",
				vq->index, (unsigned long long)d->addr, d->len);
	c->iov[n] = (struct iovec){ p, d->len };
	if (wr) {
		c->nr_write++;
		c->write_len += d->len;
	} else {
		c->nr_read++;
		c->read_len += d->len;
	}
	return 0;
}

/* Walks an indirect table (lock held); its entries may not be indirect. */
static int chain_indirect(struct virtq *vq, struct virtq_chain *c,
			  const struct vdesc *ind)
{
	unsigned n = ind->len / VIRTQ_DESC_SIZE, seen = 0, i = 0;
	const uint8_t *table;
	struct vdesc d;

	if (!vq->indirect)
		return vq_break(vq, "queue %u: indirect descriptor not negotiated",
				vq->index);
	if (ind->flags & VIRTQ_DESC_F_NEXT)
		return vq_break(vq, "queue %u: indirect descriptor with NEXT",
				vq->index);
	if (ind->len == 0 || ind->len % VIRTQ_DESC_SIZE || n > VIRTQ_IOV_MAX)
		return vq_break(vq, "queue %u: bad indirect table length %#x",
				vq->index, ind->len);
	table = gmem_ptr(vq->mem, ind->addr, ind->len);
	if (!table)
		return vq_break(vq, "queue %u: indirect table outside guest RAM",
				vq->index);
	for (;;) {
		if (++seen > n)
			return vq_break(vq, "queue %u: indirect chain loops",
					vq->index);
		vdesc_parse(&d, table + (size_t)i * VIRTQ_DESC_SIZE);
		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return vq_break(vq, "queue %u: indirect table inside an "
					"indirect table", vq->index);
		if (chain_add(vq, c, &d) < 0)
			return -1;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 0;
		if (d.next >= n)
			return vq_break(vq, "queue %u: indirect next %u out of range",
					vq->index, d.next);
		i = d.next;
	}
}

/* Walks the chain starting at head (lock held).  The seen counter bounds
 * the walk by the queue size, so a looping chain ends as an error. */
static int chain_walk(struct virtq *vq, struct virtq_chain *c, uint16_t head)
{
	unsigned seen = 0, i = head;
	const uint8_t *raw;
	struct vdesc d;

	for (;;) {
		if (++seen > vq->size)
			return vq_break(vq, "queue %u: chain longer than the queue "
					"(loop)", vq->index);
		raw = gmem_ptr(vq->mem, vq->desc_gpa + (uint64_t)i * VIRTQ_DESC_SIZE,
			       VIRTQ_DESC_SIZE);
		if (!raw)
			return vq_break(vq, "queue %u: descriptor table outside RAM",
					vq->index);
		vdesc_parse(&d, raw);
		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return chain_indirect(vq, c, &d);
		if (chain_add(vq, c, &d) < 0)
			return -1;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 0;
		if (d.next >= vq->size)
			return vq_break(vq, "queue %u: next index %u out of range",
					vq->index, d.next);
		i = d.next;
	}
}

/* How many chains wait (lock held); -1 if the driver's index ran away. */
static int avail_pending(struct virtq *vq)
{
	uint16_t idx, n;

	if (avail_idx(vq, &idx) < 0)
		return -1;
	n = (uint16_t)(idx - vq->last_avail);
	if (n > vq->size)
		return vq_break(vq, "queue %u: avail index %u runs %u ahead",
				vq->index, idx, n);
	return n;
}

/* With EVENT_IDX: ask for a notification at the next buffer, then look once
 * more, so a buffer added meanwhile is not missed (lock held). */
static int avail_arm(struct virtq *vq)
{
	if (!vq->event_idx)
		return 0;
	used_write_u16(vq, 4 + (uint64_t)VIRTQ_USED_ELEM_SIZE * vq->size,
		       vq->last_avail);
	atomic_thread_fence(memory_order_seq_cst);
	return avail_pending(vq);
}

static int pop_locked(struct virtq *vq, struct virtq_chain *c)
{
	const uint16_t *ring;
	int n;

	if (!vq->ready || vq->broken)
		return -1;
	n = avail_pending(vq);
	if (n == 0)
		n = avail_arm(vq);
	if (n <= 0)
		return n;
	ring = avail_field(vq, 4 + 2ull * (vq->last_avail % vq->size));
	if (!ring)
		return vq_break(vq, "queue %u: avail ring outside RAM", vq->index);
	c->head = *ring;
	c->gen = vq->gen;
	c->nr_read = c->nr_write = 0;
	c->read_len = c->write_len = 0;
	if (c->head >= vq->size)
		return vq_break(vq, "queue %u: head index %u out of range",
				vq->index, c->head);
	if (chain_walk(vq, c, c->head) < 0)
		return -1;
	vq->last_avail++;
	return 1;
}

int virtq_pop(struct virtq *vq, struct virtq_chain *c)
{
	int ret;

	pthread_mutex_lock(&vq->lock);
	ret = pop_locked(vq, c);
	pthread_mutex_unlock(&vq->lock);
	return ret;
}

void virtq_unpop(struct virtq *vq, unsigned n)
{
	pthread_mutex_lock(&vq->lock);
	vq->last_avail = (uint16_t)(vq->last_avail - n);
	pthread_mutex_unlock(&vq->lock);
}

void virtq_push(struct virtq *vq, const struct virtq_chain *c, uint32_t written)
{
	uint8_t elem[VIRTQ_USED_ELEM_SIZE];
	uint32_t id = c->head;
	uint64_t off;

	if (written > c->write_len)
		written = (uint32_t)c->write_len;
	memcpy(elem, &id, 4);
	memcpy(elem + 4, &written, 4);
	pthread_mutex_lock(&vq->lock);
	if (vq->ready && !vq->broken && c->gen == vq->gen) {
		off = 4 + (uint64_t)VIRTQ_USED_ELEM_SIZE * (vq->used_idx % vq->size);
		if (gmem_write(vq->mem, vq->used_gpa + off, elem, sizeof(elem)) < 0) {
			vq_break(vq, "queue %u: used ring outside RAM", vq->index);
		} else {
			vq->used_idx++;
			/* The element must be visible before the index. */
			used_write_u16(vq, 2, vq->used_idx);
		}
	}
	pthread_mutex_unlock(&vq->lock);
}

/* The event-index test of the spec (2.7.7.2 / 2.7.10): true when `event`
 * lies in [old, new). */
static bool need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

bool virtq_should_notify(struct virtq *vq)
{
	const uint16_t *p;
	uint16_t old;
	bool valid, need = false;

	pthread_mutex_lock(&vq->lock);
	if (!vq->ready || vq->broken)
		goto out;
	/* Our used index store must be visible before we read the driver's
	 * suppression field, or both sides may wait for each other. */
	atomic_thread_fence(memory_order_seq_cst);
	old = vq->signalled_used;
	valid = vq->signalled_valid;
	if (old == vq->used_idx)
		goto out; /* nothing new since the last interrupt (or enable) */
	vq->signalled_used = vq->used_idx;
	vq->signalled_valid = true;
	if (vq->event_idx) {
		p = avail_field(vq, 4 + 2ull * vq->size);
		need = !valid || (p && need_event(__atomic_load_n(p, __ATOMIC_ACQUIRE),
						  vq->used_idx, old));
	} else {
		p = avail_field(vq, 0);
		need = p && !(__atomic_load_n(p, __ATOMIC_ACQUIRE) &
			      VIRTQ_AVAIL_F_NO_INTERRUPT);
	}
out:
	pthread_mutex_unlock(&vq->lock);
	return need;
}

bool virtq_has_avail(struct virtq *vq)
{
	bool has = false;
	uint16_t idx;

	pthread_mutex_lock(&vq->lock);
	if (vq->ready && !vq->broken && avail_idx(vq, &idx) == 0)
		has = idx != vq->last_avail;
	pthread_mutex_unlock(&vq->lock);
	return has;
}

/* Walks segments [first, first+nr) skipping `off` bytes, copying up to len. */
static size_t iov_copy(const struct iovec *iov, unsigned nr, size_t off,
		       void *buf, size_t len, bool to_iov)
{
	size_t done = 0;

	for (unsigned i = 0; i < nr && done < len; i++) {
		size_t seg = iov[i].iov_len, n;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		n = seg - off;
		if (n > len - done)
			n = len - done;
		if (to_iov)
			memcpy((uint8_t *)iov[i].iov_base + off, (uint8_t *)buf + done, n);
		else
			memcpy((uint8_t *)buf + done, (uint8_t *)iov[i].iov_base + off, n);
		done += n;
		off = 0;
	}
	return done;
}

size_t virtq_copy_from(const struct virtq_chain *c, size_t off, void *dst,
		       size_t len)
{
	return iov_copy(c->iov, c->nr_read, off, dst, len, false);
}

size_t virtq_copy_to(const struct virtq_chain *c, size_t off, const void *src,
		     size_t len)
{
	return iov_copy(c->iov + c->nr_read, c->nr_write, off, (void *)src, len,
			true);
}
