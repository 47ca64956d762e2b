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
 * Exits to a known RIP on the same page (the end of the block, a taken
 * Jcc, a direct JMP or CALL) end in a link slot: once the run loop has
 * found the compiled block there, it patches the slot into a jump to that
 * block's chain entry, which re-checks what the run loop checks between
 * blocks (the instruction limit, pending events, a debugger, the page's
 * generation) and runs on without returning to C.
 *
 * The code lives in a per-vCPU buffer that is emptied together with the
 * block arena (dcache.c), so a block, its code and every link into it die
 * at the same time. */
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

/* Links the exit `slot` that compiled code left through (c->jit_exit)
 * straight to block `to`'s compiled code, which must run at the RIP that
 * exit leaves for, on the same page, in the same buffer generation. */
void jit_link(uint8_t *slot, const struct block *to);

/* Compiles block `b` for the current CPL into c's buffer and sets b->jit;
 * leaves b->jit NULL when the block is not one the compiler takes (not
 * 64-bit code) or the buffer is full. */
void jit_compile(struct emu_cpu *c, struct block *b);

#endif
