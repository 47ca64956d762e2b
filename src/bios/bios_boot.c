/* Booting through the legacy BIOS (see bios_boot.h). */
#include "bios/bios_boot.h"

#include <stdlib.h>
#include <string.h>

#include "bios/bios_abi.h"
#include "bios/bios_image.h"
#include "boot/acpi.h"
#include "boot/bzimage.h"
#include "boot/e820.h"
#include "boot/loader.h"
#include "core/layout.h"
#include "core/vm.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* The shared map marks E0000-FFFFF as ACPI data; the BIOS's own 64 KiB in
 * there must never be reclaimed, so it becomes a reserved entry. */
static unsigned bios_e820(const struct guest_mem *mem, struct e820_entry *out)
{
	struct e820_entry e[E820_MAX_ENTRIES];
	unsigned n = e820_build(mem, e), m = 0;

	for (unsigned i = 0; i < n && m + 1 < BIOS_E820_MAX; i++) {
		uint64_t end = e[i].addr + e[i].size;

		if (e[i].addr < BIOS_LOAD_ADDR && end == BIOS_LOAD_ADDR + BIOS_SIZE) {
			out[m++] = (struct e820_entry){ e[i].addr,
							BIOS_LOAD_ADDR - e[i].addr,
							e[i].type };
			out[m++] = (struct e820_entry){ BIOS_LOAD_ADDR, BIOS_SIZE,
							E820_RESERVED };
		} else {
			out[m++] = e[i];
		}
	}
	return m;
}

void bios_info_fill(uint8_t *img, const struct guest_mem *mem)
{
	struct e820_entry e[BIOS_E820_MAX];
	unsigned n = bios_e820(mem, e);
	uint64_t low = e820_low_ram_end(mem), ext = low - LAYOUT_HIGH_MEM;
	uint64_t below16 = low < 16ull << 20 ? low : 16ull << 20;
	uint64_t above16 = low > 16ull << 20 ? (low - (16ull << 20)) >> 16 : 0;

	put32(img + BIOS_OFF_VERSION, BIOS_VERSION);
	put32(img + BIOS_OFF_E820_N, n);
	put32(img + BIOS_OFF_E801_LO, (uint32_t)((below16 - LAYOUT_HIGH_MEM) >> 10));
	put32(img + BIOS_OFF_E801_HI, (uint32_t)(above16 > 0xffff ? 0xffff : above16));
	put32(img + BIOS_OFF_EXT_KIB, (uint32_t)((ext >> 10) > 0xfc00 ? 0xfc00 : ext >> 10));
	put32(img + BIOS_OFF_BASE_KIB, BIOS_BASE_KIB);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *p = img + BIOS_OFF_E820 + 20 * i;

		put64(p, e[i].addr);
		put64(p + 8, e[i].size);
		put32(p + 16, e[i].type);
	}
}

/* The ACPI tables share E0000-FFFFF with the BIOS: they must end below it. */
static int bios_acpi(struct vm *vm, struct gerr *err)
{
	struct acpi_config cfg;
	size_t cap = BIOS_LOAD_ADDR - LAYOUT_ACPI, used = 0;
	uint8_t *buf = malloc(cap);
	int ret;

	if (!buf)
		return gerr_set(err, "ACPI: out of memory");
	/* The BIOS runs only on the PC, whatever the mode record says. */
	acpi_config_for(vm, &cfg);
	cfg.pc = true;
	ret = acpi_build(&cfg, LAYOUT_ACPI, buf, cap, &used, err);
	if (ret == 0 && gmem_write(&vm->mem, LAYOUT_ACPI, buf, used) < 0)
		ret = gerr_set(err, "ACPI: 0x%llx is outside guest RAM",
			       (unsigned long long)LAYOUT_ACPI);
	free(buf);
	return ret;
}

/* The read-only alias of the BIOS at the top of 4 GiB (what a PC's reset
 * vector fetches from); reads come from the copy in low memory. */
static void bios_alias_io(void *opaque, uint64_t off, void *data, unsigned len,
			  bool is_write, int cpu)
{
	struct vm *vm = opaque;

	(void)cpu;
	if (is_write)
		return;
	if (gmem_read(&vm->mem, BIOS_LOAD_ADDR + off, data, len) < 0)
		memset(data, 0xff, len);
}

/* Patches the setup header the kernel's real-mode code reads. */
static int bios_setup_header(struct vm *vm, uint64_t initrd, uint64_t initrd_size,
			     struct gerr *err)
{
	struct guest_mem *m = &vm->mem;
	uint8_t *h = gmem_ptr_w(m, BIOS_SETUP_ADDR, BP_SETUP_HDR_MAX);

