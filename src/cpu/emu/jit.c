/* The block compiler (see jit.h).
 *
 * Generated code keeps no guest state in host registers across
 * instructions: every instruction loads its operands from struct emu_cpu
 * and stores its results back, so any instruction can hand over to an
 * interpreter handler, and a fault can longjmp out at any call, without a
 * register map to write back.  rbx holds the emu_cpu pointer; rax, rcx,
 * rdx, rsi, r8 and r9 are scratch within one instruction. */
#include "cpu/emu/jit.h"

#include <stddef.h>
#include <string.h>
#include <sys/mman.h>

#include "cpu/emu/alu.h"
#include "cpu/emu/cpu.h"
#include "cpu/emu/dcache.h"
#include "cpu/emu/x64_emit.h"

#define OFF(f) ((int32_t)offsetof(struct emu_cpu, f))
#define REG(n) ((int32_t)(offsetof(struct emu_cpu, r) + 8u * (unsigned)(n)))
#define LF(f) ((int32_t)(offsetof(struct emu_cpu, lf) + offsetof(struct lazy_flags, f)))
/* The most code one instruction can need (a store with its slow path
 * and the check after it is about 250 bytes), with room to spare. */
#define INSN_CODE_MAX 512

bool jit_buf_init(struct jit_buf *j, size_t size)
{
	void *m = mmap(NULL, size, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	j->mem = m == MAP_FAILED ? NULL : m;
	j->size = j->mem ? size : 0;
	jit_buf_reset(j);
	return j->mem != NULL;
}

void jit_buf_fini(struct jit_buf *j)
{
	if (j->mem)
		munmap(j->mem, j->size);
	j->mem = NULL;
	j->size = 0;
}

/* Whether the host's arithmetic flags, at this point of the generated
 * code, are the guest's: after an inline ALU instruction they are (it ran
 * the same operation at the same size, and only MOVs follow it), so a Jcc,
 * ADC, SBB, INC or DEC right after it reads them directly instead of
 * evaluating the lazy record. */
enum { LIVE_NONE, LIVE_ALL, LIVE_NO_CF };

struct jctx {
	struct x64_buf b;
	const struct block *blk;
	unsigned user;	   /* 1: the block runs at CPL 3 (user TLB) */
	unsigned pending;  /* instructions done but not yet in icount */
	uint64_t rip, next; /* of the instruction being compiled */
	unsigned live_in;  /* LIVE_*: before the instruction */
	unsigned live;	   /* LIVE_*: after it (emitters set it) */
	bool ended;	   /* the instruction left the block on every path */
	bool stored;	   /* the instruction stored to guest memory */
};

static void count_flush(struct jctx *j)
{
	if (j->pending)
		x64_add_mem_imm8(&j->b, OFF(icount), (int8_t)j->pending);
	j->pending = 0;
}

static void epilogue(struct jctx *j)
{
	x64_pop(&j->b, H_RBX);
	x64_byte(&j->b, 0xc3);
}

/* Leaves the block through a link slot: a JMP that first goes to the
 * code right after it, which names the slot for the run loop and returns;
 * jit_link makes it jump to the next block instead. */
static void exit_linked(struct jctx *j)
{
	uint8_t *slot = x64_jmp_fwd(&j->b);

	x64_mov_imm(&j->b, H_RAX, (uint64_t)(uintptr_t)slot);
	x64_store(&j->b, true, H_RAX, OFF(jit_exit));
	epilogue(j);
}

void jit_link(uint8_t *slot, const struct block *to)
{
	int32_t rel = (int32_t)(to->jit_chain - slot);

	memcpy(slot - 4, &rel, 4);
}

/* Leaves the block after this instruction for RIP = `to` (or rax, when
 * `to` is NULL), counted; through a link slot when RIP is a constant. */
static void leave_to(struct jctx *j, const uint64_t *to)
{
	if (to)
		x64_mov_imm(&j->b, H_RAX, *to);
	x64_store(&j->b, true, H_RAX, OFF(rip));
	x64_add_mem_imm8(&j->b, OFF(icount), (int8_t)(j->pending + 1));
	if (to)
		exit_linked(j);
	else
		epilogue(j);
}

/* Leaves the block when condition `cc` holds, with `extra` more
 * instructions counted than are pending. */
static void exit_if(struct jctx *j, unsigned cc, unsigned extra)
{
	uint8_t *stay = x64_jcc_fwd(&j->b, cc ^ 1);

	if (j->pending + extra)
		x64_add_mem_imm8(&j->b, OFF(icount), (int8_t)(j->pending + extra));
	epilogue(j);
	x64_patch_here(&j->b, stay);
}

/* insn_rip and rip as block_run sets them before a handler runs. */
static void set_rips(struct jctx *j)
{
	x64_mov_imm(&j->b, H_RAX, j->rip);
	x64_store(&j->b, true, H_RAX, OFF(insn_rip));
	x64_mov_imm(&j->b, H_RAX, j->next);
	x64_store(&j->b, true, H_RAX, OFF(rip));
}

/* A store may have hit the block's own page: leave if its generation
 * moved (self-modifying code), `extra` as for exit_if. */
static void smc_check(struct jctx *j, unsigned extra)
{
	x64_mov_imm(&j->b, H_RAX, (uint64_t)(uintptr_t)j->blk->genp);
	x64_cmp_m32_imm(&j->b, H_RAX, j->blk->gen);
	exit_if(j, CC_NE, extra);
}

static void call_abs(struct jctx *j, const void *fn)
{
	x64_mov_imm(&j->b, H_RAX, (uint64_t)(uintptr_t)fn);
	x64_call_reg(&j->b, H_RAX);
}

/* Whether `d` is a direct near branch (its target known when compiled). */
static bool is_direct_branch(const struct insn *d)
{
	if (d->map == DEC_MAP_0F)
		return d->op >= 0x80 && d->op <= 0x8f;
	return d->map == DEC_MAP_1B &&
	       ((d->op >= 0x70 && d->op <= 0x7f) || d->op == 0xe8 ||
		d->op == 0xe9 || d->op == 0xeb);
}

/* After a handler that ends the block: RIP is one of at most two known
 * places when the instruction chains (dcache_chains) and continues or
 * branches directly; each gets a link slot. */
static void handler_exits(struct jctx *j, const struct insn *d)
{
	uint64_t to[2] = { j->next, j->next + d->imm };
	unsigned n = is_direct_branch(d) ? 2 : dcache_continues(d) ? 1 : 0;

	count_flush(j);
	if (!dcache_chains(d))
		n = 0;
	for (unsigned i = 0; i < n; i++) {
		uint8_t *other;

		x64_mov_imm(&j->b, H_RAX, to[i]);
		x64_op_mem(&j->b, 0x3b, true, H_RAX, OFF(rip)); /* cmp rax, [rip] */
		other = x64_jcc_fwd(&j->b, CC_NE);
		exit_linked(j);
		x64_patch_here(&j->b, other);
	}
	epilogue(j);
	j->ended = true;
}

/* d->fn(c, d, next): the interpreter's handler for `d`, right after
 * set_rips (which leaves `next` in rax). */
static void call_handler(struct jctx *j, const struct insn *d)
{
	x64_mov_rr(&j->b, true, H_RDI, H_RBX);
	x64_mov_imm(&j->b, H_RSI, (uint64_t)(uintptr_t)d);
	x64_mov_rr(&j->b, true, H_RDX, H_RAX);
	call_abs(j, (const void *)d->fn);
}

/* The interpreter's handler for `d`, then block_run's checks. */
static void emit_handler(struct jctx *j, const struct insn *d, bool last)
{
	count_flush(j);
	set_rips(j);
	call_handler(j, d);
	j->pending = 1;
	if (last) {
		handler_exits(j, d);
		return;
	}
	x64_mov_imm(&j->b, H_RAX, j->next);
	x64_op_mem(&j->b, 0x3b, true, H_RAX, OFF(rip)); /* cmp rax, [rip] */
	exit_if(j, CC_NE, 0);
	smc_check(j, 0);
}

/* ---- inline forms ---- */

static void lf_store(struct jctx *j, unsigned op, unsigned size,
		     unsigned res, unsigned a, unsigned b)
{
	x64_store(&j->b, true, res, LF(res));
	x64_store(&j->b, true, a, LF(a));
	x64_store(&j->b, true, b, LF(b));
	x64_store16_imm(&j->b, LF(op), (uint16_t)(op | size << 8));
}

/* ALU op of group 1 (ALU_*) or TEST (8) on a = rax and b = rcx (both
 * already loaded and masked to `size`), result in rdx, masked.  ADC and
 * SBB take their carry in from r8 (alu_inline_op).  The host flags are
 * the guest's afterwards. */
#define ALU_TEST 8
/* The host's opcode (r/m, reg form; the byte form is one below) and the
 * lazy-flags record of each ALU operation. */
static const uint8_t alu_host_op[9] = {
	[ALU_ADD] = 0x01, [ALU_OR] = 0x09, [ALU_ADC] = 0x11,
	[ALU_SBB] = 0x19, [ALU_AND] = 0x21, [ALU_SUB] = 0x29,
	[ALU_XOR] = 0x31, [ALU_CMP] = 0x29, [ALU_TEST] = 0x21,
};
static const uint8_t alu_lf_op[9] = {
	[ALU_ADD] = LF_ADD, [ALU_OR] = LF_LOGIC, [ALU_ADC] = LF_ADC,
	[ALU_SBB] = LF_SBB, [ALU_AND] = LF_LOGIC, [ALU_SUB] = LF_SUB,
	[ALU_XOR] = LF_LOGIC, [ALU_CMP] = LF_SUB, [ALU_TEST] = LF_LOGIC,
};

static void alu_core(struct jctx *j, unsigned op, unsigned size)
{
	bool carry = op == ALU_ADC || op == ALU_SBB;

	x64_mov_rr(&j->b, true, H_RDX, H_RAX);
	if (carry)
		x64_bt0(&j->b, H_R8);
	/* The byte forms are one opcode below the others (00 vs 01...);
	 * a byte result leaves rdx's upper bits zero, as rax's are. */
	x64_rr(&j->b, alu_host_op[op] - (size == 1), size == 8, H_RDX, H_RCX);
	lf_store(j, alu_lf_op[op], size, H_RDX, H_RAX, H_RCX);
	if (carry)
		x64_store8(&j->b, H_R8, LF(cin));
	j->live = LIVE_ALL;
}

/* Where a guest register of `size` bytes lives in struct emu_cpu: the
 * byte registers AH..BH (4-7 without REX) are byte 1 of RAX..RBX. */
static int32_t reg_off(const struct insn *d, unsigned n, unsigned size)
{
	if (size == 1 && !d->rex && n >= 4 && n < 8)
		return REG(n - 4) + 1;
	return REG(n);
}

static void reg_load(struct jctx *j, const struct insn *d, unsigned h,
		     unsigned n, unsigned size)
{
	if (size == 1)
		x64_load8(&j->b, h, reg_off(d, n, 1));
	else
		x64_load(&j->b, size == 8, h, REG(n));
}

/* A register result: a byte merges, a 32-bit one zero-extends. */
static void reg_store(struct jctx *j, const struct insn *d, unsigned h,
		      unsigned n, unsigned size)
{
	if (size == 1)
		x64_store8(&j->b, h, reg_off(d, n, 1));
	else
		x64_store(&j->b, true, h, REG(n));
}

/* ADC and SBB need the guest's CF: inline only while the host has it,
 * saved in r8 before anything else can change the host flags. */
static bool alu_inline_op(struct jctx *j, unsigned op)
{
	if (op != ALU_ADC && op != ALU_SBB)
		return true;
	if (j->live_in != LIVE_ALL)
		return false;
	x64_setcc(&j->b, CC_B, H_R8);
	return true;
}

/* Jcc from live host flags; the taken path leaves the block. */
static bool emit_jcc(struct jctx *j, const struct insn *d, bool last)
{
	unsigned cc = d->op & 15;
	bool uses_cf = (cc >> 1) == 1 || (cc >> 1) == 3; /* B, AE, BE, A */
	uint64_t target = j->next + d->imm;
	uint8_t *taken, *over = NULL;

	if (j->live_in == LIVE_NONE || (j->live_in == LIVE_NO_CF && uses_cf))
		return false;
	taken = x64_jcc_fwd(&j->b, cc);
	if (last)
		leave_to(j, &j->next);
	else
		over = x64_jmp_fwd(&j->b);
	x64_patch_here(&j->b, taken);
	leave_to(j, &target);
	if (over)
		x64_patch_here(&j->b, over);
	j->live = j->live_in;
	j->ended = last;
	return true;
}

/* INC/DEC keep CF, which the lazy record then carries as cin. */
static bool emit_incdec(struct jctx *j, const struct insn *d)
{
	bool dec = insn_subop(d) == 1, w = d->osz == 8;

	if (j->live_in != LIVE_ALL)
		return false;
	x64_setcc(&j->b, CC_B, H_R8);
	x64_load(&j->b, w, H_RAX, REG(d->rm));
	x64_mov_rr(&j->b, true, H_RDX, H_RAX);
	x64_mov_imm(&j->b, H_RCX, 1);
	x64_incdec(&j->b, dec, w, H_RDX);
	lf_store(j, dec ? LF_DEC : LF_INC, d->osz, H_RDX, H_RAX, H_RCX);
	x64_store8(&j->b, H_R8, LF(cin));
	x64_store(&j->b, true, H_RDX, REG(d->rm));
	j->live = LIVE_ALL;
	return true;
}

/* SHL/SHR/SAR by a constant, as exec_fast.c's SHIFT_RI. */
static void emit_shift(struct jctx *j, const struct insn *d)
{
	unsigned size = d->osz, sub = insn_subop(d) == 6 ? 4 : insn_subop(d);
	unsigned cnt = (d->op == 0xc1 ? (unsigned)d->imm : 1) & (size == 8 ? 63 : 31);
	bool w = size == 8;

	x64_load(&j->b, w, H_RAX, REG(d->rm));
	if (!cnt) {
		x64_store(&j->b, true, H_RAX, REG(d->rm));
		return;
	}
	x64_mov_rr(&j->b, true, H_RDX, H_RAX);
	x64_shift_imm(&j->b, sub, w, H_RDX, cnt);
	x64_setcc(&j->b, CC_B, H_RCX); /* CF: the last bit out */
	if (sub == 7) {
		x64_rr(&j->b, 0x31, false, H_RSI, H_RSI); /* SAR: OF = 0 */
	} else {
		/* SHL: OF = MSB(result) ^ CF; SHR: OF = MSB(operand). */
		x64_mov_rr(&j->b, true, H_RSI, sub == 4 ? H_RDX : H_RAX);
		x64_shift_imm(&j->b, 5, true, H_RSI, 8 * size - 1);
		if (sub == 4)
			x64_rr(&j->b, 0x31, false, H_RSI, H_RCX);
	}
	lf_store(j, LF_RESULT, size, H_RDX, H_RCX, H_RSI);
	x64_store(&j->b, true, H_RDX, REG(d->rm));
}

/* ROL/ROR by a constant change only CF and OF: from live host flags the
 * host's rotate leaves all six as the guest's, which are then stored
 * materialised (lf.op = LF_NONE), as the interpreter's flags_set does. */
static bool emit_rotate(struct jctx *j, const struct insn *d)
{
	unsigned size = d->osz;
	unsigned cnt = (d->op == 0xc1 ? (unsigned)d->imm : 1) & (size == 8 ? 63 : 31);
	bool w = size == 8;

	if (j->live_in != LIVE_ALL && cnt)
		return false;
	x64_load(&j->b, w, H_RAX, REG(d->rm));
	if (cnt) {
		x64_shift_imm(&j->b, insn_subop(d), w, H_RAX, cnt);
		x64_byte(&j->b, 0x9c); /* pushfq; pop rcx */
		x64_pop(&j->b, H_RCX);
		x64_grp1_imm(&j->b, 4, false, H_RCX, (uint32_t)FL_ARITH);
		x64_load(&j->b, true, H_RDX, OFF(rflags));
		x64_grp1_imm(&j->b, 4, true, H_RDX, (uint32_t)~FL_ARITH);
		x64_rr(&j->b, 0x09, true, H_RDX, H_RCX);
		x64_store(&j->b, true, H_RDX, OFF(rflags));
		x64_store16_imm(&j->b, LF(op), LF_NONE | (uint16_t)(size << 8));
	} else {
		j->live = j->live_in; /* count 0: flags alone */
	}
	x64_store(&j->b, true, H_RAX, REG(d->rm));
	return true;
}

static void emit_imul(struct jctx *j, const struct insn *d)
{
	bool w = d->osz == 8;

	x64_load(&j->b, w, H_RAX, REG(d->reg));
	x64_load(&j->b, w, H_RCX, REG(d->rm));
	x64_imul_rr(&j->b, w, H_RAX, H_RCX);
	x64_setcc(&j->b, CC_O, H_RDX); /* CF = OF = the product overflowed */
	lf_store(j, LF_RESULT, d->osz, H_RAX, H_RDX, H_RDX);
	x64_store(&j->b, true, H_RAX, REG(d->reg));
}

/* rax = the LEA of `d`, as ea_offset() and the operand size mask it. */
static void emit_lea(struct jctx *j, const struct insn *d)
{
	x64_mov_imm(&j->b, H_RAX, (uint64_t)d->disp + (d->riprel ? j->next : 0));
	if (d->base >= 0)
		x64_op_mem(&j->b, 0x03, true, H_RAX, REG(d->base));
	if (d->index >= 0) {
		x64_load(&j->b, true, H_RCX, REG(d->index));
		if (d->scale)
			x64_shift_imm(&j->b, 4, true, H_RCX, d->scale);
		x64_rr(&j->b, 0x01, true, H_RAX, H_RCX);
	}
	if (d->asz == 4 || d->osz == 4)
		x64_mov_rr(&j->b, false, H_RAX, H_RAX);
	x64_store(&j->b, true, H_RAX, REG(d->reg));
}

/* rsi = the flat linear address of d's memory operand (64-bit mode,
 * 64-bit addressing, a segment whose base is 0: [base + index*scale +
 * disp] or [rip + disp], either constant part folded in). */
static void ea_flat(struct jctx *j, const struct insn *d)
{
	uint64_t fixed = (uint64_t)d->disp + (d->riprel ? j->next : 0);

	if (d->base >= 0) {
		x64_load(&j->b, true, H_RSI, REG(d->base));
		if (fixed)
			x64_grp1_imm(&j->b, 0, true, H_RSI, (uint32_t)fixed);
	} else {
		x64_mov_imm(&j->b, H_RSI, fixed);
	}
	if (d->index >= 0) {
		x64_load(&j->b, true, H_RCX, REG(d->index));
		if (d->scale)
			x64_shift_imm(&j->b, 4, true, H_RCX, d->scale);
		x64_rr(&j->b, 0x01, true, H_RSI, H_RCX);
	}
}

/* The TLB hit test for `len` bytes at rsi: on a hit rdx = the page's host
 * address and rcx = the offset in it; returns the jump to patch to the
 * miss path. */
static uint8_t *tlb_lookup(struct jctx *j, unsigned len, bool write,
			   uint8_t **miss2)
{
	int32_t tlb = (int32_t)(offsetof(struct emu_cpu, tlb) +
				j->user * TLB_SIZE * sizeof(struct tlb_entry));
	int8_t tag = (int8_t)(write ? offsetof(struct tlb_entry, tag_w)
				    : offsetof(struct tlb_entry, tag_r));
	uint8_t *miss;

	x64_mov_rr(&j->b, true, H_RAX, H_RSI); /* tlb_index() */
	x64_shift_imm(&j->b, 5, true, H_RAX, 12);
	x64_mov_rr(&j->b, true, H_RCX, H_RAX);
	x64_shift_imm(&j->b, 5, true, H_RCX, TLB_BITS);
	x64_rr(&j->b, 0x31, false, H_RAX, H_RCX);
	x64_grp1_imm(&j->b, 4, false, H_RAX, TLB_SIZE - 1);
	x64_byte(&j->b, 0x69); /* imul eax, eax, sizeof */
	x64_byte(&j->b, 0xc0);
	x64_u32(&j->b, (uint32_t)sizeof(struct tlb_entry));
	x64_lea(&j->b, H_RDX, H_RBX, H_RAX, 0, tlb);
	x64_mov_rr(&j->b, true, H_RAX, H_RSI);
	x64_grp1_imm(&j->b, 4, true, H_RAX, 0xfffff000u);
	x64_cmp_reg_mem8(&j->b, H_RAX, H_RDX, tag);
	miss = x64_jcc_fwd(&j->b, CC_NE);
	x64_mov_rr(&j->b, false, H_RCX, H_RSI);
	x64_grp1_imm(&j->b, 4, false, H_RCX, 0xfff);
	x64_grp1_imm(&j->b, 7, false, H_RCX, 4096 - len);
	*miss2 = x64_jcc_fwd(&j->b, CC_A);
	x64_load_disp8(&j->b, H_RDX, H_RDX,
		       (int8_t)offsetof(struct tlb_entry, host));
	return miss;
}

/* Around a call that may fault: icount exact, RIPs set; undone after so
 * that both paths join with the same pending count. */
static void slow_enter(struct jctx *j)
{
	if (j->pending)
		x64_add_mem_imm8(&j->b, OFF(icount), (int8_t)j->pending);
	set_rips(j);
	/* r8 may hold a saved carry (alu_inline_op); two pushes keep the
	 * stack aligned for the call. */
	x64_push(&j->b, H_R8);
	x64_push(&j->b, H_R9);
}

static void slow_leave(struct jctx *j)
{
	x64_pop(&j->b, H_R9);
	x64_pop(&j->b, H_R8);
	if (j->pending)
		x64_add_mem_imm8(&j->b, OFF(icount), (int8_t)-(int8_t)j->pending);
}

/* The TLB miss path starts here: both miss jumps land on it, and it
 * readies a call of mem_*_slow(c, va = rsi, len, ...). */
static void miss_path(struct jctx *j, uint8_t *miss, uint8_t *miss2,
		      unsigned len)
{
	x64_patch_here(&j->b, miss);
	x64_patch_here(&j->b, miss2);
	slow_enter(j);
	x64_mov_rr(&j->b, true, H_RDI, H_RBX);
	x64_mov_imm(&j->b, H_RDX, len);
}

/* rax = `len` bytes at rsi, zero-extended. */
static void emit_read(struct jctx *j, unsigned len)
{
	uint8_t *miss2, *miss = tlb_lookup(j, len, false, &miss2), *done;

	x64_load_idx(&j->b, len, H_RAX, H_RDX, H_RCX);
	done = x64_jmp_fwd(&j->b);
	miss_path(j, miss, miss2, len);
	x64_mov_imm(&j->b, H_RCX, j->user);
	call_abs(j, (const void *)mem_read_slow);
	slow_leave(j);
	x64_patch_here(&j->b, done);
}

/* `len` bytes of r9 to rsi.  The fast path cannot hit cached code (code
 * pages have no write tags); the slow one may: the instruction is then
 * followed by smc_check_after. */
static void emit_write(struct jctx *j, unsigned len)
{
	uint8_t *miss2, *miss = tlb_lookup(j, len, true, &miss2), *done;

	x64_store_idx(&j->b, len, H_R9, H_RDX, H_RCX);
	done = x64_jmp_fwd(&j->b);
	miss_path(j, miss, miss2, len);
	x64_mov_rr(&j->b, true, H_RCX, H_R9);
	x64_mov_imm(&j->b, H_R8, j->user);
	call_abs(j, (const void *)mem_write_slow);
	slow_leave(j);
	x64_patch_here(&j->b, done);
	j->stored = true;
}

/* After an inline instruction that stored: if the store was into this
 * block's page (only a slow-path store can be), leave with RIP after the
 * instruction, as block_run does. */
static void smc_check_after(struct jctx *j)
{
	uint8_t *same;

	x64_mov_imm(&j->b, H_RAX, (uint64_t)(uintptr_t)j->blk->genp);
	x64_cmp_m32_imm(&j->b, H_RAX, j->blk->gen);
	same = x64_jcc_fwd(&j->b, CC_E);
	x64_mov_imm(&j->b, H_RAX, j->next); /* no link: the page changed */
	leave_to(j, NULL);
	x64_patch_here(&j->b, same);
}

static bool is_flat(const struct insn *d)
{
	return d->mode == DEC_MODE64 && d->asz == 8 && d->seg < X86_FS;
}

static unsigned opreg(const struct insn *d)
{
	return (d->op & 7) | ((d->rex & 1) << 3);
}

/* MOV of a byte: 88 (r/m8 = r8), 8A (r8 = r/m8), C6 /0 (r/m8 = imm8). */
static bool emit_mov8(struct jctx *j, const struct insn *d)
{
	bool reg = d->mod == 3;

	if ((d->op == 0xc6 && insn_subop(d)) || (!reg && !is_flat(d)))
		return false;
	if (reg) {
		if (d->op == 0xc6)
			x64_mov_imm(&j->b, H_RAX, d->imm & 0xff);
		else
			reg_load(j, d, H_RAX, d->op == 0x88 ? d->reg : d->rm, 1);
		reg_store(j, d, H_RAX, d->op == 0x8a ? d->reg : d->rm, 1);
		j->live = j->live_in;
		return true;
	}
	ea_flat(j, d);
	if (d->op == 0x8a) {
		emit_read(j, 1);
		reg_store(j, d, H_RAX, d->reg, 1);
		return true;
	}
	if (d->op == 0xc6)
		x64_mov_imm(&j->b, H_R9, d->imm & 0xff);
	else
		reg_load(j, d, H_R9, d->reg, 1);
	emit_write(j, 1);
	return true;
}

enum { SRC_REG, SRC_RM, SRC_IMM };

/* op [mem], reg/imm (not ADC/SBB, not LOCK): while the page has a write
 * entry in the TLB, read, operate and write back inline; otherwise the
 * interpreter's handler does the whole instruction (it knows the fault a
 * read-modify-write raises).  The host flags are not kept: the two ways
 * join with the lazy record only. */
static bool emit_alu_rmw(struct jctx *j, const struct insn *d, unsigned op,
			 unsigned size, unsigned src)
{
	uint8_t *miss, *miss2, *done;

	if (op == ALU_ADC || op == ALU_SBB || !is_flat(d))
		return false;
	ea_flat(j, d);
	miss = tlb_lookup(j, size, true, &miss2);
	x64_load_idx(&j->b, size, H_RAX, H_RDX, H_RCX);
	if (src == SRC_IMM)
		x64_mov_imm(&j->b, H_R9, d->imm & size_mask(size));
	else
		reg_load(j, d, H_R9, d->reg, size);
	x64_mov_rr(&j->b, true, H_R10, H_RAX);
	x64_rr(&j->b, alu_host_op[op] - (size == 1), size == 8, H_R10, H_R9);
	x64_store_idx(&j->b, size, H_R10, H_RDX, H_RCX);
	lf_store(j, alu_lf_op[op], size, H_R10, H_RAX, H_R9);
	done = x64_jmp_fwd(&j->b);
	x64_patch_here(&j->b, miss);
	x64_patch_here(&j->b, miss2);
	slow_enter(j);
	call_handler(j, d);
	slow_leave(j);
	x64_patch_here(&j->b, done);
	j->stored = true; /* the handler's store may hit this page */
	return true;
}

/* An ALU instruction (ALU_* or ALU_TEST) whose destination is the r/m
 * operand (rm_dst), the reg field or rAX (neither: `acc`), and whose
 * source is the reg field, the r/m operand or the immediate.  A memory
 * operand must be flat, and a memory destination is only read (CMP,
 * TEST): read-modify-write forms stay with the interpreter. */
static bool emit_alu(struct jctx *j, const struct insn *d, unsigned op,
		     unsigned size, bool rm_dst, bool acc, unsigned src)
{
	bool mem = d->mod != 3 && (rm_dst || src == SRC_RM) && !acc;
	unsigned dst = acc ? X86_RAX : rm_dst ? d->rm : d->reg;
	bool keeps = op == ALU_CMP || op == ALU_TEST;

	if (size == 2 || (mem && !is_flat(d)))
		return false;
	if (mem && rm_dst && !keeps)
		return !d->lock && emit_alu_rmw(j, d, op, size, src);
	if (!alu_inline_op(j, op))
		return false;
	if (mem) {
		ea_flat(j, d);
		emit_read(j, size);
	}
	if (mem && src == SRC_RM) {
		x64_mov_rr(&j->b, true, H_RCX, H_RAX);
		reg_load(j, d, H_RAX, dst, size);
	} else {
		if (!mem)
			reg_load(j, d, H_RAX, dst, size);
		if (src == SRC_IMM)
			x64_mov_imm(&j->b, H_RCX, d->imm & size_mask(size));
		else
			reg_load(j, d, H_RCX, src == SRC_REG ? d->reg : d->rm, size);
	}
	alu_core(j, op, size);
	if (!keeps)
		reg_store(j, d, H_RDX, dst, size);
	return true;
}

/* The one-byte ALU opcodes 00-3D: the operation in bits 3-5; forms 0-3
 * r/m,reg / reg,r/m in bytes or full size; 4-5 the accumulator and an
 * immediate. */
static bool emit_alu_family(struct jctx *j, const struct insn *d)
{
	unsigned form = d->op & 7, op = d->op >> 3;
	unsigned size = form & 1 ? d->osz : 1;

	if (form > 5)
		return false;
	if (form >= 4)
		return emit_alu(j, d, op, size, false, true, SRC_IMM);
	return emit_alu(j, d, op, size, form < 2, false,
			form < 2 ? SRC_REG : SRC_RM);
}

static bool emit_onebyte(struct jctx *j, const struct insn *d)
{
	unsigned op = d->op, size = d->osz;
	bool reg = d->mod == 3, w = size == 8;

	switch (op) {
	case 0x00 ... 0x3f:
		return emit_alu_family(j, d);
	case 0x80: case 0x81: case 0x83:
		return emit_alu(j, d, insn_subop(d), op == 0x80 ? 1 : size, true,
				false, SRC_IMM);
	case 0x84: case 0x85:
		return emit_alu(j, d, ALU_TEST, op == 0x84 ? 1 : size, true,
				false, SRC_REG);
	case 0xa8: case 0xa9:
		return emit_alu(j, d, ALU_TEST, op == 0xa8 ? 1 : size, false,
				true, SRC_IMM);
	case 0xf6: case 0xf7:
		return insn_subop(d) <= 1 &&
		       emit_alu(j, d, ALU_TEST, op == 0xf6 ? 1 : size, true,
				false, SRC_IMM);
	case 0x90: /* NOP, not XCHG r8, rAX nor PAUSE */
		if ((d->rex & 1) || d->rep)
			return false;
		j->live = j->live_in;
		return true;
	case 0x88: case 0x8a: case 0xc6:
		return emit_mov8(j, d);
	default:
		break;
	}
	if (size != 4 && size != 8)
		return false;
	switch (op) {
	case 0xc7:
		if (insn_subop(d))
			return false;
		if (reg) {
			x64_mov_imm(&j->b, H_RAX, d->imm & size_mask(size));
			x64_store(&j->b, true, H_RAX, REG(d->rm));
			j->live = j->live_in;
			return true;
		}
		if (!is_flat(d))
			return false;
		ea_flat(j, d);
		x64_mov_imm(&j->b, H_R9, d->imm & size_mask(size));
		emit_write(j, size);
		return true;
	case 0x89:
		if (reg) {
			x64_load(&j->b, w, H_RAX, REG(d->reg));
			x64_store(&j->b, true, H_RAX, REG(d->rm));
			j->live = j->live_in; /* MOVs keep the host flags */
			return true;
		}
		if (!is_flat(d))
			return false;
		ea_flat(j, d);
		x64_load(&j->b, true, H_R9, REG(d->reg));
		emit_write(j, size);
		return true;
	case 0x8b:
		if (reg) {
			x64_load(&j->b, w, H_RAX, REG(d->rm));
			j->live = j->live_in;
		} else if (is_flat(d)) {
			ea_flat(j, d);
			emit_read(j, size);
		} else {
			return false;
		}
		x64_store(&j->b, true, H_RAX, REG(d->reg));
		return true;
	case 0x8d:
		if (reg)
			return false;
		emit_lea(j, d);
		return true;
	case 0xb8 ... 0xbf:
		x64_mov_imm(&j->b, H_RAX, d->imm & size_mask(size));
		x64_store(&j->b, true, H_RAX, REG(opreg(d)));
		j->live = j->live_in;
		return true;
	case 0xff:
		return reg && insn_subop(d) <= 1 && emit_incdec(j, d);
	case 0xc1: case 0xd1:
		if (!reg || insn_subop(d) == 2 || insn_subop(d) == 3)
			return false;
		if (insn_subop(d) < 2)
			return emit_rotate(j, d);
		emit_shift(j, d);
		return true;
	case 0x50 ... 0x57: /* PUSH r64: the store first, then RSP */
		if (!w)
			return false;
		x64_load(&j->b, true, H_RSI, REG(X86_RSP));
		x64_grp1_imm(&j->b, 5, true, H_RSI, 8);
		x64_load(&j->b, true, H_R9, REG(opreg(d)));
		emit_write(j, 8);
		/* rsi did not survive a slow write: recompute. */
		x64_load(&j->b, true, H_RCX, REG(X86_RSP));
		x64_grp1_imm(&j->b, 5, true, H_RCX, 8);
		x64_store(&j->b, true, H_RCX, REG(X86_RSP));
		return true;
	case 0x58 ... 0x5f: /* POP r64: RSP first, so POP RSP loads */
		if (!w)
			return false;
		x64_load(&j->b, true, H_RSI, REG(X86_RSP));
		emit_read(j, 8);
		x64_load(&j->b, true, H_RCX, REG(X86_RSP));
		x64_grp1_imm(&j->b, 0, true, H_RCX, 8);
		x64_store(&j->b, true, H_RCX, REG(X86_RSP));
		x64_store(&j->b, true, H_RAX, REG(opreg(d)));
		return true;
	default:
		return false;
	}
}

static bool emit_twobyte(struct jctx *j, const struct insn *d)
{
	switch (d->op) {
	case 0xaf:
		if (d->mod != 3)
			return false;
		emit_imul(j, d);
		return true;
	case 0xb6: case 0xb7: case 0xbe: case 0xbf: {
		unsigned from = (d->op & 1) ? 2 : 1;

		if (d->mod == 3 && from == 1) {
			x64_load8(&j->b, H_RAX, reg_off(d, d->rm, 1));
			j->live = j->live_in; /* MOVs only */
		} else if (d->mod == 3) {
			x64_load16(&j->b, H_RAX, REG(d->rm));
			j->live = j->live_in;
		} else if (is_flat(d)) {
			ea_flat(j, d);
			emit_read(j, from);
		} else {
			return false;
		}
		if (d->op >= 0xbe) { /* movsx rax, al / ax */
			x64_byte(&j->b, 0x48);
			x64_byte(&j->b, 0x0f);
			x64_byte(&j->b, from == 1 ? 0xbe : 0xbf);
			x64_byte(&j->b, 0xc0);
			if (d->osz == 4)
				x64_mov_rr(&j->b, false, H_RAX, H_RAX);
		}
		x64_store(&j->b, true, H_RAX, REG(d->reg));
		return true;
	}
	default:
		return false;
	}
}

/* Near JMP, CALL and RET in 64-bit mode: they end blocks. */
static bool emit_branch(struct jctx *j, const struct insn *d)
{
	switch (d->op) {
	case 0xe9: case 0xeb:
		break;
	case 0xe8: /* the push first: its fault leaves RSP and RIP alone */
		x64_load(&j->b, true, H_RSI, REG(X86_RSP));
		x64_grp1_imm(&j->b, 5, true, H_RSI, 8);
		x64_mov_imm(&j->b, H_R9, j->next);
		emit_write(j, 8);
		x64_load(&j->b, true, H_RCX, REG(X86_RSP));
		x64_grp1_imm(&j->b, 5, true, H_RCX, 8);
		x64_store(&j->b, true, H_RCX, REG(X86_RSP));
		break;
	case 0xc3:
		x64_load(&j->b, true, H_RSI, REG(X86_RSP));
		emit_read(j, 8);
		x64_load(&j->b, true, H_RCX, REG(X86_RSP));
		x64_grp1_imm(&j->b, 0, true, H_RCX, 8);
		x64_store(&j->b, true, H_RCX, REG(X86_RSP));
		leave_to(j, NULL); /* RET: RIP known only at run time */
		j->ended = true;
		return true;
	default:
		return false;
	}
	{
		uint64_t target = j->next + d->imm;

		leave_to(j, &target);
	}
	j->ended = true;
	return true;
}

/* SETcc r8 and CMOVcc r, r from live host flags. */
static bool emit_flag_reader(struct jctx *j, const struct insn *d)
{
	unsigned cc = d->op & 15;
	bool uses_cf = (cc >> 1) == 1 || (cc >> 1) == 3;

	if (d->mod != 3 || j->live_in == LIVE_NONE ||
	    (j->live_in == LIVE_NO_CF && uses_cf))
		return false;
	if (d->op >= 0x90) {
		x64_byte(&j->b, 0x0f); /* setcc al */
		x64_byte(&j->b, 0x90 + cc);
		x64_byte(&j->b, 0xc0);
		reg_store(j, d, H_RAX, d->rm, 1);
	} else {
		bool w = d->osz == 8;

		x64_load(&j->b, w, H_RAX, REG(d->reg));
		x64_load(&j->b, w, H_RCX, REG(d->rm));
		x64_rex(&j->b, w, H_RAX, H_RCX, false); /* cmovcc rax, rcx */
		x64_byte(&j->b, 0x0f);
		x64_byte(&j->b, 0x40 + cc);
		x64_byte(&j->b, 0xc1);
		x64_store(&j->b, true, H_RAX, REG(d->reg));
	}
	j->live = j->live_in;
	return true;
}

/* MOVSXD r64, r/m32. */
static bool emit_movsxd(struct jctx *j, const struct insn *d)
{
	if (d->osz != 8)
		return false;
	if (d->mod == 3) {
		x64_op_mem(&j->b, 0x63, true, H_RAX, REG(d->rm));
	} else {
		if (!is_flat(d))
			return false;
		ea_flat(j, d);
		emit_read(j, 4);
		x64_byte(&j->b, 0x48); /* movsxd rax, eax */
		x64_byte(&j->b, 0x63);
		x64_byte(&j->b, 0xc0);
	}
	x64_store(&j->b, true, H_RAX, REG(d->reg));
	return true;
}

/* Emits `d` inline if it is one of the forms above. */
static bool emit_inline(struct jctx *j, const struct insn *d, bool last)
{
	bool jcc = d->map == DEC_MAP_1B ? d->op >= 0x70 && d->op <= 0x7f
					: d->map == DEC_MAP_0F && d->op >= 0x80 && d->op <= 0x8f;

	if (jcc && !d->lock && !d->rep) /* any operand size: 64-bit RIP */
		return emit_jcc(j, d, last);
	if (d->lock)
		return false;
	if (d->map == DEC_MAP_1B && !d->rep &&
	    (d->op == 0xe8 || d->op == 0xe9 || d->op == 0xeb || d->op == 0xc3))
		return emit_branch(j, d);
	if (d->map == DEC_MAP_1B && d->op == 0x63)
		return emit_movsxd(j, d);
	if (d->map == DEC_MAP_1B)
		return emit_onebyte(j, d);
	if (d->map == DEC_MAP_0F && !d->pfx66 && !d->rep &&
	    ((d->op >= 0x90 && d->op <= 0x9f) ||
	     (d->op >= 0x40 && d->op <= 0x4f && (d->osz == 4 || d->osz == 8))))
		return emit_flag_reader(j, d);
	if (d->map == DEC_MAP_0F && d->op == 0x1f) { /* NOP r/m: no access */
		j->live = j->live_in;
		return true;
	}
	if (d->osz != 4 && d->osz != 8)
		return false;
	if (d->map == DEC_MAP_0F && !d->pfx66 && !d->rep)
		return emit_twobyte(j, d);
	return false;
}

/* The two entries: from C (prologue) and from another block's link
 * slot (already in a compiled frame), which first checks what blocks_run
 * checks between blocks.  Returns the chain entry. */
static uint8_t *chain_entry(struct jctx *j, const struct block *b)
{
	uint8_t *to_body, *chain, *fail[4];

	x64_push(&j->b, H_RBX); /* also aligns the stack for calls */
	x64_mov_rr(&j->b, true, H_RBX, H_RDI);
	to_body = x64_jmp_fwd(&j->b);
	chain = j->b.p;
	/* The whole block within the instruction limit. */
	x64_load(&j->b, true, H_RAX, OFF(icount));
	x64_grp1_imm(&j->b, 0, true, H_RAX, b->n);
	x64_op_mem(&j->b, 0x3b, true, H_RAX, OFF(jit_limit));
	fail[0] = x64_jcc_fwd(&j->b, CC_A);
	x64_cmp_mem32_zero(&j->b, OFF(events));
	fail[1] = x64_jcc_fwd(&j->b, CC_NE);
	x64_cmp_mem32_zero(&j->b, OFF(debug_on));
	fail[2] = x64_jcc_fwd(&j->b, CC_NE);
	x64_mov_imm(&j->b, H_RAX, (uint64_t)(uintptr_t)b->genp);
	x64_cmp_m32_imm(&j->b, H_RAX, b->gen);
	fail[3] = x64_jcc_fwd(&j->b, CC_NE);
	x64_mov_imm(&j->b, H_RAX, (uint64_t)(uintptr_t)b);
	x64_store(&j->b, true, H_RAX, OFF(jit_block));
	x64_patch_here(&j->b, to_body);
	{
		uint8_t *skip = x64_jmp_fwd(&j->b);

		for (unsigned i = 0; i < 4; i++)
			x64_patch_here(&j->b, fail[i]);
		epilogue(j); /* RIP and the count are already right */
		x64_patch_here(&j->b, skip);
	}
	return chain;
}

void jit_compile(struct emu_cpu *c, struct block *b)
{
	struct jit_buf *jb = &c->dcache->jit;
	struct jctx j = { .blk = b, .user = c->cpl == 3 };
	bool last_inline = false, too_big = false;
	uint8_t *start, *body;

	if (!jb->mem || jb->full || b->mode != DEC_MODE64)
		return;
	if (jb->size - jb->used < 64 + (size_t)b->n * INSN_CODE_MAX) {
		jb->full = true;
		return;
	}
	start = jb->mem + jb->used;
	j.b = (struct x64_buf){ .p = start, .end = jb->mem + jb->size };
	body = chain_entry(&j, b);
	j.rip = c->rip;
	for (unsigned i = 0; i < b->n; i++) {
		const struct insn *d = &b->insn[i];
		uint8_t *before = j.b.p;

		j.next = j.rip + d->len;
		j.live_in = j.live;
		j.live = LIVE_NONE;
		j.ended = false;
		j.stored = false;
		last_inline = emit_inline(&j, d, i + 1 == b->n);
		if (last_inline && j.stored && !j.ended && i + 1 < b->n)
			smc_check_after(&j);
		if (last_inline)
			j.pending++;
		else
			emit_handler(&j, d, i + 1 == b->n);
		if ((size_t)(j.b.p - before) > INSN_CODE_MAX)
			too_big = true; /* the room check above would lie */
		j.rip = j.next;
	}
	/* After an inline last instruction RIP is the one after it (a
	 * handler has set RIP itself). */
	if (!j.ended) { /* an inline last instruction: RIP goes on */
		x64_mov_imm(&j.b, H_RAX, j.rip);
		x64_store(&j.b, true, H_RAX, OFF(rip));
		count_flush(&j);
		exit_linked(&j);
	}
	if (too_big) /* a bug: give this block up, keep the buffer */
		return;
	if (j.b.full) {
		jb->full = true;
		return;
	}
	jb->used += (size_t)(j.b.p - start);
	jb->used = (jb->used + 15) & ~(size_t)15;
	b->jit = (jit_code *)(void *)start;
	b->jit_chain = body;
	b->jit_user = (uint8_t)j.user;
	b->jit_rip = c->rip;
	c->dcache->compiled++;
}
