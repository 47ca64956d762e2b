/* KVM exit dispatch on hand-filled kvm_run structures: port I/O and MMIO
 * reach the buses, system events stop the VM, failures say why. */
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "core/vm.h"
#include "cpu/kvm/kvm_exit.h"

#define RUN_SIZE 4096

static uint8_t pio_seen[16];
static unsigned pio_n;
static uint64_t mmio_off;
static uint32_t mmio_val;

static void pio_dev(void *opaque, uint64_t off, void *data, unsigned len,
		    bool is_write, int cpu)
{
	(void)opaque;
	(void)cpu;
	if (off != 0 || len != 1)
		return;
	if (is_write && pio_n < sizeof(pio_seen))
		pio_seen[pio_n++] = *(uint8_t *)data;
	else if (!is_write)
		*(uint8_t *)data = (uint8_t)(0xa0 + pio_n++);
}

static void mmio_dev(void *opaque, uint64_t off, void *data, unsigned len,
		     bool is_write, int cpu)
{
	(void)opaque;
	(void)cpu;
	mmio_off = off;
	if (is_write)
		memcpy(&mmio_val, data, len < 4 ? len : 4);
	else
		memcpy(data, "\x0d\xf0\xfe\xca", len < 4 ? len : 4);
}

static struct vm *test_vm(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	struct gerr err;

	if (!vm)
		return NULL;
	bus_init(&vm->pio, "pio");
	bus_init(&vm->mmio, "mmio");
	pthread_mutex_init(&vm->stop_lock, NULL);
	vm->loop.epfd = vm->loop.wakefd = -1;
	if (bus_register(&vm->pio, 0x510, 1, pio_dev, NULL, "t", &err) < 0 ||
	    bus_register(&vm->mmio, 0xd0000000, 0x100, mmio_dev, NULL, "m", &err) < 0)
		return NULL;
	pio_n = 0;
	return vm;
}

static void test_vm_free(struct vm *vm)
{
	bus_destroy(&vm->pio);
	bus_destroy(&vm->mmio);
	stats_destroy(&vm->stats);
	pthread_mutex_destroy(&vm->stop_lock);
	free(vm);
}

static struct kvm_run *new_run(uint32_t reason)
{
	struct kvm_run *run = calloc(1, RUN_SIZE);

	if (run)
		run->exit_reason = reason;
	return run;
}

TEST(kvm_exit_rep_outsb_reaches_bus_per_byte)
{
	struct vm *vm = test_vm();
	struct kvm_run *run = new_run(KVM_EXIT_IO);
	struct gerr err;
	bool rip;

	CHECK(vm && run);
	run->io.direction = KVM_EXIT_IO_OUT;
	run->io.size = 1;
	run->io.port = 0x510;
	run->io.count = 3;
	run->io.data_offset = 1024;
	memcpy((uint8_t *)run + 1024, "abc", 3);
	CHECK(kvm_exit_handle(vm, 0, run, RUN_SIZE, &rip, &err) == 0);
	CHECK_EQ(pio_n, 3);
	CHECK(!memcmp(pio_seen, "abc", 3));
	/* IN fills KVM's buffer, one access per element. */
	run->io.direction = KVM_EXIT_IO_IN;
	run->io.count = 2;
	CHECK(kvm_exit_handle(vm, 0, run, RUN_SIZE, &rip, &err) == 0);
	CHECK_EQ(((uint8_t *)run)[1024], 0xa3);
	CHECK_EQ(((uint8_t *)run)[1025], 0xa4);
	free(run);
	test_vm_free(vm);
}

TEST(kvm_exit_io_bad_buffer_refused)
{
	struct vm *vm = test_vm();
	struct kvm_run *run = new_run(KVM_EXIT_IO);
	struct gerr err;
	bool rip;

	CHECK(vm && run);
	run->io.direction = KVM_EXIT_IO_OUT;
	run->io.size = 4;
	run->io.port = 0x510;
	run->io.count = 0x10000;
	run->io.data_offset = 1024;
	CHECK(kvm_exit_handle(vm, 0, run, RUN_SIZE, &rip, &err) == -1);
	CHECK(strstr(err.msg, "bad buffer") != NULL);
	run->io.count = 1;
	run->io.data_offset = 0xffffffffffff0000ull;
	CHECK(kvm_exit_handle(vm, 0, run, RUN_SIZE, &rip, &err) == -1);
	run->io.data_offset = 1024;
	run->io.size = 3;
	CHECK(kvm_exit_handle(vm, 0, run, RUN_SIZE, &rip, &err) == -1);
	CHECK_EQ(pio_n, 0);
	free(run);
	test_vm_free(vm);
}

