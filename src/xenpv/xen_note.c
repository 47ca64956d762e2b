/* Interpreting a kernel's Xen ELF notes (xen/elfnote.h; the FEATURES
 * string syntax is described there too: names separated by '|', a '!'
 * marking a feature the kernel cannot run without). */
#include "xenpv/xen_note.h"

#include <string.h>

#include "xenpv/xen_abi.h"

static uint64_t rd_le(const uint8_t *p, uint64_t n)
{
	uint64_t v = 0;

	for (uint64_t i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

/* A numeric note: 4 or 8 bytes, little-endian. */
static int note_num(const uint8_t *buf, const struct elf_note *n, uint64_t *v,
		    struct gerr *err)
{
	if (n->size != 4 && n->size != 8)
		return gerr_set(err, "Xen note %u has %llu bytes (4 or 8 expected)",
				n->type, (unsigned long long)n->size);
	*v = rd_le(buf + n->off, n->size);
	return 0;
}

/* A string note: up to its descriptor's end or a NUL (Linux's FEATURES
 * note has none: its length is the string's). */
static int note_str(const uint8_t *buf, const struct elf_note *n, char *out,
		    size_t cap, struct gerr *err)
{
	const uint8_t *p = buf + n->off;
	size_t len = strnlen((const char *)p, n->size);

	if (len >= cap)
		return gerr_set(err, "Xen note %u is not a string of under %zu bytes",
				n->type, cap);
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

static const struct {
	const char *name;
	unsigned bit;
} feature_names[] = {
	{ "writable_page_tables", XENFEAT_writable_page_tables },
	{ "writable_descriptor_tables", XENFEAT_writable_descriptor_tables },
	{ "auto_translated_physmap", XENFEAT_auto_translated_physmap },
	{ "supervisor_mode_kernel", XENFEAT_supervisor_mode_kernel },
	{ "pae_pgdir_above_4gb", XENFEAT_pae_pgdir_above_4gb },
	{ "hvm_callback_vector", XENFEAT_hvm_callback_vector },
	{ "dom0", XENFEAT_dom0 },
};

static int parse_features(const char *s, struct xen_kernel *k, struct gerr *err)
{
	while (*s) {
		size_t len = strcspn(s, "|");
		bool required = *s == '!';
		const char *name = s + required;
		size_t nlen = len - required;
		bool known = false;

		for (size_t i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]); i++) {
			if (strlen(feature_names[i].name) == nlen &&
			    !memcmp(feature_names[i].name, name, nlen)) {
				known = true;
				if (required)
					k->features_required[0] |= 1u << feature_names[i].bit;
			}
		}
		/* An unknown feature the kernel merely supports is fine; one
		 * it requires cannot be provided. */
		if (!known && required)
			return gerr_set(err, "the kernel requires Xen feature '%.*s', which gamut does not know",
					(int)nlen, name);
		s += len + (s[len] == '|');
	}
	return 0;
}

static int apply_note(const uint8_t *buf, const struct elf_note *n,
		      struct xen_kernel *k, bool *have_entry, bool *have_version,
		      bool *have_paddr, struct gerr *err)
{
	char str[256];
	uint64_t v;

	switch (n->type) {
	case XEN_ELFNOTE_ENTRY:
		*have_entry = true;
		return note_num(buf, n, &k->entry, err);
	case XEN_ELFNOTE_HYPERCALL_PAGE:
		return note_num(buf, n, &k->hypercall_page, err);
	case XEN_ELFNOTE_VIRT_BASE:
		return note_num(buf, n, &k->virt_base, err);
	case XEN_ELFNOTE_PADDR_OFFSET:
		*have_paddr = true;
		return note_num(buf, n, &k->paddr_offset, err);
	case XEN_ELFNOTE_INIT_P2M:
		return note_num(buf, n, &k->init_p2m, err);
	case XEN_ELFNOTE_MOD_START_PFN:
		if (note_num(buf, n, &v, err) < 0)
			return -1;
		k->mod_start_pfn = v != 0;
		return 0;
	case XEN_ELFNOTE_SUPPORTED_FEATURES:
		if (n->size != 4)
			return gerr_set(err, "Xen SUPPORTED_FEATURES note has %llu bytes (4 expected)",
					(unsigned long long)n->size);
		k->features_supported[0] = (uint32_t)rd_le(buf + n->off, 4);
		return 0;
	case XEN_ELFNOTE_XEN_VERSION:
		if (note_str(buf, n, str, sizeof(str), err) < 0)
			return -1;
		if (strcmp(str, "xen-3.0"))
			return gerr_set(err, "the kernel is for Xen ABI '%s' (gamut speaks xen-3.0)", str);
		*have_version = true;
		return 0;
	case XEN_ELFNOTE_GUEST_OS:
		return note_str(buf, n, k->guest_os, sizeof(k->guest_os), err);
	case XEN_ELFNOTE_LOADER:
		if (note_str(buf, n, str, sizeof(str), err) < 0)
			return -1;
		if (strcmp(str, "generic"))
			return gerr_set(err, "the kernel wants Xen loader '%s' (gamut's is 'generic')", str);
		return 0;
	case XEN_ELFNOTE_FEATURES:
		if (note_str(buf, n, str, sizeof(str), err) < 0)
			return -1;
		return parse_features(str, k, err);
	case XEN_ELFNOTE_PAE_MODE:
		return 0; /* "yes" or "bimodal": both mean PAE, all a 64-bit kernel has */
	default:
		return 0; /* informational, or for other guest types (PVH entry) */
	}
}

static void find_notes(const uint8_t *buf, const struct elf_image *img,
		       bool *entry, bool *version)
{
	*entry = *version = false;
	for (unsigned i = 0; i < img->nr_xen; i++) {
		const struct elf_note *n = &img->xen[i];

		if (n->type == XEN_ELFNOTE_ENTRY && (n->size == 4 || n->size == 8))
			*entry = true;
		if (n->type == XEN_ELFNOTE_XEN_VERSION && n->size >= 8 &&
		    !memcmp(buf + n->off, "xen-3.0", 8))
			*version = true;
	}
}

bool xen_kernel_detect(const uint8_t *buf, size_t len)
{
	struct elf_image img;
	struct gerr err;
	bool entry, version;

	if (!elf_is_elf(buf, len) || elf_parse(buf, len, &img, &err) < 0)
		return false;
	find_notes(buf, &img, &entry, &version);
	return entry && version;
}

int xen_kernel_parse(const uint8_t *buf, size_t len, struct xen_kernel *k,
		     struct gerr *err)
{
	bool have_entry = false, have_version = false, have_paddr = false;
	memset(k, 0, sizeof(*k));
	if (elf_parse(buf, len, &k->elf, err) < 0)
		return -1;
	if (k->elf.bits != 64)
		return gerr_set(err, "a 32-bit kernel: gamut runs 64-bit PV guests only");
	for (unsigned i = 0; i < k->elf.nr_xen; i++)
		if (apply_note(buf, &k->elf.xen[i], k, &have_entry, &have_version,
			       &have_paddr, err) < 0)
			return -1;
	if (!have_entry || !have_version)
		return gerr_set(err, "no Xen PV entry note and xen-3.0 version note: not a Xen PV kernel");
	if (!have_paddr)
		k->paddr_offset = k->virt_base;
	/* A '!' feature must be one the kernel also lists as supported, the
	 * only check Xen's toolstack makes of them: the runtime features a
	 * domain gets are what XENVER_get_features says. */
	if (k->features_supported[0] &&
	    (k->features_required[0] & ~k->features_supported[0]))
		return gerr_set(err, "Xen notes: required features 0x%x are not among the supported 0x%x",
				k->features_required[0], k->features_supported[0]);
	if (k->virt_base < k->paddr_offset && k->paddr_offset - k->virt_base > k->elf.paddr_lo)
		return gerr_set(err, "Xen notes: paddr offset 0x%llx above virt base 0x%llx",
				(unsigned long long)k->paddr_offset,
				(unsigned long long)k->virt_base);
	k->virt_start = k->elf.paddr_lo - k->paddr_offset + k->virt_base;
	k->virt_end = k->elf.paddr_hi - k->paddr_offset + k->virt_base;
	if (k->virt_start < (1ull << 63) || k->virt_end < k->virt_start ||
	    k->virt_end > 0xffffffffffe00000ull)
		return gerr_set(err, "Xen notes: kernel image 0x%llx..0x%llx is not in the upper half of the address space",
				(unsigned long long)k->virt_start,
				(unsigned long long)k->virt_end);
	if (k->entry < k->virt_start || k->entry >= k->virt_end)
		return gerr_set(err, "Xen entry 0x%llx lies outside the image 0x%llx..0x%llx",
				(unsigned long long)k->entry,
				(unsigned long long)k->virt_start,
				(unsigned long long)k->virt_end);
	if (k->hypercall_page && (k->hypercall_page < k->virt_start ||
				  k->hypercall_page >= k->virt_end ||
				  (k->hypercall_page & 0xfff)))
		return gerr_set(err, "Xen hypercall page 0x%llx is not a page inside the image",
				(unsigned long long)k->hypercall_page);
	return 0;
}
