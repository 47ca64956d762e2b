/* The ELF parser on good, corrupt and hostile ELF32 i386 images (PVH
 * kernels linked as elf32-i386), and such an image through the PVH loader. */
#include "../harness.h"
#include "boot/boot.h"
#include "boot/elf.h"
#include "core/layout.h"
#include "test_boot_fixture.h"

static int parse(const uint8_t *b, size_t len, struct elf_image *img, char *msg)
{
	struct gerr err = { "" };
	int r = elf_parse(b, len, img, &err);

	strcpy(msg, err.msg);
	return r;
}

#define PH(i) (b + FX_ELF32_PH + 32 * (i))

TEST(boot_elf32_good)
{
	uint8_t b[FX_ELF_LEN];
	struct elf_image img;
	char msg[512];

	fx_elf32(b);
	CHECK(parse(b, sizeof(b), &img, msg) == 0);
	CHECK_EQ(img.bits, 32);
	CHECK(img.has_pvh);
	CHECK_EQ(img.pvh_entry, FX_ELF_ENTRY);
	CHECK_EQ(img.entry, FX_ELF_ENTRY);
	CHECK_EQ(img.nr_seg, 1);
	CHECK_EQ(img.seg[0].offset, 0x100);
	CHECK_EQ(img.seg[0].filesz, 0x100);
	CHECK_EQ(img.seg[0].paddr, FX_ELF_PADDR);
	CHECK_EQ(img.seg[0].memsz, 0x2000);
	CHECK_EQ(img.paddr_lo, FX_ELF_PADDR);
	CHECK_EQ(img.paddr_hi, FX_ELF_PADDR + 0x2000);
	/* An 8-byte PVH descriptor is read the same way in ELF32. */
	fx_put32(b + FX_ELF_NOTE + 4, 8);
	fx_put64(b + FX_ELF_NOTE + 16, FX_ELF_ENTRY);
	fx_put32(PH(1) + 16, 24);
	CHECK(parse(b, sizeof(b), &img, msg) == 0);
	CHECK_EQ(img.pvh_entry, FX_ELF_ENTRY);
}

TEST(boot_elf32_truncated_header_and_identity)
{
	uint8_t b[FX_ELF_LEN];
	struct elf_image img;
	char msg[512];

	fx_elf32(b);
	for (size_t len = 0; len < FX_ELF_LEN; len += 5)
		CHECK(parse(b, len, &img, msg) == -1);
	CHECK(parse(b, 51, &img, msg) == -1 && strstr(msg, "truncated ELF header"));
	/* The header is whole, the program headers are not. */
	CHECK(parse(b, 52, &img, msg) == -1 && strstr(msg, "program headers lie outside"));
	CHECK(parse(b, FX_ELF32_PH + 64 - 1, &img, msg) == -1 &&
	      strstr(msg, "program headers lie outside"));
	fx_put16(b + 18, 62); /* an ELF32 file claiming x86-64 (x32) */
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "ELF32 machine 62 is not i386"));
	fx_elf32(b);
	fx_put16(b + 16, 3); /* ET_DYN */
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "not an executable"));
	fx_elf32(b);
	b[6] = 0; /* version */
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "version 0"));
	/* An ELF64 file claiming i386 stays refused. */
	fx_elf(b);
	fx_put16(b + 18, 3);
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "ELF64 machine 3 is not x86-64"));
}

TEST(boot_elf32_program_headers_outside_file)
{
	uint8_t b[FX_ELF_LEN];
	struct elf_image img;
	char msg[512];

	fx_elf32(b);
	fx_put32(b + 28, FX_ELF_LEN - 32); /* the second past the end */
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "outside the file"));
	fx_put32(b + 28, UINT32_MAX - 8); /* offset + size past 4 GiB */
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "outside the file"));
	fx_elf32(b);
	fx_put16(b + 44, 0);
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "program headers (1.."));
	fx_put16(b + 44, 0xffff);
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "program headers (1.."));
	fx_elf32(b);
	fx_put16(b + 42, 56); /* an ELF64 entry size in an ELF32 file */
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "program header size 56 (expected 32)"));
}

