/* The BIOS image, its table and the BIOS boot path (bios_boot_load). The
 * BIOS services themselves run in tests/guests/bios/services.asm. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness.h"
#include "bios/bios_abi.h"
#include "bios/bios_boot.h"
#include "bios/bios_image.h"
#include "boot/bzimage.h"
#include "core/layout.h"
#include "test_boot_fixture.h"
#include "test_pci_vm.h"

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

TEST(bios_image_layout)
{
	const uint8_t *b = bios_image;

	CHECK_EQ(bios_image_end - bios_image, BIOS_SIZE);
	CHECK(!memcmp(b, BIOS_MAGIC, 8));
	CHECK_EQ(rd32(b + BIOS_OFF_VERSION), BIOS_VERSION);
	/* Reset vector: a far jump into segment F000; model byte AT. */
	CHECK_EQ(b[0xfff0], 0xea);
	CHECK_EQ(b[0xfff3] | b[0xfff4] << 8, 0xf000);
	CHECK_EQ(b[0xfffe], 0xfc);
	/* The table gamut fills is empty in the image itself. */
	CHECK_EQ(rd32(b + BIOS_OFF_E820_N), 0);
	CHECK_EQ(rd32(b + BIOS_OFF_FLAGS), 0);
	/* No "RSD PTR " in the image: the ACPI scan must find ours only. */
	CHECK(memmem(b, BIOS_SIZE, "RSD PTR ", 8) == NULL);
}

static void check_map(const uint8_t *img, uint64_t ram)
{
	uint32_t n = rd32(img + BIOS_OFF_E820_N);
	uint64_t prev_end = 0, total = 0;
	int bios_reserved = 0;

	CHECK(n >= 4 && n <= BIOS_E820_MAX);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = img + BIOS_OFF_E820 + 20 * i;
		uint64_t a = rd64(e), l = rd64(e + 8);
		uint32_t t = rd32(e + 16);

		CHECK(a >= prev_end && l > 0);
		prev_end = a + l;
		if (t == 1)
			total += l;
		if (a == BIOS_LOAD_ADDR && l == BIOS_SIZE && t == 2)
			bios_reserved = 1;
		/* RAM never covers the BIOS. */
		CHECK(t != 1 || a + l <= BIOS_LOAD_ADDR || a >= BIOS_LOAD_ADDR + BIOS_SIZE);
	}
	CHECK(bios_reserved);
	CHECK_EQ(total, ram - (0x100000 - 0x9fc00));
}

TEST(bios_table_memory_sizes)
{
	static uint8_t img[BIOS_SIZE];
	struct guest_mem m;
	struct gerr err;

	CHECK(gmem_init(&m, 64 << 20, false, &err) == 0);
	memcpy(img, bios_image, BIOS_SIZE);
	bios_info_fill(img, &m);
	check_map(img, 64 << 20);
	CHECK_EQ(rd32(img + BIOS_OFF_E801_LO), 15 * 1024);
	CHECK_EQ(rd32(img + BIOS_OFF_E801_HI), (64 - 16) * 16);
	CHECK_EQ(rd32(img + BIOS_OFF_EXT_KIB), 63 * 1024);
	CHECK_EQ(rd32(img + BIOS_OFF_BASE_KIB), 639);
	gmem_destroy(&m);
	/* Small machine: under 16 MiB, nothing above. */
	CHECK(gmem_init(&m, 8 << 20, false, &err) == 0);
	bios_info_fill(img, &m);
	check_map(img, 8 << 20);
	CHECK_EQ(rd32(img + BIOS_OFF_E801_LO), 7 * 1024);
	CHECK_EQ(rd32(img + BIOS_OFF_E801_HI), 0);
	gmem_destroy(&m);
}

static int bios_vm(struct testvm *t, uint64_t ram)
{
	if (testvm_init(t, ram, "hvm") < 0)
		return -1;
	t->vm.ncpus = 1;
	return 0;
}

TEST(bios_boot_mbr_path)
{
	struct testvm t;
	struct x86_state st;
	struct gerr err;
	const uint8_t *p;

	CHECK(bios_vm(&t, 32 << 20) == 0);
	CHECK(bios_boot_load(&t.vm, &st, &err) == 0);
	p = gmem_ptr(&t.vm.mem, BIOS_LOAD_ADDR, BIOS_SIZE);
	CHECK(p && !memcmp(p, BIOS_MAGIC, 8));
	CHECK_EQ(rd32(p + BIOS_OFF_FLAGS), 0); /* no kernel: boot the disk */
	check_map(p, 32 << 20);
	CHECK_EQ(st.rip, 0xfff0);
	CHECK_EQ(st.seg[X86_CS].selector, 0xf000);
	CHECK_EQ(st.seg[X86_CS].base, 0xf0000);
	CHECK_EQ(st.cr0 & X86_CR0_PE, 0);
	/* The ACPI RSDP sits in the E0000 scan area, below the BIOS. */
	p = gmem_ptr(&t.vm.mem, LAYOUT_ACPI, BIOS_LOAD_ADDR - LAYOUT_ACPI);
	CHECK(p && memmem(p, BIOS_LOAD_ADDR - LAYOUT_ACPI, "RSD PTR ", 8) != NULL);
	/* The alias below 4 GiB reads the reset vector. */
	CHECK_EQ(testvm_mmio_read(&t, BIOS_ALIAS_ADDR + 0xfff0, 1), 0xea);
	testvm_mmio_write(&t, BIOS_ALIAS_ADDR + 0xfff0, 1, 0);
	CHECK_EQ(testvm_mmio_read(&t, BIOS_ALIAS_ADDR + 0xfff0, 1), 0xea);
	testvm_destroy(&t);
}

