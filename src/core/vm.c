#include "core/vm.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "boot/boot.h"
#include "core/device.h"
#include "sandbox/sandbox.h"

const struct cpu_backend *cpu_backend_find(const char *name)
{
	if (!strcmp(name, "kvm"))
		return &cpu_backend_kvm;
	if (!strcmp(name, "emu"))
		return &cpu_backend_emu;
	return NULL;
}

int vm_describe_mmio(struct vm *vm, const char *hid, uint64_t base,
		     uint64_t size, unsigned gsi, struct gerr *err)
{
	if (vm->nr_mmio_desc >= VM_MAX_MMIO_DESC)
		return gerr_set(err, "too many MMIO devices (at most %d)",
				VM_MAX_MMIO_DESC);
	vm->mmio_desc[vm->nr_mmio_desc++] =
		(struct vm_mmio_desc){ hid, base, size, gsi };
	return 0;
}

static void pio_stats(void *opaque, struct stats_snap *snap)
{
	bus_stats(&((struct vm *)opaque)->pio, snap);
}

static void mmio_stats(void *opaque, struct stats_snap *snap)
{
	bus_stats(&((struct vm *)opaque)->mmio, snap);
}

int vm_create(struct vm *vm, const struct vm_config *cfg, struct gerr *err)
{
	struct x86_state bsp;

	memset(vm, 0, sizeof(*vm));
	vm->cfg = *cfg;
	pthread_mutex_init(&vm->stop_lock, NULL);
	bus_init(&vm->pio, "pio");
	bus_init(&vm->mmio, "mmio");
	stats_source(&vm->stats, pio_stats, vm);
	stats_source(&vm->stats, mmio_stats, vm);
	stats_counter(&vm->stats, "irq.injected", &vm->irqs);
	vm->loop.epfd = vm->loop.wakefd = -1;
	if (cfg->ncpus < 1 || cfg->ncpus > VM_MAX_CPUS)
		return gerr_set(err, "--cpus %u: must be between 1 and %d",
				cfg->ncpus, VM_MAX_CPUS);
	vm->ncpus = cfg->ncpus;
	vm->backend = cpu_backend_find(cfg->cpu);
	if (!vm->backend)
		return gerr_set(err, "--cpu %s: unknown CPU backend (kvm or emu)",
				cfg->cpu);
	if (vm->backend->probe(err) < 0)
		return gerr_prefix(err, "--cpu %s: ", vm->backend->name);
	if (evloop_init(&vm->loop, err) < 0)
		return -1;
	if (gmem_init(&vm->mem, cfg->mem_bytes, cfg->hugepages, err) < 0)
		return -1;
	if (vm->backend->vm_init(vm, err) < 0)
		return -1;
	for (unsigned i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpu[i];

		v->vm = vm;
		v->index = (int)i;
		v->apic_id = i;
		if (vm->backend->vcpu_init(vm, v, err) < 0)
			return gerr_prefix(err, "vcpu %u: ", i);
	}
	if (device_create_all(vm, err) < 0)
		return -1;
	if (boot_load(vm, &bsp, err) < 0)
		return -1;
	if (vm->backend->vcpu_set_state(&vm->vcpu[0], &bsp, err) < 0)
		return -1;
	vm->created = true;
	return 0;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct gerr err = { "" };

	/* Per-thread setup first (it may open files), then this thread's
	 * filter, then guest code. */
	if ((v->vm->backend->vcpu_thread_setup &&
	     v->vm->backend->vcpu_thread_setup(v, &err) < 0) ||
	    sandbox_enter(SANDBOX_VCPU, &err) < 0) {
		vm_stop(v->vm, VM_STOP_CRASH, 1, "vcpu %d: %s", v->index, err.msg);
		return NULL;
	}
	if (v->vm->backend->vcpu_run(v, &err) < 0)
		vm_stop(v->vm, VM_STOP_CRASH, 1, "vcpu %d: %s", v->index, err.msg);
	return NULL;
}

