/* Pre-resolved handlers for the commonest instruction forms.
 *
 * When the decode cache builds a block it stores in each decoded
 * instruction the function that executes it (insn.fn, chosen once by
 * exec_pick): for the forms below a small handler specialised for the
 * operation, the operand size and register/memory form, with no opcode
 * switch left at run time; for everything else exec_insn, the general
 * opcode switch.  Each handler does exactly what the general path does for
 * its form (the differential tests run both: tests/difftest), and takes
 * only forms without LOCK and with 32/64-bit operands, whose register
 * writes need no byte/word merging. */
#include "cpu/emu/alu.h"
#include "cpu/emu/cpu.h"

/* Register/register ALU.  Form 0/1 writes r/m (d->rm), form 2/3 writes the
 * reg field; a 32-bit result is already masked, i.e. zero-extended. */
#define ALU_RR(name, OP, SZ, DST, SRC)                                        \
	static void name(struct emu_cpu *c, const struct insn *d, uint64_t n) \
	{                                                                     \
		uint64_t v = alu_op(c, OP, SZ, c->r[d->DST], c->r[d->SRC]);   \
		(void)n;                                                      \
		if (OP != ALU_CMP)                                            \
			c->r[d->DST] = v;                                     \
	}
/* Register op= immediate (group 1, 81/83). */
#define ALU_RI(name, OP, SZ)                                                  \
	static void name(struct emu_cpu *c, const struct insn *d, uint64_t n) \
	{                                                                     \
		uint64_t v = alu_op(c, OP, SZ, c->r[d->rm], d->imm);          \
		(void)n;                                                      \
		if (OP != ALU_CMP)                                            \
			c->r[d->rm] = v;                                      \
	}
