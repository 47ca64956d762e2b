/* The bzImage parser and the Linux 64-bit boot protocol entry. */
#include "../harness.h"
#include "boot/boot.h"
#include "boot/bzimage.h"
#include "core/layout.h"
#include "test_boot_fixture.h"

static struct vm vm;

static int parse(const uint8_t *b, size_t len, struct bzimage_info *bz, char *msg)
{
	struct gerr err = { "" };
	int r = bzimage_parse(b, len, bz, &err);

	strcpy(msg, err.msg);
	return r;
}

TEST(boot_bzimage_parse_good)
{
	static uint8_t b[FX_BZ_LEN];
	struct bzimage_info bz;
	char msg[512];

	fx_bzimage(b);
	CHECK(parse(b, sizeof(b), &bz, msg) == 0);
	CHECK_EQ(bz.version, 0x020f);
	CHECK_EQ(bz.setup_size, FX_BZ_SETUP);
	CHECK_EQ(bz.kernel_off, FX_BZ_SETUP);
	CHECK_EQ(bz.kernel_len, FX_BZ_KERNEL);
	CHECK_EQ(bz.init_size, FX_BZ_INIT);
	CHECK_EQ(bz.hdr_end, 0x26c);
	CHECK_EQ(bzimage_load_addr(&bz), LAYOUT_KERNEL_64);
	/* A relocatable kernel honours kernel_alignment (here 64 MiB). */
	fx_put32(b + 0x230, 0x4000000);
	CHECK(parse(b, sizeof(b), &bz, msg) == 0);
	CHECK_EQ(bzimage_load_addr(&bz), 0x4000000);
	/* A fixed kernel goes at pref_address. */
	b[0x234] = 0;
	fx_put64(b + 0x258, 0x200000);
	CHECK(parse(b, sizeof(b), &bz, msg) == 0);
	CHECK_EQ(bzimage_load_addr(&bz), 0x200000);
}

TEST(boot_bzimage_parse_bad)
{
	static uint8_t b[FX_BZ_LEN];
	struct bzimage_info bz;
	char msg[512];

	fx_bzimage(b);
	for (size_t len = 0; len <= FX_BZ_SETUP; len += 31)
		CHECK(parse(b, len, &bz, msg) == -1);
	CHECK(parse(b, FX_BZ_SETUP, &bz, msg) == -1 && strstr(msg, "truncated"));
	b[0x203] = 'x';
	CHECK(parse(b, sizeof(b), &bz, msg) == -1 && strstr(msg, "HdrS"));
	fx_bzimage(b);
	fx_put16(b + 0x206, 0x0205);
	CHECK(parse(b, sizeof(b), &bz, msg) == -1 && strstr(msg, "older than 2.06"));
	fx_put16(b + 0x206, 0x020a); /* 2.10: has no xloadflags yet */
	CHECK(parse(b, sizeof(b), &bz, msg) == -1 && strstr(msg, "64-bit entry"));
	fx_bzimage(b);
	fx_put16(b + 0x236, 0x2); /* no XLF_KERNEL_64 */
	CHECK(parse(b, sizeof(b), &bz, msg) == -1 && strstr(msg, "64-bit entry"));
	fx_bzimage(b);
	fx_put16(b + 0x1fe, 0);
	CHECK(parse(b, sizeof(b), &bz, msg) == -1 && strstr(msg, "boot flag"));
	fx_bzimage(b);
	b[0x1f1] = 200; /* setup runs past the file */
	CHECK(parse(b, sizeof(b), &bz, msg) == -1 && strstr(msg, "truncated"));
	fx_bzimage(b);
	fx_put32(b + 0x230, 0x300000); /* not a power of two */
	CHECK(parse(b, sizeof(b), &bz, msg) == -1 && strstr(msg, "kernel_alignment"));
	fx_bzimage(b);
	b[0x234] = 0;
	fx_put64(b + 0x258, 0x8000); /* wants our boot area */
	CHECK(parse(b, sizeof(b), &bz, msg) == -1 && strstr(msg, "below 1 MiB"));
	fx_bzimage(b);
	b[0x211] = 0; /* zImage */
	CHECK(parse(b, sizeof(b), &bz, msg) == -1);
}

/* What a loader must not take on trust: the sizes the header declares
 * against the file, and where the payload starts. */
