/* The whole KVM backend on tiny raw guests (32-bit protected mode code at
 * GPA 0x1000, no loader): CPUID policy seen from inside, port I/O and MMIO
 * exits, a triple fault, and kicking running and INIT-waiting vCPUs.
 * Skipped where /dev/kvm is missing. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../harness.h"
#include "core/host.h"
#include "core/vm.h"

#define CODE 0x1000

static uint32_t pio_vals[8];
static unsigned pio_n;

static void pio_dev(void *opaque, uint64_t off, void *data, unsigned len,
		    bool is_write, int cpu)
{
	(void)opaque;
	(void)off;
	(void)cpu;
	if (is_write && len == 4 && pio_n < 8)
		memcpy(&pio_vals[pio_n++], data, 4);
}

static uint32_t mmio_written;

static void mmio_dev(void *opaque, uint64_t off, void *data, unsigned len,
		     bool is_write, int cpu)
{
	(void)opaque;
	(void)cpu;
	if (is_write && off == 0 && len == 4)
		memcpy(&mmio_written, data, 4);
	else if (!is_write && off == 4 && len == 4)
		memcpy(data, "\x0d\xf0\xfe\xca", 4);
}

static struct vm *kvm_test_vm(unsigned ncpus, const uint8_t *code, size_t len,
			      struct gerr *err)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	struct x86_state st;

	if (!vm)
		return NULL;
	bus_init(&vm->pio, "pio");
	bus_init(&vm->mmio, "mmio");
	pthread_mutex_init(&vm->stop_lock, NULL);
	vm->loop.epfd = vm->loop.wakefd = -1;
	vm->cfg.mode = mode_find("pvh");
	vm->cfg.ncpus = vm->ncpus = ncpus;
	vm->backend = &cpu_backend_kvm;
	if (gmem_init(&vm->mem, 2 << 20, false, err) < 0 ||
	    vm->backend->vm_init(vm, err) < 0)
		return vm;
	for (unsigned i = 0; i < ncpus; i++) {
		vm->vcpu[i] = (struct vcpu){ .vm = vm, .index = (int)i, .apic_id = i };
		if (vm->backend->vcpu_init(vm, &vm->vcpu[i], err) < 0)
			return vm;
	}
	if (gmem_write(&vm->mem, CODE, code, len) < 0 ||
	    bus_register(&vm->pio, 0x510, 4, pio_dev, NULL, "t", err) < 0 ||
	    bus_register(&vm->mmio, 0xd0000000, 0x10, mmio_dev, NULL, "m", err) < 0)
		return vm;
	x86_state_reset(&st);
	st.seg[X86_CS] = x86_flat_code32(8);
	for (int s = 0; s < X86_NR_SREGS; s++)
		if (s != X86_CS)
			st.seg[s] = x86_flat_data(0x10);
	st.cr0 = X86_CR0_PE | X86_CR0_ET;
	st.rip = CODE;
	vm->backend->vcpu_set_state(&vm->vcpu[0], &st, err);
	return vm;
}

static void kvm_test_vm_free(struct vm *vm)
{
	for (unsigned i = 0; i < vm->ncpus; i++)
		if (vm->vcpu[i].backend)
			vm->backend->vcpu_destroy(&vm->vcpu[i]);
	if (vm->backend_state)
		vm->backend->vm_destroy(vm);
	gmem_destroy(&vm->mem);
	bus_destroy(&vm->pio);
	bus_destroy(&vm->mmio);
	pthread_mutex_destroy(&vm->stop_lock);
	free(vm);
}

static const uint8_t io_guest[] = {
	0xb8, 0x00, 0x00, 0x00, 0x40, /* mov eax, 0x40000000 */
	0x0f, 0xa2,		      /* cpuid */
	0x89, 0xd8,		      /* mov eax, ebx */
	0x66, 0xba, 0x10, 0x05,	      /* mov dx, 0x510 */
	0xef,			      /* out dx, eax */
	0xb8, 0x78, 0x56, 0x34, 0x12, /* mov eax, 0x12345678 */
	0xa3, 0x00, 0x00, 0x00, 0xd0, /* mov [0xd0000000], eax */
	0xa1, 0x04, 0x00, 0x00, 0xd0, /* mov eax, [0xd0000004] */
	0xef,			      /* out dx, eax */
	0xcc,			      /* int3: no IDT, so a triple fault */
};

TEST(kvm_run_io_mmio_cpuid_triple_fault)
{
	struct gerr err = { "" };
	struct vm *vm;

	if (!host_kvm_usable())
		SKIP("no /dev/kvm on this host");
	pio_n = 0;
	vm = kvm_test_vm(1, io_guest, sizeof(io_guest), &err);
	CHECK(vm != NULL);
	if (err.msg[0]) {
		kvm_test_vm_free(vm);
		CHECK(!err.msg[0]);
	}
	CHECK(cpu_backend_kvm.vcpu_run(&vm->vcpu[0], &err) == -1);
	CHECK(strstr(err.msg, "triple fault at RIP") != NULL);
	CHECK_EQ(atomic_load(&vm->stop_reason), VM_STOP_CRASH);
	CHECK_EQ(pio_n, 2);
	CHECK(!memcmp(&pio_vals[0], "KVMK", 4)); /* pvh has the KVM leaves */
	CHECK_EQ(mmio_written, 0x12345678);
	CHECK_EQ(pio_vals[1], 0xcafef00d);
	kvm_test_vm_free(vm);
}

static void *stopper(void *arg)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	vm_stop(arg, VM_STOP_USER, 0, "test stop");
	return NULL;
}

static void *ap_thread(void *arg)
{
	struct vcpu *v = arg;
	struct gerr err;

	return (void *)(intptr_t)v->vm->backend->vcpu_run(v, &err);
}

TEST(kvm_run_kick_stops_spinning_bsp_and_waiting_ap)
{
	static const uint8_t spin[] = { 0xeb, 0xfe }; /* jmp $ */
	struct gerr err = { "" };
	pthread_t stop, ap;
	void *ap_ret;
	struct vm *vm;

	if (!host_kvm_usable())
		SKIP("no /dev/kvm on this host");
	vm = kvm_test_vm(2, spin, sizeof(spin), &err);
	CHECK(vm != NULL);
	if (err.msg[0]) {
		kvm_test_vm_free(vm);
		CHECK(!err.msg[0]);
	}
	/* vCPU 1 stays in KVM's wait-for-SIPI; the kick must still reach it. */
	CHECK(pthread_create(&ap, NULL, ap_thread, &vm->vcpu[1]) == 0);
	CHECK(pthread_create(&stop, NULL, stopper, vm) == 0);
	CHECK(cpu_backend_kvm.vcpu_run(&vm->vcpu[0], &err) == 0);
	pthread_join(stop, NULL);
	pthread_join(ap, &ap_ret);
	CHECK(ap_ret == NULL);
	CHECK_EQ(atomic_load(&vm->stop_reason), VM_STOP_USER);
	kvm_test_vm_free(vm);
}
