/* libFuzzer target for the split virtqueue: the fuzz input becomes guest
 * RAM (rings, descriptor tables, indirect tables, buffers), and the device
 * side pops and pushes every chain it is offered.  Whatever the bytes, the
 * queue must end up served or broken: no crash, no out-of-RAM access, no
 * endless walk.
 *
 * Input: byte 0 picks the queue size (power of 2), byte 1 the features
 * (bit 0 EVENT_IDX, bit 1 INDIRECT_DESC) and the device's habits (bit 2:
 * give every other chain back once with virtq_unpop; bit 3: reset and
 * re-enable the queue half-way, then push a chain from before the reset,
 * which must be dropped), the rest is copied to guest RAM
 * at GPA 0.  The rings are packed at the start of that image (descriptors
 * at 0, then avail, then used) so short inputs reach every path. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/gmem.h"
#include "virtio/virtq.h"

#define FZ_RAM (1u << 20) /* the smallest gmem_init accepts */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct guest_mem mem;
static struct virtq_chain chain;

/* A chain popped before a reset must never reach the new used ring. */
static void fz_push_stale(struct virtq *vq)
{
	uint16_t before = 0, after = 0;

	gmem_read_u16(&mem, vq->used_gpa + 2, &before);
	virtq_push(vq, &chain, 1);
	gmem_read_u16(&mem, vq->used_gpa + 2, &after);
	if (before != after)
		__builtin_trap();
}

/* The device side: more pops than a ring can hold (the avail check must
 * stop it), with the habits byte 1 asks for. */
static void fz_serve(struct virtq *vq, uint8_t habits)
{
	uint64_t desc = vq->desc_gpa, avail = vq->avail_gpa, used = vq->used_gpa;
	uint16_t size = vq->size;
	bool ev = vq->event_idx, ind = vq->indirect;

	for (unsigned i = 0; i < 2u * VIRTQ_MAX_SIZE + 2; i++) {
		uint8_t tmp[64];

		if (virtq_pop(vq, &chain) != 1)
			break;
		if ((habits & 4) && !(i & 1)) {
			(void)virtq_has_avail(vq);
			virtq_unpop(vq, 1);
			if (virtq_pop(vq, &chain) != 1)
				break;
		}
		if ((habits & 8) && i == 3) {
			virtq_reset(vq);
			vq->size = size;
			vq->desc_gpa = desc;
			vq->avail_gpa = avail;
			vq->used_gpa = used;
			vq->event_idx = ev;
			vq->indirect = ind;
			if (virtq_enable(vq) < 0)
				break;
			fz_push_stale(vq);
			continue;
		}
		virtq_copy_from(&chain, 0, tmp, sizeof(tmp));
		virtq_copy_to(&chain, 1, tmp, sizeof(tmp));
		virtq_push(vq, &chain, (uint32_t)chain.write_len);
		virtq_should_notify(vq);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gerr err;
	struct virtq vq;

	if (size < 2)
		return 0;
	if (!mem.mapping && gmem_init(&mem, FZ_RAM, false, &err) < 0)
		return 0;
	memset(mem.region[0].host, 0, FZ_RAM);
	memcpy(mem.region[0].host, data + 2,
	       size - 2 < FZ_RAM ? size - 2 : FZ_RAM);
	virtq_init(&vq, &mem, 0, NULL, NULL);
	vq.size = (uint16_t)(1u << (data[0] % 9)); /* 1 .. 256 */
	vq.event_idx = data[1] & 1;
	vq.indirect = data[1] & 2;
	vq.desc_gpa = 0;
	vq.avail_gpa = 16ull * vq.size;
	vq.used_gpa = (vq.avail_gpa + 6 + 2ull * vq.size + 3) & ~3ull;
	if (virtq_enable(&vq) == 0)
		fz_serve(&vq, data[1]);
	virtq_destroy(&vq);
	return 0;
}
