/* Shared by the boot loader tests: a VM with only guest memory and a
 * config (no backend, no devices), and small in-memory kernel images that
 * follow the ELF/PVH and bzImage formats, with knobs to corrupt them. */
#ifndef GAMUT_TESTS_BOOT_FIXTURE_H
#define GAMUT_TESTS_BOOT_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/vm.h"

static inline void fx_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void fx_put32(uint8_t *p, uint32_t v) { fx_put16(p, (uint16_t)v); fx_put16(p + 2, (uint16_t)(v >> 16)); }
static inline void fx_put64(uint8_t *p, uint64_t v) { fx_put32(p, (uint32_t)v); fx_put32(p + 4, (uint32_t)(v >> 32)); }
static inline uint16_t fx_get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t fx_get32(const uint8_t *p) { return fx_get16(p) | (uint32_t)fx_get16(p + 2) << 16; }
static inline uint64_t fx_get64(const uint8_t *p) { return fx_get32(p) | (uint64_t)fx_get32(p + 4) << 32; }

/* A VM good enough for boot_load(): memory, mode, CPUs. */
static inline int fx_vm(struct vm *vm, const char *mode, uint64_t mem_mib)
{
	struct gerr err;

	memset(vm, 0, sizeof(*vm));
	bus_init(&vm->pio, "pio");
	bus_init(&vm->mmio, "mmio");
	vm->cfg.mode = mode_find(mode);
	vm->cfg.mem_bytes = mem_mib << 20;
	vm->cfg.ncpus = vm->ncpus = 1;
	vm->cfg.cmdline = "console=ttyS0";
	return gmem_init(&vm->mem, mem_mib << 20, false, &err);
}

/* Writes `len` bytes to a fresh temporary file; returns its path (static
 * buffer per slot 0..3) or NULL. */
static inline const char *fx_file(int slot, const void *data, size_t len)
{
	static char path[4][64];
	FILE *f;

	snprintf(path[slot], sizeof(path[slot]), "/tmp/gamut-boot-test-%d-%d",
		 (int)getpid(), slot);
	f = fopen(path[slot], "wb");
	if (!f)
		return NULL;
	if (len && fwrite(data, 1, len, f) != len) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	return path[slot];
}

/* Removes the temporary files when the test binary exits. */
__attribute__((destructor)) static void fx_cleanup(void)
{
	char path[64];

	for (int slot = 0; slot < 4; slot++) {
		snprintf(path, sizeof(path), "/tmp/gamut-boot-test-%d-%d",
			 (int)getpid(), slot);
		unlink(path);
	}
}

/* ELF64 image: header, 2 program headers (PT_LOAD, PT_NOTE), the Xen
 * PHYS32_ENTRY note, 0x100 bytes of "code" at file offset 0x100 loaded at
 * FX_ELF_PADDR with memsz 0x2000. */
#define FX_ELF_PADDR 0x100000ull
#define FX_ELF_ENTRY (FX_ELF_PADDR + 0x10)
#define FX_ELF_LEN   0x200
#define FX_ELF_PH    64	 /* phdr offset */
#define FX_ELF_NOTE  176 /* note offset */

static inline void fx_elf(uint8_t *b)
{
	uint8_t *ph;

	memset(b, 0, FX_ELF_LEN);
	memcpy(b, "\177ELF", 4);
	b[4] = 2; b[5] = 1; b[6] = 1;
	fx_put16(b + 16, 2);  /* ET_EXEC */
	fx_put16(b + 18, 62); /* x86-64 */
	fx_put32(b + 20, 1);
	fx_put64(b + 24, 0xffffffff81000000ull);
	fx_put64(b + 32, FX_ELF_PH);
	fx_put16(b + 52, 64);
	fx_put16(b + 54, 56);
	fx_put16(b + 56, 2);
	ph = b + FX_ELF_PH; /* PT_LOAD */
	fx_put32(ph, 1);
	fx_put64(ph + 8, 0x100);
	fx_put64(ph + 16, 0xffffffff81000000ull);
	fx_put64(ph + 24, FX_ELF_PADDR);
	fx_put64(ph + 32, 0x100);
	fx_put64(ph + 40, 0x2000);
	ph += 56; /* PT_NOTE */
	fx_put32(ph, 4);
	fx_put64(ph + 8, FX_ELF_NOTE);
	fx_put64(ph + 32, 24);
	fx_put32(b + FX_ELF_NOTE, 4);
	fx_put32(b + FX_ELF_NOTE + 4, 4);
	fx_put32(b + FX_ELF_NOTE + 8, 18);
	memcpy(b + FX_ELF_NOTE + 12, "Xen", 4);
	fx_put32(b + FX_ELF_NOTE + 16, (uint32_t)FX_ELF_ENTRY);
	for (int i = 0; i < 0x100; i++)
		b[0x100 + i] = (uint8_t)(0x90 + i);
}

