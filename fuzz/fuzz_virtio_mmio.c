/* libFuzzer target for the virtio-mmio transport (src/virtio/mmio.c and
 * the common half in src/virtio/virtio.c): register write and read
 * sequences of any width and offset on four devices at once (blk, net,
 * console, rng on slots 0-3), with guest RAM written from the input so the
 * rings and descriptors a sequence sets up point anywhere.  Whatever the
 * order (queues set up while live, features after FEATURES_OK, resets in
 * the middle of requests), no access may crash gamut, touch memory outside
 * guest RAM, hang or leak.
 *
 * Input: operations, one byte each and its operands:
 *   op % 7: 0 register write: u8 slot, u16 offset (< 0x200: registers and
 *             config space), u8 width (1, 2, 4, 8), u32 value
 *           1 register read: u8 slot, u16 offset, u8 width
 *           2 RAM write (fz_ram_write)
 *           3 the Linux bring-up on a slot: u8 slot, u8 features, u8 queue
 *             size (fuzz_virtio.h fz_mm_bringup)
 *           4 QueueNotify: u8 slot, u8 queue
 *           5 a host event: a frame from the network to virtio-net or
 *             console input to virtio-console (fz_host_event)
 *           6 offer a chain (fz_offer): u8 slot, u8 queue */
#include "fuzz_virtio.h"

static unsigned fz_width(uint32_t v)
{
	return 1u << (v % 4);
}

static void fz_mmio_step(struct fz_virtio *f, unsigned op, const uint8_t **p,
			 const uint8_t *end)
{
	unsigned slot, w;
	uint64_t off, v = 0;

	switch (op %= 7) {
	case 0:
	case 1:
		slot = fz_get(p, end, 1) % FZ_NDEV;
		off = fz_get(p, end, 2) % 0x200;
		w = fz_width(fz_get(p, end, 1));
		if (op == 0)
			v = fz_get(p, end, 4) | (uint64_t)fz_get(p, end, 4) << 32;
		bus_access(&f->vm.mmio, fz_mm_addr(slot, off), &v, w, op == 0, 0);
		break;
	case 2:
		fz_ram_write(&f->vm, p, end);
		break;
	case 3:
		slot = fz_get(p, end, 1) % FZ_NDEV;
		w = fz_get(p, end, 1);
		fz_mm_bringup(f, slot, fz_vdev_queues[slot], (uint8_t)w,
			      (uint8_t)fz_get(p, end, 1));
		break;
	case 4:
		slot = fz_get(p, end, 1) % FZ_NDEV;
		fz_mm_wr(&f->vm, slot, 0x50, fz_get(p, end, 1));
		break;
	case 5:
		fz_host_event(p, end);
		break;
	default:
		slot = fz_get(p, end, 1) % FZ_NDEV;
		fz_offer(f, slot, fz_get(p, end, 1), p, end);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_virtio_run("pvh", FZ_ALL, data, size, NULL, fz_mmio_step);
}