TEST(boot_bzimage_parse_declared_sizes)
{
	static uint8_t b[FX_BZ_LEN], big[512 * 5 + FX_BZ_KERNEL];
	struct bzimage_info bz;
	char msg[512];

	/* Cut short: the kernel the header declares is not all there. */
	fx_bzimage(b);
	CHECK(parse(b, sizeof(b) - 15, &bz, msg) == 0); /* a partial paragraph */
	CHECK(parse(b, sizeof(b) - 16, &bz, msg) == -1);
	CHECK(strstr(msg, "truncated bzImage") && strstr(msg, "syssize"));
	CHECK(parse(b, FX_BZ_SETUP + 1, &bz, msg) == -1 && strstr(msg, "truncated bzImage"));
	/* Longer than declared is fine: a signed kernel carries its signature. */
	fx_put32(b + 0x1f4, (FX_BZ_PAYLOAD + 0x100) / 16);
	CHECK(parse(b, sizeof(b), &bz, msg) == 0);
	CHECK_EQ(bz.kernel_len, FX_BZ_KERNEL);
	fx_put32(b + 0x1f4, 0);
	CHECK(parse(b, sizeof(b), &bz, msg) == -1 && strstr(msg, "syssize 0"));
	fx_put32(b + 0x1f4, 0x10000000); /* 4 GiB of kernel */
	CHECK(parse(b, sizeof(b), &bz, msg) == -1 && strstr(msg, "truncated bzImage"));

	/* setup_sects 0 means 4: here the setup is 2, so the payload is not
	 * where the header says (nor is the declared kernel all there). */
	fx_bzimage(b);
	b[0x1f1] = 0;
	CHECK(parse(b, sizeof(b), &bz, msg) == -1 && strstr(msg, "truncated bzImage"));
	fx_put32(b + 0x1f4, (FX_BZ_PAYLOAD + 0x100) / 16);
	CHECK(parse(b, sizeof(b), &bz, msg) == -1);
	CHECK(strstr(msg, "setup_sects 0 (0: the boot protocol's 4) does not match the file"));
	/* ... and a file whose setup really is 4 sectors is taken as such. */
	memset(big, 0, sizeof(big));
	memcpy(big, b, 1024);
	memcpy(big + 512 * 5, b + FX_BZ_SETUP, FX_BZ_KERNEL);
	fx_put32(big + 0x1f4, FX_BZ_KERNEL / 16);
	CHECK(parse(big, sizeof(big), &bz, msg) == 0);
	CHECK_EQ(bz.setup_size, 512 * 5);
	CHECK_EQ(bz.kernel_off, 512 * 5);

	/* The payload: inside the kernel, and compressed data. */
	fx_bzimage(b);
	fx_put32(b + 0x24c, FX_BZ_KERNEL);
	CHECK(parse(b, sizeof(b), &bz, msg) == -1 && strstr(msg, "payload") && strstr(msg, "outside"));
	fx_put32(b + 0x24c, 0x100);
	fx_put32(b + 0x248, 0xffffffff); /* the sum must not wrap */
	CHECK(parse(b, sizeof(b), &bz, msg) == -1 && strstr(msg, "outside"));
	fx_bzimage(b);
	b[FX_BZ_SETUP + FX_BZ_PAYLOAD] = 0x7f;
	CHECK(parse(b, sizeof(b), &bz, msg) == -1 && strstr(msg, "not compressed data (7f 8b)"));
	CHECK(strstr(msg, "setup_sects 1 does not match"));
	/* Every format boot.rst names. */
	{
		static const uint8_t ok[][2] = { { 0x1f, 0x8b }, { 0x1f, 0x9e }, { 0x42, 0x5a },
						 { 0x5d, 0x00 }, { 0xfd, 0x37 }, { 0x02, 0x21 },
						 { 0x28, 0xb5 } };

		for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
			memcpy(b + FX_BZ_SETUP + FX_BZ_PAYLOAD, ok[i], 2);
			CHECK(parse(b, sizeof(b), &bz, msg) == 0);
		}
	}
	/* No payload declared: nothing to look at. */
	b[FX_BZ_SETUP + FX_BZ_PAYLOAD] = 0;
	fx_put32(b + 0x24c, 0);
	CHECK(parse(b, sizeof(b), &bz, msg) == 0);
}

