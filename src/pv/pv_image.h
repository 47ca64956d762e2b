/* Parsing a gamut PV image (docs/pv-abi.md section 1): a pure function from
 * the file's bytes to a description, unit-tested and fuzzed without a VM.
 * Nothing here touches guest memory; pv_boot.c loads what this accepts. */
#ifndef GAMUT_PV_PV_IMAGE_H
#define GAMUT_PV_PV_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "gamut/pv_abi.h"

#define PV_IMAGE_MAX_SEGMENTS 16

struct pv_segment {
	uint64_t vaddr;	 /* = guest-physical load address */
	uint64_t memsz;
	uint64_t filesz;
	uint64_t offset; /* in the file; offset + filesz <= file length */
	bool write, exec;
};

struct pv_image {
	bool has_abi_note; /* set as soon as a gamut-pv ABI note is seen */
	uint32_t abi_version;
	uint64_t entry;
	uint64_t lowest, highest; /* [lowest, highest): all segments */
	unsigned nr_segments;
	struct pv_segment seg[PV_IMAGE_MAX_SEGMENTS];
	bool has_manifest;
	struct pv_manifest manifest; /* nr_devices 0 when there is none */
};

/* Checks everything about the image that does not depend on the VM: ELF
 * header, program headers, notes, manifest, W^X and the entry point.  On
 * failure returns -1 with a message that does not name the file (callers
 * prefix it); img->has_abi_note still says whether it was a PV image. */
int pv_image_parse(const void *buf, size_t len, struct pv_image *img,
		   struct gerr *err);

/* The manifest device named `name` of `type`, or -1. */
int pv_manifest_find(const struct pv_manifest *m, uint32_t type,
		     const char *name);

#endif