TEST(bios_boot_bzimage_through_setup)
{
	static uint8_t bz[FX_BZ_LEN];
	struct testvm t;
	struct x86_state st;
	struct gerr err;
	const uint8_t *h, *info;
	const char *path, *rd;

	fx_bzimage(bz);
	path = fx_file(0, bz, sizeof(bz));
	rd = fx_file(1, "initrd-bytes", 12);
	CHECK(path && rd);
	CHECK(bios_vm(&t, 64 << 20) == 0);
	t.vm.cfg.kernel = path;
	t.vm.cfg.initrd = rd;
	t.vm.cfg.cmdline = "console=ttyS0 root=/dev/sda1";
	CHECK(bios_boot_load(&t.vm, &st, &err) == 0);
	info = gmem_ptr(&t.vm.mem, BIOS_LOAD_ADDR, 0x40);
	CHECK_EQ(rd32(info + BIOS_OFF_FLAGS), BIOS_F_KERNEL);
	CHECK_EQ(info[BIOS_OFF_KSEG] | info[BIOS_OFF_KSEG + 1] << 8, BIOS_SETUP_SEG);
	CHECK_EQ(info[BIOS_OFF_KSP] | info[BIOS_OFF_KSP + 1] << 8, BIOS_SETUP_SP);
	h = gmem_ptr(&t.vm.mem, BIOS_SETUP_ADDR, FX_BZ_SETUP);
	CHECK(h && !memcmp(h + BP_HEADER, "HdrS", 4));
	CHECK_EQ(h[BP_TYPE_OF_LOADER], 0xff);
	CHECK(h[BP_LOADFLAGS] & BZ_CAN_USE_HEAP);
	CHECK_EQ(h[BP_HEAP_END_PTR] | h[BP_HEAP_END_PTR + 1] << 8, BIOS_HEAP_END);
	CHECK_EQ(rd32(h + BP_CMD_LINE_PTR), LAYOUT_CMDLINE);
	CHECK(!strcmp((const char *)gmem_ptr(&t.vm.mem, LAYOUT_CMDLINE, 29),
		      "console=ttyS0 root=/dev/sda1"));
	CHECK_EQ(rd32(h + BP_RAMDISK_SIZE), 12);
	CHECK(!memcmp(gmem_ptr(&t.vm.mem, rd32(h + BP_RAMDISK_IMAGE), 12),
		      "initrd-bytes", 12));
	/* The initrd stays clear of the kernel's init_size. */
	CHECK(rd32(h + BP_RAMDISK_IMAGE) >= BIOS_KERNEL_ADDR + FX_BZ_INIT);
	CHECK(!memcmp(gmem_ptr(&t.vm.mem, BIOS_KERNEL_ADDR, FX_BZ_KERNEL),
		      bz + FX_BZ_SETUP, FX_BZ_KERNEL));
	CHECK_EQ(st.rip, 0xfff0); /* still through the BIOS, in real mode */
	testvm_destroy(&t);
}

TEST(bios_boot_refuses_bad_kernels)
{
	static uint8_t bz[FX_BZ_LEN];
	struct testvm t;
	struct x86_state st;
	struct gerr err;
	const char *path;

	CHECK(bios_vm(&t, 16 << 20) == 0);
	t.vm.cfg.kernel = "/nonexistent/bzImage";
	CHECK(bios_boot_load(&t.vm, &st, &err) == -1);
	CHECK(strstr(err.msg, "/nonexistent/bzImage") != NULL);
	/* Not a bzImage. */
	path = fx_file(0, "just some text, not a kernel at all", 35);
	t.vm.cfg.kernel = path;
	CHECK(bios_boot_load(&t.vm, &st, &err) == -1);
	CHECK(strstr(err.msg, path) != NULL);
	/* Setup larger than the 32 KiB the BIOS layout leaves it. */
	fx_bzimage(bz);
	bz[0x1f1] = 100;
	path = fx_file(0, bz, sizeof(bz));
	CHECK(bios_boot_load(&t.vm, &st, &err) == -1);
	CHECK(strstr(err.msg, path) != NULL);
	/* A kernel whose init_size does not fit in 16 MiB. */
	fx_bzimage(bz);
	fx_put32(bz + 0x260, 64u << 20);
	path = fx_file(0, bz, sizeof(bz));
	CHECK(bios_boot_load(&t.vm, &st, &err) == -1);
	CHECK(strstr(err.msg, "more --memory") != NULL);
	testvm_destroy(&t);
}
