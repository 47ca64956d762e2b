/* The whole KVM backend on tiny raw guests (32-bit protected mode code at
 * GPA 0x1000, no loader): CPUID policy seen from inside, port I/O and MMIO
 * exits, a triple fault, and kicking running and INIT-waiting vCPUs.
 * Skipped where /dev/kvm is missing. */
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "../harness.h"
#include "core/host.h"
#include "core/vm.h"

#define CODE 0x1000

/* Stops a VM whose guest did not finish in 20 s, so a broken backend
 * fails these tests instead of hanging them. */
struct watchdog {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
	struct vm *vm;
};

static void *watchdog_main(void *arg)
{
	struct watchdog *w = arg;
	struct timespec until;
	int r = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 20;
	pthread_mutex_lock(&w->lock);
	while (!w->done && r == 0)
		r = pthread_cond_timedwait(&w->cond, &w->lock, &until);
	if (!w->done)
		vm_stop(w->vm, VM_STOP_USER, 0, "watchdog: the test guest did not finish");
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void watchdog_start(struct watchdog *w, struct vm *vm)
{
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->done = false;
	w->vm = vm;
	pthread_create(&w->thread, NULL, watchdog_main, w);
}

static void watchdog_end(struct watchdog *w)
{
	pthread_mutex_lock(&w->lock);
	w->done = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
}

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
	if (is_write && len == 4)
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
	    bus_register(&vm->mmio, 0xd0000000, 0x100, mmio_dev, NULL, "m", err) < 0)
		return vm;
	/* A GDT matching the segments below, for interrupt gates. */
	static const uint64_t gdt[3] = { 0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull };
	if (gmem_write(&vm->mem, 0x500, gdt, sizeof(gdt)) < 0)
		return vm;
	x86_state_reset(&st);
	st.gdt = (struct x86_dtable){ .base = 0x500, .limit = sizeof(gdt) - 1 };
	st.seg[X86_CS] = x86_flat_code32(8);
	for (int s = 0; s < X86_NR_SREGS; s++)
		if (s != X86_CS)
			st.seg[s] = x86_flat_data(0x10);
	st.cr0 = X86_CR0_PE | X86_CR0_ET;
	st.rip = CODE;
	st.gpr[X86_RSP] = 0x2f00; /* interrupt frames land in RAM */
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
	stats_destroy(&vm->stats);
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
	struct watchdog wd;
	struct vm *vm;
	int r;

	if (!host_kvm_usable())
		SKIP("no /dev/kvm on this host");
	pio_n = 0;
	vm = kvm_test_vm(1, io_guest, sizeof(io_guest), &err);
	CHECK(vm != NULL);
	if (err.msg[0]) {
		kvm_test_vm_free(vm);
		CHECK(!err.msg[0]);
	}
	watchdog_start(&wd, vm);
	r = cpu_backend_kvm.vcpu_run(&vm->vcpu[0], &err);
	watchdog_end(&wd);
	CHECK(r == -1);
	CHECK(strstr(err.msg, "triple fault") != NULL);
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

/* Interrupt paths end to end: an IOAPIC level line (irq_set), an irqfd
 * edge line, an MSI, and an ioeventfd write that must not reach the bus.
 * The host writes the IDT (vectors 0x30-0x32) into guest memory.
 *
 *   0000 lidt [0x2ff0]
 *        mov dword [0xfee000f0], 0x1ff          ; LAPIC on
 *        IOAPIC pin 16 -> vector 0x30, level; pin 17 -> vector 0x31, edge
 *        mov dword [0xd0000020], 7              ; ioeventfd (datamatch 7)
 *        mov dx, 0x511 ; out dx, al             ; "ready": host fires irqfd
 *        sti ; 1: hlt ; jmp 1b
 *   0080 h30: mov eax, 0x30 ; jmp common        ; h31, h32 alike
 *   0093 common: mov dx, 0x510 ; out dx, eax    ; report the vector
 *        mov dword [0xfee000b0], 0              ; EOI
 *        lock inc dword [0x2000]
 *        cmp dword [0x2000], 3 ; je die ; iret
 *   00b3 die: int3                              ; no IDT entry: triple fault */
