/* A bare VM for the virtio tests: guest RAM, the MMIO bus and the event
 * loop, with a CPU backend whose only job is to record interrupt lines (no
 * guest code runs).  The test plays the driver through bus accesses. */
#ifndef GAMUT_TEST_VIRTIO_FIXTURE_H
#define GAMUT_TEST_VIRTIO_FIXTURE_H

#include <string.h>

#include "core/device.h"
#include "core/layout.h"
#include "core/vm.h"
#include "test_virtq_ring.h"
#include "virtio/transport.h"

static int fx_line[64];

static void fx_irq_set(struct vm *vm, unsigned gsi, int level)
{
	(void)vm;
	if (gsi < 64)
		fx_line[gsi] = level;
}

static const struct cpu_backend fx_backend = {
	.name = "test",
	.irq_set = fx_irq_set,
};

static inline int fx_vm_init(struct vm *vm, const char *mode)
{
	struct gerr err;

	memset(vm, 0, sizeof(*vm));
	memset(fx_line, 0, sizeof(fx_line));
	vm->cfg.mode = mode_find(mode);
	vm->backend = &fx_backend;
	bus_init(&vm->pio, "pio");
	bus_init(&vm->mmio, "mmio");
	if (evloop_init(&vm->loop, &err) < 0)
		return -1;
	return gmem_init(&vm->mem, TR_RAM, false, &err);
}

static inline void fx_vm_done(struct vm *vm)
{
	gmem_destroy(&vm->mem);
	evloop_destroy(&vm->loop);
	bus_destroy(&vm->pio);
	bus_destroy(&vm->mmio);
}

/* Runs the create() of the registered device class `name`. */
static inline int fx_create(struct vm *vm, const char *name, void **state,
			    struct gerr *err)
{
	extern const struct device_class *const __start_gamut_devices[];
	extern const struct device_class *const __stop_gamut_devices[];

	for (const struct device_class *const *c = __start_gamut_devices;
	     c < __stop_gamut_devices; c++)
		if (!strcmp((*c)->name, name))
			return (*c)->create(vm, state, err);
	return gerr_set(err, "no device class %s", name);
}

static inline void fx_destroy(const char *name, void *state)
{
	extern const struct device_class *const __start_gamut_devices[];
	extern const struct device_class *const __stop_gamut_devices[];

	for (const struct device_class *const *c = __start_gamut_devices;
	     c < __stop_gamut_devices; c++)
		if (!strcmp((*c)->name, name) && (*c)->destroy)
			(*c)->destroy(state);
}

/* Driver-side register access on virtio-mmio slot `slot`. */
static inline uint32_t mm_rd(struct vm *vm, unsigned slot, uint64_t reg)
{
	uint32_t v = 0;

	bus_access(&vm->mmio, LAYOUT_VIRTIO_MMIO_BASE + slot * LAYOUT_VIRTIO_MMIO_SIZE + reg,
		   &v, 4, false, 0);
	return v;
}

static inline void mm_wr(struct vm *vm, unsigned slot, uint64_t reg, uint32_t v)
{
	bus_access(&vm->mmio, LAYOUT_VIRTIO_MMIO_BASE + slot * LAYOUT_VIRTIO_MMIO_SIZE + reg,
		   &v, 4, true, 0);
}

/* The Linux driver's bring-up: reset, ACK, DRIVER, features (the device's
 * features masked by `want`), FEATURES_OK, then returns the status read
 * back (FEATURES_OK stays set only when the device accepted). */
static inline uint32_t mm_negotiate(struct vm *vm, unsigned slot, uint64_t want)
{
	uint64_t f;

	mm_wr(vm, slot, 0x70, 0);
	mm_wr(vm, slot, 0x70, VIRTIO_STATUS_ACKNOWLEDGE);
	mm_wr(vm, slot, 0x70, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	mm_wr(vm, slot, 0x14, 1);
	f = (uint64_t)mm_rd(vm, slot, 0x10) << 32;
	mm_wr(vm, slot, 0x14, 0);
	f |= mm_rd(vm, slot, 0x10);
	f &= want;
	mm_wr(vm, slot, 0x24, 0);
	mm_wr(vm, slot, 0x20, (uint32_t)f);
	mm_wr(vm, slot, 0x24, 1);
	mm_wr(vm, slot, 0x20, (uint32_t)(f >> 32));
	mm_wr(vm, slot, 0x70, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				      VIRTIO_STATUS_FEATURES_OK);
	return mm_rd(vm, slot, 0x70);
}

/* Sets queue q up at the given ring addresses and marks it ready. */
static inline void mm_queue(struct vm *vm, unsigned slot, unsigned q,
			    uint16_t size, uint64_t desc, uint64_t avail,
			    uint64_t used)
{
	mm_wr(vm, slot, 0x30, q);
	mm_wr(vm, slot, 0x38, size);
	mm_wr(vm, slot, 0x80, (uint32_t)desc);
	mm_wr(vm, slot, 0x84, (uint32_t)(desc >> 32));
	mm_wr(vm, slot, 0x90, (uint32_t)avail);
	mm_wr(vm, slot, 0x94, (uint32_t)(avail >> 32));
	mm_wr(vm, slot, 0xa0, (uint32_t)used);
	mm_wr(vm, slot, 0xa4, (uint32_t)(used >> 32));
	mm_wr(vm, slot, 0x44, 1);
}

static inline void mm_driver_ok(struct vm *vm, unsigned slot)
{
	mm_wr(vm, slot, 0x70, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				      VIRTIO_STATUS_FEATURES_OK |
				      VIRTIO_STATUS_DRIVER_OK);
}

#endif
