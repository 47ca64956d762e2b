/* The "pv" device class: in a mode whose devices are PV rings, creates
 * the PV platform (hypercall ports, events) before the boot loader runs;
 * pv_boot_load() then fills it from the image. */
#include "core/device.h"
#include "core/vm.h"
#include "pv/pv.h"

static int pv_dev_create(struct vm *vm, void **state, struct gerr *err)
{
	*state = NULL;
	if (!vm->cfg.mode || vm->cfg.mode->io != IO_PV_RINGS)
		return 0;
	return pv_create(vm, (struct pv **)state, err);
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
