/* gamut's ring-0 scaffolding for a PV guest: GDT, TSS, IDT and the stub
 * that turns every exception into one port write (docs/pv-abi.md
 * section 5).  All of it lives in frames the guest can neither map nor
 * write; the CPU reads it by virtual address (identity-mapped, supervisor). */
#include "pv/pv_sys.h"

#include <string.h>

#include "pv/pv_layout.h"

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static void build_gdt(uint8_t *sys)
{
	uint8_t *gdt = sys + (PV_GDT_GPA - PV_SYS_GPA);
	uint64_t base = PV_TSS_GPA;

	/* Accessed bits are preset so the CPU never writes the read-only GDT. */
	put64(gdt + 0x08, 0x00af9b000000ffffull); /* ring-0 code, 64-bit */
	put64(gdt + 0x10, 0x00cf93000000ffffull); /* ring-0 data */
	put64(gdt + 0x18, 0x00affb000000ffffull); /* ring-3 code, 64-bit */
	put64(gdt + 0x20, 0x00cff3000000ffffull); /* ring-3 data */
	/* 64-bit TSS descriptor, type 0xb (busy, as a loaded TR is). */
	put64(gdt + 0x28, (uint64_t)PV_TSS_LIMIT | ((base & 0xffffff) << 16) |
			  (0x8bull << 40) | (((base >> 24) & 0xff) << 56));
	put64(gdt + 0x30, base >> 32);
}

_Static_assert(PV_TSS_GPA + PV_TSS_LIMIT < PV_IDT_GPA, "TSS and I/O bitmap before the IDT");

/* The guest runs at CPL 3 with IOPL 3, which opens every port where the
 * CPU honours it; some KVMs without VT-x/AMD-V do not, and check only the
 * I/O bitmap.  So the bitmap opens exactly the ports gamut claims (the
 * hypercalls; the trap port, whose writes gamut refuses from CPL 3
 * itself).  IOPL 0, the bitmap alone everywhere, is not an option: QEMU's
 * software CPU (under which the nested tests run KVM) reads the bitmap
 * only through an available TSS (type 9), while VT-x insists on a busy
 * one (type 11) in TR. */
static void build_tss(uint8_t *sys)
{
	uint8_t *tss = sys + (PV_TSS_GPA - PV_SYS_GPA);
	uint8_t *map = tss + PV_TSS_IOPB;
	uint16_t iopb = PV_TSS_IOPB;

	put64(tss + 4, PV_STACK0_TOP); /* RSP0 */
	memcpy(tss + 0x66, &iopb, 2);
	memset(map, 0xff, PV_IOPB_BYTES + 1);
	for (unsigned p = PV_PORT_BASE; p <= PV_IOPB_LAST_PORT; p++)
		map[p / 8] &= (uint8_t)~(1u << (p % 8));
}

static void build_idt(uint8_t *sys)
{
	uint8_t *idt = sys + (PV_IDT_GPA - PV_SYS_GPA);

	for (uint64_t v = 0; v < 32; v++) {
		uint64_t off = PV_STUB_GPA + v * PV_STUB_ENTRY_SIZE;
		uint64_t lo = (off & 0xffff) | ((uint64_t)PV_SEL_KCODE << 16) |
			      (0x8eull << 40) /* present, DPL 0, interrupt gate */ |
			      ((off >> 16) & 0xffff) << 48;

		put64(idt + v * 16, lo);
		put64(idt + v * 16 + 8, off >> 32);
	}
}

void pv_sys_build(uint8_t *sys_page, uint8_t *stub_page)
{
	memset(sys_page, 0, PV_PAGE_SIZE);
	build_gdt(sys_page);
	build_tss(sys_page);
	build_idt(sys_page);
	memset(stub_page, 0xcc, PV_PAGE_SIZE);
	for (uint32_t v = 0; v < 32; v++) {
		uint8_t *p = stub_page + v * PV_STUB_ENTRY_SIZE;
		uint16_t port = PV_PORT_BASE + PV_PORT_TRAP;

		p[0] = 0x50; /* push %rax */
		p[1] = 0x52; /* push %rdx */
		p[2] = 0xb8; /* mov $v, %eax */
		memcpy(p + 3, &v, 4);
		p[7] = 0x66; /* mov $port, %dx */
		p[8] = 0xba;
		memcpy(p + 9, &port, 2);
		p[11] = 0xef; /* out %eax, %dx */
		p[12] = 0xeb; /* jmp back to the out: gamut never returns here */
		p[13] = 0xfd;
	}
}

void pv_sys_state(struct x86_state *st)
{
	st->gdt = (struct x86_dtable){ PV_GDT_GPA, PV_GDT_LIMIT };
	st->idt = (struct x86_dtable){ PV_IDT_GPA, PV_IDT_LIMIT };
	st->tr = (struct x86_segment){ .base = PV_TSS_GPA, .limit = PV_TSS_LIMIT,
				       .selector = PV_SEL_TSS, .type = 0xb,
				       .present = 1 };
	st->ldt = (struct x86_segment){ .unusable = 1 };
	st->cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE |
		  X86_CR0_WP | X86_CR0_PG;
	st->cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	st->efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE;
	st->apic_base = 0xfee00000ull | (1ull << 11) | (1ull << 8);
}
