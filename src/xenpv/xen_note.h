/* A Xen PV kernel as its ELF notes describe it (Xen's public elfnote.h):
 * where it wants to be mapped, where it starts, what it needs from the
 * hypervisor.  xen_kernel_parse() is pure (no guest memory), so it is
 * unit-tested and fuzzed on its own. */
#ifndef GAMUT_XEN_XEN_NOTE_H
#define GAMUT_XEN_XEN_NOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/elf.h"
#include "core/err.h"

struct xen_kernel {
	struct elf_image elf;
	uint64_t virt_base;	 /* XEN_ELFNOTE_VIRT_BASE */
	uint64_t paddr_offset;	 /* XEN_ELFNOTE_PADDR_OFFSET (default: virt_base) */
	uint64_t entry;		 /* XEN_ELFNOTE_ENTRY, virtual */
	uint64_t hypercall_page; /* virtual; 0 when the kernel has none */
	uint64_t init_p2m;	 /* XEN_ELFNOTE_INIT_P2M; 0: none */
	bool mod_start_pfn;	 /* XEN_ELFNOTE_MOD_START_PFN */
	uint32_t features_required[1]; /* XENFEAT_* bits, '!' in FEATURES */
	uint32_t features_supported[1];
	char guest_os[32];
	/* Virtual span of the loaded image: [virt_start, virt_end). */
	uint64_t virt_start, virt_end;
};

/* True when the file is an ELF with a Xen PV entry note and a "xen-3.0"
 * version note: a kernel for Xen's PV ABI (a PVH-only kernel has neither). */
bool xen_kernel_detect(const uint8_t *buf, size_t len);

/* Validates an ELF64 x86-64 kernel for 64-bit PV and fills `k`.  Errors
 * name what is wrong; the caller prefixes the file name. */
int xen_kernel_parse(const uint8_t *buf, size_t len, struct xen_kernel *k,
		     struct gerr *err);

#endif
