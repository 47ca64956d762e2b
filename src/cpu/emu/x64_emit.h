/* A tiny x86-64 machine-code writer for the JIT (jit.c).
 *
 * Only the encodings the JIT needs, each a small function named after the
 * instruction and its operand form.  Guest state is always addressed as
 * [rbx + disp32] (rbx holds the struct emu_cpu pointer in generated code),
 * so most forms take a host register and a displacement.  A buffer that
 * runs out of room sets `full` and swallows further bytes: the caller
 * checks once at the end and throws the attempt away. */
#ifndef GAMUT_CPU_EMU_X64_EMIT_H
#define GAMUT_CPU_EMU_X64_EMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Host registers by hardware number. */
enum { H_RAX, H_RCX, H_RDX, H_RBX, H_RSP, H_RBP, H_RSI, H_RDI,
       H_R8, H_R9, H_R10, H_R11, H_R12, H_R13, H_R14, H_R15 };

struct x64_buf {
	uint8_t *p, *end;
	bool full;
};

static inline void x64_byte(struct x64_buf *b, unsigned v)
{
	if (b->p < b->end)
		*b->p++ = (uint8_t)v;
	else
		b->full = true;
}

static inline void x64_u32(struct x64_buf *b, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		x64_byte(b, (v >> (8 * i)) & 0xff);
}

static inline void x64_u64(struct x64_buf *b, uint64_t v)
{
	x64_u32(b, (uint32_t)v);
	x64_u32(b, (uint32_t)(v >> 32));
}

/* REX with W (64-bit operand), R (reg field) and B (r/m field) as needed;
 * `force` emits it even when empty (byte registers sil/dil...). */
static inline void x64_rex(struct x64_buf *b, bool w, unsigned reg,
			   unsigned rm, bool force)
{
	unsigned rex = 0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((rm & 8) ? 1 : 0);

	if (rex != 0x40 || force)
		x64_byte(b, rex);
}

/* ModRM for [rbx + disp32] with `reg` in the reg field. */
static inline void x64_mem_rbx(struct x64_buf *b, unsigned reg, int32_t disp)
{
	x64_byte(b, 0x80 | ((reg & 7) << 3) | H_RBX);
	x64_u32(b, (uint32_t)disp);
}

/* op reg, [rbx+disp] or op [rbx+disp], reg (one-byte opcode `op`). */
static inline void x64_op_mem(struct x64_buf *b, unsigned op, bool w,
			      unsigned reg, int32_t disp)
{
	x64_rex(b, w, reg, H_RBX, false);
	x64_byte(b, op);
	x64_mem_rbx(b, reg, disp);
}

static inline void x64_load(struct x64_buf *b, bool w, unsigned reg, int32_t disp)
{
	x64_op_mem(b, 0x8b, w, reg, disp);
}

static inline void x64_store(struct x64_buf *b, bool w, unsigned reg, int32_t disp)
{
	x64_op_mem(b, 0x89, w, reg, disp);
}

/* mov word [rbx+disp], imm16 */
static inline void x64_store16_imm(struct x64_buf *b, int32_t disp, uint16_t v)
{
	x64_byte(b, 0x66);
	x64_byte(b, 0xc7);
	x64_mem_rbx(b, 0, disp);
	x64_byte(b, v & 0xff);
	x64_byte(b, v >> 8);
}

/* op dst, src for the register forms of 01/09/21/29/31/39/85/89 (`op` is
 * the r/m, reg form: dst in r/m, src in reg). */
static inline void x64_rr(struct x64_buf *b, unsigned op, bool w,
			  unsigned dst, unsigned src)
{
	x64_rex(b, w, src, dst, false);
	x64_byte(b, op);
	x64_byte(b, 0xc0 | ((src & 7) << 3) | (dst & 7));
}

static inline void x64_mov_rr(struct x64_buf *b, bool w, unsigned dst, unsigned src)
{
	x64_rr(b, 0x89, w, dst, src);
}

/* mov reg, imm: the shortest of imm32 (zero-extended) and imm64. */
static inline void x64_mov_imm(struct x64_buf *b, unsigned reg, uint64_t v)
{
	if (v <= 0xffffffffu) {
		x64_rex(b, false, 0, reg, false);
		x64_byte(b, 0xb8 + (reg & 7));
		x64_u32(b, (uint32_t)v);
		return;
	}
	x64_rex(b, true, 0, reg, false);
	x64_byte(b, 0xb8 + (reg & 7));
	x64_u64(b, v);
}

