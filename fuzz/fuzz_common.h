/* Scaffolding the device fuzz targets share: a VM with no vCPU (guest RAM,
 * the two buses, the event loop, a CPU backend that only sanity-checks the
 * interrupt lines devices drive), devices created through their registered
 * classes exactly as vm_create() would, a scratch disk image, and a reader
 * for the operation streams the targets decode.
 *
 * Every target builds a fresh VM per input and tears it down at the end,
 * so one input's device state cannot change how the next one runs (libFuzzer
 * then sees stable coverage) and every destroy path runs under the leak
 * checker.  Nothing here replaces the code under test. */
#ifndef GAMUT_FUZZ_COMMON_H
#define GAMUT_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/device.h"
#include "core/vm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_RAM	   (1u << 20) /* the smallest gmem_init accepts */
#define FZ_MAX_OPS 4096	      /* operations per input: bounds every run */

/* Little-endian n-byte field from the stream; missing bytes read as 0. */
static inline uint32_t fz_get(const uint8_t **p, const uint8_t *end, unsigned n)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < n && *p < end; i++, (*p)++)
		v |= (uint32_t)**p << (8 * i);
	return v;
}

/* Guest RAM write from the stream: u16 position (in 16-byte units, so the
 * whole 1 MiB is reachable), u8 length, then that many bytes. */
static inline void fz_ram_write(struct vm *vm, const uint8_t **p, const uint8_t *end)
{
	uint64_t gpa = (uint64_t)fz_get(p, end, 2) * 16;
	size_t len = fz_get(p, end, 1), left = (size_t)(end - *p);

	if (len > left)
		len = left;
	gmem_write(&vm->mem, gpa, *p, len);
	*p += len;
}

/* Devices raise ISA lines (0-15) or IOAPIC pins (16-23), high or low;
 * anything else is a device bug worth stopping on. */
static void fz_irq_set(struct vm *vm, unsigned gsi, int level)
{
	(void)vm;
	if (gsi > 23 || (level != 0 && level != 1))
		__builtin_trap();
}

/* MSI-X messages carry whatever the guest wrote in the table. */
static void fz_msi(struct vm *vm, uint64_t addr, uint32_t data)
{
	(void)vm;
	(void)addr;
	(void)data;
}

static const struct cpu_backend fz_backend = {
	.name = "fuzz",
	.irq_set = fz_irq_set,
	.msi = fz_msi,
};

/* A bare VM in mode `mode` with the output-less console. */
static inline int fz_vm_init(struct vm *vm, const char *mode)
{
	struct gerr err;

	memset(vm, 0, sizeof(*vm));
	vm->cfg.mode = mode_find(mode);
	vm->cfg.console = CONSOLE_NONE;
	vm->backend = &fz_backend;
	bus_init(&vm->pio, "pio");
	bus_init(&vm->mmio, "mmio");
	if (evloop_init(&vm->loop, &err) < 0)
		return -1;
	if (gmem_init(&vm->mem, FZ_RAM, false, &err) < 0) {
		evloop_destroy(&vm->loop);
		return -1;
	}
	return 0;
}

static inline void fz_vm_done(struct vm *vm)
{
	device_destroy_all(vm);
	gmem_destroy(&vm->mem);
	evloop_destroy(&vm->loop);
	bus_destroy(&vm->pio);
	bus_destroy(&vm->mmio);
	stats_destroy(&vm->stats);
}

/* Creates the registered device class `name` and records it in
 * vm->devices, as vm_create() does: device_state() finds it (the console
 * and the PCI bus are looked up that way) and fz_vm_done() destroys it.
 * Returns its state (NULL when the class attached nothing) in *state. */
static inline int fz_attach(struct vm *vm, const char *name, void **state)
{
	extern const struct device_class *const __start_gamut_devices[];
	extern const struct device_class *const __stop_gamut_devices[];
	struct gerr err;

	for (const struct device_class *const *c = __start_gamut_devices;
	     c < __stop_gamut_devices; c++) {
		struct vm_device *d;
		void *st = NULL;

		if (strcmp((*c)->name, name))
			continue;
		d = realloc(vm->devices, (vm->nr_devices + 1) * sizeof(*d));
		if (!d)
			return -1;
		vm->devices = d;
		if ((*c)->create(vm, &st, &err) < 0)
			return -1;
		d[vm->nr_devices++] = (struct vm_device){ *c, st };
		if (state)
			*state = st;
		return 0;
	}
	return -1;
}

/* A scratch disk image of `sectors` zeroed sectors (a memfd: nothing on
 * the host disk), the same file for the whole run but emptied and
 * re-sized per call so one input's writes do not reach the next. */
static inline const char *fz_disk(unsigned sectors)
{
	static char path[64];
	static int fd = -1;

	if (fd < 0) {
		fd = memfd_create("fuzz-disk", 0);
		if (fd < 0)
			return NULL;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || ftruncate(fd, (off_t)sectors * 512) < 0)
		return NULL;
	return path;
}

#endif
