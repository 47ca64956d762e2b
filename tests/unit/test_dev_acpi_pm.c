/* The ACPI registers: the hardware-reduced sleep and reset registers, and
 * the PC's fixed hardware (PM1a blocks, PM timer, SCI). */
#include "../harness.h"
#include "core/layout.h"
#include "core/device.h"
#include "dev_fakevm.h"
#include "devices/acpi_pm.h"

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

/* ---- the PC's fixed hardware: PM1a blocks, PM timer, SCI ---- */

static uint64_t pm_ns;

static uint64_t pm_clock(void *opaque)
{
	(void)opaque;
	return pm_ns;
}

/* ns at which the counter has surely reached `ticks`. */
static uint64_t pm_ticks_ns(uint64_t ticks)
{
	return (ticks * 1000000000ull + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ;
}

static struct fake_vm *pc_pm(void)
{
	struct fake_vm *f = fake_vm_new(PLATFORM_PC, false);
	void *pm = NULL;

	if (f && (fake_vm_attach(f, "acpi-pm", &pm) < 0 || !pm)) {
		fake_vm_free(f);
		return NULL;
	}
	pm_ns = 5000000000ull;
	acpi_pm_set_clock(pm, pm_clock, NULL);
	return f;
}

#define EVT LAYOUT_PORT_ACPI_PM1A_EVT
#define CNT LAYOUT_PORT_ACPI_PM1A_CNT
#define TMR LAYOUT_PORT_ACPI_PM_TMR

TEST(dev_acpi_pm_pc_registers)
{
	struct fake_vm *f = pc_pm();

	CHECK(f);
	/* Always in ACPI mode: SCI_EN reads 1, whatever is written. */
	CHECK_EQ(fake_in(f, CNT, 2), ACPI_PM1_SCI_EN);
	fake_out(f, CNT, 0, 2);
	CHECK_EQ(fake_in(f, CNT, 2) & ACPI_PM1_SCI_EN, ACPI_PM1_SCI_EN);
	/* Enable bits read back as written (ACPICA checks), reserved ones 0. */
	CHECK_EQ(fake_in(f, EVT + 2, 2), 0);
	fake_out(f, EVT + 2, 0xffff, 2);
	CHECK_EQ(fake_in(f, EVT + 2, 2), ACPI_PM1_EN_MASK);
	fake_outb(f, EVT + 3, 0);
	CHECK_EQ(fake_in(f, EVT + 2, 2), ACPI_PM1_EN_MASK & 0xff);
	/* Status: nothing pending; writing ones clears, never sets. */
	fake_out(f, EVT, 0xffff, 2);
	CHECK_EQ(fake_in(f, EVT, 2), 0);
	/* One 32-bit access covers status and enable, as the block is laid out. */
	CHECK_EQ(fake_in(f, EVT, 4), (uint32_t)(ACPI_PM1_EN_MASK & 0xff) << 16);
	/* The hardware-reduced sleep registers do not exist on the PC. */
	CHECK_EQ(fake_inb(f, LAYOUT_PORT_ACPI_SLEEP_CTL), 0xff);
	fake_outb(f, LAYOUT_PORT_ACPI_SLEEP_CTL, 0x20 | (LAYOUT_ACPI_S5_SLP_TYP << 2));
	CHECK(!vm_should_stop(&f->vm));
	fake_vm_free(f);
}

TEST(dev_acpi_pm_pc_s5_through_pm1_cnt)
{
	struct fake_vm *f = pc_pm();
	uint16_t s5 = LAYOUT_ACPI_S5_SLP_TYP << ACPI_PM1_SLP_TYP_SHIFT;

	CHECK(f);
	/* ACPICA's order: SLP_TYP first (kept, SLP_EN reads 0), then SLP_EN. */
	fake_out(f, CNT, s5, 2);
	CHECK_EQ(fake_in(f, CNT, 2), s5 | ACPI_PM1_SCI_EN);
	/* SLP_EN with another sleep type (S1, not offered): nothing. */
	fake_out(f, CNT, 1 << ACPI_PM1_SLP_TYP_SHIFT | ACPI_PM1_SLP_EN, 2);
	CHECK(!vm_should_stop(&f->vm));
	CHECK_EQ(fake_in(f, CNT, 2) & ACPI_PM1_SLP_EN, 0);
	fake_out(f, CNT, s5 | ACPI_PM1_SLP_EN, 2);
	CHECK_EQ(stop_reason(f), VM_STOP_POWEROFF);
	CHECK_EQ(f->vm.exit_status, 0);
	fake_vm_free(f);

	/* A byte write of the high half does the same. */
	f = pc_pm();
	CHECK(f);
	fake_outb(f, CNT + 1, (uint8_t)((s5 | ACPI_PM1_SLP_EN) >> 8));
	CHECK_EQ(stop_reason(f), VM_STOP_POWEROFF);
	fake_vm_free(f);
}

TEST(dev_acpi_pm_pc_timer_counts)
{
	struct fake_vm *f = pc_pm();

	CHECK(f);
	CHECK_EQ(fake_in(f, TMR, 4), 0);
	pm_ns += 1000000000ull; /* one second */
	CHECK_EQ(fake_in(f, TMR, 4), ACPI_PM_TIMER_HZ);
	/* Byte reads see the same counter. */
	CHECK_EQ(fake_inb(f, TMR + 2), (ACPI_PM_TIMER_HZ >> 16) & 0xff);
	/* Read-only: writes change nothing. */
	fake_out(f, TMR, 0, 4);
	CHECK_EQ(fake_in(f, TMR, 4), ACPI_PM_TIMER_HZ);
	/* 32 bits (FADT TMR_VAL_EXT): wraps after 2^32 ticks. */
	pm_ns = 5000000000ull + pm_ticks_ns((1ull << 32) + 7);
	CHECK_EQ(fake_in(f, TMR, 4), 7);
	fake_vm_free(f);
}

TEST(dev_acpi_pm_pc_timer_carry_raises_sci)
{
	struct fake_vm *f = pc_pm();

	CHECK(f);
	/* Bit 31 changes at 2^31 ticks: TMR_STS, but no SCI while TMR_EN is 0. */
	pm_ns += pm_ticks_ns(1ull << 31);
	CHECK_EQ(fake_in(f, EVT, 2) & ACPI_PM1_TMR_STS, ACPI_PM1_TMR_STS);
	CHECK_EQ(f->line[LAYOUT_IRQ_ACPI], 0);
	/* Enabling it with the status set raises the level SCI ... */
	fake_out(f, EVT + 2, ACPI_PM1_TMR_STS, 2);
	CHECK_EQ(f->line[LAYOUT_IRQ_ACPI], 1);
	/* ... and clearing the status lowers it. */
	fake_out(f, EVT, ACPI_PM1_TMR_STS, 2);
	CHECK_EQ(fake_in(f, EVT, 2), 0);
	CHECK_EQ(f->line[LAYOUT_IRQ_ACPI], 0);
	/* The next carry, found by the event loop's timer without any guest
	 * access: the clock is put past it, the host timer is short because it
	 * was armed when the carry was 1 ms away. */
	pm_ns = 5000000000ull + pm_ticks_ns(2ull << 31) - 1000000;
	fake_out(f, EVT + 2, 0, 2);
	fake_out(f, EVT + 2, ACPI_PM1_TMR_STS, 2);
	CHECK_EQ(f->line[LAYOUT_IRQ_ACPI], 0);
	pm_ns += 2000000;
	for (int i = 0; i < 200 && !f->line[LAYOUT_IRQ_ACPI]; i++)
		fake_vm_run_for(f, 10);
	CHECK_EQ(f->line[LAYOUT_IRQ_ACPI], 1);
	CHECK_EQ(f->rises[LAYOUT_IRQ_ACPI], 2);
	fake_vm_free(f);
}

TEST(dev_acpi_pm_pc_reset_clears)
{
	struct fake_vm *f = pc_pm();
	void *pm;

	CHECK(f);
	pm_ns += pm_ticks_ns(1ull << 31);
	fake_out(f, EVT + 2, ACPI_PM1_TMR_STS, 2);
	CHECK_EQ(f->line[LAYOUT_IRQ_ACPI], 1);
	pm = device_state(&f->vm, "acpi-pm");
	CHECK(pm);
	for (unsigned i = 0; i < f->vm.nr_devices; i++)
		if (f->vm.devices[i].state == pm && f->vm.devices[i].cls->reset)
			f->vm.devices[i].cls->reset(pm);
	CHECK_EQ(fake_in(f, EVT, 4), 0);
	CHECK_EQ(f->line[LAYOUT_IRQ_ACPI], 0);
	fake_vm_free(f);
}
