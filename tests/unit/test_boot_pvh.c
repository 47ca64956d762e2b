/* boot_load() through the PVH path: start_info, memory map, module, entry
 * state, and the refusals. */
#include "../harness.h"
#include "boot/boot.h"
#include "boot/pvh.h"
#include "core/layout.h"
#include "test_boot_fixture.h"

static struct vm vm;

static int load_elf(const uint8_t *img, size_t len, const char *initrd,
		    size_t initrd_len, struct x86_state *st, struct gerr *err)
{
	static uint8_t rd[64 << 10];

	vm.cfg.kernel = fx_file(0, img, len);
	if (initrd) {
		memset(rd, 0xa5, sizeof(rd));
		vm.cfg.initrd = fx_file(1, rd, initrd_len);
	}
	return boot_load(&vm, st, err);
}

TEST(boot_pvh_start_info)
{
	uint8_t b[FX_ELF_LEN];
	struct x86_state st;
	struct gerr err = { "" };
	struct hvm_start_info si;
	struct hvm_modlist_entry mod;
	struct hvm_memmap_table_entry mm[8];
	char cmd[64];

	CHECK(fx_vm(&vm, "pvh", 64) == 0);
	fx_elf(b);
	CHECK(load_elf(b, sizeof(b), "x", 10000, &st, &err) == 0);
	CHECK(gmem_read(&vm.mem, LAYOUT_PVH_START_INFO, &si, sizeof(si)) == 0);
	CHECK_EQ(si.magic, 0x336ec578);
	CHECK_EQ(si.version, 1);
	CHECK_EQ(si.nr_modules, 1);
	CHECK_EQ(si.rsdp_paddr, LAYOUT_ACPI);
	CHECK(gmem_read(&vm.mem, si.cmdline_paddr, cmd, sizeof(cmd)) == 0);
	CHECK(!strcmp(cmd, "console=ttyS0"));
	CHECK(gmem_read(&vm.mem, si.modlist_paddr, &mod, sizeof(mod)) == 0);
	CHECK_EQ(mod.size, 10000);
	CHECK_EQ(mod.paddr % 4096, 0);
	CHECK(mod.paddr >= FX_ELF_PADDR + 0x2000);
	CHECK(mod.paddr + mod.size <= 64ull << 20);
	CHECK_EQ(*(const uint8_t *)gmem_ptr(&vm.mem, mod.paddr + 9999, 1), 0xa5);
	CHECK_EQ(si.memmap_entries, 4);
	CHECK(gmem_read(&vm.mem, si.memmap_paddr, mm, 4 * sizeof(mm[0])) == 0);
	CHECK(mm[0].addr == 0 && mm[0].size == 0x9fc00 && mm[0].type == 1);
	CHECK(mm[1].addr == 0x9fc00 && mm[1].type == 2);
	CHECK(mm[2].addr == 0xe0000 && mm[2].size == 0x20000 && mm[2].type == 3);
	CHECK(mm[3].addr == 0x100000 && mm[3].size == (64ull << 20) - 0x100000 && mm[3].type == 1);
	CHECK(memcmp(gmem_ptr(&vm.mem, LAYOUT_ACPI, 8), "RSD PTR ", 8) == 0);
	gmem_destroy(&vm.mem);
}

