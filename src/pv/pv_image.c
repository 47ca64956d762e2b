/* The PV image parser.  Every offset and size read from the file is checked
 * against the buffer with overflow-safe arithmetic before it is used. */
#include "pv/pv_image.h"

#include <elf.h>
#include <string.h>

#include "pv/pv_boot.h"

#define PAGE_MASK (PV_PAGE_SIZE - 1)

/* [off, off+size) inside a buffer of len bytes. */
static bool in_buf(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

static int check_ehdr(const Elf64_Ehdr *eh, size_t len, struct gerr *err)
{
	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return gerr_set(err, "not an ELF file, so not a PV image (gamut-pv-cc builds one)");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_X86_64)
		return gerr_set(err, "not a little-endian x86-64 ELF64 file");
	if (eh->e_type != ET_EXEC)
		return gerr_set(err, "not a static executable (ELF type %u)",
				eh->e_type);
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
	    eh->e_phnum > 64)
		return gerr_set(err, "bad program header table (%u entries of %u bytes)",
				eh->e_phnum, eh->e_phentsize);
	if (!in_buf(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), len))
		return gerr_set(err, "program header table runs past the end of the file");
	return 0;
}

static bool name_ok(const char *name)
{
	size_t n = strnlen(name, PV_NAME_MAX);

	if (n == 0 || n == PV_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static int parse_manifest(const uint8_t *d, uint64_t size, struct pv_image *img,
			  struct gerr *err)
{
	struct pv_manifest *m = &img->manifest;
	uint32_t hdr[2];

	if (img->has_manifest)
		return gerr_set(err, "more than one gamut-pv manifest note");
	if (size < sizeof(hdr))
		return gerr_set(err, "gamut-pv manifest note too short");
	memcpy(hdr, d, sizeof(hdr));
	if (hdr[0] != PV_MANIFEST_VERSION)
		return gerr_set(err, "gamut-pv manifest version %u (expected %u)",
				hdr[0], PV_MANIFEST_VERSION);
	if (hdr[1] > PV_MAX_DEVICES)
		return gerr_set(err, "gamut-pv manifest declares %u devices (at most %d)",
				hdr[1], PV_MAX_DEVICES);
	if (size - sizeof(hdr) < hdr[1] * sizeof(struct pv_manifest_dev))
		return gerr_set(err, "gamut-pv manifest note too short for %u devices",
				hdr[1]);
	memset(m, 0, sizeof(*m));
	m->version = hdr[0];
	m->nr_devices = hdr[1];
	memcpy(m->dev, d + sizeof(hdr), hdr[1] * sizeof(struct pv_manifest_dev));
	for (uint32_t i = 0; i < m->nr_devices; i++) {
		struct pv_manifest_dev *dv = &m->dev[i];

		if (dv->type != PV_DEV_BLOCK && dv->type != PV_DEV_NET)
			return gerr_set(err, "manifest device %u: unknown type %u",
					i, dv->type);
		if (!name_ok(dv->name))
			return gerr_set(err, "manifest device %u: bad name (1-%d of A-Z a-z 0-9 _ -)",
					i, PV_NAME_MAX - 1);
		for (uint32_t j = 0; j < i; j++)
			if (!strcmp(m->dev[j].name, dv->name))
				return gerr_set(err, "manifest declares device '%s' twice",
						dv->name);
	}
	img->has_manifest = true;
	return 0;
}

static int parse_note(uint32_t type, const uint8_t *desc, uint64_t descsz,
		      struct pv_image *img, struct gerr *err)
{
	struct pv_note_abi abi;

	switch (type) {
	case PV_NOTE_ABI:
		if (img->has_abi_note)
			return gerr_set(err, "more than one gamut-pv ABI note");
		if (descsz < sizeof(abi))
			return gerr_set(err, "gamut-pv ABI note too short");
		memcpy(&abi, desc, sizeof(abi));
		img->has_abi_note = true;
		img->abi_version = abi.abi_version;
		return 0;
	case PV_NOTE_MANIFEST:
		return parse_manifest(desc, descsz, img, err);
	default:
		return 0; /* a later ABI's optional note: ignored */
	}
}

/* Walks one PT_NOTE segment's notes (4-byte aligned, as x86-64 linkers emit). */
static int parse_notes(const uint8_t *p, uint64_t size, struct pv_image *img,
		       struct gerr *err)
{
	static const char want[] = PV_NOTE_NAME;
	uint64_t off = 0;

	while (size - off >= 12) {
		uint32_t h[3];
		uint64_t name_off, desc_off, next;

		memcpy(h, p + off, sizeof(h));
		name_off = off + 12;
		desc_off = name_off + (((uint64_t)h[0] + 3) & ~3ull);
		next = desc_off + (((uint64_t)h[1] + 3) & ~3ull);
		if (desc_off > size || h[1] > size - desc_off)
			return gerr_set(err, "ELF note runs past its segment");
		if (h[0] == sizeof(want) && !memcmp(p + name_off, want, sizeof(want)) &&
		    parse_note(h[2], p + desc_off, h[1], img, err) < 0)
			return -1;
		if (next > size)
			break;
		off = next;
	}
	return 0;
}

static int add_segment(const Elf64_Phdr *ph, size_t len, struct pv_image *img,
		       struct gerr *err)
{
	struct pv_segment *s;

	if (ph->p_memsz == 0)
		return 0;
	if (img->nr_segments == PV_IMAGE_MAX_SEGMENTS)
		return gerr_set(err, "more than %d loadable segments",
				PV_IMAGE_MAX_SEGMENTS);
	if (ph->p_filesz > ph->p_memsz || !in_buf(ph->p_offset, ph->p_filesz, len))
		return gerr_set(err, "segment at 0x%llx: file range is invalid",
				(unsigned long long)ph->p_vaddr);
	if (ph->p_vaddr < PV_IMAGE_BASE || ph->p_vaddr + ph->p_memsz < ph->p_vaddr ||
	    ph->p_vaddr + ph->p_memsz > PV_VA_MAX)
		return gerr_set(err, "segment at 0x%llx (+0x%llx) is outside 0x%llx..0x%llx",
				(unsigned long long)ph->p_vaddr,
				(unsigned long long)ph->p_memsz,
				PV_IMAGE_BASE, PV_VA_MAX);
	if ((ph->p_flags & PF_W) && (ph->p_flags & PF_X))
		return gerr_set(err, "segment at 0x%llx is writable and executable (W^X)",
				(unsigned long long)ph->p_vaddr);
	s = &img->seg[img->nr_segments++];
	*s = (struct pv_segment){ ph->p_vaddr, ph->p_memsz, ph->p_filesz,
				  ph->p_offset, ph->p_flags & PF_W, ph->p_flags & PF_X };
	return 0;
}

/* No two segments may share bytes; two that share a page may not make it
 * writable and executable. */
static int check_overlaps(const struct pv_image *img, struct gerr *err)
{
	for (unsigned i = 0; i < img->nr_segments; i++) {
		for (unsigned j = 0; j < i; j++) {
			const struct pv_segment *a = &img->seg[i], *b = &img->seg[j];
			uint64_t a0 = a->vaddr & ~PAGE_MASK, b0 = b->vaddr & ~PAGE_MASK;
			uint64_t a1 = a->vaddr + a->memsz, b1 = b->vaddr + b->memsz;

			if (a->vaddr < b1 && b->vaddr < a1)
				return gerr_set(err, "segments at 0x%llx and 0x%llx overlap",
						(unsigned long long)a->vaddr,
						(unsigned long long)b->vaddr);
			if (a0 < b1 && b0 < a1 && (a->write || b->write) &&
			    (a->exec || b->exec))
				return gerr_set(err, "segments at 0x%llx and 0x%llx share a page that would be writable and executable (W^X)",
						(unsigned long long)a->vaddr,
						(unsigned long long)b->vaddr);
		}
	}
	return 0;
}

static int check_entry(struct pv_image *img, struct gerr *err)
{
	img->lowest = UINT64_MAX;
	img->highest = 0;
	for (unsigned i = 0; i < img->nr_segments; i++) {
		const struct pv_segment *s = &img->seg[i];

		if (s->vaddr < img->lowest)
			img->lowest = s->vaddr;
		if (s->vaddr + s->memsz > img->highest)
			img->highest = s->vaddr + s->memsz;
	}
	for (unsigned i = 0; i < img->nr_segments; i++) {
		const struct pv_segment *s = &img->seg[i];

		if (s->exec && img->entry >= s->vaddr && img->entry < s->vaddr + s->memsz)
			return 0;
	}
	return gerr_set(err, "entry point 0x%llx is not in an executable segment",
			(unsigned long long)img->entry);
}

int pv_image_parse(const void *buf, size_t len, struct pv_image *img,
		   struct gerr *err)
{
	const uint8_t *b = buf;
	Elf64_Ehdr eh;

	memset(img, 0, sizeof(*img));
	if (len >= sizeof(eh))
		memcpy(&eh, b, sizeof(eh));
	if (check_ehdr(&eh, len, err) < 0)
		return -1;
	img->entry = eh.e_entry;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, b + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_NOTE)
			continue;
		if (!in_buf(ph.p_offset, ph.p_filesz, len))
			return gerr_set(err, "note segment runs past the end of the file");
		if (parse_notes(b + ph.p_offset, ph.p_filesz, img, err) < 0)
			return -1;
	}
	if (!img->has_abi_note)
		return gerr_set(err, "not a gamut PV image (no \"%s\" ELF note; build it with gamut-pv-cc)",
				PV_NOTE_NAME);
	if (img->abi_version != PV_ABI_VERSION)
		return gerr_set(err, "built for gamut PV ABI version %u; this gamut runs version %u",
				img->abi_version, PV_ABI_VERSION);
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, b + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_LOAD && add_segment(&ph, len, img, err) < 0)
			return -1;
	}
	if (img->nr_segments == 0)
		return gerr_set(err, "no loadable segments");
	if (check_overlaps(img, err) < 0)
		return -1;
	return check_entry(img, err);
}

int pv_manifest_find(const struct pv_manifest *m, uint32_t type, const char *name)
{
	for (uint32_t i = 0; i < m->nr_devices && i < PV_MAX_DEVICES; i++)
		if (m->dev[i].type == type && !strncmp(m->dev[i].name, name, PV_NAME_MAX))
			return (int)i;
	return -1;
}

bool pv_image_detect(const void *buf, size_t len)
{
	struct pv_image img;
	struct gerr err;

	pv_image_parse(buf, len, &img, &err);
	return img.has_abi_note;
}