TEST(boot_bzimage_entry_state)
{
	static uint8_t b[FX_BZ_LEN];
	struct x86_state st;
	struct gerr err = { "" };
	const uint8_t *bp;
	uint64_t pml4e, pdpte, pde;
	uint64_t gdt[6];
	static uint8_t rd[8192];
	char cmd[32];

	CHECK(fx_vm(&vm, "pvh", 128) == 0);
	fx_bzimage(b);
	vm.cfg.kernel = fx_file(0, b, sizeof(b));
	memset(rd, 0x5a, sizeof(rd));
	vm.cfg.initrd = fx_file(1, rd, 5000);
	CHECK(boot_load(&vm, &st, &err) == 0);
	/* Long mode, paging on, interrupts off, RSI = zero page. */
	CHECK_EQ(st.rip, LAYOUT_KERNEL_64 + 0x200);
	CHECK_EQ(st.gpr[X86_RSI], LAYOUT_BOOT_PARAMS);
	CHECK(st.efer & X86_EFER_LMA && st.efer & X86_EFER_LME);
	CHECK(st.cr0 & X86_CR0_PG && st.cr0 & X86_CR0_PE && st.cr4 & X86_CR4_PAE);
	CHECK_EQ(st.rflags & X86_RFLAGS_IF, 0);
	CHECK_EQ(st.seg[X86_CS].selector, 0x10);
	CHECK(st.seg[X86_CS].l && !st.seg[X86_CS].db);
	CHECK(st.seg[X86_DS].selector == 0x18 && st.seg[X86_ES].selector == 0x18 &&
	      st.seg[X86_SS].selector == 0x18);
	CHECK(gmem_read(&vm.mem, st.gdt.base, gdt, sizeof(gdt)) == 0);
	CHECK_EQ(gdt[2], 0x00af9b000000ffffull);
	CHECK_EQ(gdt[3], 0x00cf93000000ffffull);
	/* Identity map: walk it for an address near 4 GiB and the kernel. */
	for (uint64_t va = 0; va < (4ull << 30); va += 0x3ff00000ull) {
		CHECK(gmem_read_u64(&vm.mem, st.cr3 + 8 * ((va >> 39) & 511), &pml4e) == 0);
		CHECK(pml4e & 1);
		CHECK(gmem_read_u64(&vm.mem, (pml4e & ~0xfffull) + 8 * ((va >> 30) & 511), &pdpte) == 0);
		CHECK(pdpte & 1);
		CHECK(gmem_read_u64(&vm.mem, (pdpte & ~0xfffull) + 8 * ((va >> 21) & 511), &pde) == 0);
		CHECK((pde & 0x83) == 0x83);
		CHECK_EQ(pde & ~0x1fffffull & ((1ull << 52) - 1), va & ~0x1fffffull);
	}
	/* Kernel bytes at the load address. */
	CHECK(memcmp(gmem_ptr(&vm.mem, LAYOUT_KERNEL_64, FX_BZ_KERNEL), b + FX_BZ_SETUP, FX_BZ_KERNEL) == 0);
	/* The zero page. */
	bp = gmem_ptr(&vm.mem, LAYOUT_BOOT_PARAMS, 4096);
	CHECK(bp);
	CHECK(!memcmp(bp + 0x202, "HdrS", 4));
	CHECK_EQ(bp[0x210], 0xff);
	CHECK(bp[0x211] & 0x80);
	CHECK_EQ(fx_get32(bp + 0x228), LAYOUT_CMDLINE);
	CHECK(gmem_read(&vm.mem, LAYOUT_CMDLINE, cmd, sizeof(cmd)) == 0);
	CHECK(!strcmp(cmd, "console=ttyS0"));
	CHECK_EQ(fx_get32(bp + 0x21c), 5000);
	CHECK_EQ(fx_get32(bp + 0x218) % 4096, 0);
	CHECK(fx_get32(bp + 0x218) >= LAYOUT_KERNEL_64 + FX_BZ_INIT);
	CHECK(fx_get32(bp + 0x218) + 5000ull <= 128ull << 20);
	CHECK(fx_get32(bp + 0x218) + 5000ull > (128ull << 20) - 8192); /* at the top */
	CHECK_EQ(*(const uint8_t *)gmem_ptr(&vm.mem, fx_get32(bp + 0x218), 1), 0x5a);
	CHECK_EQ(fx_get64(bp + 0x070), LAYOUT_ACPI);
	CHECK_EQ(bp[0x1e8], 4);
	CHECK_EQ(fx_get64(bp + 0x2d0 + 3 * 20), 0x100000);
	CHECK_EQ(fx_get64(bp + 0x2d0 + 3 * 20 + 8), (128ull << 20) - 0x100000);
	CHECK_EQ(fx_get32(bp + 0x2d0 + 3 * 20 + 16), 1);
	vm.cfg.initrd = NULL;
	gmem_destroy(&vm.mem);
}