#define ALU_SET(OP, SZ, s)                                                    \
	ALU_RR(alu_mr_##OP##_##s, OP, SZ, rm, reg)                            \
	ALU_RR(alu_rm_##OP##_##s, OP, SZ, reg, rm)                            \
	ALU_RI(alu_ri_##OP##_##s, OP, SZ)
#define ALU_SIZES(OP) ALU_SET(OP, 4, 4) ALU_SET(OP, 8, 8)

ALU_SIZES(ALU_ADD)
ALU_SIZES(ALU_OR)
ALU_SIZES(ALU_AND)
ALU_SIZES(ALU_SUB)
ALU_SIZES(ALU_XOR)
ALU_SIZES(ALU_CMP)
ALU_SIZES(ALU_ADC)
ALU_SIZES(ALU_SBB)

typedef void fast_fn(struct emu_cpu *c, const struct insn *d, uint64_t next);

/* [form: 0 r/m op= reg, 1 reg op= r/m, 2 r/m op= imm][op][size 4, 8]. */
#define ALU_ROW(f, OP) { f##_##OP##_4, f##_##OP##_8 }
#define ALU_TABLE(f)                                                          \
	{ ALU_ROW(f, ALU_ADD), ALU_ROW(f, ALU_OR), ALU_ROW(f, ALU_ADC),         \
	  ALU_ROW(f, ALU_SBB), ALU_ROW(f, ALU_AND), ALU_ROW(f, ALU_SUB),       \
	  ALU_ROW(f, ALU_XOR), ALU_ROW(f, ALU_CMP) }
static fast_fn *const alu_fast[3][8][2] = {
	ALU_TABLE(alu_mr), ALU_TABLE(alu_rm), ALU_TABLE(alu_ri),
};

/* reg op= [mem], any operation, 32/64-bit. */
static void alu_rmem(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	unsigned op = d->op >> 3, sz = d->osz;
	uint64_t v = mem_read(c, ea_linear(c, d, next), sz);

	v = alu_op(c, op, sz, c->r[d->reg], v);
	if (op != ALU_CMP)
		c->r[d->reg] = v;
}

static void test_rr(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	(void)next;
	alu_op(c, ALU_AND, d->osz, c->r[d->rm], c->r[d->reg]);
}

static void mov_rr(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	(void)next;
	c->r[d->rm] = c->r[d->reg] & size_mask(d->osz);
}

static void mov_rr_rev(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	(void)next;
	c->r[d->reg] = c->r[d->rm] & size_mask(d->osz);
}

static void mov_load(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	c->r[d->reg] = mem_read(c, ea_linear(c, d, next), d->osz);
}

static void mov_store(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	mem_write(c, ea_linear(c, d, next), d->osz, c->r[d->reg]);
}

/* [base + index*scale + disp] in 64-bit mode through DS or SS (base 0):
 * the commonest memory operands, without ea_linear's tests (exec_pick
 * checks the form). */
static inline uint64_t ea_flat(struct emu_cpu *c, const struct insn *d)
{
	uint64_t a = c->r[d->base] + (uint64_t)d->disp;

	if (d->index >= 0)
		a += c->r[d->index] << d->scale;
	return a;
}

static bool is_flat(const struct insn *d)
{
	return d->mode == DEC_MODE64 && d->asz == 8 && !d->riprel &&
	       d->base >= 0 && d->seg < X86_FS;
}

static void mov_load_flat(struct emu_cpu *c, const struct insn *d,
			  uint64_t next)
{
	(void)next;
	c->r[d->reg] = mem_read(c, ea_flat(c, d), d->osz);
}

static void mov_store_flat(struct emu_cpu *c, const struct insn *d,
			   uint64_t next)
{
	(void)next;
	mem_write(c, ea_flat(c, d), d->osz, c->r[d->reg]);
}

static void alu_rmem_flat(struct emu_cpu *c, const struct insn *d,
			  uint64_t next)
{
	unsigned op = d->op >> 3, sz = d->osz;
	uint64_t v = mem_read(c, ea_flat(c, d), sz);

	(void)next;
	v = alu_op(c, op, sz, c->r[d->reg], v);
	if (op != ALU_CMP)
		c->r[d->reg] = v;
}

static void mov_ri(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	(void)next;
	c->r[(d->op & 7) | ((d->rex & 1) << 3)] = d->imm & size_mask(d->osz);
}

static void lea(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	c->r[d->reg] = ea_offset(c, d, next) & size_mask(d->osz);
}

static void shift_ri(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	unsigned count = d->op <= 0xc1 ? (unsigned)d->imm & 0xff : 1;

	(void)next;
	c->r[d->rm] = alu_shift(c, insn_subop(d), d->osz, c->r[d->rm], count);
}

/* SHL, SHR and SAR by an immediate or 1 (group 2, C1/D1) with their
 * count masked as the hardware does: a zero count changes nothing (not
 * even the upper half of a 32-bit register: alu_shift returns the value
 * masked, and so do these). */
#define SHIFT_RI(name, SZ, EXPR, CF, OF)                                      \
	static void name(struct emu_cpu *c, const struct insn *d, uint64_t n) \
	{                                                                     \
		unsigned cnt = (d->op <= 0xc1 ? (unsigned)d->imm : 1) &      \
			       (SZ == 8 ? 63 : 31);                            \
		uint64_t m = size_mask(SZ), v = c->r[d->rm] & m, r;           \
		(void)n;                                                      \
		if (!cnt) {                                                   \
			c->r[d->rm] = v;                                      \
			return;                                               \
		}                                                             \
		r = (EXPR) & m;                                               \
		lf_set(c, LF_RESULT, SZ, r, CF, OF);                          \
		c->r[d->rm] = r;                                              \
	}
#define MSB(x, SZ) (((x) >> (8 * (SZ) - 1)) & 1)
SHIFT_RI(shl_4, 4, v << cnt, (v >> (32 - cnt)) & 1, MSB(r, 4) ^ ((v >> (32 - cnt)) & 1))
SHIFT_RI(shl_8, 8, v << cnt, (v >> (64 - cnt)) & 1, MSB(r, 8) ^ ((v >> (64 - cnt)) & 1))
SHIFT_RI(shr_4, 4, v >> cnt, (v >> (cnt - 1)) & 1, MSB(v, 4))
SHIFT_RI(shr_8, 8, v >> cnt, (v >> (cnt - 1)) & 1, MSB(v, 8))
SHIFT_RI(sar_4, 4, (uint64_t)((int64_t)sign_ext(v, 4) >> cnt),
	 ((int64_t)sign_ext(v, 4) >> (cnt - 1)) & 1, 0)
SHIFT_RI(sar_8, 8, (uint64_t)((int64_t)v >> cnt), ((int64_t)v >> (cnt - 1)) & 1, 0)

static fast_fn *pick_shift(const struct insn *d)
{
	bool s = d->osz == 8;

	switch (insn_subop(d)) {
	case 4: case 6: return s ? shl_8 : shl_4;
	case 5: return s ? shr_8 : shr_4;
	case 7: return s ? sar_8 : sar_4;
	default: return shift_ri;
	}
}

static void incdec(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	(void)next;
	c->r[d->rm] = alu_incdec(c, insn_subop(d), d->osz, c->r[d->rm]);
}

/* JZ/JNZ after any lazy operation (the commonest pair) without a call:
 * every lazy record holds its result masked to its size. */
static inline bool cond(struct emu_cpu *c, unsigned cc)
{
	if ((cc >> 1) == 2 && c->lf.op != LF_NONE)
		return (c->lf.res == 0) ^ (cc & 1);
	return flags_cond(c, cc);
}

/* Control flow in 64-bit mode (no truncation of the target). */
static void jcc64(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	if (cond(c, d->op & 15))
		c->rip = next + d->imm;
}

static void jmp64(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	c->rip = next + d->imm;
}

static void call64(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	push(c, 8, next);
	c->rip = next + d->imm;
}

static void ret64(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	(void)d;
	(void)next;
	c->rip = pop(c, 8);
}

static void push64(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	(void)next;
	push(c, 8, c->r[(d->op & 7) | ((d->rex & 1) << 3)]);
}

static void pop64(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	(void)next;
	c->r[(d->op & 7) | ((d->rex & 1) << 3)] = pop(c, 8);
}

static void movsxd(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	uint64_t v = d->mod == 3 ? c->r[d->rm]
				 : mem_read(c, ea_linear(c, d, next), 4);

	c->r[d->reg] = sign_ext(v & 0xffffffffu, 4);
}

/* 0F opcodes.  CMOVcc reads its source whatever the condition, and its
 * 32-bit form zero-extends the destination even when it does not move. */
static void cmov(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	uint64_t v = d->mod == 3 ? c->r[d->rm]
				 : mem_read(c, ea_linear(c, d, next), d->osz);

	if (cond(c, d->op & 15))
		c->r[d->reg] = v & size_mask(d->osz);
	else
		c->r[d->reg] &= size_mask(d->osz);
}

static void setcc_r(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	(void)next;
	reg_set(c, d, d->rm, 1, cond(c, d->op & 15));
}

static void imul_r(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	uint64_t v = d->mod == 3 ? c->r[d->rm]
				 : mem_read(c, ea_linear(c, d, next), d->osz);

	c->r[d->reg] = alu_imul2(c, d->osz, c->r[d->reg], v);
}

/* MOVZX/MOVSX from a byte or word register or memory. */
static void movx(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	unsigned from = (d->op & 1) ? 2 : 1;
	uint64_t v = d->mod == 3 ? reg_get(c, d, d->rm, from)
				 : mem_read(c, ea_linear(c, d, next), from);

	if (d->op >= 0xbe)
		v = sign_ext(v, from);
	c->r[d->reg] = v & size_mask(d->osz);
}

static void movx_flat(struct emu_cpu *c, const struct insn *d,
		      uint64_t next)
{
	unsigned from = (d->op & 1) ? 2 : 1;
	uint64_t v = mem_read(c, ea_flat(c, d), from);

	(void)next;
	if (d->op >= 0xbe)
		v = sign_ext(v, from);
	c->r[d->reg] = v & size_mask(d->osz);
}

/* MOV of a byte between a register and memory (88, 8A). */
static void mov8_store(struct emu_cpu *c, const struct insn *d,
		       uint64_t next)
{
	uint64_t a = ea_linear(c, d, next);

	mem_write(c, a, 1, reg_get(c, d, d->reg, 1));
}

static void mov8_store_flat(struct emu_cpu *c, const struct insn *d,
			    uint64_t next)
{
	(void)next;
	mem_write(c, ea_flat(c, d), 1, reg_get(c, d, d->reg, 1));
}

static void mov8_load(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	reg_set(c, d, d->reg, 1, mem_read(c, ea_linear(c, d, next), 1));
}

static void mov8_load_flat(struct emu_cpu *c, const struct insn *d,
			   uint64_t next)
{
	(void)next;
	reg_set(c, d, d->reg, 1, mem_read(c, ea_flat(c, d), 1));
}

static fast_fn *pick_twobyte(const struct insn *d)
{
	switch (d->op) {
	case 0x40 ... 0x4f:
		return cmov;
	case 0x90 ... 0x9f:
		return d->mod == 3 ? setcc_r : NULL;
	case 0xaf:
		return imul_r;
	case 0xb6: case 0xb7: case 0xbe: case 0xbf:
		return d->mod != 3 && is_flat(d) ? movx_flat : movx;
	default:
		return NULL;
	}
}

/* One-byte opcodes with a 32/64-bit operand and no LOCK. */
static fast_fn *pick_onebyte(const struct insn *d, bool l64)
{
	unsigned op = d->op, s = d->osz == 8;
	bool reg = d->mod == 3;

	switch (op) {
	case 0x01: case 0x09: case 0x11: case 0x19: case 0x21: case 0x29:
	case 0x31: case 0x39:
		return reg ? alu_fast[0][op >> 3][s] : NULL;
	case 0x03: case 0x0b: case 0x13: case 0x1b: case 0x23: case 0x2b:
	case 0x33: case 0x3b:
		return reg ? alu_fast[1][op >> 3][s]
			   : is_flat(d) ? alu_rmem_flat : alu_rmem;
	case 0x81: case 0x83:
		return reg ? alu_fast[2][insn_subop(d)][s] : NULL;
	case 0x85:
		return reg ? test_rr : NULL;
	case 0x63:
		return l64 && s ? movsxd : NULL;
	case 0x88:
		return reg ? NULL : is_flat(d) ? mov8_store_flat : mov8_store;
	case 0x8a:
		return reg ? NULL : is_flat(d) ? mov8_load_flat : mov8_load;
	case 0x89:
		return reg ? mov_rr : is_flat(d) ? mov_store_flat : mov_store;
	case 0x8b:
		return reg ? mov_rr_rev : is_flat(d) ? mov_load_flat : mov_load;
	case 0x8d:
		return reg ? NULL : lea;
	case 0xb8 ... 0xbf:
		return mov_ri;
	case 0xc1: case 0xd1:
		return reg ? pick_shift(d) : NULL;
	case 0xff:
		return reg && insn_subop(d) <= 1 ? incdec : NULL;
	case 0x50 ... 0x57:
		return l64 && s ? push64 : NULL;
	case 0x58 ... 0x5f:
		return l64 && s ? pop64 : NULL;
	default:
		return NULL;
	}
}

/* Near branches in 64-bit mode, whatever the operand size. */
static fast_fn *pick_branch(const struct insn *d)
{
	if (d->map == DEC_MAP_0F)
		return d->op >= 0x80 && d->op <= 0x8f ? jcc64 : NULL;
	switch (d->op) {
	case 0x70 ... 0x7f:
		return jcc64;
	case 0xe9: case 0xeb:
		return jmp64;
	case 0xe8:
		return call64;
	case 0xc3:
		return ret64;
	default:
		return NULL;
	}
}

exec_fn *exec_pick(const struct insn *d)
{
	bool l64 = d->mode == DEC_MODE64;
	fast_fn *f = NULL;

	if (l64 && !d->lock && !d->rep)
		f = pick_branch(d);
	if (!f && d->map == DEC_MAP_1B && !d->lock &&
	    (d->osz == 4 || d->osz == 8))
		f = pick_onebyte(d, l64);
	if (!f && d->map == DEC_MAP_0F && !d->lock && !d->rep &&
	    !d->pfx66 && (d->osz == 4 || d->osz == 8))
		f = pick_twobyte(d);
	return f ? f : exec_insn;
}
