/* libFuzzer target for the KVM exit dispatch (src/cpu/kvm/kvm_exit.c): the
 * input is the kvm_run page as KVM could leave it after KVM_RUN.  The exit
 * reason is taken from the first byte (so every case is reached), the rest
 * of the structure from the input as is.  Whatever the bytes, dispatch must
 * stay inside the page (port I/O buffers are `count` elements of `size`
 * bytes at `data_offset`), hand devices only 1-8 byte accesses, and never
 * crash; no /dev/kvm is needed. */
#include <stdlib.h>
#include <string.h>

#include "core/vm.h"
#include "cpu/kvm/kvm_exit.h"

#define RUN_SIZE 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fz_dev(void *opaque, uint64_t off, void *buf, unsigned len,
		   bool is_write, int cpu)
{
	(void)opaque;
	(void)cpu;
	if (len == 0 || len > 8 || off >= 0x1000)
		abort();
	if (is_write) {
		volatile uint8_t sink = 0;

		for (unsigned i = 0; i < len; i++)
			sink ^= ((uint8_t *)buf)[i];
		(void)sink;
	} else {
		memset(buf, 0x5a, len);
	}
}

static const uint32_t reasons[] = {
	KVM_EXIT_IO, KVM_EXIT_MMIO, KVM_EXIT_HLT, KVM_EXIT_INTR,
	KVM_EXIT_SHUTDOWN, KVM_EXIT_SYSTEM_EVENT, KVM_EXIT_INTERNAL_ERROR,
	KVM_EXIT_FAIL_ENTRY, KVM_EXIT_UNKNOWN, KVM_EXIT_IRQ_WINDOW_OPEN, 0xffff,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm vm;
	static bool ready;
	struct kvm_run *run;
	struct gerr err;
	bool want_rip;

	if (!ready) {
		bus_init(&vm.pio, "pio");
		bus_init(&vm.mmio, "mmio");
		pthread_mutex_init(&vm.stop_lock, NULL);
		vm.loop.epfd = vm.loop.wakefd = -1;
		if (bus_register(&vm.pio, 0, 0x1000, fz_dev, NULL, "fz", &err) < 0 ||
		    bus_register(&vm.mmio, 0xd0000000, 0x1000, fz_dev, NULL, "fz", &err) < 0)
			abort();
		ready = true;
	}
	if (size < 1)
		return 0;
	run = calloc(1, RUN_SIZE);
	if (!run)
		return 0;
	memcpy(run, data + 1, size - 1 < RUN_SIZE ? size - 1 : RUN_SIZE);
	run->exit_reason = reasons[data[0] % (sizeof(reasons) / sizeof(reasons[0]))];
	atomic_store(&vm.stop_reason, VM_RUNNING);
	kvm_exit_handle(&vm, 0, run, RUN_SIZE, &want_rip, &err);
	free(run);
	return 0;
}
