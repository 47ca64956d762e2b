/* A strict ELF reader for direct-boot kernels (vmlinux, test guests):
 * ELF64 x86-64, and ELF32 i386 (small PVH kernels are often linked so, the
 * PVH entry being 32-bit code).
 *
 * elf_parse() is pure: it checks the whole file (header, every program
 * header, every note) with overflow-safe bounds and never touches guest
 * memory, so it can be unit-tested and fuzzed on its own.  elf_load() then
 * copies the PT_LOAD segments to their physical addresses. */
#ifndef GAMUT_BOOT_ELF_H
#define GAMUT_BOOT_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define ELF_MAX_LOAD 16 /* PT_LOAD segments accepted */

/* XEN_ELFNOTE_PHYS32_ENTRY (xen/include/public/elfnote.h): name "Xen",
 * descriptor the 32-bit physical PVH entry point. */
#define ELF_NOTE_XEN_PHYS32_ENTRY 18

struct elf_segment {
	uint64_t offset; /* in the file */
	uint64_t filesz;
	uint64_t paddr;
	uint64_t memsz;
};

/* A note named "Xen" (any type): where its descriptor lies in the file.
 * The PV domain builder (src/xenpv/xen_note.c) interprets them. */
#define ELF_MAX_XEN_NOTES 32
struct elf_note {
	uint32_t type;
	uint64_t off;  /* descriptor offset in the file */
	uint64_t size; /* descriptor bytes */
};

struct elf_image {
	unsigned bits;	       /* 32 or 64: the file's class */
	uint64_t entry;	       /* e_entry (virtual; informational) */
	bool has_pvh;
	uint64_t pvh_entry;    /* from the PVH note, < 4 GiB */
	struct elf_segment seg[ELF_MAX_LOAD];
	unsigned nr_seg;
	uint64_t paddr_lo, paddr_hi; /* span of all segments, [lo, hi) */
	struct elf_note xen[ELF_MAX_XEN_NOTES]; /* the "Xen" notes, in file order */
	unsigned nr_xen;
};

/* True when the buffer starts with the ELF magic (cheap format sniffing). */
bool elf_is_elf(const uint8_t *buf, size_t len);

/* Validates a little-endian ELF64 x86-64 or ELF32 i386 executable and
 * fills `img` (the same way for both).  Errors say what is wrong without
 * the file name; the caller prefixes it. */
int elf_parse(const uint8_t *buf, size_t len, struct elf_image *img,
	      struct gerr *err);

struct guest_mem;
/* Copies every segment of a parsed image to guest memory (file bytes, then
 * zeroes up to memsz).  Refuses segments outside guest RAM before writing
 * anything. */
int elf_load(struct guest_mem *mem, const uint8_t *buf,
	     const struct elf_image *img, struct gerr *err);

#endif
