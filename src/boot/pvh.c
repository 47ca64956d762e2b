/* PVH entry for an ELF kernel with XEN_ELFNOTE_PHYS32_ENTRY: load the
 * segments, place the initrd at the top of low RAM, write hvm_start_info v1
 * and enter in 32-bit protected mode with EBX pointing at it. */
#include <string.h>

#include "boot/acpi.h"
#include "boot/e820.h"
#include "boot/elf.h"
#include "boot/loader.h"
#include "boot/pvh.h"
#include "core/layout.h"
#include "core/vm.h"

static int write_start_info(struct vm *vm, uint64_t initrd, uint64_t initrd_size,
			    struct gerr *err)
{
	struct e820_entry map[E820_MAX_ENTRIES];
	unsigned n = e820_build(&vm->mem, map);
	struct hvm_memmap_table_entry mm[E820_MAX_ENTRIES];
	struct hvm_modlist_entry mod = { initrd, initrd_size, 0, 0 };
	struct hvm_start_info si = {
		.magic = HVM_START_MAGIC_VALUE,
		.version = HVM_START_INFO_VERSION,
		.nr_modules = initrd_size ? 1 : 0,
		.modlist_paddr = initrd_size ? LAYOUT_PVH_START_INFO + PVH_MODLIST_OFF : 0,
		.cmdline_paddr = LAYOUT_CMDLINE,
		.rsdp_paddr = LAYOUT_ACPI,
		.memmap_paddr = LAYOUT_PVH_START_INFO + PVH_MEMMAP_OFF,
		.memmap_entries = n,
	};

	for (unsigned i = 0; i < n; i++)
		mm[i] = (struct hvm_memmap_table_entry){ map[i].addr, map[i].size,
							 map[i].type, 0 };
	if (gmem_write(&vm->mem, LAYOUT_PVH_START_INFO, &si, sizeof(si)) < 0 ||
	    gmem_write(&vm->mem, si.memmap_paddr, mm, n * sizeof(mm[0])) < 0 ||
	    (initrd_size && gmem_write(&vm->mem, si.modlist_paddr, &mod, sizeof(mod)) < 0))
		return gerr_set(err, "hvm_start_info: 0x%llx is outside guest RAM",
				(unsigned long long)LAYOUT_PVH_START_INFO);
	return 0;
}

static int check_placement(const struct vm *vm, const struct elf_image *img,
			   struct gerr *err)
{
	if (img->paddr_lo < LAYOUT_HIGH_MEM)
		return gerr_set(err, "kernel segment at 0x%llx overlaps gamut's boot area below 1 MiB",
				(unsigned long long)img->paddr_lo);
	for (unsigned i = 0; i < img->nr_seg; i++)
		if (!gmem_valid(&vm->mem, img->seg[i].paddr, img->seg[i].memsz))
			return gerr_set(err, "kernel segment 0x%llx+0x%llx does not fit in %llu MiB of guest RAM",
					(unsigned long long)img->seg[i].paddr,
					(unsigned long long)img->seg[i].memsz,
					(unsigned long long)(vm->mem.ram_size >> 20));
	return 0;
}

int pvh_load(struct vm *vm, const struct boot_file *k, struct x86_state *bsp,
	     struct gerr *err)
{
	const struct vm_config *cfg = &vm->cfg;
	uint64_t initrd = 0, initrd_size = 0;
	struct elf_image img;

	if (elf_parse(k->data, k->len, &img, err) < 0)
		return gerr_prefix(err, "--kernel %s: ", k->path);
	if (!img.has_pvh)
		return gerr_set(err, "--kernel %s: ELF kernel has no PVH entry note (Xen note type %d); boot a bzImage or a vmlinux built with CONFIG_PVH",
				k->path, ELF_NOTE_XEN_PHYS32_ENTRY);
	if (check_placement(vm, &img, err) < 0)
		return gerr_prefix(err, "--kernel %s: ", k->path);
	if (boot_cmdline_check(cfg->cmdline ? cfg->cmdline : "", LAYOUT_CMDLINE_MAX - 1, err) < 0)
		return -1;
	if (cfg->initrd) {
		if (boot_initrd_size(cfg->initrd, &initrd_size, err) < 0 ||
		    boot_initrd_place(cfg->initrd, initrd_size, img.paddr_hi,
				      e820_low_ram_end(&vm->mem), GMEM_PAGE_SIZE,
				      &initrd, err) < 0)
			return -1;
	}
	/* Everything is checked: now write guest memory. */
	if (elf_load(&vm->mem, k->data, &img, err) < 0)
		return gerr_prefix(err, "--kernel %s: ", k->path);
	if (cfg->initrd && boot_initrd_load(&vm->mem, cfg->initrd, initrd,
					    initrd_size, err) < 0)
		return -1;
	if (boot_cmdline_write(&vm->mem, cfg->cmdline ? cfg->cmdline : "", err) < 0 ||
	    acpi_install(vm, err) < 0 ||
	    write_start_info(vm, initrd, initrd_size, err) < 0 ||
	    boot_gdt_write(&vm->mem, err) < 0)
		return -1;
	boot_state_pvh(bsp, img.pvh_entry, LAYOUT_PVH_START_INFO);
	return 0;
}
