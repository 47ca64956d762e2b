#include "boot/elf.h"

#include <string.h>

#include "core/gmem.h"

/* Offsets into the ELF64 file header and program header (System V gABI). */
#define EH_SIZE	      64
#define PH_SIZE	      56
#define ELFCLASS64    2
#define ELFDATA2LSB   1
#define EV_CURRENT    1
#define ET_EXEC	      2
#define EM_X86_64     62
#define PT_LOAD	      1
#define PT_NOTE	      4
#define ELF_MAX_PHDRS 128

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }

/* [off, off+size) lies inside a buffer of `len` bytes, without overflow. */
static bool in_file(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

bool elf_is_elf(const uint8_t *buf, size_t len)
{
	return len >= 4 && !memcmp(buf, "\177ELF", 4);
}

static int check_header(const uint8_t *b, size_t len, struct gerr *err)
{
	if (len < EH_SIZE)
		return gerr_set(err, "truncated ELF header (%zu bytes)", len);
	if (!elf_is_elf(b, len))
		return gerr_set(err, "not an ELF file");
	if (b[4] != ELFCLASS64 || b[5] != ELFDATA2LSB || b[6] != EV_CURRENT)
		return gerr_set(err, "not a little-endian ELF64 file (class %u, data %u, version %u)",
				b[4], b[5], b[6]);
	if (rd16(b + 16) != ET_EXEC)
		return gerr_set(err, "ELF type %u is not an executable", rd16(b + 16));
	if (rd16(b + 18) != EM_X86_64)
		return gerr_set(err, "ELF machine %u is not x86-64", rd16(b + 18));
	if (rd16(b + 54) != PH_SIZE)
		return gerr_set(err, "ELF program header size %u (expected %u)",
				rd16(b + 54), PH_SIZE);
	if (rd16(b + 56) == 0 || rd16(b + 56) > ELF_MAX_PHDRS)
		return gerr_set(err, "ELF has %u program headers (1..%u accepted)",
				rd16(b + 56), ELF_MAX_PHDRS);
	if (!in_file(rd64(b + 32), (uint64_t)rd16(b + 56) * PH_SIZE, len))
		return gerr_set(err, "ELF program headers lie outside the file");
	return 0;
}

/* Scans one PT_NOTE segment for the PVH entry note.  Each note is
 * namesz, descsz, type, then name and descriptor, each padded to 4. */
static int scan_notes(const uint8_t *p, uint64_t size, struct elf_image *img,
		      struct gerr *err)
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

static int add_segment(const uint8_t *ph, size_t len, struct elf_image *img,
		       struct gerr *err)
{
	struct elf_segment s = { rd64(ph + 8), rd64(ph + 32), rd64(ph + 24),
				 rd64(ph + 40) };

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
	if (s.paddr + s.memsz < s.paddr)
		return gerr_set(err, "ELF segment at 0x%llx+0x%llx wraps around the address space",
				(unsigned long long)s.paddr, (unsigned long long)s.memsz);
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
	uint64_t phoff;
	unsigned phnum;

	memset(img, 0, sizeof(*img));
	if (check_header(buf, len, err) < 0)
		return -1;
	img->entry = rd64(buf + 24);
	phoff = rd64(buf + 32);
	phnum = rd16(buf + 56);
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = buf + phoff + (uint64_t)i * PH_SIZE;
		uint32_t type = rd32(ph);

		if (type == PT_LOAD && add_segment(ph, len, img, err) < 0)
			return -1;
		if (type == PT_NOTE) {
			uint64_t off = rd64(ph + 8), size = rd64(ph + 32);

			if (!in_file(off, size, len))
				return gerr_set(err, "ELF note segment lies outside the file");
			if (scan_notes(buf + off, size, img, err) < 0)
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
