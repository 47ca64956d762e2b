#include "boot/elf.h"

#include <string.h>

#include "core/gmem.h"

/* The System V gABI's file and program headers, little-endian. */
#define ELFCLASS32    1
#define ELFCLASS64    2
#define ELFDATA2LSB   1
#define EV_CURRENT    1
#define ET_EXEC	      2
#define EM_386	      3
#define EM_X86_64     62
#define PT_LOAD	      1
#define PT_NOTE	      4
#define ELF_MAX_PHDRS 128

/* Where the two classes keep what the loader reads: ELF32 has 4-byte
 * addresses and offsets and another field order in its program header. */
struct elf_class {
	unsigned bits;		 /* 32 or 64 */
	unsigned word;		 /* bytes of an address or offset */
	unsigned eh_size, ph_size;
	unsigned machine;
	const char *machine_name;
	unsigned e_entry, e_phoff, e_phentsize, e_phnum;
	unsigned p_offset, p_paddr, p_filesz, p_memsz;
};

static const struct elf_class elf32 = {
	32, 4, 52, 32, EM_386, "i386", 24, 28, 42, 44, 4, 12, 16, 20,
};
static const struct elf_class elf64 = {
	64, 8, 64, 56, EM_X86_64, "x86-64", 24, 32, 54, 56, 8, 24, 32, 40,
};

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static uint64_t rdw(const uint8_t *p, const struct elf_class *c) { return c->word == 8 ? rd64(p) : rd32(p); }

