#include "core/device.h"

#include <stdlib.h>
#include <string.h>

#include "core/vm.h"

/* The linker provides these bounds for the "gamut_devices" section. */
extern const struct device_class *const __start_gamut_devices[];
extern const struct device_class *const __stop_gamut_devices[];

int device_create_all(struct vm *vm, struct gerr *err)
{
	size_t n = (size_t)(__stop_gamut_devices - __start_gamut_devices);

	vm->devices = calloc(n ? n : 1, sizeof(*vm->devices));
	if (!vm->devices)
		return gerr_set(err, "devices: out of memory");
	for (int stage = 0; stage < DEVICE_STAGE_NR; stage++) {
		for (size_t i = 0; i < n; i++) {
			const struct device_class *cls = __start_gamut_devices[i];
			void *state = NULL;

			if ((int)cls->stage != stage)
				continue;
			if (cls->create(vm, &state, err) < 0)
				return gerr_prefix(err, "%s: ", cls->name);
			vm->devices[vm->nr_devices++] =
				(struct vm_device){ cls, state };
		}
	}
	return 0;
}

void device_destroy_all(struct vm *vm)
{
	while (vm->nr_devices > 0) {
		struct vm_device *d = &vm->devices[--vm->nr_devices];

		if (d->cls->destroy)
			d->cls->destroy(d->state);
	}
	free(vm->devices);
	vm->devices = NULL;
}

void *device_state(struct vm *vm, const char *name)
{
	for (unsigned i = 0; i < vm->nr_devices; i++)
		if (!strcmp(vm->devices[i].cls->name, name))
			return vm->devices[i].state;
	return NULL;
}