/* The same image as an ELF32 i386 file (how small PVH kernels are often
 * linked): the 52-byte header, two 32-byte program headers at
 * FX_ELF32_PH, the note and code where fx_elf puts them. */
#define FX_ELF32_PH 52

static inline void fx_elf32(uint8_t *b)
{
	uint8_t *ph;

	memset(b, 0, FX_ELF_LEN);
	memcpy(b, "\177ELF", 4);
	b[4] = 1; b[5] = 1; b[6] = 1;
	fx_put16(b + 16, 2); /* ET_EXEC */
	fx_put16(b + 18, 3); /* i386 */
	fx_put32(b + 20, 1);
	fx_put32(b + 24, (uint32_t)FX_ELF_ENTRY);
	fx_put32(b + 28, FX_ELF32_PH);
	fx_put16(b + 40, 52);
	fx_put16(b + 42, 32);
	fx_put16(b + 44, 2);
	ph = b + FX_ELF32_PH; /* PT_LOAD: offset, vaddr, paddr, filesz, memsz */
	fx_put32(ph, 1);
	fx_put32(ph + 4, 0x100);
	fx_put32(ph + 8, (uint32_t)FX_ELF_PADDR);
	fx_put32(ph + 12, (uint32_t)FX_ELF_PADDR);
	fx_put32(ph + 16, 0x100);
	fx_put32(ph + 20, 0x2000);
	ph += 32; /* PT_NOTE */
	fx_put32(ph, 4);
	fx_put32(ph + 4, FX_ELF_NOTE);
	fx_put32(ph + 16, 20);
	fx_put32(b + FX_ELF_NOTE, 4);
	fx_put32(b + FX_ELF_NOTE + 4, 4);
	fx_put32(b + FX_ELF_NOTE + 8, 18);
	memcpy(b + FX_ELF_NOTE + 12, "Xen", 4);
	fx_put32(b + FX_ELF_NOTE + 16, (uint32_t)FX_ELF_ENTRY);
	for (int i = 0; i < 0x100; i++)
		b[0x100 + i] = (uint8_t)(0x90 + i);
}

/* bzImage: one setup sector after the boot sector (setup 1024 bytes), boot
 * protocol 2.15, relocatable, 64-bit entry, then FX_BZ_KERNEL bytes of
 * protected-mode kernel (syssize says so) with a gzip-looking payload at
 * FX_BZ_PAYLOAD. */
#define FX_BZ_SETUP  1024
#define FX_BZ_KERNEL 4096
#define FX_BZ_LEN    (FX_BZ_SETUP + FX_BZ_KERNEL)
#define FX_BZ_INIT   0x200000u
#define FX_BZ_PAYLOAD 0x400 /* payload_offset, from the kernel's start */

static inline void fx_bzimage(uint8_t *b)
{
	memset(b, 0, FX_BZ_LEN);
	b[0x1f1] = 1;			 /* setup_sects */
	fx_put16(b + 0x1fe, 0xaa55);
	b[0x200] = 0xeb;
	b[0x201] = 0x6a;		 /* header ends at 0x26c */
	memcpy(b + 0x202, "HdrS", 4);
	fx_put16(b + 0x206, 0x020f);
	b[0x211] = 0x01;		 /* LOADED_HIGH */
	fx_put32(b + 0x22c, 0x7fffffff); /* initrd_addr_max */
	fx_put32(b + 0x230, 0x200000);	 /* kernel_alignment */
	b[0x234] = 1;			 /* relocatable */
	fx_put16(b + 0x236, 0x3);	 /* XLF_KERNEL_64 | above 4G */
	fx_put32(b + 0x238, 2047);	 /* cmdline_size */
	fx_put64(b + 0x258, 0x1000000);	 /* pref_address */
	fx_put32(b + 0x260, FX_BZ_INIT); /* init_size */
	fx_put32(b + 0x1f4, FX_BZ_KERNEL / 16); /* syssize */
	for (int i = 0; i < FX_BZ_KERNEL; i++)
		b[FX_BZ_SETUP + i] = (uint8_t)(i * 7);
	/* A payload that starts like gzip data. */
	fx_put32(b + 0x248, FX_BZ_PAYLOAD); /* payload_offset */
	fx_put32(b + 0x24c, 0x100);	    /* payload_length */
	b[FX_BZ_SETUP + FX_BZ_PAYLOAD] = 0x1f;
	b[FX_BZ_SETUP + FX_BZ_PAYLOAD + 1] = 0x8b;
}

#endif