TEST(boot_pvh_entry_state)
{
	uint8_t b[FX_ELF_LEN];
	struct x86_state st;
	struct gerr err = { "" };
	uint64_t gdt[6];

	CHECK(fx_vm(&vm, "pvh", 16) == 0);
	fx_elf(b);
	CHECK(load_elf(b, sizeof(b), NULL, 0, &st, &err) == 0);
	CHECK_EQ(st.rip, FX_ELF_ENTRY);
	CHECK_EQ(st.gpr[X86_RBX], LAYOUT_PVH_START_INFO);
	CHECK_EQ(st.cr0 & (X86_CR0_PE | X86_CR0_PG), X86_CR0_PE);
	CHECK_EQ(st.cr4, 0);
	CHECK_EQ(st.efer, 0);
	CHECK_EQ(st.rflags & (X86_RFLAGS_IF | (1u << 8) | (1u << 17)), 0);
	CHECK(st.seg[X86_CS].db && !st.seg[X86_CS].l && st.seg[X86_CS].type == 0xb);
	CHECK(st.seg[X86_CS].base == 0 && st.seg[X86_CS].limit == 0xffffffff);
	for (int s = X86_ES; s <= X86_DS; s++) {
		if (s == X86_CS)
			continue;
		CHECK(st.seg[s].base == 0 && st.seg[s].limit == 0xffffffff);
		CHECK(st.seg[s].type == 0x3 && st.seg[s].db);
	}
	CHECK(st.tr.type == 0xb && !st.tr.s && st.tr.base == 0 && st.tr.limit == 0x67);
	CHECK_EQ(st.gdt.base, LAYOUT_GDT);
	/* The cached descriptors match the GDT in guest memory. */
	CHECK(gmem_read(&vm.mem, LAYOUT_GDT, gdt, sizeof(gdt)) == 0);
	CHECK_EQ(gdt[st.seg[X86_CS].selector >> 3], 0x00cf9b000000ffffull);
	CHECK_EQ(gdt[st.seg[X86_DS].selector >> 3], 0x00cf93000000ffffull);
	CHECK_EQ(gdt[st.tr.selector >> 3], 0x00008b0000000067ull);
	CHECK_EQ(st.gdt.limit + 1u, sizeof(gdt));
	CHECK(memcmp(gmem_ptr(&vm.mem, FX_ELF_PADDR, 0x100), b + 0x100, 0x100) == 0);
	gmem_destroy(&vm.mem);
}

TEST(boot_pvh_refusals)
{
	uint8_t b[FX_ELF_LEN];
	struct x86_state st;
	struct gerr err = { "" };
	static char longcmd[LAYOUT_CMDLINE_MAX + 10];

	CHECK(fx_vm(&vm, "pvh", 16) == 0);
	vm.cfg.kernel = "/nonexistent/vmlinux";
	CHECK(boot_load(&vm, &st, &err) == -1);
	CHECK(strstr(err.msg, "/nonexistent/vmlinux") && strstr(err.msg, "cannot open"));

	memset(b, 'x', sizeof(b));
	vm.cfg.kernel = fx_file(0, b, sizeof(b));
	CHECK(boot_load(&vm, &st, &err) == -1 && strstr(err.msg, "not a kernel"));
	CHECK(strstr(err.msg, vm.cfg.kernel));

	fx_elf(b);
	fx_put32(b + FX_ELF_NOTE + 8, 17);
	CHECK(load_elf(b, sizeof(b), NULL, 0, &st, &err) == -1 && strstr(err.msg, "no PVH entry note"));

	fx_elf(b);
	fx_put64(b + FX_ELF_PH + 24, 0x8000); /* below 1 MiB: our boot area */
	fx_put32(b + FX_ELF_NOTE + 16, 0x8010);
	CHECK(load_elf(b, sizeof(b), NULL, 0, &st, &err) == -1 && strstr(err.msg, "overlaps"));

	fx_elf(b);
	fx_put64(b + FX_ELF_PH + 24, 0x2000000); /* 32 MiB, RAM is 16 */
	fx_put32(b + FX_ELF_NOTE + 16, 0x2000010);
	CHECK(load_elf(b, sizeof(b), NULL, 0, &st, &err) == -1 && strstr(err.msg, "does not fit"));

	fx_elf(b);
	memset(longcmd, 'a', sizeof(longcmd) - 1);
	vm.cfg.cmdline = longcmd;
	CHECK(load_elf(b, sizeof(b), NULL, 0, &st, &err) == -1 && strstr(err.msg, "--cmdline"));
	vm.cfg.cmdline = "x";

	vm.cfg.initrd = "/nonexistent/initrd";
	vm.cfg.kernel = fx_file(0, b, sizeof(b));
	CHECK(boot_load(&vm, &st, &err) == -1 && strstr(err.msg, "initrd /nonexistent/initrd"));
	vm.cfg.initrd = NULL;
	gmem_destroy(&vm.mem);
}

