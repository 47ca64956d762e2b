/* The PV image parser: what it accepts, and every way it must refuse. */
#include <elf.h>
#include <string.h>

#include "../harness.h"
#include "pv/pv_boot.h"
#include "pv/pv_image.h"
#include "test_pv_fixture.h"

static uint8_t img[PVT_IMG_SIZE];
static struct pv_image pi;
static struct gerr err;

static Elf64_Phdr *phdr(int i)
{
	return (Elf64_Phdr *)(img + PVT_PHDR_OFF) + i;
}

static bool refused(const char *needle)
{
	return pv_image_parse(img, sizeof(img), &pi, &err) < 0 &&
	       strstr(err.msg, needle) != NULL;
}

TEST(pv_image_accepts_sdk_layout)
{
	static const struct pvt_dev devs[] = { { PV_DEV_BLOCK, "data" },
					       { PV_DEV_NET, "lan" } };

	pvt_image(img, devs, 2);
	CHECK(pv_image_parse(img, sizeof(img), &pi, &err) == 0);
	CHECK_EQ(pi.entry, PVT_TEXT_VA);
	CHECK_EQ(pi.nr_segments, 2);
	CHECK(pi.seg[0].exec && !pi.seg[0].write);
	CHECK(pi.seg[1].write && !pi.seg[1].exec);
	CHECK_EQ(pi.highest, PVT_DATA_VA + 0x2000);
	CHECK(pi.has_manifest);
	CHECK_EQ(pi.manifest.nr_devices, 2);
	CHECK_EQ(pv_manifest_find(&pi.manifest, PV_DEV_NET, "lan"), 1);
	CHECK_EQ(pv_manifest_find(&pi.manifest, PV_DEV_BLOCK, "lan"), -1);
	CHECK(pv_image_detect(img, sizeof(img)));
}

TEST(pv_image_refuses_every_truncation)
{
	pvt_image(img, NULL, 0);
	/* Every prefix that cuts a header, note or segment must fail cleanly
	 * (ASan checks that no read goes past len). */
	for (size_t len = 0; len < PVT_DATA_OFF + 16; len++)
		CHECK(pv_image_parse(img, len, &pi, &err) < 0);
}

TEST(pv_image_refuses_other_files)
{
	pvt_image(img, NULL, 0);
	img[0] = 'X';
	CHECK(refused("not an ELF file"));
	CHECK(!pv_image_detect(img, sizeof(img)));
	pvt_image(img, NULL, 0);
	((Elf64_Ehdr *)img)->e_machine = EM_AARCH64;
	CHECK(refused("x86-64"));
	pvt_image(img, NULL, 0);
	((Elf64_Ehdr *)img)->e_type = ET_DYN;
	CHECK(refused("static executable"));
	pvt_image(img, NULL, 0);
	((Elf64_Ehdr *)img)->e_phoff = sizeof(img) - 8;
	CHECK(refused("program header"));
	pvt_image(img, NULL, 0);
	((Elf64_Ehdr *)img)->e_phoff = ~0ull - 8;
	CHECK(refused("program header"));
}

TEST(pv_image_needs_the_note_and_version)
{
	pvt_image(img, NULL, 0);
	img[PVT_NOTE_OFF + 12] = 'G'; /* note name no longer "gamut-pv" */
	CHECK(refused("not a gamut PV image"));
	CHECK(!pv_image_detect(img, sizeof(img)));
	pvt_image(img, NULL, 0);
	img[PVT_ABI_DESC_OFF] = 99;
	CHECK(refused("version 99"));
	CHECK(pv_image_detect(img, sizeof(img))); /* still a PV image */
}

TEST(pv_image_refuses_bad_notes)
{
	pvt_image(img, NULL, 0);
	((uint32_t *)(img + PVT_NOTE_OFF))[1] = 0xfffffff0u; /* descsz */
	CHECK(refused("note runs past"));
	pvt_image(img, NULL, 0);
	phdr(2)->p_filesz = 0x10000;
	CHECK(refused("note segment"));
	pvt_image(img, NULL, 0);
	((uint32_t *)(img + PVT_NOTE_OFF))[1] = 4; /* ABI desc too short */
	CHECK(refused("too short"));
}

TEST(pv_image_refuses_bad_manifests)
{
	static const struct pvt_dev bad_name[] = { { PV_DEV_BLOCK, "da ta" } };
	static const struct pvt_dev twice[] = { { PV_DEV_BLOCK, "d" },
						{ PV_DEV_NET, "d" } };
	static const struct pvt_dev bad_type[] = { { 7, "d" } };
	static const struct pvt_dev one[] = { { PV_DEV_BLOCK, "d" } };

	pvt_image(img, bad_name, 1);
	CHECK(refused("bad name"));
	pvt_image(img, twice, 2);
	CHECK(refused("twice"));
	pvt_image(img, bad_type, 1);
	CHECK(refused("unknown type"));
	pvt_image(img, one, 1);
	((uint32_t *)(img + PVT_NOTE_OFF + 32 + 24))[1] = 9; /* nr_devices */
	CHECK(refused("at most"));
	pvt_image(img, one, 1);
	((uint32_t *)(img + PVT_NOTE_OFF + 32 + 24))[1] = 3;
	CHECK(refused("too short"));
	pvt_image(img, one, 1);
	memset(img + PVT_NOTE_OFF + 32 + 24 + 8 + 8, 'x', PV_NAME_MAX); /* no NUL */
	CHECK(refused("bad name"));
}

TEST(pv_image_enforces_w_xor_x_and_placement)
{
	pvt_image(img, NULL, 0);
	phdr(0)->p_flags = PF_R | PF_W | PF_X;
	CHECK(refused("W^X"));
	pvt_image(img, NULL, 0);
	phdr(1)->p_vaddr = PVT_TEXT_VA + 0x800; /* shares the text page */
	CHECK(refused("W^X"));
	pvt_image(img, NULL, 0);
	phdr(1)->p_vaddr = PVT_TEXT_VA + 8; /* overlaps text bytes */
	CHECK(refused("overlap"));
	pvt_image(img, NULL, 0);
	phdr(0)->p_vaddr = 0x1000; /* over gamut's own frames */
	CHECK(refused("outside"));
	pvt_image(img, NULL, 0);
	phdr(1)->p_vaddr = ~0ull - 0x1000;
	CHECK(refused("outside"));
	pvt_image(img, NULL, 0);
	phdr(1)->p_filesz = 0x3000; /* more file than memory */
	CHECK(refused("file range"));
	pvt_image(img, NULL, 0);
	phdr(0)->p_offset = ~0ull;
	CHECK(refused("file range"));
	pvt_image(img, NULL, 0);
	((Elf64_Ehdr *)img)->e_entry = PVT_DATA_VA;
	CHECK(refused("entry point"));
}
