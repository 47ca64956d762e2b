/* libFuzzer target for virtio-blk's request parsing: the header, the
 * sector range, the data segments and the status byte of IN, OUT, FLUSH,
 * GET_ID and unknown requests, against a scratch image.  The device runs
 * behind virtio-mmio with its queues already set up; the input is guest
 * RAM and a stream of driver and host events (the format is fz_vdev_run's,
 * in fuzz/fuzz_virtio.h).  No request may crash gamut, touch memory
 * outside guest RAM, hang or leak. */
#include "fuzz_virtio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_vdev_run(FZ_BLK, data, size);
}