TEST(boot_pvh_initrd_too_big)
{
	uint8_t b[FX_ELF_LEN];
	struct x86_state st;
	struct gerr err = { "" };
	FILE *f;
	const char *rd;

	CHECK(fx_vm(&vm, "pvh", 4) == 0);
	fx_elf(b);
	vm.cfg.kernel = fx_file(0, b, sizeof(b));
	rd = fx_file(1, "", 0);
	CHECK(rd && (f = fopen(rd, "r+")) != NULL);
	CHECK(ftruncate(fileno(f), 5 << 20) == 0); /* 5 MiB into 4 MiB of RAM */
	fclose(f);
	vm.cfg.initrd = rd;
	memset(gmem_ptr_w(&vm.mem, 0, 4 << 20), 0, 4 << 20);
	CHECK(boot_load(&vm, &st, &err) == -1);
	CHECK(strstr(err.msg, rd) && strstr(err.msg, "do not fit"));
	/* Refused before anything was written to guest memory. */
	CHECK_EQ(*(const uint8_t *)gmem_ptr(&vm.mem, FX_ELF_PADDR, 1), 0);
	CHECK_EQ(*(const uint8_t *)gmem_ptr(&vm.mem, LAYOUT_ACPI, 1), 0);
	vm.cfg.initrd = NULL;
	gmem_destroy(&vm.mem);
}

/* BOOT_BIOS modes go through the BIOS loader (src/bios, tested in
 * test_bios.c): the boot vCPU starts at the reset vector. */
TEST(boot_bios_mode_starts_at_reset_vector)
{
	struct x86_state st;
	struct gerr err = { "" };

	CHECK(fx_vm(&vm, "hvm", 4) == 0);
	bus_init(&vm.mmio, "mmio");
	CHECK(boot_load(&vm, &st, &err) == 0);
	CHECK_EQ(st.rip, 0xfff0);
	CHECK_EQ(st.seg[X86_CS].selector, 0xf000);
	CHECK_EQ(st.seg[X86_CS].base, 0xf0000);
	bus_destroy(&vm.mmio);
	stats_destroy(&vm.stats);
	gmem_destroy(&vm.mem);
}

/* The nasm-built test guests (make test-guests) go through the loaders. */
TEST(boot_test_guests_load)
{
	const char *dir = "build/guests/boot";
	const char *pvh[] = { "pvh_entry.elf", "i8042_reset.elf", "smp.elf" };
	char kernel[256], initrd[256];
	struct x86_state st;
	struct gerr err = { "" };

	snprintf(initrd, sizeof(initrd), "%s/initrd.img", dir);
	if (access(initrd, R_OK))
		SKIP("test guests not built (make test-guests)");
	CHECK(fx_vm(&vm, "pvh", 64) == 0);
	vm.cfg.initrd = initrd;
	for (size_t i = 0; i < 3; i++) {
		snprintf(kernel, sizeof(kernel), "%s/%s", dir, pvh[i]);
		vm.cfg.kernel = kernel;
		CHECK(boot_load(&vm, &st, &err) == 0);
		CHECK_EQ(st.rip, 0x100000);
		CHECK_EQ(st.gpr[X86_RBX], LAYOUT_PVH_START_INFO);
	}
	snprintf(kernel, sizeof(kernel), "%s/bzimage64.bin", dir);
	vm.cfg.kernel = kernel;
	CHECK(boot_load(&vm, &st, &err) == 0);
	CHECK_EQ(st.rip, LAYOUT_KERNEL_64 + 0x200);
	/* The 64-bit entry code sits where RIP points. */
	CHECK(!memcmp(gmem_ptr(&vm.mem, st.rip, 3), "\x49\x89\xf7", 3)); /* mov r15, rsi */
	vm.cfg.initrd = NULL;
	gmem_destroy(&vm.mem);
}