/* Group 1 with an imm32 (81 /sub): add=0 or=1 and=4 sub=5 xor=6 cmp=7. */
static inline void x64_grp1_imm(struct x64_buf *b, unsigned sub, bool w,
				unsigned reg, uint32_t imm)
{
	x64_rex(b, w, 0, reg, false);
	x64_byte(b, 0x81);
	x64_byte(b, 0xc0 | (sub << 3) | (reg & 7));
	x64_u32(b, imm);
}

/* Group 2 by an immediate (C1 /sub): rol=0 ror=1 shl=4 shr=5 sar=7. */
static inline void x64_shift_imm(struct x64_buf *b, unsigned sub, bool w,
				 unsigned reg, unsigned count)
{
	x64_rex(b, w, 0, reg, false);
	x64_byte(b, 0xc1);
	x64_byte(b, 0xc0 | (sub << 3) | (reg & 7));
	x64_byte(b, count);
}

/* imul dst, src */
static inline void x64_imul_rr(struct x64_buf *b, bool w, unsigned dst, unsigned src)
{
	x64_rex(b, w, dst, src, false);
	x64_byte(b, 0x0f);
	x64_byte(b, 0xaf);
	x64_byte(b, 0xc0 | ((dst & 7) << 3) | (src & 7));
}

/* setCC reg8 then movzx reg32, reg8: reg = condition (0/1). */
static inline void x64_setcc(struct x64_buf *b, unsigned cc, unsigned reg)
{
	x64_rex(b, false, 0, reg, reg >= 4);
	x64_byte(b, 0x0f);
	x64_byte(b, 0x90 + cc);
	x64_byte(b, 0xc0 | (reg & 7));
	x64_rex(b, false, reg, reg, reg >= 4);
	x64_byte(b, 0x0f);
	x64_byte(b, 0xb6);
	x64_byte(b, 0xc0 | ((reg & 7) << 3) | (reg & 7));
}

/* movzx reg32, byte [rbx+disp] */
static inline void x64_load8(struct x64_buf *b, unsigned reg, int32_t disp)
{
	x64_rex(b, false, reg, H_RBX, false);
	x64_byte(b, 0x0f);
	x64_byte(b, 0xb6);
	x64_mem_rbx(b, reg, disp);
}

/* movzx reg32, word [rbx+disp] */
static inline void x64_load16(struct x64_buf *b, unsigned reg, int32_t disp)
{
	x64_rex(b, false, reg, H_RBX, false);
	x64_byte(b, 0x0f);
	x64_byte(b, 0xb7);
	x64_mem_rbx(b, reg, disp);
}

/* inc reg / dec reg */
static inline void x64_incdec(struct x64_buf *b, bool dec, bool w, unsigned reg)
{
	x64_rex(b, w, 0, reg, false);
	x64_byte(b, 0xff);
	x64_byte(b, (dec ? 0xc8 : 0xc0) | (reg & 7));
}

/* bt reg32, 0: CF = bit 0 of reg */
static inline void x64_bt0(struct x64_buf *b, unsigned reg)
{
	x64_rex(b, false, 0, reg, false);
	x64_byte(b, 0x0f);
	x64_byte(b, 0xba);
	x64_byte(b, 0xe0 | (reg & 7));
	x64_byte(b, 0);
}

/* mov byte [rbx+disp], reg8 (reg >= 8 or < 4) */
static inline void x64_store8(struct x64_buf *b, unsigned reg, int32_t disp)
{
	x64_op_mem(b, 0x88, false, reg, disp);
}

/* add qword [rbx+disp], imm8 (signed) */
static inline void x64_add_mem_imm8(struct x64_buf *b, int32_t disp, int8_t v)
{
	x64_byte(b, 0x48);
	x64_byte(b, 0x83);
	x64_mem_rbx(b, 0, disp);
	x64_byte(b, (uint8_t)v);
}

/* lea dst, [base + index*scale + disp32] (index: -1 for none). */
static inline void x64_lea(struct x64_buf *b, unsigned dst, unsigned base,
			   int index, unsigned scale, int32_t disp)
{
	unsigned idx = index < 0 ? H_RSP : (unsigned)index; /* 100: none */

	x64_byte(b, 0x48 | ((dst & 8) ? 4 : 0) | ((idx & 8) ? 2 : 0) | ((base & 8) ? 1 : 0));
	x64_byte(b, 0x8d);
	x64_byte(b, 0x84 | ((dst & 7) << 3));
	x64_byte(b, (scale << 6) | ((idx & 7) << 3) | (base & 7));
	x64_u32(b, (uint32_t)disp);
}

