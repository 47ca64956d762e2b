/* Linux 64-bit boot protocol for a bzImage: the protected-mode kernel at its
 * load address, the zero page at LAYOUT_BOOT_PARAMS, identity page tables,
 * and entry at load address + 0x200 in long mode with RSI = zero page. */
#include "boot/bzimage.h"

#include <string.h>

#include "boot/acpi.h"
#include "boot/e820.h"
#include "boot/loader.h"
#include "core/layout.h"
#include "core/vm.h"

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void wr32(uint8_t *p, uint32_t v) { wr16(p, (uint16_t)v); wr16(p + 2, (uint16_t)(v >> 16)); }
static void wr64(uint8_t *p, uint64_t v) { wr32(p, (uint32_t)v); wr32(p + 4, (uint32_t)(v >> 32)); }

bool bzimage_is_bzimage(const uint8_t *buf, size_t len)
{
	return len >= BP_HEADER + 4 && rd32(buf + BP_HEADER) == BZ_HDRS_MAGIC;
}

/* The payload's first bytes: the formats the boot protocol names for
 * payload_offset (gzip twice, bzip2, LZMA, XZ, LZ4, ZSTD). */
static bool payload_magic_known(const uint8_t *p)
{
	static const uint8_t magic[][2] = {
		{ 0x1f, 0x8b }, { 0x1f, 0x9e }, { 0x42, 0x5a }, { 0x5d, 0x00 },
		{ 0xfd, 0x37 }, { 0x02, 0x21 }, { 0x28, 0xb5 },
	};

	for (size_t i = 0; i < sizeof(magic) / sizeof(magic[0]); i++)
		if (p[0] == magic[i][0] && p[1] == magic[i][1])
			return true;
	return false;
}

/* Where the setup code ends and the kernel starts, checked against what
 * the header declares: a file cut short, or a setup_sects that does not
 * match the file, would otherwise load the wrong bytes and end in a triple
 * fault with nothing naming the file. */
static int parse_layout(const uint8_t *b, size_t len, struct bzimage_info *bz,
			struct gerr *err)
{
	unsigned sects = b[BP_SETUP_SECTS] ? b[BP_SETUP_SECTS] : 4;
	const char *zero = b[BP_SETUP_SECTS] ? "" : " (0: the boot protocol's 4)";
	uint64_t pm_size = (uint64_t)rd32(b + BP_SYSSIZE) * 16;
	uint32_t pl_off = rd32(b + BP_PAYLOAD_OFFSET), pl_len = rd32(b + BP_PAYLOAD_LENGTH);

	bz->setup_size = ((size_t)sects + 1) * 512;
	if (bz->setup_size >= len)
		return gerr_set(err, "truncated bzImage: setup_sects %u%s declares %zu bytes of setup code, the file has %zu",
				b[BP_SETUP_SECTS], zero, bz->setup_size, len);
	/* The header ends where the jump at 0x200 lands. */
	bz->hdr_end = BP_HEADER + b[BP_JUMP + 1];
	if (bz->hdr_end > BP_SETUP_HDR_MAX)
		bz->hdr_end = BP_SETUP_HDR_MAX;
	if (bz->hdr_end < BP_INIT_SIZE + 4 && bz->version >= 0x020a)
		bz->hdr_end = BP_INIT_SIZE + 4;
	if (bz->hdr_end > bz->setup_size)
		return gerr_set(err, "bzImage setup header runs past its %zu-byte setup code",
				bz->setup_size);
	bz->kernel_off = bz->setup_size;
	bz->kernel_len = len - bz->setup_size;
	if (pm_size == 0)
		return gerr_set(err, "bzImage declares no protected-mode kernel (syssize 0)");
	/* syssize counts 16-byte paragraphs, so the last one may be partial. */
	if (bz->kernel_len + 15 < pm_size)
		return gerr_set(err, "truncated bzImage: setup_sects %u%s and syssize %u declare %llu bytes, the file has %zu",
				b[BP_SETUP_SECTS], zero, rd32(b + BP_SYSSIZE),
				(unsigned long long)(bz->setup_size + pm_size), len);
	if (pl_len == 0)
		return 0; /* no payload declared: nothing more to check */
	bz->payload_off = bz->kernel_off + pl_off;
	bz->payload_len = pl_len;
	if ((uint64_t)pl_off + pl_len > pm_size || (uint64_t)pl_off + 2 > bz->kernel_len)
		return gerr_set(err, "bzImage payload (0x%x bytes at 0x%x) lies outside its 0x%llx-byte kernel",
				pl_len, pl_off, (unsigned long long)pm_size);
	if (!payload_magic_known(b + bz->kernel_off + pl_off))
		return gerr_set(err, "bzImage payload at file offset 0x%llx is not compressed data (%02x %02x): setup_sects %u%s does not match the file, or the file is damaged",
				(unsigned long long)(bz->kernel_off + pl_off),
				b[bz->kernel_off + pl_off], b[bz->kernel_off + pl_off + 1],
				b[BP_SETUP_SECTS], zero);
	return 0;
}

