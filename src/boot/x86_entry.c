/* The boot GDT, the identity page tables and the entry register states of
 * the two direct-boot protocols (PVH: docs/misc/pvh.pandoc; Linux: the
 * "64-bit BOOT PROTOCOL" of Documentation/arch/x86/boot.rst). */
#include <string.h>

#include "boot/loader.h"
#include "core/gmem.h"
#include "core/layout.h"

/* Descriptors as the CPU reads them (SDM vol. 3, 3.4.5): flat 4 GiB,
 * present, DPL 0, accessed. */
#define GDT_CODE32 0x00cf9b000000ffffull /* G, D, exec/read */
#define GDT_CODE64 0x00af9b000000ffffull /* G, L, exec/read */
#define GDT_DATA   0x00cf93000000ffffull /* G, B, read/write */
#define GDT_TSS	   0x00008b0000000067ull /* busy TSS, base 0, limit 0x67 */

int boot_gdt_write(struct guest_mem *mem, struct gerr *err)
{
	/* Six 8-byte slots: the TSS descriptor takes two (its upper half,
	 * base bits 32-63, is zero), which a 32-bit CPU reads as a null entry. */
	const uint64_t gdt[6] = { 0, GDT_CODE32, GDT_CODE64, GDT_DATA, GDT_TSS, 0 };

	if (gmem_write(mem, LAYOUT_GDT, gdt, sizeof(gdt)) < 0)
		return gerr_set(err, "boot GDT: 0x%llx is outside guest RAM",
				(unsigned long long)LAYOUT_GDT);
	return 0;
}

#define PTE_P  0x1ull
#define PTE_RW 0x2ull
#define PTE_PS 0x80ull

int boot_pagetables_write(struct guest_mem *mem, struct gerr *err)
{
	uint64_t *pt = gmem_ptr_w(mem, LAYOUT_PML4, BOOT_PAGETABLES_SIZE);
	uint64_t *pml4, *pdpt, *pd;

	if (!pt)
		return gerr_set(err, "boot page tables: 0x%llx is outside guest RAM",
				(unsigned long long)LAYOUT_PML4);
	memset(pt, 0, BOOT_PAGETABLES_SIZE);
	pml4 = pt;
	pdpt = pt + 512;
	pd = pt + 1024; /* four directories back to back: 2048 entries */
	pml4[0] = (LAYOUT_PML4 + 0x1000) | PTE_P | PTE_RW;
	for (uint64_t i = 0; i < 4; i++)
		pdpt[i] = (LAYOUT_PML4 + 0x2000 + i * 0x1000) | PTE_P | PTE_RW;
	for (uint64_t i = 0; i < 2048; i++)
		pd[i] = (i << 21) | PTE_P | PTE_RW | PTE_PS;
	return 0;
}

static void set_common(struct x86_state *st, struct x86_segment code)
{
	x86_state_reset(st);
	st->seg[X86_CS] = code;
	st->seg[X86_DS] = x86_flat_data(BOOT_SEL_DATA);
	st->seg[X86_ES] = x86_flat_data(BOOT_SEL_DATA);
	st->seg[X86_SS] = x86_flat_data(BOOT_SEL_DATA);
	st->seg[X86_FS] = x86_flat_data(BOOT_SEL_DATA);
	st->seg[X86_GS] = x86_flat_data(BOOT_SEL_DATA);
	st->tr = (struct x86_segment){ .base = 0, .limit = 0x67,
				       .selector = BOOT_SEL_TSS, .type = 0xb,
				       .present = 1 };
	st->ldt = (struct x86_segment){ .type = 0x2, .unusable = 1 };
	st->gdt = (struct x86_dtable){ LAYOUT_GDT, BOOT_GDT_LIMIT };
	st->idt = (struct x86_dtable){ 0, 0 };
	st->rflags = X86_RFLAGS_FIXED; /* IF, TF, VM clear */
	st->gpr[X86_RDX] = 0;
}

void boot_state_pvh(struct x86_state *st, uint64_t entry, uint64_t start_info)
{
	set_common(st, x86_flat_code32(BOOT_SEL_CODE32));
	st->cr0 = X86_CR0_PE | X86_CR0_ET; /* ET reads as 1 on every x86-64 */
	st->cr4 = 0;
	st->efer = 0;
	st->rip = entry;
	st->gpr[X86_RBX] = start_info;
}

void boot_state_linux64(struct x86_state *st, uint64_t entry,
			uint64_t boot_params)
{
	set_common(st, x86_flat_code64(BOOT_SEL_CODE64));
	st->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_PG;
	st->cr3 = LAYOUT_PML4;
	st->cr4 = X86_CR4_PAE;
	st->efer = X86_EFER_LME | X86_EFER_LMA;
	st->rip = entry;
	st->gpr[X86_RSI] = boot_params;
}
