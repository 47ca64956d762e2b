/* boot_load(): picks the loader from the mode's boot protocols and the
 * kernel file's format. */
#include "boot/boot.h"

#include "bios/bios_boot.h"
#include "boot/bzimage.h"
#include "boot/elf.h"
#include "boot/loader.h"
#include "core/vm.h"
#include "pv/pv_boot.h"
#include "xenpv/xen_dev.h"

static int direct_boot(struct vm *vm, struct x86_state *bsp, struct gerr *err)
{
	const unsigned accepted = vm->cfg.mode->boot;
	struct boot_file k;
	int ret;

	if (!vm->cfg.kernel)
		return gerr_set(err, "no kernel: give --kernel FILE");
	if (boot_file_read(&k, vm->cfg.kernel, vm->mem.ram_size, err) < 0)
		return gerr_prefix(err, "--kernel ");
	if (elf_is_elf(k.data, k.len) && (accepted & BOOT_PVH))
		ret = pvh_load(vm, &k, bsp, err);
	else if (bzimage_is_bzimage(k.data, k.len) && (accepted & BOOT_LINUX64))
		ret = bzimage_boot(vm, &k, bsp, err);
	else
		ret = gerr_set(err, "--kernel %s: not a kernel this mode boots (%s)", k.path,
			       (accepted & (BOOT_PVH | BOOT_LINUX64)) == (BOOT_PVH | BOOT_LINUX64)
				       ? "expected an ELF vmlinux with a PVH note or a bzImage"
			       : accepted & BOOT_PVH ? "expected an ELF vmlinux with a PVH note"
						     : "expected a bzImage");
	boot_file_free(&k);
	return ret;
}

int boot_load(struct vm *vm, struct x86_state *bsp, struct gerr *err)
{
	const unsigned accepted = vm->cfg.mode ? vm->cfg.mode->boot : 0;

	if ((accepted & BOOT_PV) && xen_boot_wanted(vm))
		return xen_boot_load(vm, bsp, err);
	if (accepted & BOOT_PV)
		return pv_boot_load(vm, bsp, err);
	if (accepted & (BOOT_PVH | BOOT_LINUX64))
		return direct_boot(vm, bsp, err);
	if (accepted & BOOT_BIOS)
		return bios_boot_load(vm, bsp, err);
	return gerr_set(err, "no boot protocol for this mode");
}