TEST(kvm_exit_mmio_read_write)
{
	struct vm *vm = test_vm();
	struct kvm_run *run = new_run(KVM_EXIT_MMIO);
	struct gerr err;
	bool rip;

	CHECK(vm && run);
	run->mmio.phys_addr = 0xd0000010;
	run->mmio.len = 4;
	run->mmio.is_write = 1;
	memcpy(run->mmio.data, "\x78\x56\x34\x12", 4);
	CHECK(kvm_exit_handle(vm, 0, run, RUN_SIZE, &rip, &err) == 0);
	CHECK_EQ(mmio_off, 0x10);
	CHECK_EQ(mmio_val, 0x12345678);
	run->mmio.is_write = 0;
	memset(run->mmio.data, 0, 8);
	CHECK(kvm_exit_handle(vm, 0, run, RUN_SIZE, &rip, &err) == 0);
	CHECK(!memcmp(run->mmio.data, "\x0d\xf0\xfe\xca", 4));
	/* Nobody there: reads as all ones. */
	run->mmio.phys_addr = 0xe0000000;
	CHECK(kvm_exit_handle(vm, 0, run, RUN_SIZE, &rip, &err) == 0);
	CHECK(!memcmp(run->mmio.data, "\xff\xff\xff\xff", 4));
	run->mmio.len = 9;
	CHECK(kvm_exit_handle(vm, 0, run, RUN_SIZE, &rip, &err) == -1);
	free(run);
	test_vm_free(vm);
}

TEST(kvm_exit_system_events_stop_vm)
{
	struct vm *vm = test_vm();
	struct kvm_run *run = new_run(KVM_EXIT_SYSTEM_EVENT);
	struct gerr err;
	bool rip;

	CHECK(vm && run);
	run->system_event.type = KVM_SYSTEM_EVENT_SHUTDOWN;
	CHECK(kvm_exit_handle(vm, 0, run, RUN_SIZE, &rip, &err) == 0);
	CHECK(vm_should_stop(vm));
	CHECK_EQ(atomic_load(&vm->stop_reason), VM_STOP_POWEROFF);
	CHECK_EQ(vm->exit_status, 0);
	test_vm_free(vm);
	vm = test_vm();
	CHECK(vm);
	run->system_event.type = KVM_SYSTEM_EVENT_RESET;
	CHECK(kvm_exit_handle(vm, 0, run, RUN_SIZE, &rip, &err) == 0);
	CHECK_EQ(atomic_load(&vm->stop_reason), VM_STOP_RESET);
	run->system_event.type = KVM_SYSTEM_EVENT_CRASH;
	CHECK(kvm_exit_handle(vm, 0, run, RUN_SIZE, &rip, &err) == -1);
	CHECK(!rip);
	free(run);
	test_vm_free(vm);
}

TEST(kvm_exit_failures_say_why)
{
	struct vm *vm = test_vm();
	struct kvm_run *run = new_run(KVM_EXIT_SHUTDOWN);
	struct gerr err;
	bool rip = false;

	CHECK(vm && run);
	CHECK(kvm_exit_handle(vm, 0, run, RUN_SIZE, &rip, &err) == -1);
	CHECK(strstr(err.msg, "triple fault") != NULL);
	CHECK(rip);
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->internal.ndata = 1;
	run->internal.data[0] = 0xabc;
	CHECK(kvm_exit_handle(vm, 0, run, RUN_SIZE, &rip, &err) == -1);
	CHECK(strstr(err.msg, "emulation failed") != NULL);
	CHECK(strstr(err.msg, "0xabc") != NULL);
	run->exit_reason = KVM_EXIT_FAIL_ENTRY;
	run->fail_entry.hardware_entry_failure_reason = 0x21;
	CHECK(kvm_exit_handle(vm, 0, run, RUN_SIZE, &rip, &err) == -1);
	CHECK(strstr(err.msg, "entry failed") && strstr(err.msg, "0x21"));
	run->exit_reason = 9999;
	CHECK(kvm_exit_handle(vm, 0, run, RUN_SIZE, &rip, &err) == -1);
	CHECK(strstr(err.msg, "9999") != NULL);
	/* Exits that only mean "go back in". */
	run->exit_reason = KVM_EXIT_INTR;
	CHECK(kvm_exit_handle(vm, 0, run, RUN_SIZE, &rip, &err) == 0);
	run->exit_reason = KVM_EXIT_HLT;
	CHECK(kvm_exit_handle(vm, 0, run, RUN_SIZE, &rip, &err) == 0);
	CHECK(!vm_should_stop(vm));
	free(run);
	test_vm_free(vm);
}