static const uint8_t irq_guest[] = {
	0x0f, 0x01, 0x1d, 0xf0, 0x2f, 0x00, 0x00, 0xc7, 0x05, 0xf0, 0x00, 0xe0,
	0xfe, 0xff, 0x01, 0x00, 0x00, 0xc7, 0x05, 0x00, 0x00, 0xc0, 0xfe, 0x31,
	0x00, 0x00, 0x00, 0xc7, 0x05, 0x10, 0x00, 0xc0, 0xfe, 0x00, 0x00, 0x00,
	0x00, 0xc7, 0x05, 0x00, 0x00, 0xc0, 0xfe, 0x30, 0x00, 0x00, 0x00, 0xc7,
	0x05, 0x10, 0x00, 0xc0, 0xfe, 0x30, 0x80, 0x00, 0x00, 0xc7, 0x05, 0x00,
	0x00, 0xc0, 0xfe, 0x33, 0x00, 0x00, 0x00, 0xc7, 0x05, 0x10, 0x00, 0xc0,
	0xfe, 0x00, 0x00, 0x00, 0x00, 0xc7, 0x05, 0x00, 0x00, 0xc0, 0xfe, 0x32,
	0x00, 0x00, 0x00, 0xc7, 0x05, 0x10, 0x00, 0xc0, 0xfe, 0x31, 0x00, 0x00,
	0x00, 0xc7, 0x05, 0x20, 0x00, 0x00, 0xd0, 0x07, 0x00, 0x00, 0x00, 0x66,
	0xba, 0x11, 0x05, 0xee, 0xfb, 0xf4, 0xeb, 0xfd, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xb8, 0x30, 0x00, 0x00,
	0x00, 0xeb, 0x0c, 0xb8, 0x31, 0x00, 0x00, 0x00, 0xeb, 0x05, 0xb8, 0x32,
	0x00, 0x00, 0x00, 0x66, 0xba, 0x10, 0x05, 0xef, 0xc7, 0x05, 0xb0, 0x00,
	0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00, 0xf0, 0xff, 0x05, 0x00, 0x20, 0x00,
	0x00, 0x83, 0x3d, 0x00, 0x20, 0x00, 0x00, 0x03, 0x74, 0x01, 0xcf, 0xcc,
};

struct irq_test {
	struct vm *vm;
	int irqfd;
	uint32_t seen[8];
	unsigned nseen;
};

static void irq_report(void *opaque, uint64_t off, void *data, unsigned len,
		       bool is_write, int cpu)
{
	struct irq_test *t = opaque;
	uint32_t v = 0;
	uint64_t one = 1;

	(void)cpu;
	if (!is_write)
		return;
	if (off == 1) { /* 0x511: the guest is ready for the irqfd edge */
		if (write(t->irqfd, &one, sizeof(one)) != sizeof(one))
			t->seen[7] = 0xbad;
		return;
	}
	memcpy(&v, data, len < 4 ? len : 4);
	if (t->nseen < 7)
		t->seen[t->nseen++] = v;
	if (v == 0x30) { /* level line served: drop it, then send an MSI */
		vm_irq_set(t->vm, 16, 0);
		vm_msi(t->vm, 0xfee00000, 0x32);
	}
}

static void idt_gate(struct vm *vm, unsigned vec, uint32_t handler)
{
	uint32_t g[2] = { (handler & 0xffff) | 8u << 16,
			  (handler & 0xffff0000u) | 0x8e00 };

	gmem_write(&vm->mem, 0x3000 + vec * 8, g, sizeof(g));
}

TEST(kvm_run_irq_line_irqfd_msi_ioeventfd)
{
	struct irq_test t = { .irqfd = -1 };
	struct gerr err = { "" };
	uint8_t idtr[6] = { 0xff, 0x07, 0x00, 0x30, 0x00, 0x00 };
	uint64_t count = 0;
	bool seen[3] = { false, false, false };
	struct watchdog wd;
	int iofd, r;

	if (!host_kvm_usable())
		SKIP("no /dev/kvm on this host");
	t.vm = kvm_test_vm(1, irq_guest, sizeof(irq_guest), &err);
	CHECK(t.vm != NULL && !err.msg[0]);
	mmio_written = 0;
	t.irqfd = eventfd(0, EFD_CLOEXEC);
	iofd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	CHECK(t.irqfd >= 0 && iofd >= 0);
	gmem_write(&t.vm->mem, 0x2ff0, idtr, sizeof(idtr));
	for (unsigned v = 0; v < 3; v++)
		idt_gate(t.vm, 0x30 + v, CODE + (uint32_t[]){ 0x80, 0x87, 0x8e }[v]);
	/* 0x510: the vector report; 0x511: "ready". */
	CHECK(bus_unregister(&t.vm->pio, 0x510) == 0);
	CHECK(bus_register(&t.vm->pio, 0x510, 4, irq_report, &t, "irq", &err) == 0);
	CHECK(t.vm->backend->ioeventfd(t.vm, 0xd0000020, 4, 7, iofd, &err) == 0);
	CHECK(t.vm->backend->irqfd(t.vm, 17, t.irqfd, &err) == 0);
	CHECK(t.vm->backend->irqfd(t.vm, 2, t.irqfd, &err) == -1);
	vm_irq_set(t.vm, 16, 1); /* level, pending before the guest unmasks it */
	watchdog_start(&wd, t.vm);
	r = cpu_backend_kvm.vcpu_run(&t.vm->vcpu[0], &err);
	watchdog_end(&wd);
	CHECK(r == -1);
	CHECK(strstr(err.msg, "triple fault") != NULL);
	CHECK_EQ(t.nseen, 3);
	for (unsigned i = 0; i < 3; i++)
		if (t.seen[i] >= 0x30 && t.seen[i] <= 0x32)
			seen[t.seen[i] - 0x30] = true;
	CHECK(seen[0] && seen[1] && seen[2]);
	CHECK(read(iofd, &count, sizeof(count)) == sizeof(count));
	CHECK_EQ(count, 1);
	CHECK_EQ(mmio_written, 0); /* the ioeventfd took it, not the bus */
	close(iofd);
	close(t.irqfd);
	kvm_test_vm_free(t.vm);
}
