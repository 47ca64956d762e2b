/* The generic virtual machine: memory, buses, devices, vCPUs and the event
 * loop, wired to one CPU backend.  Nothing here knows which backend runs. */
#ifndef GAMUT_CORE_VM_H
#define GAMUT_CORE_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/bus.h"
#include "core/config.h"
#include "core/err.h"
#include "core/evloop.h"
#include "core/gmem.h"
#include "core/stats.h"
#include "cpu/backend.h"

#define VM_MAX_CPUS 64
#define VM_MAX_MMIO_DESC 32

/* One MMIO device the guest must discover through firmware tables. */
struct vm_mmio_desc {
	const char *hid; /* ACPI _HID, e.g. "LNRO0005" for virtio-mmio */
	uint64_t base;
	uint64_t size;
	unsigned gsi;
};

struct vm_device;

struct vcpu {
	struct vm *vm;
	int index;
	uint32_t apic_id;
	pthread_t thread;
	void *backend; /* the backend's own per-vCPU state */
};

/* Why the VM stopped; gamut's exit status follows from it (the table of
 * statuses is in README.md, "Exit status of gamut run"). */
enum vm_stop_reason {
	VM_RUNNING = 0,
	VM_STOP_POWEROFF, /* guest powered off: exit status 0 */
	VM_STOP_RESET,	  /* guest rebooted: exit status 0 */
	VM_STOP_EXIT,	  /* PV guest exit(status) / debug exit */
	VM_STOP_USER,	  /* escape key or signal */
	VM_STOP_CRASH,	  /* triple fault, internal error, hostile guest */
	VM_STOP_PANIC,	  /* the guest reported a panic: VM_EXIT_PANIC */
};

/* Statuses gamut itself gives a guest's end.  Both are even: the
 * debug-exit port (test guests) only ever gives odd ones. */
#define VM_EXIT_PANIC	     4 /* the guest kernel panicked */
#define VM_EXIT_CRASH_KERNEL 6 /* it panicked, and a crash kernel ran after */

struct vm {
	struct vm_config cfg;
	const struct cpu_backend *backend;
	void *backend_state;
	struct guest_mem mem;
	struct bus pio;
	struct bus mmio;
	struct evloop loop;
	bool irqchip_in_backend;
	bool created; /* vm_create() succeeded: the guest may have run */
	unsigned ncpus;
	struct vcpu vcpu[VM_MAX_CPUS];
	/* Devices that firmware tables must describe (virtio-mmio on ACPI). */
	struct vm_mmio_desc mmio_desc[VM_MAX_MMIO_DESC];
	unsigned nr_mmio_desc;
	/* Device instances, in creation order (see core/device.h). */
	struct vm_device *devices;
	unsigned nr_devices;

	atomic_int stop_reason; /* enum vm_stop_reason */
	int exit_status;
	char stop_msg[512];
	/* Set by vm_note_crash(): replaces a clean end's status 0. */
	int crash_status;
	char crash_msg[128];
	pthread_mutex_t stop_lock;

	/* gamut's own counters (core/stats.h, docs/stats.md): devices and
	 * the backend register theirs while the VM is built. */
	struct stats stats;
	uint64_t irqs; /* lines raised and MSIs sent (atomic) */

	/* A platform that serves the guest's interrupts itself (Xen PV's
	 * event upcalls) learns here that a vCPU was kicked: the backend
	 * calls it on that vCPU's thread at an instruction boundary, where
	 * vcpu_get_state/vcpu_set_state may be used.  Set before vCPUs run. */
	void (*kick_hook)(void *opaque, int cpu);
	void *kick_hook_opaque;
};

/* Builds memory, the backend, the vCPUs and every device for cfg. */
int vm_create(struct vm *vm, const struct vm_config *cfg, struct gerr *err);
/* Runs until the guest stops; returns gamut's exit status and fills msg
 * with a one-line reason when it is not a clean stop. */
int vm_run(struct vm *vm, struct gerr *err);
void vm_destroy(struct vm *vm);

/* Asks every vCPU and the event loop to stop.  The first reason wins. */
void vm_stop(struct vm *vm, enum vm_stop_reason why, int exit_status,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The guest reported a crash it goes on to handle itself (a crash kernel
 * takes over): the VM keeps running, but when it later ends cleanly
 * (power-off, reset, the user's quit) gamut exits with exit_status and msg
 * instead of 0, so the crash is not lost.  The first note wins. */
void vm_note_crash(struct vm *vm, int exit_status, const char *msg);
static inline bool vm_should_stop(const struct vm *vm)
{
	return atomic_load_explicit(&vm->stop_reason, memory_order_acquire) != VM_RUNNING;
}

/* Records a device for the ACPI DSDT; call from a device's create(). */
int vm_describe_mmio(struct vm *vm, const char *hid, uint64_t base,
		     uint64_t size, unsigned gsi, struct gerr *err);

/* Wakes vCPU `cpu` (halted or running) so it sees a new interrupt. */
void vm_kick(struct vm *vm, int cpu);

/* Interrupt lines, routed to whichever backend runs.  Line numbers follow
 * the PC convention (core/layout.h): lines 0-15 are ISA IRQs (line 0, the
 * PIT, reaches IOAPIC pin 2 as the MADT override says), lines 16 and up are
 * IOAPIC pins. */
void vm_irq_set(struct vm *vm, unsigned gsi, int level);
void vm_irq_pulse(struct vm *vm, unsigned gsi);
void vm_msi(struct vm *vm, uint64_t addr, uint32_t data);
/* vm_msi for an interrupt controller passing on a line it was raised on
 * (the software IOAPIC): that interrupt was counted once already, as the
 * line (irq.injected, docs/stats.md). */
void vm_msi_routed(struct vm *vm, uint64_t addr, uint32_t data);

#endif
