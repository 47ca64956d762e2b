#include "pv/pv_boot.h"

int pv_boot_load(struct vm *vm, struct x86_state *bsp, struct gerr *err)
{
	(void)vm;
	(void)bsp;
	return gerr_set(err, "the PV ABI is not built yet");
}
