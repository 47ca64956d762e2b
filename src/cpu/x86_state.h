/* The architectural x86-64 register state, independent of any backend.
 *
 * Boot loaders describe the entry state with it, both CPU backends accept it
 * (set) and report it (get), and the GDB stub and crash reports read it. */
#ifndef GAMUT_CPU_X86_STATE_H
#define GAMUT_CPU_X86_STATE_H

#include <stdint.h>

enum x86_gpr {
	X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
	X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
	X86_NR_GPRS
};

enum x86_sreg { X86_ES, X86_CS, X86_SS, X86_DS, X86_FS, X86_GS, X86_NR_SREGS };

/* A segment register with its hidden descriptor cache, unpacked. */
struct x86_segment {
	uint64_t base;
	uint32_t limit; /* byte granular (already scaled when G=1) */
	uint16_t selector;
	uint8_t type;	/* 4-bit descriptor type */
	uint8_t s;	/* 1: code/data, 0: system */
	uint8_t dpl;
	uint8_t present;
	uint8_t db;	/* default operand size / big */
	uint8_t l;	/* 64-bit code segment */
	uint8_t g;
	uint8_t avl;
	uint8_t unusable;
};

struct x86_dtable {
	uint64_t base;
	uint16_t limit;
};

struct x86_state {
	uint64_t gpr[X86_NR_GPRS];
	uint64_t rip;
	uint64_t rflags;
	struct x86_segment seg[X86_NR_SREGS];
	struct x86_segment ldt, tr;
	struct x86_dtable gdt, idt;
	uint64_t cr0, cr2, cr3, cr4, cr8;
	uint64_t efer;
	uint64_t apic_base;
};

/* x87, MMX and SSE state as FXSAVE lays it out, for debuggers: the
 * backends' optional vcpu_get_fpu/vcpu_set_fpu (src/cpu/backend.h) fill
 * and accept it; it is not part of struct x86_state, which the hot
 * paths (PV hypercalls, trap bouncing) copy whole. */
struct x86_fpu {
	uint8_t st[8][10]; /* ST(0)..ST(7), stack order, 80-bit values */
	uint16_t fcw;
	uint16_t fsw;	   /* with TOP in bits 11-13 */
	uint8_t ftw;	   /* abridged tag: bit i = physical register i in use */
	uint16_t fop;	   /* last x87 opcode, 11 bits */
	uint64_t fip, fdp; /* last instruction and operand pointers */
	uint32_t mxcsr;
	uint8_t xmm[16][16];
};

#define X86_CR0_PE (1ull << 0)
#define X86_CR0_MP (1ull << 1)
#define X86_CR0_EM (1ull << 2)
#define X86_CR0_TS (1ull << 3)
#define X86_CR0_ET (1ull << 4)
#define X86_CR0_NE (1ull << 5)
#define X86_CR0_WP (1ull << 16)
#define X86_CR0_AM (1ull << 18)
#define X86_CR0_NW (1ull << 29)
#define X86_CR0_CD (1ull << 30)
#define X86_CR0_PG (1ull << 31)

#define X86_CR4_PSE	   (1ull << 4)
#define X86_CR4_PAE	   (1ull << 5)
#define X86_CR4_PGE	   (1ull << 7)
#define X86_CR4_OSFXSR	   (1ull << 9)
#define X86_CR4_OSXMMEXCPT (1ull << 10)

#define X86_EFER_SCE (1ull << 0)
#define X86_EFER_LME (1ull << 8)
#define X86_EFER_LMA (1ull << 10)
#define X86_EFER_NXE (1ull << 11)

#define X86_RFLAGS_FIXED (1ull << 1)
#define X86_RFLAGS_IF	 (1ull << 9)

/* Fills `st` with the architectural reset state (real mode, CS:IP =
 * F000:FFF0 with CS base FFFF0000), as after power-on. */
void x86_state_reset(struct x86_state *st);

/* Flat segment helpers for loaders: a 32-bit or 64-bit code/data segment
 * with base 0 and limit 4 GiB. */
struct x86_segment x86_flat_code32(uint16_t sel);
struct x86_segment x86_flat_code64(uint16_t sel);
struct x86_segment x86_flat_data(uint16_t sel);

#endif
