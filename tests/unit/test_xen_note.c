/* A Xen PV kernel's ELF notes (src/xenpv/xen_note.c): what Linux ships,
 * and the bad notes a hostile or broken kernel file may carry. */
#include "../harness.h"
#include "xenpv/xen_abi.h"
#include "xenpv/xen_note.h"
#include "test_boot_fixture.h"

#define K_PADDR 0x1000000ull
#define K_VBASE 0xffffffff80000000ull
#define K_ENTRY (K_VBASE + K_PADDR + 0x40)
#define K_NOTE	0x200
#define K_LEN	0x1000

struct kfile {
	uint8_t b[K_LEN];
	size_t note_end;
};

static void note(struct kfile *k, uint32_t type, const void *desc, uint32_t len)
{
	uint8_t *p = k->b + k->note_end;

	fx_put32(p, 4);
	fx_put32(p + 4, len);
	fx_put32(p + 8, type);
	memcpy(p + 12, "Xen", 4);
	memcpy(p + 16, desc, len);
	k->note_end += 16 + ((len + 3) & ~3u);
	fx_put64(k->b + 64 + 56 + 32, k->note_end - K_NOTE); /* PT_NOTE filesz */
}

static void note64(struct kfile *k, uint32_t type, uint64_t v)
{
	uint8_t d[8];

	fx_put64(d, v);
	note(k, type, d, 8);
}

static void note_str(struct kfile *k, uint32_t type, const char *s, bool nul)
{
	note(k, type, s, (uint32_t)strlen(s) + nul);
}

/* An ELF64 file shaped like Debian's vmlinux: one PT_LOAD at 16 MiB
 * (virtual = physical + virt_base), and the notes Linux carries. */
static void kernel(struct kfile *k, bool with_version)
{
	uint8_t *ph;

	memset(k, 0, sizeof(*k));
	memcpy(k->b, "\177ELF", 4);
	k->b[4] = 2; k->b[5] = 1; k->b[6] = 1;
	fx_put16(k->b + 16, 2);
	fx_put16(k->b + 18, 62);
	fx_put32(k->b + 20, 1);
	fx_put64(k->b + 24, K_VBASE + K_PADDR);
	fx_put64(k->b + 32, 64);
	fx_put16(k->b + 52, 64);
	fx_put16(k->b + 54, 56);
	fx_put16(k->b + 56, 2);
	ph = k->b + 64;
	fx_put32(ph, 1);
	fx_put64(ph + 8, 0x800);
	fx_put64(ph + 16, K_VBASE + K_PADDR);
	fx_put64(ph + 24, K_PADDR);
	fx_put64(ph + 32, 0x100);
	fx_put64(ph + 40, 0x200000);
	ph += 56;
	fx_put32(ph, 4);
	fx_put64(ph + 8, K_NOTE);
	k->note_end = K_NOTE;
	note_str(k, XEN_ELFNOTE_GUEST_OS, "linux", true);
	if (with_version)
		note_str(k, XEN_ELFNOTE_XEN_VERSION, "xen-3.0", true);
	note64(k, XEN_ELFNOTE_VIRT_BASE, K_VBASE);
	note64(k, XEN_ELFNOTE_PADDR_OFFSET, 0);
	note64(k, XEN_ELFNOTE_ENTRY, K_ENTRY);
	note_str(k, XEN_ELFNOTE_LOADER, "generic", true);
	/* Linux's FEATURES string has no terminating NUL. */
	note_str(k, XEN_ELFNOTE_FEATURES, "!writable_page_tables|pae_pgdir_above_4gb", false);
}

static void supported(struct kfile *k, uint32_t bits)
{
	uint8_t d[4];

	fx_put32(d, bits);
	note(k, XEN_ELFNOTE_SUPPORTED_FEATURES, d, 4);
}

static int parse(struct kfile *k, struct xen_kernel *xk, char *msg)
{
	struct gerr err = { "" };
	int r = xen_kernel_parse(k->b, sizeof(k->b), xk, &err);

	strcpy(msg, err.msg);
	return r;
}

