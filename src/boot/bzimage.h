/* The Linux x86 boot protocol (Documentation/arch/x86/boot.rst): parsing a
 * bzImage's setup header and filling the zero page (struct boot_params) for
 * the 64-bit entry point.
 *
 * bzimage_parse() is pure (no guest memory) so it can be unit-tested and
 * fuzzed; bzimage_boot() (loader.h) loads a parsed image into a VM. */
#ifndef GAMUT_BOOT_BZIMAGE_H
#define GAMUT_BOOT_BZIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Offsets inside the zero page; the setup header sits at the same offsets
 * in the bzImage file. */
#define BP_ACPI_RSDP_ADDR   0x070
#define BP_EXT_RAMDISK_IMG  0x0c0
#define BP_EXT_RAMDISK_SIZE 0x0c4
#define BP_EXT_CMD_LINE_PTR 0x0c8
#define BP_E820_ENTRIES	    0x1e8
#define BP_SETUP_SECTS	    0x1f1
#define BP_SYSSIZE	    0x1f4
#define BP_VID_MODE	    0x1fa
#define BP_BOOT_FLAG	    0x1fe
#define BP_JUMP		    0x200
#define BP_HEADER	    0x202
#define BP_VERSION	    0x206
#define BP_TYPE_OF_LOADER   0x210
#define BP_LOADFLAGS	    0x211
#define BP_RAMDISK_IMAGE    0x218
#define BP_RAMDISK_SIZE	    0x21c
#define BP_HEAP_END_PTR	    0x224
#define BP_CMD_LINE_PTR	    0x228
#define BP_INITRD_ADDR_MAX  0x22c
#define BP_KERNEL_ALIGNMENT 0x230
#define BP_RELOCATABLE	    0x234
#define BP_XLOADFLAGS	    0x236
#define BP_CMDLINE_SIZE	    0x238
#define BP_PAYLOAD_OFFSET   0x248
#define BP_PAYLOAD_LENGTH   0x24c
#define BP_PREF_ADDRESS	    0x258
#define BP_INIT_SIZE	    0x260
#define BP_SETUP_HDR_MAX    0x290 /* end of the room for the setup header */
#define BP_E820_TABLE	    0x2d0
#define BP_E820_MAX	    128
#define BP_SIZE		    4096

#define BZ_HDRS_MAGIC	  0x53726448u /* "HdrS" */
#define BZ_MIN_VERSION	  0x0206
#define BZ_XLF_KERNEL_64  (1u << 0)
#define BZ_LOADED_HIGH	  (1u << 0)
#define BZ_KEEP_SEGMENTS  (1u << 6)
#define BZ_CAN_USE_HEAP	  (1u << 7)
#define BZ_LOADER_UNKNOWN 0xff
#define BZ_ENTRY64_OFF	  0x200 /* 64-bit entry from the load address */

struct bzimage_info {
	uint16_t version;
	size_t setup_size;	  /* (setup_sects + 1) * 512; setup_sects 0 means 4 */
	size_t hdr_end;		  /* end of the setup header to copy */
	/* The protected-mode part: from the end of the setup code to the end
	 * of the file, which holds at least the syssize paragraphs the header
	 * declares (a signed kernel has its signature after them). */
	uint64_t kernel_off, kernel_len;
	bool relocatable;
	uint64_t pref_address;	  /* where the kernel wants to be loaded */
	uint32_t kernel_alignment;
	uint64_t init_size;	  /* memory the kernel needs from its load address */
	uint32_t initrd_addr_max; /* highest byte address of the initrd */
	uint32_t cmdline_size;	  /* max command line bytes, NUL excluded */
	/* The compressed vmlinux (payload_offset/length), file offsets;
	 * payload_len 0 when the header declares none. */
	uint64_t payload_off, payload_len;
};

/* The vmlinux (ELF) inside a bzImage, decompressed into a new buffer the
 * caller frees: gzip, LZ4 (the kernel's legacy framing) and zstd, the
 * formats Debian's kernels use; others are refused by name.  At most
 * 512 MiB. */
int bzimage_vmlinux(const uint8_t *buf, size_t len, uint8_t **elf, size_t *elf_len,
		    struct gerr *err);

/* True when the buffer carries the "HdrS" setup header magic. */
bool bzimage_is_bzimage(const uint8_t *buf, size_t len);

/* Validates a bzImage for the 64-bit boot protocol and fills `bz`:
 * besides the header's own fields, that the file holds the setup code and
 * the protected-mode part it declares (setup_sects, syssize), and that the
 * payload (payload_offset/length) lies inside that part and starts with
 * one of the compression magics boot.rst lists, which a wrong setup_sects
 * or a damaged file would not give.  Messages do not name the file; the
 * caller prefixes it. */
int bzimage_parse(const uint8_t *buf, size_t len, struct bzimage_info *bz,
		  struct gerr *err);

/* The address the kernel is loaded at: pref_address for a kernel that is
 * not relocatable, else LAYOUT_KERNEL_64 rounded up to kernel_alignment. */
uint64_t bzimage_load_addr(const struct bzimage_info *bz);

#endif
