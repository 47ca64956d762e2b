/* libFuzzer target for virtio-console: output chains, the receive queue
 * filled from console input held while the guest has no buffers, and the
 * emerg_wr config field.  The device runs behind virtio-mmio with its
 * queues already set up; the input is guest RAM and a stream of driver and
 * host events (the format is fz_vdev_run's, in fuzz/fuzz_virtio.h).  No
 * request may crash gamut, touch memory outside guest RAM, hang or leak. */
#include "fuzz_virtio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_vdev_run(FZ_CON, data, size);
}
