/* A bare VM for the virtio tests: guest RAM, the MMIO bus and the event
 * loop, with a CPU backend whose only job is to record interrupt lines (no
 * guest code runs).  The test plays the driver through bus accesses. */
#ifndef GAMUT_TEST_VIRTIO_FIXTURE_H
#define GAMUT_TEST_VIRTIO_FIXTURE_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	stats_destroy(&vm->stats);
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

/* Like fx_create, and records the instance in vm->devices so that
 * device_state() finds it (the console layer looks itself up that way).
 * device_destroy_all() then releases everything recorded. */
static inline int fx_attach(struct vm *vm, const char *name, void **state,
			    struct gerr *err)
{
	extern const struct device_class *const __start_gamut_devices[];
	extern const struct device_class *const __stop_gamut_devices[];

	for (const struct device_class *const *c = __start_gamut_devices;
	     c < __stop_gamut_devices; c++) {
		struct vm_device *d;

		if (strcmp((*c)->name, name))
			continue;
		d = realloc(vm->devices, (vm->nr_devices + 1) * sizeof(*d));
		if (!d)
			return gerr_set(err, "out of memory");
		vm->devices = d;
		if ((*c)->create(vm, state, err) < 0)
			return -1;
		d[vm->nr_devices++] = (struct vm_device){ *c, *state };
		return 0;
	}
	return gerr_set(err, "no device class %s", name);
}

struct fx_wait {
	struct vm *vm;
	int tfd, ticks;
	bool (*done)(void *opaque);
	void *opaque;
};

static void fx_wait_tick(void *opaque, uint32_t events)
{
	struct fx_wait *w = opaque;
	uint64_t n;

	(void)events;
	if (read(w->tfd, &n, sizeof(n)) != sizeof(n))
		return;
	if (w->done(w->opaque) || --w->ticks <= 0)
		evloop_quit(&w->vm->loop);
}

/* Runs the VM's event loop until done(opaque) or about `ms` milliseconds. */
static inline void fx_run_until(struct vm *vm, bool (*done)(void *), void *opaque,
				int ms)
{
	struct fx_wait w = { vm, -1, ms / 5, done, opaque };
	struct gerr err;

	w.tfd = evloop_timer_add(&vm->loop, fx_wait_tick, &w, &err);
	if (w.tfd < 0)
		return;
	evloop_timer_set(w.tfd, 5000000, 5000000);
	atomic_store(&vm->loop.quit, false);
	evloop_run(&vm->loop, &err);
	evloop_del(&vm->loop, w.tfd);
	close(w.tfd);
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
