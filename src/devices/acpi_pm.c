/* The hardware-reduced ACPI registers the FADT points at (core/layout.h):
 * SLEEP_CONTROL_REG, SLEEP_STATUS_REG and RESET_REG, three byte ports.
 *
 * Writing SLP_EN with SLP_TYP == LAYOUT_ACPI_S5_SLP_TYP (the DSDT's _S5)
 * powers the machine off; writing LAYOUT_ACPI_RESET_VALUE to RESET_REG
 * resets it.  Sleep states S1-S4 are not offered by the DSDT, so other
 * SLP_TYP values are ignored, as a platform without them would.  Nothing
 * ever wakes the machine, so WAK_STS reads 0. */
#include <stdlib.h>
#include <string.h>

#include "core/device.h"
#include "core/layout.h"
#include "core/vm.h"

#define ACPI_SLP_TYP_SHIFT 2
#define ACPI_SLP_TYP_MASK  0x1c
#define ACPI_SLP_EN	   0x20
#define ACPI_PM_NR_PORTS   3

static void acpi_pm_write(struct vm *vm, uint64_t port, uint8_t v)
{
	switch (port) {
	case LAYOUT_PORT_ACPI_SLEEP_CTL:
		if ((v & ACPI_SLP_EN) &&
		    ((v & ACPI_SLP_TYP_MASK) >> ACPI_SLP_TYP_SHIFT) ==
			    LAYOUT_ACPI_S5_SLP_TYP)
			vm_stop(vm, VM_STOP_POWEROFF, 0, "guest powered off (ACPI S5)");
		break;
	case LAYOUT_PORT_ACPI_RESET:
		if (v == LAYOUT_ACPI_RESET_VALUE)
			vm_stop(vm, VM_STOP_RESET, 0, "guest reset (ACPI reset register)");
		break;
	default: /* SLEEP_STATUS: write-1-to-clear WAK_STS, never set */
		break;
	}
}

static void acpi_pm_io(void *opaque, uint64_t off, void *data, unsigned len,
		       bool is_write, int cpu)
{
	uint8_t *p = data;

	(void)cpu;
	if (!is_write) {
		/* Control and reset are write-only; status has no event. */
		memset(data, 0, len);
		return;
	}
	for (unsigned i = 0; i < len; i++)
		acpi_pm_write(opaque, LAYOUT_PORT_ACPI_SLEEP_CTL + off + i, p[i]);
}

static int acpi_pm_create(struct vm *vm, void **state, struct gerr *err)
{
	*state = NULL;
	if (vm->cfg.mode->platform == PLATFORM_PV)
		return 0;
	*state = vm;
	return bus_register(&vm->pio, LAYOUT_PORT_ACPI_SLEEP_CTL, ACPI_PM_NR_PORTS,
			    acpi_pm_io, vm, "acpi-pm", err);
}

static void acpi_pm_destroy(void *state)
{
	struct vm *vm = state;

	if (vm)
		bus_unregister(&vm->pio, LAYOUT_PORT_ACPI_SLEEP_CTL);
}

static const struct device_class acpi_pm = {
	.name = "acpi-pm",
	.stage = DEVICE_STAGE_PLATFORM,
	.create = acpi_pm_create,
	.destroy = acpi_pm_destroy,
};
DEVICE_CLASS(acpi_pm);