TEST(xen_note_linux_kernel)
{
	struct kfile k;
	struct xen_kernel xk;
	char msg[512];

	kernel(&k, true);
	supported(&k, 1u << XENFEAT_writable_page_tables | 1u << XENFEAT_dom0);
	CHECK(parse(&k, &xk, msg) == 0);
	CHECK_EQ(xk.entry, K_ENTRY);
	CHECK_EQ(xk.virt_base, K_VBASE);
	CHECK_EQ(xk.virt_start, K_VBASE + K_PADDR);
	CHECK_EQ(xk.virt_end, K_VBASE + K_PADDR + 0x200000);
	CHECK_EQ(xk.hypercall_page, 0);
	CHECK_EQ(xk.features_required[0], 1u << XENFEAT_writable_page_tables);
	CHECK(!strcmp(xk.guest_os, "linux"));
	CHECK(xen_kernel_detect(k.b, sizeof(k.b)));
}

TEST(xen_note_not_a_pv_kernel)
{
	struct kfile k;
	struct xen_kernel xk;
	char msg[512];
	uint8_t pvh[FX_ELF_LEN];

	kernel(&k, false); /* a PVH-only kernel has no version note */
	CHECK(!xen_kernel_detect(k.b, sizeof(k.b)));
	CHECK(parse(&k, &xk, msg) < 0);
	CHECK(strstr(msg, "not a Xen PV kernel"));
	fx_elf(pvh);
	CHECK(!xen_kernel_detect(pvh, sizeof(pvh)));
	CHECK(!xen_kernel_detect(k.b, 10)); /* truncated */
}

TEST(xen_note_bad_notes)
{
	struct kfile k;
	struct xen_kernel xk;
	char msg[512];
	char big[300];

	kernel(&k, true);
	note_str(&k, XEN_ELFNOTE_XEN_VERSION, "xen-4.0", true);
	CHECK(parse(&k, &xk, msg) < 0 && strstr(msg, "xen-4.0"));

	kernel(&k, true);
	note_str(&k, XEN_ELFNOTE_LOADER, "elfboot", true);
	CHECK(parse(&k, &xk, msg) < 0 && strstr(msg, "elfboot"));

	kernel(&k, true);
	note(&k, XEN_ELFNOTE_ENTRY, "abc", 3); /* neither 4 nor 8 bytes */
	CHECK(parse(&k, &xk, msg) < 0 && strstr(msg, "3 bytes"));

	kernel(&k, true);
	note64(&k, XEN_ELFNOTE_ENTRY, K_VBASE + 0x10); /* below the image */
	CHECK(parse(&k, &xk, msg) < 0 && strstr(msg, "outside the image"));

	kernel(&k, true);
	note64(&k, XEN_ELFNOTE_HYPERCALL_PAGE, K_VBASE + K_PADDR + 0x123);
	CHECK(parse(&k, &xk, msg) < 0 && strstr(msg, "hypercall page"));

	kernel(&k, true);
	note_str(&k, XEN_ELFNOTE_FEATURES, "!no_such_feature", true);
	CHECK(parse(&k, &xk, msg) < 0 && strstr(msg, "no_such_feature"));

	kernel(&k, true);
	supported(&k, 1u << XENFEAT_dom0); /* requires what it does not support */
	CHECK(parse(&k, &xk, msg) < 0 && strstr(msg, "required features"));

	kernel(&k, true);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	note_str(&k, XEN_ELFNOTE_GUEST_OS, big, true);
	CHECK(parse(&k, &xk, msg) < 0 && strstr(msg, "not a string"));

	kernel(&k, true);
	note64(&k, XEN_ELFNOTE_VIRT_BASE, 0); /* image in the lower half */
	CHECK(parse(&k, &xk, msg) < 0 && strstr(msg, "upper half"));
}

TEST(xen_note_elf32_refused)
{
	uint8_t b[FX_ELF_LEN];
	struct xen_kernel xk;
	struct gerr err = { "" };

	fx_elf32(b);
	CHECK(xen_kernel_parse(b, sizeof(b), &xk, &err) < 0);
	CHECK(strstr(err.msg, "32-bit"));
}