int vm_run(struct vm *vm, struct gerr *err)
{
	unsigned started = 0;
	int ret = 0;

	for (; started < vm->ncpus; started++) {
		if (pthread_create(&vm->vcpu[started].thread, NULL, vcpu_thread,
				   &vm->vcpu[started])) {
			vm_stop(vm, VM_STOP_CRASH, 1, "cannot start vcpu thread %u",
				started);
			break;
		}
	}
	/* The main thread has created every thread it will: from here on it
	 * runs the event loop, then tears down, under its own filter. */
	if (sandbox_enter(SANDBOX_EVLOOP, err) < 0)
		vm_stop(vm, VM_STOP_CRASH, 1, "%s", err->msg);
	if (!vm_should_stop(vm) && evloop_run(&vm->loop, err) < 0)
		vm_stop(vm, VM_STOP_CRASH, 1, "%s", err->msg);
	for (unsigned i = 0; i < started; i++)
		pthread_join(vm->vcpu[i].thread, NULL);
	switch (atomic_load(&vm->stop_reason)) {
	case VM_STOP_POWEROFF:
	case VM_STOP_RESET:
	case VM_STOP_USER:
		ret = vm->crash_status;
		if (ret)
			gerr_set(err, "%s", vm->crash_msg);
		break;
	case VM_STOP_EXIT:
		ret = vm->exit_status;
		break;
	default:
		ret = vm->exit_status ? vm->exit_status : 1;
		gerr_set(err, "%s", vm->stop_msg);
		break;
	}
	return ret;
}

void vm_stop(struct vm *vm, enum vm_stop_reason why, int exit_status,
	     const char *fmt, ...)
{
	int expected = VM_RUNNING;
	va_list ap;

	pthread_mutex_lock(&vm->stop_lock);
	if (!atomic_compare_exchange_strong(&vm->stop_reason, &expected, (int)why)) {
		pthread_mutex_unlock(&vm->stop_lock);
		return;
	}
	vm->exit_status = exit_status;
	va_start(ap, fmt);
	vsnprintf(vm->stop_msg, sizeof(vm->stop_msg), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&vm->stop_lock);
	if (vm->loop.wakefd >= 0)
		evloop_quit(&vm->loop);
	for (unsigned i = 0; i < vm->ncpus; i++)
		if (vm->vcpu[i].backend)
			vm->backend->vcpu_kick(&vm->vcpu[i]);
}

void vm_note_crash(struct vm *vm, int exit_status, const char *msg)
{
	pthread_mutex_lock(&vm->stop_lock);
	if (!vm->crash_status) {
		vm->crash_status = exit_status;
		snprintf(vm->crash_msg, sizeof(vm->crash_msg), "%s", msg);
	}
	pthread_mutex_unlock(&vm->stop_lock);
}

void vm_kick(struct vm *vm, int cpu)
{
	if (cpu >= 0 && (unsigned)cpu < vm->ncpus && vm->vcpu[cpu].backend)
		vm->backend->vcpu_kick(&vm->vcpu[cpu]);
}

/* Each raise counts, also of a line already high: that is a device
 * calling for the guest's attention again. */
void vm_irq_set(struct vm *vm, unsigned gsi, int level)
{
	if (level)
		__atomic_fetch_add(&vm->irqs, 1, __ATOMIC_RELAXED);
	vm->backend->irq_set(vm, gsi, level);
}

void vm_irq_pulse(struct vm *vm, unsigned gsi)
{
	__atomic_fetch_add(&vm->irqs, 1, __ATOMIC_RELAXED);
	vm->backend->irq_set(vm, gsi, 1);
	vm->backend->irq_set(vm, gsi, 0);
}

void vm_msi(struct vm *vm, uint64_t addr, uint32_t data)
{
	__atomic_fetch_add(&vm->irqs, 1, __ATOMIC_RELAXED);
	vm->backend->msi(vm, addr, data);
}

void vm_msi_routed(struct vm *vm, uint64_t addr, uint32_t data)
{
	vm->backend->msi(vm, addr, data);
}

void vm_destroy(struct vm *vm)
{
	device_destroy_all(vm);
	for (unsigned i = 0; i < vm->ncpus; i++)
		if (vm->vcpu[i].backend && vm->backend->vcpu_destroy)
			vm->backend->vcpu_destroy(&vm->vcpu[i]);
	if (vm->backend && vm->backend_state && vm->backend->vm_destroy)
		vm->backend->vm_destroy(vm);
	gmem_destroy(&vm->mem);
	if (vm->loop.epfd >= 0)
		evloop_destroy(&vm->loop);
	bus_destroy(&vm->pio);
	bus_destroy(&vm->mmio);
	stats_destroy(&vm->stats);
	pthread_mutex_destroy(&vm->stop_lock);
}
