/* The ELF parser on good, corrupt and hostile ELF64 images (ELF32:
 * test_boot_elf32.c). */
#include "../harness.h"
#include "boot/elf.h"
#include "test_boot_fixture.h"

static int parse(const uint8_t *b, size_t len, struct elf_image *img, char *msg)
{
	struct gerr err = { "" };
	int r = elf_parse(b, len, img, &err);

	strcpy(msg, err.msg);
	return r;
}

TEST(boot_elf_good)
{
	uint8_t b[FX_ELF_LEN];
	struct elf_image img;
	char msg[512];

	fx_elf(b);
	CHECK(parse(b, sizeof(b), &img, msg) == 0);
	CHECK(img.has_pvh);
	CHECK_EQ(img.pvh_entry, FX_ELF_ENTRY);
	CHECK_EQ(img.nr_seg, 1);
	CHECK_EQ(img.seg[0].paddr, FX_ELF_PADDR);
	CHECK_EQ(img.paddr_lo, FX_ELF_PADDR);
	CHECK_EQ(img.paddr_hi, FX_ELF_PADDR + 0x2000);
}

TEST(boot_elf_note_8byte_desc)
{
	/* Linux writes the entry with _ASM_PTR: an 8-byte descriptor. */
	uint8_t b[FX_ELF_LEN];
	struct elf_image img;
	char msg[512];

	fx_elf(b);
	fx_put32(b + FX_ELF_NOTE + 4, 8);
	fx_put64(b + FX_ELF_NOTE + 16, FX_ELF_ENTRY);
	fx_put64(b + FX_ELF_PH + 56 + 32, 28);
	CHECK(parse(b, sizeof(b), &img, msg) == 0);
	CHECK_EQ(img.pvh_entry, FX_ELF_ENTRY);
}

TEST(boot_elf_no_note)
{
	uint8_t b[FX_ELF_LEN];
	struct elf_image img;
	char msg[512];

	fx_elf(b);
	fx_put32(b + FX_ELF_NOTE + 8, 17); /* another Xen note */
	CHECK(parse(b, sizeof(b), &img, msg) == 0);
	CHECK(!img.has_pvh);
}

TEST(boot_elf_truncated_and_bad_magic)
{
	uint8_t b[FX_ELF_LEN];
	struct elf_image img;
	char msg[512];

	fx_elf(b);
	for (size_t len = 0; len < FX_ELF_LEN; len += 7)
		CHECK(parse(b, len, &img, msg) == -1);
	CHECK(parse(b, 63, &img, msg) == -1 && strstr(msg, "truncated"));
	b[1] = 'X';
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "not an ELF"));
	fx_elf(b);
	b[4] = 3; /* no such class */
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "ELF32 or ELF64"));
	fx_elf(b);
	b[5] = 2; /* big-endian */
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "little-endian"));
	fx_elf(b);
	fx_put16(b + 18, 3); /* i386 */
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "x86-64"));
	fx_elf(b);
	fx_put16(b + 16, 3); /* ET_DYN */
	CHECK(parse(b, sizeof(b), &img, msg) == -1);
}

TEST(boot_elf_phdrs_outside_file)
{
	uint8_t b[FX_ELF_LEN];
	struct elf_image img;
	char msg[512];

	fx_elf(b);
	fx_put64(b + 32, FX_ELF_LEN - 56); /* second phdr past the end */
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "outside the file"));
	fx_put64(b + 32, UINT64_MAX - 8); /* offset + size overflows */
	CHECK(parse(b, sizeof(b), &img, msg) == -1);
	fx_elf(b);
	fx_put16(b + 56, 0xffff); /* PN_XNUM-style count */
	CHECK(parse(b, sizeof(b), &img, msg) == -1);
	fx_elf(b);
	fx_put16(b + 54, 32); /* wrong phentsize */
	CHECK(parse(b, sizeof(b), &img, msg) == -1);
}

TEST(boot_elf_segment_bounds)
{
	uint8_t b[FX_ELF_LEN];
	struct elf_image img;
	char msg[512];
	uint8_t *ph = b + FX_ELF_PH;

	fx_elf(b);
	fx_put64(ph + 32, 0x200); /* filesz past end of file */
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "outside the file"));
	fx_elf(b);
	fx_put64(ph + 8, UINT64_MAX); /* offset wraps */
	CHECK(parse(b, sizeof(b), &img, msg) == -1);
	fx_elf(b);
	fx_put64(ph + 40, 0x80); /* filesz > memsz */
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "exceeds"));
	fx_elf(b);
	fx_put64(ph + 24, UINT64_MAX - 0x100); /* paddr + memsz wraps */
	CHECK(parse(b, sizeof(b), &img, msg) == -1);
}