/* [off, off+size) lies inside a buffer of `len` bytes, without overflow. */
static bool in_file(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

bool elf_is_elf(const uint8_t *buf, size_t len)
{
	return len >= 4 && !memcmp(buf, "\177ELF", 4);
}

/* The class of a file with the ELF magic, or NULL (with the reason). */
static const struct elf_class *check_header(const uint8_t *b, size_t len,
					    struct gerr *err)
{
	const struct elf_class *c;

	/* The shorter (ELF32) header holds the identification. */
	if (len < elf32.eh_size) {
		gerr_set(err, "truncated ELF header (%zu bytes)", len);
		return NULL;
	}
	if (!elf_is_elf(b, len)) {
		gerr_set(err, "not an ELF file");
		return NULL;
	}
	c = b[4] == ELFCLASS32 ? &elf32 : b[4] == ELFCLASS64 ? &elf64 : NULL;
	if (!c || b[5] != ELFDATA2LSB || b[6] != EV_CURRENT) {
		gerr_set(err, "not a little-endian ELF32 or ELF64 file (class %u, data %u, version %u)",
			 b[4], b[5], b[6]);
		return NULL;
	}
	if (len < c->eh_size) {
		gerr_set(err, "truncated ELF%u header (%zu bytes)", c->bits, len);
		return NULL;
	}
	if (rd16(b + 16) != ET_EXEC) {
		gerr_set(err, "ELF type %u is not an executable", rd16(b + 16));
		return NULL;
	}
	if (rd16(b + 18) != c->machine) {
		gerr_set(err, "ELF%u machine %u is not %s", c->bits, rd16(b + 18),
			 c->machine_name);
		return NULL;
	}
	if (rd16(b + c->e_phentsize) != c->ph_size) {
		gerr_set(err, "ELF program header size %u (expected %u)",
			 rd16(b + c->e_phentsize), c->ph_size);
		return NULL;
	}
	if (rd16(b + c->e_phnum) == 0 || rd16(b + c->e_phnum) > ELF_MAX_PHDRS) {
		gerr_set(err, "ELF has %u program headers (1..%u accepted)",
			 rd16(b + c->e_phnum), ELF_MAX_PHDRS);
		return NULL;
	}
	if (!in_file(rdw(b + c->e_phoff, c), (uint64_t)rd16(b + c->e_phnum) * c->ph_size, len)) {
		gerr_set(err, "ELF program headers lie outside the file");
		return NULL;
	}
	return c;
}

/* Scans one PT_NOTE segment (at `file_off` in the file): records every
 * note named "Xen" and takes the PVH entry from its note.  Each note is
 * namesz, descsz, type, then name and descriptor, each padded to 4. */
static int scan_notes(const uint8_t *p, uint64_t size, uint64_t file_off,
		      struct elf_image *img, struct gerr *err)
{
	uint64_t off = 0;

	while (size - off >= 12) {
		uint64_t namesz = rd32(p + off), descsz = rd32(p + off + 4);
		uint32_t type = rd32(p + off + 8);
		uint64_t name_pad = (namesz + 3) & ~3ull, desc_pad = (descsz + 3) & ~3ull;
		const uint8_t *name = p + off + 12, *desc;

		off += 12;
		if (name_pad > size - off || desc_pad > size - off - name_pad)
			return gerr_set(err, "ELF note (type %u) runs past its segment", type);
		desc = name + name_pad;
		if (namesz == 4 && !memcmp(name, "Xen", 4)) {
			if (img->nr_xen >= ELF_MAX_XEN_NOTES)
				return gerr_set(err, "more than %d Xen ELF notes", ELF_MAX_XEN_NOTES);
			img->xen[img->nr_xen++] = (struct elf_note){
				type, file_off + (uint64_t)(desc - p), descsz };
		}
		if (namesz == 4 && !memcmp(name, "Xen", 4) &&
		    type == ELF_NOTE_XEN_PHYS32_ENTRY) {
			if (descsz != 4 && descsz != 8)
				return gerr_set(err, "PVH entry note has a %llu-byte descriptor (4 or 8 expected)",
						(unsigned long long)descsz);
			img->pvh_entry = descsz == 4 ? rd32(desc) : rd64(desc);
			img->has_pvh = true;
		}
		off += name_pad + desc_pad;
	}
	return 0;
}

static int add_segment(const uint8_t *ph, const struct elf_class *c, size_t len,
		       struct elf_image *img, struct gerr *err)
{
	struct elf_segment s = { rdw(ph + c->p_offset, c), rdw(ph + c->p_filesz, c),
				 rdw(ph + c->p_paddr, c), rdw(ph + c->p_memsz, c) };

	if (s.memsz == 0)
		return 0; /* nothing to place */
	if (img->nr_seg >= ELF_MAX_LOAD)
		return gerr_set(err, "ELF has more than %d loadable segments", ELF_MAX_LOAD);
	if (!in_file(s.offset, s.filesz, len))
		return gerr_set(err, "ELF segment at file offset 0x%llx+0x%llx lies outside the file",
				(unsigned long long)s.offset, (unsigned long long)s.filesz);
	if (s.filesz > s.memsz)
		return gerr_set(err, "ELF segment file size 0x%llx exceeds its memory size 0x%llx",
				(unsigned long long)s.filesz, (unsigned long long)s.memsz);
	/* A 32-bit kernel addresses 4 GiB: its segments end there. */
	if (s.paddr + s.memsz < s.paddr ||
	    (c->bits == 32 && s.paddr + s.memsz > (1ull << 32)))
		return gerr_set(err, "ELF segment at 0x%llx+0x%llx wraps around the %u-bit address space",
				(unsigned long long)s.paddr, (unsigned long long)s.memsz,
				c->bits);
	for (unsigned i = 0; i < img->nr_seg; i++) {
		const struct elf_segment *o = &img->seg[i];

		if (s.paddr < o->paddr + o->memsz && o->paddr < s.paddr + s.memsz)
			return gerr_set(err, "ELF segments at 0x%llx and 0x%llx overlap",
					(unsigned long long)o->paddr,
					(unsigned long long)s.paddr);
	}
	img->seg[img->nr_seg++] = s;
	return 0;
}

static bool entry_in_segment(const struct elf_image *img, uint64_t entry)
{
	for (unsigned i = 0; i < img->nr_seg; i++)
		if (entry >= img->seg[i].paddr &&
		    entry - img->seg[i].paddr < img->seg[i].filesz)
			return true;
	return false;
}

int elf_parse(const uint8_t *buf, size_t len, struct elf_image *img,
	      struct gerr *err)
{
	const struct elf_class *c;
	uint64_t phoff;
	unsigned phnum;

	memset(img, 0, sizeof(*img));
	c = check_header(buf, len, err);
	if (!c)
		return -1;
	img->bits = c->bits;
	img->entry = rdw(buf + c->e_entry, c);
	phoff = rdw(buf + c->e_phoff, c);
	phnum = rd16(buf + c->e_phnum);
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = buf + phoff + (uint64_t)i * c->ph_size;
		uint32_t type = rd32(ph);

		if (type == PT_LOAD && add_segment(ph, c, len, img, err) < 0)
			return -1;
		if (type == PT_NOTE) {
			uint64_t off = rdw(ph + c->p_offset, c), size = rdw(ph + c->p_filesz, c);

			if (!in_file(off, size, len))
				return gerr_set(err, "ELF note segment lies outside the file");
			if (scan_notes(buf + off, size, off, img, err) < 0)
				return -1;
		}
	}
	if (img->nr_seg == 0)
		return gerr_set(err, "ELF has no loadable segment");
	img->paddr_lo = UINT64_MAX;
	for (unsigned i = 0; i < img->nr_seg; i++) {
		if (img->seg[i].paddr < img->paddr_lo)
			img->paddr_lo = img->seg[i].paddr;
		if (img->seg[i].paddr + img->seg[i].memsz > img->paddr_hi)
			img->paddr_hi = img->seg[i].paddr + img->seg[i].memsz;
	}
	if (img->has_pvh && (img->pvh_entry >= (1ull << 32) ||
			     !entry_in_segment(img, img->pvh_entry)))
		return gerr_set(err, "PVH entry 0x%llx is not inside a loaded segment below 4 GiB",
				(unsigned long long)img->pvh_entry);
	return 0;
}

int elf_load(struct guest_mem *mem, const uint8_t *buf,
	     const struct elf_image *img, struct gerr *err)
{
	for (unsigned i = 0; i < img->nr_seg; i++)
		if (!gmem_valid(mem, img->seg[i].paddr, img->seg[i].memsz))
			return gerr_set(err, "ELF segment 0x%llx+0x%llx lies outside guest RAM",
					(unsigned long long)img->seg[i].paddr,
					(unsigned long long)img->seg[i].memsz);
	for (unsigned i = 0; i < img->nr_seg; i++) {
		const struct elf_segment *s = &img->seg[i];
		uint8_t *dst = gmem_ptr_w(mem, s->paddr, s->memsz);

		if (!dst)
			return gerr_set(err, "ELF segment 0x%llx lies outside guest RAM",
					(unsigned long long)s->paddr);
		memcpy(dst, buf + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
	}
	return 0;
}
