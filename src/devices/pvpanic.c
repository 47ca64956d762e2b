/* pvpanic: the guest kernel's panic report (devices/pvpanic.h).
 *
 * A panic with panic=-1 (reboot) or panic=0 (hang) would otherwise end
 * gamut with status 0 or not at all, and a supervisor could not tell a
 * crashed guest from one that rebooted on purpose.  So:
 *
 * - PANICKED stops the VM at once (VM_STOP_PANIC, VM_EXIT_PANIC): the
 *   kernel writes the event from its panic notifier, before it reboots or
 *   hangs, and nothing useful runs after it.
 * - CRASH_LOADED means a crash (kdump) kernel takes over to save a dump;
 *   stopping now would lose that dump, so the VM runs on and its end,
 *   whatever it is, becomes VM_EXIT_CRASH_KERNEL (vm_note_crash).
 *
 * Unknown bits are ignored, as the specification leaves them reserved.
 * The device has no state: each write is a report, and a read always
 * returns the supported events. */
#include "devices/pvpanic.h"

#include <string.h>

#include "core/device.h"
#include "core/layout.h"
#include "core/vm.h"

static void pvpanic_io(void *opaque, uint64_t off, void *data, unsigned len,
		       bool is_write, int cpu)
{
	struct vm *vm = opaque;
	uint8_t v;

	(void)off;
	(void)cpu;
	if (!is_write) {
		/* One byte port: the bus dispatches no wider access here. */
		memset(data, 0, len);
		*(uint8_t *)data = PVPANIC_EVENTS;
		return;
	}
	v = *(const uint8_t *)data;
	if (v & PVPANIC_PANICKED)
		vm_stop(vm, VM_STOP_PANIC, VM_EXIT_PANIC, "guest panicked (pvpanic)");
	else if (v & PVPANIC_CRASH_LOADED)
		vm_note_crash(vm, VM_EXIT_CRASH_KERNEL,
			      "guest panicked, then its crash kernel ran (pvpanic crash-loaded)");
}

static int pvpanic_create(struct vm *vm, void **state, struct gerr *err)
{
	*state = NULL;
	if (vm->cfg.mode->platform == PLATFORM_PV)
		return 0; /* a PV machine emulates no ports; its guest exits itself */
	return bus_register(&vm->pio, LAYOUT_PORT_PVPANIC, 1, pvpanic_io, vm,
			    "pvpanic", err);
}

static const struct device_class pvpanic = {
	.name = "pvpanic",
	.stage = DEVICE_STAGE_PLATFORM,
	.create = pvpanic_create,
};
DEVICE_CLASS(pvpanic);
