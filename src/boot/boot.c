#include "boot/boot.h"

#include "core/vm.h"

int boot_load(struct vm *vm, struct x86_state *bsp, struct gerr *err)
{
	(void)vm;
	(void)bsp;
	return gerr_set(err, "boot loaders are not built yet");
}
