/* The "pv" device class: in a mode whose devices are PV rings, creates
 * the PV platform (hypercall ports, events) before the boot loader runs;
 * pv_boot_load() then fills it from the image. */
#include "console/console.h"
#include "core/device.h"
#include "core/vm.h"
#include "pv/pv.h"
#include "xenpv/xen_dev.h"

static int pv_dev_create(struct vm *vm, void **state, struct gerr *err)
{
	*state = NULL;
	if (!vm->cfg.mode || vm->cfg.mode->io != IO_PV_RINGS)
		return 0;
	if (xen_kernel_file_detect(vm->cfg.kernel))
		return 0; /* Xen's PV ABI: src/xen serves it */
	if (pv_create(vm, (struct pv **)state, err) < 0)
		return -1;
	/* Opened now rather than at the guest's first console hypercall:
	 * opening it sets up the terminal and the event loop's input watch,
	 * which the vCPU thread's seccomp filter no longer allows. */
	if (!console_get(vm, err)) {
		pv_destroy(*state);
		*state = NULL;
		return -1;
	}
	return 0;
}

static void pv_dev_destroy(void *state)
{
	pv_destroy(state);
}

static const struct device_class pv_device = {
	.name = "pv",
	.stage = DEVICE_STAGE_IO,
	.create = pv_dev_create,
	.destroy = pv_dev_destroy,
};
DEVICE_CLASS(pv_device);