static int parse_placement(const uint8_t *b, struct bzimage_info *bz,
			   struct gerr *err)
{
	bz->relocatable = b[BP_RELOCATABLE] != 0;
	bz->kernel_alignment = rd32(b + BP_KERNEL_ALIGNMENT);
	bz->pref_address = bz->version >= 0x020a ? rd64(b + BP_PREF_ADDRESS) : LAYOUT_HIGH_MEM;
	bz->init_size = bz->version >= 0x020a ? rd32(b + BP_INIT_SIZE) : 0;
	if (bz->init_size < bz->kernel_len)
		bz->init_size = bz->kernel_len;
	bz->initrd_addr_max = rd32(b + BP_INITRD_ADDR_MAX);
	bz->cmdline_size = rd32(b + BP_CMDLINE_SIZE);
	if (bz->relocatable &&
	    (bz->kernel_alignment == 0 || bz->kernel_alignment > (1u << 30) ||
	     (bz->kernel_alignment & (bz->kernel_alignment - 1))))
		return gerr_set(err, "bzImage kernel_alignment 0x%x is not a power of two up to 1 GiB",
				bz->kernel_alignment);
	if (!bz->relocatable && bz->pref_address < LAYOUT_HIGH_MEM)
		return gerr_set(err, "bzImage wants to be loaded at 0x%llx, inside gamut's boot area below 1 MiB",
				(unsigned long long)bz->pref_address);
	if (!bz->relocatable && bz->pref_address >= GMEM_LOW_LIMIT)
		return gerr_set(err, "bzImage wants to be loaded at 0x%llx, above low memory",
				(unsigned long long)bz->pref_address);
	return 0;
}

int bzimage_parse(const uint8_t *b, size_t len, struct bzimage_info *bz,
		  struct gerr *err)
{
	memset(bz, 0, sizeof(*bz));
	if (len < BP_SETUP_HDR_MAX)
		return gerr_set(err, "truncated bzImage (%zu bytes)", len);
	if (!bzimage_is_bzimage(b, len))
		return gerr_set(err, "not a bzImage (no \"HdrS\" setup header)");
	if (rd16(b + BP_BOOT_FLAG) != 0xaa55)
		return gerr_set(err, "bzImage boot flag is 0x%04x, not 0xaa55",
				rd16(b + BP_BOOT_FLAG));
	bz->version = rd16(b + BP_VERSION);
	if (bz->version < BZ_MIN_VERSION)
		return gerr_set(err, "bzImage boot protocol %u.%02u is older than 2.06",
				bz->version >> 8, bz->version & 0xff);
	if (bz->version < 0x020c || !(rd16(b + BP_XLOADFLAGS) & BZ_XLF_KERNEL_64))
		return gerr_set(err, "bzImage (boot protocol %u.%02u) has no 64-bit entry point (XLF_KERNEL_64)",
				bz->version >> 8, bz->version & 0xff);
	if (!(b[BP_LOADFLAGS] & BZ_LOADED_HIGH))
		return gerr_set(err, "bzImage is a zImage (loaded low), not supported");
	if (parse_layout(b, len, bz, err) < 0)
		return -1;
	return parse_placement(b, bz, err);
}

uint64_t bzimage_load_addr(const struct bzimage_info *bz)
{
	uint64_t a = bz->kernel_alignment;

	if (!bz->relocatable)
		return bz->pref_address;
	return (LAYOUT_KERNEL_64 + a - 1) & ~(a - 1);
}

static void fill_e820(uint8_t *bp, const struct guest_mem *mem)
{
	struct e820_entry map[E820_MAX_ENTRIES];
	unsigned n = e820_build(mem, map);

	for (unsigned i = 0; i < n; i++) {
		uint8_t *e = bp + BP_E820_TABLE + 20 * i;

		wr64(e, map[i].addr);
		wr64(e + 8, map[i].size);
		wr32(e + 16, map[i].type);
	}
	bp[BP_E820_ENTRIES] = (uint8_t)n;
}

