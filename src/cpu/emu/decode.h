/* The x86 instruction decoder: a pure function from bytes to a record.
 *
 * decode_insn() reads at most 15 bytes and knows nothing about machines:
 * it is unit-tested and fuzzed on plain buffers.  It resolves prefixes,
 * REX, the opcode map (one-byte, 0F, 0F38, 0F3A), ModRM/SIB/displacement
 * (16-bit and 32/64-bit forms, RIP-relative) and immediates, and the
 * effective operand and address sizes.  What an opcode *does* is left to
 * the executor; the decoder only knows each opcode's shape, from the
 * attribute tables in decode.c (one byte of flags per opcode).
 *
 * The record, by field:
 *
 *   len        total length in bytes (1..15)
 *   map/op     opcode map (DEC_MAP_*) and the opcode byte within it
 *   osz/asz    operand size and address size in bytes (2, 4, 8)
 *   rep        0, 0xF2 or 0xF3 (last one seen); lock: F0 seen
 *   pfx66      an operand-size prefix was present (SSE mandatory prefix)
 *   seg        segment override (X86_ES..X86_GS) or -1
 *   rex        the REX byte (0x40..0x4F), 0 when none
 *   modrm      present (has_modrm), mod (0..3), reg (0..15 with REX.R),
 *              rm (0..15 with REX.B; only meaningful when mod == 3)
 *   memory     base/index (-1 when absent, 0..15), scale (0..3), disp,
 *              riprel (disp is relative to the next instruction)
 *   fn         the executor, filled in by the decode cache (exec_pick)
 *   imm/imm2   immediates, sign-extended to 64 bits where the encoding
 *              says so (imm2: ENTER's second byte, far pointer selector)
 */
#ifndef GAMUT_CPU_EMU_DECODE_H
#define GAMUT_CPU_EMU_DECODE_H

#include <stdint.h>

enum dec_map { DEC_MAP_1B, DEC_MAP_0F, DEC_MAP_0F38, DEC_MAP_0F3A };

/* The code size of the segment the bytes execute in. */
enum dec_mode { DEC_MODE16 = 2, DEC_MODE32 = 4, DEC_MODE64 = 8 };

enum dec_status {
	DEC_OK = 0,
	DEC_MORE = -1,	/* ran out of bytes before the instruction ended */
	DEC_BAD = -2,	/* not a valid encoding in this mode (#UD) */
	DEC_LONG = -3,	/* longer than 15 bytes (#GP) */
};

struct emu_cpu;
struct insn;
/* What executes a decoded instruction (exec_fast.c picks it; the decoder
 * leaves it NULL).  `next` is the RIP after the instruction. */
typedef void exec_fn(struct emu_cpu *c, const struct insn *d, uint64_t next);

struct insn {
	exec_fn *fn;
	uint8_t len;
	uint8_t map;
	uint8_t op;
	uint8_t osz;
	uint8_t asz;
	uint8_t rep;
	uint8_t lock;
	uint8_t pfx66;
	int8_t seg;
	uint8_t rex;
	uint8_t has_modrm;
	uint8_t mod;
	uint8_t reg;
	uint8_t rm;
	int8_t base;
	int8_t index;
	uint8_t scale;
	uint8_t riprel;
	uint8_t mode;	/* enum dec_mode it was decoded in */
	int64_t disp;
	uint64_t imm;
	uint64_t imm2;
};

/* Decodes the instruction at buf[0..n).  Returns DEC_OK and fills *d, or a
 * negative enum dec_status. */
int decode_insn(const uint8_t *buf, unsigned n, enum dec_mode mode,
		struct insn *d);

/* The register field of ModRM without REX.R (group opcode selector). */
static inline unsigned insn_subop(const struct insn *d)
{
	return d->reg & 7;
}

#endif