TEST(boot_elf_overlapping_segments)
{
	uint8_t b[FX_ELF_LEN];
	struct elf_image img;
	char msg[512];

	fx_elf(b);
	/* Turn the note phdr into a second PT_LOAD over the first. */
	memcpy(b + FX_ELF_PH + 56, b + FX_ELF_PH, 56);
	fx_put64(b + FX_ELF_PH + 56 + 24, FX_ELF_PADDR + 0x1000);
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "overlap"));
}

TEST(boot_elf_hostile_notes)
{
	uint8_t b[FX_ELF_LEN];
	struct elf_image img;
	char msg[512];
	const uint32_t sizes[] = { 0xffffffff, 0xfffffffd, 0x80000000, 25, 13 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		fx_elf(b);
		fx_put32(b + FX_ELF_NOTE, sizes[i]); /* namesz */
		CHECK(parse(b, sizeof(b), &img, msg) == -1);
		fx_elf(b);
		fx_put32(b + FX_ELF_NOTE + 4, sizes[i]); /* descsz */
		CHECK(parse(b, sizeof(b), &img, msg) == -1);
	}
	fx_elf(b);
	fx_put32(b + FX_ELF_NOTE + 4, 2); /* PVH desc of 2 bytes */
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "descriptor"));
	fx_elf(b);
	fx_put64(b + FX_ELF_PH + 56 + 32, UINT64_MAX); /* note segment size */
	CHECK(parse(b, sizeof(b), &img, msg) == -1);
	fx_elf(b);
	fx_put32(b + FX_ELF_NOTE + 16, 0x5000000); /* entry outside segments */
	CHECK(parse(b, sizeof(b), &img, msg) == -1 && strstr(msg, "PVH entry"));
}

TEST(boot_elf_load_outside_ram)
{
	static struct vm vm;
	uint8_t b[FX_ELF_LEN];
	struct elf_image img;
	struct gerr err;

	CHECK(fx_vm(&vm, "pvh", 2) == 0);
	fx_elf(b);
	fx_put64(b + FX_ELF_PH + 24, 0x1ff000); /* ends past 2 MiB */
	fx_put32(b + FX_ELF_NOTE + 16, 0x1ff010);
	CHECK(elf_parse(b, sizeof(b), &img, &err) == 0);
	CHECK(elf_load(&vm.mem, b, &img, &err) == -1);
	CHECK(strstr(err.msg, "outside guest RAM"));
	fx_elf(b);
	CHECK(elf_parse(b, sizeof(b), &img, &err) == 0);
	CHECK(elf_load(&vm.mem, b, &img, &err) == 0);
	CHECK(memcmp(gmem_ptr(&vm.mem, FX_ELF_PADDR, 0x100), b + 0x100, 0x100) == 0);
	CHECK(*(const uint8_t *)gmem_ptr(&vm.mem, FX_ELF_PADDR + 0x100, 1) == 0);
	gmem_destroy(&vm.mem);
}

/* The Debian cloud kernel the guest kit extracts, when it has been built. */
TEST(boot_elf_debian_vmlinux)
{
	const char *path = getenv("GAMUT_KIT") ? getenv("GAMUT_KIT") : "build/kit";
	char file[512];
	struct elf_image img;
	struct gerr err;
	uint8_t *buf;
	FILE *f;
	long len;

	snprintf(file, sizeof(file), "%s/vmlinux", path);
	f = fopen(file, "rb");
	if (!f)
		SKIP("no guest kit vmlinux (make guest-kit)");
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len);
	CHECK(buf && fread(buf, 1, (size_t)len, f) == (size_t)len);
	fclose(f);
	CHECK(elf_parse(buf, (size_t)len, &img, &err) == 0);
	free(buf);
	CHECK(img.has_pvh);
	CHECK(img.paddr_lo >= 0x100000);
	CHECK(img.pvh_entry >= img.paddr_lo && img.pvh_entry < img.paddr_hi);
}