/* The zero page: the file's setup header, then what the loader fills in. */
static int write_zero_page(struct vm *vm, const uint8_t *file,
			   const struct bzimage_info *bz, uint64_t initrd,
			   uint64_t initrd_size, struct gerr *err)
{
	uint8_t *bp = gmem_ptr_w(&vm->mem, LAYOUT_BOOT_PARAMS, BP_SIZE);

	if (!bp)
		return gerr_set(err, "zero page: 0x%llx is outside guest RAM",
				(unsigned long long)LAYOUT_BOOT_PARAMS);
	memset(bp, 0, BP_SIZE);
	memcpy(bp + BP_SETUP_SECTS, file + BP_SETUP_SECTS, bz->hdr_end - BP_SETUP_SECTS);
	wr16(bp + BP_VID_MODE, 0xffff); /* "normal" */
	bp[BP_TYPE_OF_LOADER] = BZ_LOADER_UNKNOWN;
	bp[BP_LOADFLAGS] |= BZ_CAN_USE_HEAP;
	wr16(bp + BP_HEAP_END_PTR, 0xfe00 - 0x200);
	wr32(bp + BP_CMD_LINE_PTR, (uint32_t)LAYOUT_CMDLINE);
	wr32(bp + BP_RAMDISK_IMAGE, (uint32_t)initrd);
	wr32(bp + BP_RAMDISK_SIZE, (uint32_t)initrd_size);
	wr32(bp + BP_EXT_RAMDISK_IMG, (uint32_t)(initrd >> 32));
	wr32(bp + BP_EXT_RAMDISK_SIZE, (uint32_t)(initrd_size >> 32));
	wr64(bp + BP_ACPI_RSDP_ADDR, LAYOUT_ACPI);
	fill_e820(bp, &vm->mem);
	return 0;
}

static int check_fit(struct vm *vm, const struct boot_file *k,
		     const struct bzimage_info *bz, uint64_t load, struct gerr *err)
{
	uint64_t low_end = e820_low_ram_end(&vm->mem);

	if (load < LAYOUT_HIGH_MEM || load > low_end || bz->init_size > low_end - load)
		return gerr_set(err, "--kernel %s: kernel at 0x%llx needs 0x%llx bytes, more than %llu MiB of low guest RAM",
				k->path, (unsigned long long)load,
				(unsigned long long)bz->init_size,
				(unsigned long long)(low_end >> 20));
	return 0;
}

int bzimage_boot(struct vm *vm, const struct boot_file *k, struct x86_state *bsp,
		 struct gerr *err)
{
	const struct vm_config *cfg = &vm->cfg;
	const char *cmdline = cfg->cmdline ? cfg->cmdline : "";
	uint64_t load, initrd = 0, initrd_size = 0, ceiling;
	struct bzimage_info bz;

	if (bzimage_parse(k->data, k->len, &bz, err) < 0)
		return gerr_prefix(err, "--kernel %s: ", k->path);
	load = bzimage_load_addr(&bz);
	if (check_fit(vm, k, &bz, load, err) < 0 ||
	    boot_cmdline_check(cmdline, bz.cmdline_size, err) < 0)
		return -1;
	if (cfg->initrd) {
		ceiling = e820_low_ram_end(&vm->mem);
		if ((uint64_t)bz.initrd_addr_max + 1 < ceiling)
			ceiling = (uint64_t)bz.initrd_addr_max + 1;
		if (boot_initrd_size(cfg->initrd, &initrd_size, err) < 0 ||
		    boot_initrd_place(cfg->initrd, initrd_size, load + bz.init_size,
				      ceiling, GMEM_PAGE_SIZE, &initrd, err) < 0)
			return -1;
	}
	/* Everything is checked: now write guest memory. */
	if (gmem_write(&vm->mem, load, k->data + bz.kernel_off, bz.kernel_len) < 0)
		return gerr_set(err, "--kernel %s: kernel does not fit at 0x%llx", k->path,
				(unsigned long long)load);
	if (cfg->initrd && boot_initrd_load(&vm->mem, cfg->initrd, initrd,
					    initrd_size, err) < 0)
		return -1;
	if (boot_cmdline_write(&vm->mem, cmdline, err) < 0 ||
	    acpi_install(vm, err) < 0 ||
	    write_zero_page(vm, k->data, &bz, initrd, initrd_size, err) < 0 ||
	    boot_gdt_write(&vm->mem, err) < 0 ||
	    boot_pagetables_write(&vm->mem, err) < 0)
		return -1;
	boot_state_linux64(bsp, load + BZ_ENTRY64_OFF, LAYOUT_BOOT_PARAMS);
	return 0;
}
