/* virtio-rng fills what the driver offers, within its per-request cap. */
#include "../harness.h"
#include "test_virtio_fixture.h"

TEST(virtio_rng_fills_buffers)
{
	static struct vm vm;
	struct test_ring r;
	struct virtq scratch;
	struct gerr err;
	void *state;
	uint8_t buf[64];
	uint32_t id, len;
	int nonzero = 0;

	CHECK(fx_vm_init(&vm, "pvh") == 0);
	CHECK(fx_create(&vm, "virtio-rng", &state, &err) == 0);
	CHECK_EQ(mm_rd(&vm, 0, 0x008), VIRTIO_ID_RNG);
	CHECK(mm_negotiate(&vm, 0, ~0ull) & VIRTIO_STATUS_FEATURES_OK);
	tr_init(&r, &vm.mem, &scratch, 8);
	mm_queue(&vm, 0, 0, 8, TR_DESC, TR_AVAIL, TR_USED);
	mm_driver_ok(&vm, 0);
	tr_desc(&r, 0, TR_BUF, 64, VIRTQ_DESC_F_WRITE, 0);
	tr_avail(&r, 0);
	/* A 1 MiB request is served only up to the cap. */
	tr_desc(&r, 1, 0x100000, 1u << 20, VIRTQ_DESC_F_WRITE, 0);
	tr_avail(&r, 1);
	mm_wr(&vm, 0, 0x50, 0);
	CHECK_EQ(tr_used_idx(&r), 2);
	tr_used(&r, 0, &id, &len);
	CHECK_EQ(len, 64);
	gmem_read(&vm.mem, TR_BUF, buf, sizeof(buf));
	for (unsigned i = 0; i < sizeof(buf); i++)
		nonzero += buf[i] != 0;
	CHECK(nonzero > 32); /* 64 random bytes: all but a few are non-zero */
	tr_used(&r, 1, &id, &len);
	CHECK_EQ(id, 1);
	CHECK_EQ(len, 64u << 10);
	CHECK_EQ(mm_rd(&vm, 0, 0x60), VIRTIO_INT_USED);
	fx_destroy("virtio-rng", state);
	fx_vm_done(&vm);
}
