/* libFuzzer target for the split virtqueue: the fuzz input becomes guest
 * RAM (rings, descriptor tables, indirect tables, buffers), and the device
 * side pops and pushes every chain it is offered.  Whatever the bytes, the
 * queue must end up served or broken: no crash, no out-of-RAM access, no
 * endless walk.
 *
 * Input: byte 0 picks the queue size (power of 2), byte 1 the features
 * (bit 0 EVENT_IDX, bit 1 INDIRECT_DESC), the rest is copied to guest RAM
 * at GPA 0.  The rings are packed at the start of that image (descriptors
 * at 0, then avail, then used) so short inputs reach every path. */
#include <stdint.h>
#include <string.h>

#include "core/gmem.h"
#include "virtio/virtq.h"

#define FZ_RAM (1u << 20) /* the smallest gmem_init accepts */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct guest_mem mem;
static struct virtq_chain chain;

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
	if (virtq_enable(&vq) == 0) {
		/* More pops than a ring can hold: the avail check must stop it. */
		for (unsigned i = 0; i < 2u * VIRTQ_MAX_SIZE + 2; i++) {
			uint8_t tmp[64];

			if (virtq_pop(&vq, &chain) != 1)
				break;
			virtq_copy_from(&chain, 0, tmp, sizeof(tmp));
			virtq_copy_to(&chain, 1, tmp, sizeof(tmp));
			virtq_push(&vq, &chain, (uint32_t)chain.write_len);
			virtq_should_notify(&vq);
		}
	}
	virtq_destroy(&vq);
	return 0;
}