	if (!h)
		return gerr_set(err, "BIOS: setup area outside guest RAM");
	h[BP_TYPE_OF_LOADER] = BZ_LOADER_UNKNOWN;
	h[BP_LOADFLAGS] |= BZ_CAN_USE_HEAP;
	put16(h + BP_HEAP_END_PTR, BIOS_HEAP_END);
	put32(h + BP_CMD_LINE_PTR, (uint32_t)LAYOUT_CMDLINE);
	put32(h + BP_RAMDISK_IMAGE, (uint32_t)initrd);
	put32(h + BP_RAMDISK_SIZE, (uint32_t)initrd_size);
	return 0;
}

static int bios_initrd(struct vm *vm, const struct bzimage_info *bz,
		       uint64_t floor, uint64_t *addr, uint64_t *size,
		       struct gerr *err)
{
	uint64_t ceiling = e820_low_ram_end(&vm->mem);

	*addr = *size = 0;
	if (!vm->cfg.initrd)
		return 0;
	if ((uint64_t)bz->initrd_addr_max + 1 < ceiling)
		ceiling = (uint64_t)bz->initrd_addr_max + 1;
	if (boot_initrd_size(vm->cfg.initrd, size, err) < 0 ||
	    boot_initrd_place(vm->cfg.initrd, *size, floor, ceiling, 4096, addr,
			      err) < 0)
		return -1;
	return boot_initrd_load(&vm->mem, vm->cfg.initrd, *addr, *size, err);
}

/* A bzImage started through its 16-bit setup code, as a PC loader does. */
static int bios_kernel_load(struct vm *vm, uint8_t *img, struct gerr *err)
{
	struct boot_file k;
	struct bzimage_info bz;
	uint64_t need, initrd, initrd_size;
	int ret = -1;

	if (boot_file_read(&k, vm->cfg.kernel, vm->mem.ram_size, err) < 0)
		return gerr_prefix(err, "--kernel ");
	if (bzimage_parse(k.data, k.len, &bz, err) < 0) {
		gerr_prefix(err, "--kernel %s: ", k.path);
		goto out;
	}
	need = bz.init_size > bz.kernel_len ? bz.init_size : bz.kernel_len;
	if (bz.setup_size > BIOS_SETUP_MAX) {
		gerr_set(err, "--kernel %s: setup code of %zu bytes is larger than %llu",
			 k.path, bz.setup_size, (unsigned long long)BIOS_SETUP_MAX);
		goto out;
	}
	if (BIOS_KERNEL_ADDR + need > e820_low_ram_end(&vm->mem)) {
		gerr_set(err, "--kernel %s: the kernel needs %llu MiB above 1 MiB; give more --memory",
			 k.path, (unsigned long long)(need >> 20) + 1);
		goto out;
	}
	if (gmem_write(&vm->mem, BIOS_SETUP_ADDR, k.data, bz.setup_size) < 0 ||
	    gmem_write(&vm->mem, BIOS_KERNEL_ADDR, k.data + bz.kernel_off,
		       bz.kernel_len) < 0) {
		gerr_set(err, "--kernel %s: does not fit in guest RAM", k.path);
		goto out;
	}
	if (boot_cmdline_check(vm->cfg.cmdline ? vm->cfg.cmdline : "",
			       bz.cmdline_size, err) < 0 ||
	    boot_cmdline_write(&vm->mem, vm->cfg.cmdline ? vm->cfg.cmdline : "",
			       err) < 0 ||
	    bios_initrd(vm, &bz, (BIOS_KERNEL_ADDR + need + 0xfff) & ~0xfffull,
			&initrd, &initrd_size, err) < 0 ||
	    bios_setup_header(vm, initrd, initrd_size, err) < 0)
		goto out;
	put32(img + BIOS_OFF_FLAGS, BIOS_F_KERNEL);
	put16(img + BIOS_OFF_KSEG, BIOS_SETUP_SEG);
	put16(img + BIOS_OFF_KSP, BIOS_SETUP_SP);
	ret = 0;
out:
	boot_file_free(&k);
	return ret;
}

int bios_boot_load(struct vm *vm, struct x86_state *bsp, struct gerr *err)
{
	uint8_t *img;

	if ((uint64_t)(bios_image_end - bios_image) != BIOS_SIZE)
		return gerr_set(err, "BIOS: the built image is %zu bytes, not 64 KiB",
				(size_t)(bios_image_end - bios_image));
	if (bios_acpi(vm, err) < 0)
		return -1;
	img = gmem_ptr_w(&vm->mem, BIOS_LOAD_ADDR, BIOS_SIZE);
	if (!img)
		return gerr_set(err, "BIOS: 0xf0000 is outside guest RAM");
	memcpy(img, bios_image, BIOS_SIZE);
	bios_info_fill(img, &vm->mem);
	if (vm->cfg.kernel && bios_kernel_load(vm, img, err) < 0)
		return -1;
	if (bus_register(&vm->mmio, BIOS_ALIAS_ADDR, BIOS_SIZE, bios_alias_io, vm,
			 "bios-alias", err) < 0)
		return -1;
	x86_state_reset(bsp);
	bsp->seg[X86_CS].base = BIOS_LOAD_ADDR;
	bsp->rip = BIOS_RESET_IP;
	return 0;
}
