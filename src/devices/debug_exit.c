/* The debug-exit port: a write of value V to port 0x501 ends gamut with
 * exit status (V << 1) | 1, as QEMU's isa-debug-exit does.  Test guests use
 * it to report their result without a full ACPI power-off path. */
#include <string.h>
#include <unistd.h>

#include "core/device.h"
#include "core/layout.h"
#include "core/vm.h"
#include "sandbox/sandbox.h"

static void debug_exit_io(void *opaque, uint64_t off, void *data, unsigned len,
			  bool is_write, int cpu)
{
	struct vm *vm = opaque;
	uint32_t v = 0;

	(void)off;
	(void)cpu;
	if (!is_write) {
		memset(data, 0xff, len);
		return;
	}
	memcpy(&v, data, len < 4 ? len : 4);
	/* The test-only hook (docs/testing.md): a system call no role's
	 * seccomp list allows, made from a device model on a guest's
	 * request, as an exploited device model would. */
	if (sandbox_test_hook())
		(void)getppid();
	vm_stop(vm, VM_STOP_EXIT, (int)((v << 1) | 1) & 0xff,
		"guest wrote %u to the debug-exit port", v);
}

static int debug_exit_create(struct vm *vm, void **state, struct gerr *err)
{
	*state = NULL;
	if (vm->cfg.mode->platform == PLATFORM_PV)
		return 0; /* a PV machine emulates no ports at all */
	return bus_register(&vm->pio, LAYOUT_PORT_DEBUG_EXIT, 4, debug_exit_io, vm,
			    "debug-exit", err);
}

static const struct device_class debug_exit = {
	.name = "debug-exit",
	.stage = DEVICE_STAGE_PLATFORM,
	.create = debug_exit_create,
};
DEVICE_CLASS(debug_exit);
