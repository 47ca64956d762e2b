/* The block compiler: hot decoded blocks become host code.
 *
 * A block of the decode cache (dcache.h) that has run `jit_hot` times in
 * 64-bit mode is translated into one host function that does exactly what
 * block_run in run.c does for the whole block: the same state changes, the
 * same early ends (an instruction that jumps, a store into the block's own
 * page), the same instruction count.  Simple register forms (MOV, the
 * ALU, shifts by an immediate, IMUL, LEA) and flat 64-bit loads and stores
 * through the TLB are written out inline, recording the lazy flags as the
 * interpreter does; every other instruction becomes a direct call of its
 * interpreter handler (insn.fn), which removes the interpreter's indirect
 * dispatch.  Faults still longjmp out of a handler or a slow memory access
 * to emu_run: the generated code keeps insn_rip, rip and icount exact
 * before every call that may fault.
 *
 * The code lives in a per-vCPU buffer that is emptied together with the
 * block arena (dcache.c), so a block and its code die at the same time. */
#ifndef GAMUT_CPU_EMU_JIT_H
#define GAMUT_CPU_EMU_JIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct emu_cpu;
struct block;

typedef void jit_code(struct emu_cpu *c);

struct jit_buf {
	uint8_t *mem;	/* executable mapping, or NULL: no JIT */
	size_t size, used;
	bool full;	/* a compile ran out of room: empty at the next drop */
};

/* Maps the buffer (false when the host refuses executable memory: the
 * interpreter then runs everything). */
bool jit_buf_init(struct jit_buf *j, size_t size);
void jit_buf_fini(struct jit_buf *j);
static inline void jit_buf_reset(struct jit_buf *j)
{
	j->used = 0;
	j->full = false;
}

/* Compiles block `b` for the current CPL into c's buffer and sets b->jit;
 * leaves b->jit NULL when the block is not one the compiler takes (not
 * 64-bit code) or the buffer is full. */
void jit_compile(struct emu_cpu *c, struct block *b);

#endif
