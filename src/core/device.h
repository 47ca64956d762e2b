/* Device self-registration.
 *
 * A device file ends with DEVICE_CLASS(its_class); adding a device touches no
 * core file.  At vm_create() time every class's create() runs in stage order;
 * create() reads vm->cfg (mode preset, disks, nets) and attaches zero or more
 * instances, registering their ranges on vm->pio / vm->mmio.  Devices never
 * look at which CPU backend runs; the one platform fact they may read is
 * vm->irqchip_in_backend (the backend already provides PIC/PIT/IOAPIC). */
#ifndef GAMUT_CORE_DEVICE_H
#define GAMUT_CORE_DEVICE_H

#include "core/err.h"

struct vm;

enum device_stage {
	DEVICE_STAGE_IRQCHIP,  /* PIC, IOAPIC, LAPIC: others raise lines on them */
	DEVICE_STAGE_PLATFORM, /* PIT, RTC, UART, i8042, PCI host bridge */
	DEVICE_STAGE_IO,       /* virtio, ATA, e1000, PV devices */
	DEVICE_STAGE_NR
};

struct device_class {
	const char *name;
	enum device_stage stage;
	/* Attaches this class's instances for vm->cfg. Sets *state (may stay
	 * NULL when nothing is attached). Returns -1 with a message on error. */
	int (*create)(struct vm *vm, void **state, struct gerr *err);
	/* Releases what create() made; called in reverse order. May be NULL. */
	void (*destroy)(void *state);
	/* Called when the guest resets the machine (optional). */
	void (*reset)(void *state);
};

struct vm_device {
	const struct device_class *cls;
	void *state;
};

#define DEVICE_CLASS(cls)                                                     \
	static const struct device_class *const device_reg_##cls                \
		__attribute__((used, section("gamut_devices"),                  \
			       aligned(sizeof(void *)))) = &cls

/* Creates every registered device for vm (core/vm.c). */
int device_create_all(struct vm *vm, struct gerr *err);
void device_destroy_all(struct vm *vm);
/* The state of the first instance of the class named `name`, or NULL. */
void *device_state(struct vm *vm, const char *name);

#endif