/* Loads of 1, 2, 4, 8 bytes from [base + index] into dst, zero-extended. */
static inline void x64_load_idx(struct x64_buf *b, unsigned len, unsigned dst,
				unsigned base, unsigned index)
{
	unsigned rex = 0x40 | (len == 8 ? 8 : 0) | ((dst & 8) ? 4 : 0) |
		       ((index & 8) ? 2 : 0) | ((base & 8) ? 1 : 0);

	if (rex != 0x40 || len == 1)
		x64_byte(b, rex);
	if (len == 1 || len == 2) {	/* movzx into the 32-bit register */
		x64_byte(b, 0x0f);
		x64_byte(b, len == 1 ? 0xb6 : 0xb7);
	} else {
		x64_byte(b, 0x8b);
	}
	x64_byte(b, 0x04 | ((dst & 7) << 3));
	x64_byte(b, ((index & 7) << 3) | (base & 7));
}

/* Stores of 1, 2, 4, 8 bytes of src to [base + index]. */
static inline void x64_store_idx(struct x64_buf *b, unsigned len, unsigned src,
				 unsigned base, unsigned index)
{
	unsigned rex = 0x40 | (len == 8 ? 8 : 0) | ((src & 8) ? 4 : 0) |
		       ((index & 8) ? 2 : 0) | ((base & 8) ? 1 : 0);

	if (len == 2)
		x64_byte(b, 0x66);
	if (rex != 0x40 || len == 1)
		x64_byte(b, rex);
	x64_byte(b, len == 1 ? 0x88 : 0x89);
	x64_byte(b, 0x04 | ((src & 7) << 3));
	x64_byte(b, ((index & 7) << 3) | (base & 7));
}

/* cmp reg, [base + disp8] (64-bit) */
static inline void x64_cmp_reg_mem8(struct x64_buf *b, unsigned reg,
				    unsigned base, int8_t disp)
{
	x64_rex(b, true, reg, base, false);
	x64_byte(b, 0x3b);
	x64_byte(b, 0x40 | ((reg & 7) << 3) | (base & 7));
	x64_byte(b, (uint8_t)disp);
}

/* mov reg, [base + disp8] (64-bit) */
static inline void x64_load_disp8(struct x64_buf *b, unsigned reg,
				  unsigned base, int8_t disp)
{
	x64_rex(b, true, reg, base, false);
	x64_byte(b, 0x8b);
	x64_byte(b, 0x40 | ((reg & 7) << 3) | (base & 7));
	x64_byte(b, (uint8_t)disp);
}

/* cmp dword [rbx+disp], 0 */
static inline void x64_cmp_mem32_zero(struct x64_buf *b, int32_t disp)
{
	x64_byte(b, 0x83);
	x64_mem_rbx(b, 7, disp);
	x64_byte(b, 0);
}

/* cmp dword [reg], imm32 */
static inline void x64_cmp_m32_imm(struct x64_buf *b, unsigned reg, uint32_t v)
{
	x64_rex(b, false, 0, reg, false);
	x64_byte(b, 0x81);
	x64_byte(b, 0x38 | (reg & 7));
	x64_u32(b, v);
}

/* call reg (absolute address through a register) */
static inline void x64_call_reg(struct x64_buf *b, unsigned reg)
{
	x64_rex(b, false, 0, reg, false);
	x64_byte(b, 0xff);
	x64_byte(b, 0xd0 | (reg & 7));
}

static inline void x64_push(struct x64_buf *b, unsigned reg)
{
	x64_rex(b, false, 0, reg, false);
	x64_byte(b, 0x50 + (reg & 7));
}

static inline void x64_pop(struct x64_buf *b, unsigned reg)
{
	x64_rex(b, false, 0, reg, false);
	x64_byte(b, 0x58 + (reg & 7));
}

/* Forward jumps: emit with a zero rel32, patch when the target is known. */
static inline uint8_t *x64_jcc_fwd(struct x64_buf *b, unsigned cc)
{
	x64_byte(b, 0x0f);
	x64_byte(b, 0x80 + cc);
	x64_u32(b, 0);
	return b->p;
}

static inline uint8_t *x64_jmp_fwd(struct x64_buf *b)
{
	x64_byte(b, 0xe9);
	x64_u32(b, 0);
	return b->p;
}

/* Points the rel32 that ends at `after` to the current position. */
static inline void x64_patch_here(struct x64_buf *b, uint8_t *after)
{
	int32_t rel = (int32_t)(b->p - after);

	if (!b->full)
		memcpy(after - 4, &rel, 4);
}

/* Condition codes (the low nibble of Jcc/SETcc). */
enum { CC_O = 0, CC_B = 2, CC_E = 4, CC_NE = 5, CC_A = 7 };

#endif