TEST(boot_bzimage_initrd_addr_max)
{
	static uint8_t b[FX_BZ_LEN];
	struct x86_state st;
	struct gerr err = { "" };
	static uint8_t rd[4096];
	const uint8_t *bp;

	CHECK(fx_vm(&vm, "pvh", 128) == 0);
	fx_bzimage(b);
	fx_put32(b + 0x22c, 0x3ffffff); /* initrd must end below 64 MiB */
	vm.cfg.kernel = fx_file(0, b, sizeof(b));
	vm.cfg.initrd = fx_file(1, rd, sizeof(rd));
	CHECK(boot_load(&vm, &st, &err) == 0);
	bp = gmem_ptr(&vm.mem, LAYOUT_BOOT_PARAMS, 4096);
	CHECK_EQ(fx_get32(bp + 0x218), 0x4000000 - 4096);
	/* A limit below the kernel's end leaves no room at all. */
	fx_put32(b + 0x22c, LAYOUT_KERNEL_64 + 0x1000);
	vm.cfg.kernel = fx_file(0, b, sizeof(b));
	CHECK(boot_load(&vm, &st, &err) == -1 && strstr(err.msg, "do not fit"));
	vm.cfg.initrd = NULL;
	gmem_destroy(&vm.mem);
}

TEST(boot_bzimage_refusals)
{
	static uint8_t b[FX_BZ_LEN];
	struct x86_state st;
	struct gerr err = { "" };
	char cmd[2100];

	CHECK(fx_vm(&vm, "pvh", 16) == 0);
	fx_bzimage(b);
	fx_put32(b + 0x260, 0x2000000); /* init_size 32 MiB: 16 MiB RAM */
	vm.cfg.kernel = fx_file(0, b, sizeof(b));
	CHECK(boot_load(&vm, &st, &err) == -1 && strstr(err.msg, "needs"));
	CHECK(strstr(err.msg, vm.cfg.kernel));
	gmem_destroy(&vm.mem);

	CHECK(fx_vm(&vm, "pvh", 64) == 0);
	fx_bzimage(b);
	memset(cmd, 'c', sizeof(cmd) - 1);
	cmd[2047] = 0; /* 2047 bytes: the limit */
	vm.cfg.cmdline = cmd;
	vm.cfg.kernel = fx_file(0, b, sizeof(b));
	CHECK(boot_load(&vm, &st, &err) == 0);
	cmd[2047] = 'c';
	cmd[2048] = 0;
	CHECK(boot_load(&vm, &st, &err) == -1 && strstr(err.msg, "--cmdline"));
	fx_put16(b + 0x206, 0x0204);
	vm.cfg.kernel = fx_file(0, b, sizeof(b));
	CHECK(boot_load(&vm, &st, &err) == -1 && strstr(err.msg, "older than 2.06"));
	CHECK(strstr(err.msg, vm.cfg.kernel));
	gmem_destroy(&vm.mem);
}

/* The Debian cloud kernel the guest kit fetched, when it has been built:
 * accepted whole, refused cut short or with setup_sects 0 (which makes
 * the setup 4 sectors long, not the file's). */
TEST(boot_bzimage_debian)
{
	const char *kit = getenv("GAMUT_KIT") ? getenv("GAMUT_KIT") : "build/kit";
	char file[512];
	struct bzimage_info bz;
	struct gerr err;
	uint8_t *img;
	long n;
	FILE *f;

	snprintf(file, sizeof(file), "%s/bzImage", kit);
	f = fopen(file, "rb");
	if (!f)
		SKIP("no guest kit bzImage (make guest-kit)");
	CHECK(fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0);
	rewind(f);
	img = malloc((size_t)n);
	CHECK(img && fread(img, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	CHECK(bzimage_parse(img, (size_t)n, &bz, &err) == 0);
	CHECK(bz.version >= 0x020c);
	CHECK(bz.relocatable);
	CHECK(bz.cmdline_size >= 255);
	CHECK(bz.init_size > bz.kernel_len);
	CHECK(bzimage_parse(img, 64 << 10, &bz, &err) == -1 && strstr(err.msg, "truncated bzImage"));
	CHECK(bzimage_parse(img, (size_t)n / 2, &bz, &err) == -1 && strstr(err.msg, "syssize"));
	img[0x1f1] = 0;
	CHECK(bzimage_parse(img, (size_t)n, &bz, &err) == -1);
	CHECK(strstr(err.msg, "setup_sects 0 (0: the boot protocol's 4) does not match"));
	free(img);
}
