/* The hardware-reduced ACPI sleep and reset registers. */
#include "../harness.h"
#include "core/layout.h"
#include "dev_fakevm.h"

static int stop_reason(struct fake_vm *f)
{
	return atomic_load(&f->vm.stop_reason);
}

TEST(dev_acpi_pm_s5_powers_off)
{
	struct fake_vm *f = fake_vm_new(PLATFORM_MICROVM, false);

	CHECK(f && fake_vm_attach(f, "acpi-pm", NULL) == 0);
	/* Linux clears WAK_STS first, then writes SLP_TYP|SLP_EN. */
	fake_outb(f, LAYOUT_PORT_ACPI_SLEEP_STS, 0x80);
	CHECK_EQ(fake_inb(f, LAYOUT_PORT_ACPI_SLEEP_STS), 0);
	/* SLP_TYP 5 without SLP_EN, and SLP_EN with another type: nothing. */
	fake_outb(f, LAYOUT_PORT_ACPI_SLEEP_CTL, LAYOUT_ACPI_S5_SLP_TYP << 2);
	fake_outb(f, LAYOUT_PORT_ACPI_SLEEP_CTL, 0x20 | (3 << 2));
	CHECK(!vm_should_stop(&f->vm));
	fake_outb(f, LAYOUT_PORT_ACPI_SLEEP_CTL, 0x20 | (LAYOUT_ACPI_S5_SLP_TYP << 2));
	CHECK_EQ(stop_reason(f), VM_STOP_POWEROFF);
	CHECK_EQ(f->vm.exit_status, 0);
	fake_vm_free(f);
}

TEST(dev_acpi_pm_reset_register)
{
	struct fake_vm *f = fake_vm_new(PLATFORM_PC, false);

	CHECK(f && fake_vm_attach(f, "acpi-pm", NULL) == 0);
	fake_outb(f, LAYOUT_PORT_ACPI_RESET, 0xff); /* all ones: not the value */
	fake_outb(f, LAYOUT_PORT_ACPI_RESET, 0x00);
	CHECK(!vm_should_stop(&f->vm));
	fake_outb(f, LAYOUT_PORT_ACPI_RESET, LAYOUT_ACPI_RESET_VALUE);
	CHECK_EQ(stop_reason(f), VM_STOP_RESET);
	fake_vm_free(f);
}

TEST(dev_acpi_pm_wide_and_odd_accesses)
{
	struct fake_vm *f = fake_vm_new(PLATFORM_MICROVM, false);

	CHECK(f && fake_vm_attach(f, "acpi-pm", NULL) == 0);
	/* Straddles the end of the three ports: not dispatched. */
	fake_out(f, LAYOUT_PORT_ACPI_RESET, 0x0101, 2);
	CHECK(!vm_should_stop(&f->vm));
	CHECK_EQ(fake_in(f, LAYOUT_PORT_ACPI_SLEEP_CTL, 2), 0);
	/* A 16-bit write is two byte writes: control, then status. */
	fake_out(f, LAYOUT_PORT_ACPI_SLEEP_CTL, 0x8000 | 0x20 | (5 << 2), 2);
	CHECK_EQ(stop_reason(f), VM_STOP_POWEROFF);
	fake_vm_free(f);
}

TEST(dev_acpi_pm_absent_on_pv)
{
	struct fake_vm *f = fake_vm_new(PLATFORM_PV, false);

	CHECK(f && fake_vm_attach(f, "acpi-pm", NULL) == 0);
	fake_outb(f, LAYOUT_PORT_ACPI_RESET, LAYOUT_ACPI_RESET_VALUE);
	CHECK(!vm_should_stop(&f->vm));
	fake_vm_free(f);
}