TEST(boot_elf32_segment_bounds)
{
	uint8_t b[FX_ELF_LEN];
	struct elf_image img;
	char msg[512];

	fx_elf32(b);
	fx_put32(PH(0) + 16, 0x200); /* filesz past the end of the file */
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "outside the file"));
	fx_elf32(b);
	fx_put32(PH(0) + 4, UINT32_MAX); /* offset */
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "outside the file"));
	fx_elf32(b);
	fx_put32(PH(0) + 20, 0x80); /* filesz > memsz */
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "exceeds"));
	fx_elf32(b);
	fx_put32(PH(0) + 12, 0xffffff00); /* paddr + memsz past 4 GiB */
	fx_put32(b + FX_ELF_NOTE + 16, 0xffffff10);
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "32-bit address space"));
	fx_put32(PH(0) + 20, UINT32_MAX); /* memsz alone reaches past it */
	fx_put32(PH(0) + 12, 0x100000);
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "32-bit address space"));
	/* Ending exactly at 4 GiB is a valid file; guest RAM decides. */
	fx_elf32(b);
	fx_put32(PH(0) + 12, 0xffffe000);
	fx_put32(b + FX_ELF_NOTE + 16, 0xffffe010);
	CHECK(parse(b, sizeof(b), &img, msg) == 0);
	CHECK_EQ(img.paddr_hi, 1ull << 32);
	/* Two PT_LOADs that overlap. */
	fx_elf32(b);
	memcpy(PH(1), PH(0), 32);
	fx_put32(PH(1) + 12, (uint32_t)FX_ELF_PADDR + 0x1000);
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "overlap"));
}

TEST(boot_elf32_hostile_notes)
{
	uint8_t b[FX_ELF_LEN];
	struct elf_image img;
	char msg[512];
	const uint32_t sizes[] = { 0xffffffff, 0xfffffffd, 0x80000000, 25, 13 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		fx_elf32(b);
		fx_put32(b + FX_ELF_NOTE, sizes[i]); /* namesz */
		CHECK(parse(b, sizeof(b), &img, msg) == -1);
		fx_elf32(b);
		fx_put32(b + FX_ELF_NOTE + 4, sizes[i]); /* descsz */
		CHECK(parse(b, sizeof(b), &img, msg) == -1);
	}
	fx_elf32(b);
	fx_put32(PH(1) + 16, UINT32_MAX); /* note segment size */
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "note segment lies outside"));
	fx_elf32(b);
	fx_put32(PH(1) + 4, FX_ELF_LEN); /* note segment offset at the end */
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "note segment lies outside"));
	fx_elf32(b);
	fx_put32(b + FX_ELF_NOTE + 16, (uint32_t)FX_ELF_PADDR + 0x100); /* in bss, not file */
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "PVH entry"));
	fx_elf32(b);
	fx_put32(b + FX_ELF_NOTE + 8, 17); /* another Xen note: no PVH entry */
	CHECK(parse(b, sizeof(b), &img, msg) == 0 && !img.has_pvh);
}

/* The PVH loader takes the ELF32 image as it takes the ELF64 one. */
TEST(boot_elf32_pvh_load)
{
	static struct vm vm;
	uint8_t b[FX_ELF_LEN];
	struct x86_state st;
	struct gerr err = { "" };

	CHECK(fx_vm(&vm, "pvh", 16) == 0);
	fx_elf32(b);
	vm.cfg.kernel = fx_file(0, b, sizeof(b));
	CHECK(boot_load(&vm, &st, &err) == 0);
	CHECK_EQ(st.rip, FX_ELF_ENTRY);
	CHECK_EQ(st.gpr[X86_RBX], LAYOUT_PVH_START_INFO);
	CHECK(!memcmp(gmem_ptr(&vm.mem, FX_ELF_PADDR, 0x100), b + 0x100, 0x100));
	CHECK_EQ(*(const uint8_t *)gmem_ptr(&vm.mem, FX_ELF_PADDR + 0x1fff, 1), 0);
	/* Outside guest RAM: refused before anything is written. */
	fx_put32(PH(0) + 12, 0x2000000);
	fx_put32(b + FX_ELF_NOTE + 16, 0x2000010);
	vm.cfg.kernel = fx_file(0, b, sizeof(b));
	CHECK(boot_load(&vm, &st, &err) == -1 && strstr(err.msg, "does not fit"));
	gmem_destroy(&vm.mem);
}
