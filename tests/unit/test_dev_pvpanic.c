/* The pvpanic port: the events it offers, and what each reported event
 * does to the VM and to gamut's exit status. */
#include <string.h>

#include "../harness.h"
#include "boot/acpi.h"
#include "core/layout.h"
#include "dev_fakevm.h"
#include "devices/pvpanic.h"

/* vm_run's verdict for a VM already stopped: no vCPU thread is started
 * (the fake backend runs none), only the status is worked out. */
static int verdict(struct fake_vm *f, struct gerr *err)
{
	f->vm.ncpus = 0;
	err->msg[0] = '\0';
	return vm_run(&f->vm, err);
}

TEST(dev_pvpanic_reads_supported_events)
{
	struct fake_vm *f = fake_vm_new(PLATFORM_PC, false);

	CHECK(f && fake_vm_attach(f, "pvpanic", NULL) == 0);
	CHECK_EQ(fake_inb(f, LAYOUT_PORT_PVPANIC), PVPANIC_PANICKED | PVPANIC_CRASH_LOADED);
	CHECK_EQ(fake_inb(f, LAYOUT_PORT_PVPANIC), 3);
	/* Reserved bits and a zero write report nothing. */
	fake_outb(f, LAYOUT_PORT_PVPANIC, 0);
	fake_outb(f, LAYOUT_PORT_PVPANIC, 0xfc);
	CHECK(!vm_should_stop(&f->vm));
	CHECK_EQ(f->vm.crash_status, 0);
	fake_vm_free(f);
}

TEST(dev_pvpanic_panicked_stops_the_vm)
{
	struct fake_vm *f = fake_vm_new(PLATFORM_MICROVM, false);
	struct gerr err;

	CHECK(f && fake_vm_attach(f, "pvpanic", NULL) == 0);
	fake_outb(f, LAYOUT_PORT_PVPANIC, PVPANIC_PANICKED);
	CHECK_EQ(atomic_load(&f->vm.stop_reason), VM_STOP_PANIC);
	CHECK_EQ(verdict(f, &err), VM_EXIT_PANIC);
	CHECK(!strcmp(err.msg, "guest panicked (pvpanic)"));
	fake_vm_free(f);
}

TEST(dev_pvpanic_panicked_wins_over_crash_loaded)
{
	struct fake_vm *f = fake_vm_new(PLATFORM_PC, false);
	struct gerr err;

	CHECK(f && fake_vm_attach(f, "pvpanic", NULL) == 0);
	fake_outb(f, LAYOUT_PORT_PVPANIC, PVPANIC_PANICKED | PVPANIC_CRASH_LOADED);
	CHECK_EQ(atomic_load(&f->vm.stop_reason), VM_STOP_PANIC);
	CHECK_EQ(verdict(f, &err), VM_EXIT_PANIC);
	fake_vm_free(f);
}

TEST(dev_pvpanic_crash_loaded_runs_on)
{
	struct fake_vm *f = fake_vm_new(PLATFORM_PC, false);
	struct gerr err;

	CHECK(f && fake_vm_attach(f, "pvpanic", NULL) == 0);
	fake_outb(f, LAYOUT_PORT_PVPANIC, PVPANIC_CRASH_LOADED);
	/* The crash kernel runs: the VM does not stop ... */
	CHECK(!vm_should_stop(&f->vm));
	/* ... but its clean end no longer counts as one. */
	vm_stop(&f->vm, VM_STOP_RESET, 0, "guest reset");
	CHECK_EQ(verdict(f, &err), VM_EXIT_CRASH_KERNEL);
	CHECK(strstr(err.msg, "guest panicked") && strstr(err.msg, "crash kernel"));
	fake_vm_free(f);

	/* A panic of the crash kernel itself still stops the VM. */
	f = fake_vm_new(PLATFORM_MICROVM, false);
	CHECK(f && fake_vm_attach(f, "pvpanic", NULL) == 0);
	fake_outb(f, LAYOUT_PORT_PVPANIC, PVPANIC_CRASH_LOADED);
	fake_outb(f, LAYOUT_PORT_PVPANIC, PVPANIC_PANICKED);
	CHECK_EQ(verdict(f, &err), VM_EXIT_PANIC);
	fake_vm_free(f);
}

TEST(dev_pvpanic_described_by_acpi)
{
	const enum platform_kind where[] = { PLATFORM_PC, PLATFORM_MICROVM };

	for (unsigned i = 0; i < 2; i++) {
		struct fake_vm *f = fake_vm_new(where[i], false);
		struct acpi_config cfg;

		CHECK(f);
		acpi_config_for(&f->vm, &cfg);
		CHECK(!cfg.pvpanic);
		CHECK(fake_vm_attach(f, "pvpanic", NULL) == 0);
		acpi_config_for(&f->vm, &cfg);
		CHECK(cfg.pvpanic);
		fake_vm_free(f);
	}
}

TEST(dev_pvpanic_absent_on_pv)
{
	struct fake_vm *f = fake_vm_new(PLATFORM_PV, false);

	CHECK(f && fake_vm_attach(f, "pvpanic", NULL) == 0);
	fake_outb(f, LAYOUT_PORT_PVPANIC, PVPANIC_PANICKED);
	CHECK(!vm_should_stop(&f->vm));
	CHECK_EQ(fake_inb(f, LAYOUT_PORT_PVPANIC), 0xff); /* nobody there */
	fake_vm_free(f);
}
