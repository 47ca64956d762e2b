/* Random instruction cases for the differential test, from templates of
 * the integer, string and SSE2 sets, each with the flags it leaves
 * undefined (masked out of the comparison). */
#include <string.h>

#include "cpu/emu/cpu.h"
#include "difftest.h"

uint64_t dt_rand(struct dt_rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return r->s;
}

static unsigned rnd(struct dt_rng *r, unsigned n)
{
	return (unsigned)(dt_rand(r) % n);
}

/* Values that find edge cases: 0, ±1, sign bits, small, random. */
static uint64_t interesting(struct dt_rng *r)
{
	static const uint64_t special[] = {
		0, 1, 2, ~0ull, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
		0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffffull,
		0x8000000000000000ull, 0x100000000ull,
	};

	switch (rnd(r, 4)) {
	case 0: return special[rnd(r, sizeof(special) / sizeof(special[0]))];
	case 1: return dt_rand(r) & 0xff;
	case 2: return (uint64_t)(int64_t)(int8_t)dt_rand(r);
	default: return dt_rand(r);
	}
}

struct enc {
	struct dt_case *c;
	struct dt_rng *r;
	unsigned size;	/* operand size */
	unsigned reg;	/* ModRM.reg (register number or /digit) */
	unsigned rm;	/* register when !mem */
	bool mem;
	uint8_t pfx;	/* F2/F3 or 0 */
	bool no66;	/* size 2 without an operand-size prefix (SSE) */
	bool force_rex;
};

static void put(struct dt_case *c, unsigned v)
{
	c->code[c->len++] = (uint8_t)v;
}

static void put_imm(struct dt_case *c, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		put(c, (unsigned)(v >> (8 * i)) & 0xff);
}

/* Prefixes, REX, opcode, ModRM and a memory operand through R15. */
static void encode(struct enc *e, const uint8_t *op, unsigned oplen)
{
	struct dt_case *c = e->c;
	unsigned rex = 0;

	if (e->size == 2 && !e->no66)
		put(c, 0x66);
	if (e->pfx)
		put(c, e->pfx);
	if (e->size == 8)
		rex |= 8;
	if (e->reg & 8)
		rex |= 4;
	if (e->mem || (e->rm & 8))
		rex |= 1;
	if (rex || e->force_rex)
		put(c, 0x40 | rex);
	for (unsigned i = 0; i < oplen; i++)
		put(c, op[i]);
	if (!e->mem) {
		put(c, 0xc0 | ((e->reg & 7) << 3) | (e->rm & 7));
		return;
	}
	switch (rnd(e->r, 3)) {
	case 0: /* [r15 + disp8] */
		put(c, 0x40 | ((e->reg & 7) << 3) | 7);
		put(c, (unsigned)(rnd(e->r, 256)));
		break;
	case 1: /* [r15 + disp32] */
		put(c, 0x80 | ((e->reg & 7) << 3) | 7);
		put_imm(c, (uint64_t)(int64_t)((int)rnd(e->r, 0xf00) - 0x780), 4);
		break;
	default: /* SIB, no index: [r15 + disp8] */
		put(c, 0x44 | ((e->reg & 7) << 3));
		put(c, (rnd(e->r, 4) << 6) | (4 << 3) | 7);
		put(c, (unsigned)(rnd(e->r, 256)));
		break;
	}
}

/* A general register other than RSP and the base register. */
static unsigned pick_reg(struct dt_rng *r)
{
	unsigned v;

	do
		v = rnd(r, 15);
	while (v == 4);
	return v;
}

static unsigned pick_size(struct dt_rng *r, bool bytes)
{
	static const unsigned s[] = { 1, 2, 4, 8 };

	return bytes ? s[rnd(r, 4)] : s[1 + rnd(r, 3)];
}

static void start(struct enc *e, struct dt_case *c, struct dt_rng *r,
		  unsigned size)
{
	memset(e, 0, sizeof(*e));
	e->c = c;
	e->r = r;
	e->size = size;
	e->reg = pick_reg(r);
	e->rm = pick_reg(r);
	e->mem = rnd(r, 3) == 0;
}

static unsigned imm_len(unsigned size)
{
	return size == 1 ? 1 : size == 2 ? 2 : 4;
}

static void gen_alu(struct dt_case *c, struct dt_rng *r)
{
	struct enc e;
	unsigned op = rnd(r, 8), size = pick_size(r, true), w = size > 1;
	uint8_t b;

	start(&e, c, r, size);
	c->what = "alu";
	if (op == 1 || op == 4 || op == 6)
		c->undef_flags = FL_AF;
	switch (rnd(r, 4)) {
	case 0:
		b = (uint8_t)(op * 8 + w);
		encode(&e, &b, 1);
		break;
	case 1:
		b = (uint8_t)(op * 8 + 2 + w);
		encode(&e, &b, 1);
		break;
	case 2:
		if (size == 8)
			put(c, 0x48);
		else if (size == 2)
			put(c, 0x66);
		put(c, op * 8 + 4 + w);
		put_imm(c, dt_rand(r), imm_len(size));
		break;
	default:
		e.reg = op;
		b = size == 1 ? 0x80 : rnd(r, 2) ? 0x81 : 0x83;
		encode(&e, &b, 1);
		put_imm(c, dt_rand(r), b == 0x81 ? imm_len(size) : 1);
		break;
	}
}

static void gen_unary(struct dt_case *c, struct dt_rng *r)
{
	struct enc e;
	unsigned size = pick_size(r, true);
	uint8_t b;

	start(&e, c, r, size);
	c->what = "inc/dec/not/neg";
	if (rnd(r, 2)) {
		e.reg = rnd(r, 2);
		b = size == 1 ? 0xfe : 0xff;
	} else {
		e.reg = 2 + rnd(r, 2);
		b = size == 1 ? 0xf6 : 0xf7;
	}
	encode(&e, &b, 1);
}

static void gen_shift(struct dt_case *c, struct dt_rng *r)
{
	struct enc e;
	unsigned size = pick_size(r, true), op = rnd(r, 8), count, form = rnd(r, 3);
	unsigned bits = 8 * size, masked;
	uint8_t b;

	start(&e, c, r, size);
	c->what = "shift/rotate";
	e.reg = op;
	count = rnd(r, 2) ? rnd(r, 8) : rnd(r, 80);
	if (form == 0) {
		b = size == 1 ? 0xc0 : 0xc1;
		encode(&e, &b, 1);
		put(c, count & 0xff);
	} else if (form == 1) {
		count = 1;
		b = size == 1 ? 0xd0 : 0xd1;
		encode(&e, &b, 1);
	} else {
		b = size == 1 ? 0xd2 : 0xd3;
		if (e.reg == X86_RCX || e.rm == X86_RCX)
			e.rm = X86_RDX, e.reg = op;
		encode(&e, &b, 1);
		c->in.gpr[X86_RCX] = count | (dt_rand(r) & ~0xffull);
	}
	masked = count & (size == 8 ? 63 : 31);
	if (!masked)
		return;
	if (op <= 3) { /* rotates */
		if (masked != 1)
			c->undef_flags |= FL_OF;
		return;
	}
	c->undef_flags |= FL_AF;
	if (masked != 1)
		c->undef_flags |= FL_OF;
	if (masked >= bits)
		c->undef_flags |= FL_CF | FL_OF;
}

static void gen_muldiv(struct dt_case *c, struct dt_rng *r)
{
	struct enc e;
	unsigned size = pick_size(r, true), k = rnd(r, 4);
	uint8_t b[2];

	start(&e, c, r, size);
	if (k == 0 && size > 1) { /* two- and three-operand IMUL */
		c->what = "imul";
		c->undef_flags = FL_SF | FL_ZF | FL_AF | FL_PF;
		switch (rnd(r, 3)) {
		case 0:
			b[0] = 0x0f; b[1] = 0xaf;
			encode(&e, b, 2);
			break;
		case 1:
			b[0] = 0x69;
			encode(&e, b, 1);
			put_imm(c, dt_rand(r), imm_len(size));
			break;
		default:
			b[0] = 0x6b;
			encode(&e, b, 1);
			put(c, rnd(r, 256));
			break;
		}
		return;
	}
	e.reg = 4 + rnd(r, 4);
	b[0] = size == 1 ? 0xf6 : 0xf7;
	c->what = e.reg < 6 ? "mul" : "div";
	c->undef_flags = e.reg < 6 ? FL_SF | FL_ZF | FL_AF | FL_PF : FL_ARITH;
	if (e.reg >= 6 && rnd(r, 4)) /* mostly quotients that fit */
		c->in.gpr[X86_RDX] = rnd(r, 2) ? 0 : ~0ull;
	encode(&e, b, 1);
}

static void gen_bit(struct dt_case *c, struct dt_rng *r)
{
	struct enc e;
	unsigned size = pick_size(r, false), k = rnd(r, 3);
	uint8_t b[2] = { 0x0f, 0 };

	start(&e, c, r, size);
	if (k == 0) {
		static const uint8_t ops[] = { 0xa3, 0xab, 0xb3, 0xbb };

		c->what = "bt r";
		c->undef_flags = FL_OF | FL_SF | FL_AF | FL_PF;
		b[1] = ops[rnd(r, 4)];
		/* Keep the bit string inside the data pages: +-1024 bits is
		 * +-128 bytes, and [r15 + disp32] reaches DT_DATA + 0x80 at the
		 * lowest (with +-2048 it could reach the code page, whose
		 * contents differ between the two sides). */
		if (e.mem)
			c->in.gpr[e.reg] = (uint64_t)(int64_t)((int)rnd(r, 2048) - 1024);
		encode(&e, b, 2);
	} else if (k == 1) {
		c->what = "bt imm";
		c->undef_flags = FL_OF | FL_SF | FL_AF | FL_PF;
		b[1] = 0xba;
		e.reg = 4 + rnd(r, 4);
		encode(&e, b, 2);
		put(c, rnd(r, 256));
	} else {
		c->what = "bsf/bsr";
		c->undef_flags = FL_CF | FL_OF | FL_SF | FL_AF | FL_PF;
		b[1] = rnd(r, 2) ? 0xbc : 0xbd;
		if (!e.mem && rnd(r, 4) == 0)
			c->in.gpr[e.rm] = 0;
		encode(&e, b, 2);
	}
}

static void gen_shld(struct dt_case *c, struct dt_rng *r)
{
	struct enc e;
	unsigned size = pick_size(r, false), count, masked;
	uint8_t b[2] = { 0x0f, 0 };
	bool right = rnd(r, 2), cl = rnd(r, 2);

	start(&e, c, r, size);
	c->what = "shld/shrd";
	count = rnd(r, size == 2 ? 17 : 64);
	b[1] = (uint8_t)((right ? 0xac : 0xa4) + cl);
	if (cl) {
		if (e.reg == X86_RCX)
			e.reg = X86_RDX;
		if (e.rm == X86_RCX)
			e.rm = X86_RBX;
		c->in.gpr[X86_RCX] = count;
	}
	encode(&e, b, 2);
	if (!cl)
		put(c, count);
	masked = count & (size == 8 ? 63 : 31);
	if (!masked)
		return;
	c->undef_flags = FL_AF;
	if (masked != 1)
		c->undef_flags |= FL_OF;
	if (masked >= 8 * size)
		c->undef_flags |= FL_CF | FL_OF;
}

static void gen_move(struct dt_case *c, struct dt_rng *r)
{
	struct enc e;
	unsigned size = pick_size(r, true), k = rnd(r, 16);
	uint8_t b[2] = { 0x0f, 0 };

	start(&e, c, r, size);
	switch (k) {
	case 0:
		c->what = "mov";
		b[0] = (uint8_t)(0x88 + 2 * rnd(r, 2) + (size > 1));
		encode(&e, b, 1);
		break;
	case 1:
		c->what = "mov imm";
		b[0] = size == 1 ? 0xc6 : 0xc7;
		e.reg = 0;
		encode(&e, b, 1);
		put_imm(c, dt_rand(r), imm_len(size));
		break;
	case 2:
		c->what = "movzx/movsx";
		e.size = pick_size(r, false);
		b[1] = (uint8_t)((rnd(r, 2) ? 0xb6 : 0xbe) + rnd(r, 2));
		encode(&e, b, 2);
		break;
	case 3:
		c->what = "lea";
		e.size = pick_size(r, false);
		e.mem = true;
		b[0] = 0x8d;
		encode(&e, b, 1);
		break;
	case 4:
		c->what = "xchg";
		b[0] = size == 1 ? 0x86 : 0x87;
		encode(&e, b, 1);
		break;
	case 5:
		c->what = "cmovcc";
		e.size = pick_size(r, false);
		b[1] = (uint8_t)(0x40 + rnd(r, 16));
		encode(&e, b, 2);
		break;
	case 6:
		c->what = "setcc";
		e.size = 1;
		b[1] = (uint8_t)(0x90 + rnd(r, 16));
		encode(&e, b, 2);
		break;
	case 7:
		c->what = "xadd";
		b[1] = size == 1 ? 0xc0 : 0xc1;
		encode(&e, b, 2);
		break;
	case 8:
		c->what = "cmpxchg";
		b[1] = size == 1 ? 0xb0 : 0xb1;
		if (rnd(r, 2))
			c->in.gpr[X86_RAX] = e.mem ? 0 : c->in.gpr[e.rm];
		encode(&e, b, 2);
		break;
	case 9:
		c->what = "test";
		b[0] = size == 1 ? 0x84 : 0x85;
		c->undef_flags = FL_AF;
		encode(&e, b, 1);
		break;
	case 10:
		c->what = "bswap";
		if (size == 8)
			put(c, 0x49);
		put(c, 0x0f);
		put(c, 0xc8 + rnd(r, 4));
		break;
	case 11:
		c->what = "cbw/cwd";
		size = pick_size(r, false);
		if (size == 2)
			put(c, 0x66);
		if (size == 8)
			put(c, 0x48);
		put(c, 0x98 + rnd(r, 2));
		break;
	case 12:
		c->what = "lahf/sahf/cmc/clc/stc";
		put(c, (unsigned)(uint8_t[]){ 0x9e, 0x9f, 0xf5, 0xf8, 0xf9 }[rnd(r, 5)]);
		break;
	case 13:
		c->what = "push/pop";
		put(c, (rnd(r, 2) ? 0x50 : 0x58) + rnd(r, 8));
		if (c->code[0] == 0x5c) /* pop rsp: fine, but keep it simple */
			c->code[0] = 0x5b;
		break;
	case 14:
		c->what = "movsxd";
		e.size = 8;
		b[0] = 0x63;
		encode(&e, b, 1);
		break;
	default:
		c->what = "neg/not mem lock";
		e.mem = true;
		e.reg = 2 + rnd(r, 2);
		b[0] = size == 1 ? 0xf6 : 0xf7;
		put(c, 0xf0);
		encode(&e, b, 1);
		break;
	}
}

static void gen_string(struct dt_case *c, struct dt_rng *r)
{
	static const uint8_t ops[] = { 0xa4, 0xaa, 0xac, 0xa6, 0xae };
	unsigned k = rnd(r, 5), size = pick_size(r, true);

	c->what = "string";
	c->in.gpr[X86_RSI] = DT_DATA + 0x400 + rnd(r, 0x800);
	c->in.gpr[X86_RDI] = DT_DATA + 0x400 + rnd(r, 0x800);
	c->in.gpr[X86_RCX] = rnd(r, 20);
	if (rnd(r, 2))
		c->in.rflags |= FL_DF;
	if (k >= 3 && rnd(r, 2)) /* make equal runs likely */
		c->in.gpr[X86_RAX] = 0;
	switch (rnd(r, 3)) {
	case 0: break;
	case 1: put(c, 0xf3); break;
	default: put(c, k >= 3 ? 0xf2 : 0xf3); break;
	}
	if (size == 2)
		put(c, 0x66);
	if (size == 8)
		put(c, 0x48);
	put(c, ops[k] + (size > 1));
}

/* SSE2: moves, logic, integer and double arithmetic on XMM registers. */
static void gen_sse(struct dt_case *c, struct dt_rng *r)
{
	static const struct { uint8_t pfx, op; const char *name; } ops[] = {
		{ 0x66, 0x6f, "movdqa" }, { 0xf3, 0x6f, "movdqu" },
		{ 0, 0x28, "movaps" }, { 0, 0x10, "movups" }, { 0x66, 0x10, "movupd" },
		{ 0xf3, 0x7e, "movq x" }, { 0x66, 0xd6, "movq m" },
		{ 0x66, 0xef, "pxor" }, { 0x66, 0xeb, "por" }, { 0x66, 0xdb, "pand" },
		{ 0x66, 0xdf, "pandn" }, { 0, 0x57, "xorps" }, { 0, 0x54, "andps" },
		{ 0x66, 0xfe, "paddd" }, { 0x66, 0xd4, "paddq" }, { 0x66, 0xfc, "paddb" },
		{ 0x66, 0xfd, "paddw" }, { 0x66, 0xfa, "psubd" }, { 0x66, 0xfb, "psubq" },
		{ 0x66, 0xf8, "psubb" }, { 0x66, 0x74, "pcmpeqb" }, { 0x66, 0x75, "pcmpeqw" },
		{ 0x66, 0x76, "pcmpeqd" }, { 0x66, 0x64, "pcmpgtb" }, { 0x66, 0x66, "pcmpgtd" },
		{ 0x66, 0xda, "pminub" }, { 0x66, 0xde, "pmaxub" },
		{ 0x66, 0x60, "punpcklbw" }, { 0x66, 0x61, "punpcklwd" },
		{ 0x66, 0x62, "punpckldq" }, { 0x66, 0x6c, "punpcklqdq" },
		{ 0x66, 0x68, "punpckhbw" }, { 0x66, 0x6d, "punpckhqdq" },
		{ 0x66, 0xd5, "pmullw" }, { 0x66, 0xf4, "pmuludq" },
		{ 0xf2, 0x58, "addsd" }, { 0xf2, 0x5c, "subsd" }, { 0xf2, 0x59, "mulsd" },
		{ 0xf2, 0x5e, "divsd" }, { 0x66, 0x58, "addpd" }, { 0, 0x58, "addps" },
		{ 0xf3, 0x58, "addss" }, { 0xf3, 0x59, "mulss" },
		{ 0x66, 0x2f, "comisd" }, { 0x66, 0x2e, "ucomisd" },
		{ 0, 0x2f, "comiss" },
		{ 0x66, 0x70, "pshufd" }, { 0, 0xc6, "shufps" },
		{ 0x66, 0xd7, "pmovmskb" }, { 0, 0x50, "movmskps" },
		{ 0x66, 0x14, "unpcklpd" }, { 0, 0x14, "unpcklps" },
		{ 0x66, 0x6e, "movd x,r" }, { 0x66, 0x7e, "movd r,x" },
		{ 0x66, 0x73, "psrldq/pslldq" }, { 0x66, 0x72, "psrld/pslld/psrad" },
		{ 0x66, 0x73, "psrlq/psllq" }, { 0xf2, 0x2a, "cvtsi2sd" },
		{ 0xf2, 0x2c, "cvttsd2si" }, { 0xf3, 0x5a, "cvtss2sd" },
		{ 0xf2, 0x5a, "cvtsd2ss" }, { 0x66, 0xe7, "movntdq" },
	};
	unsigned k = rnd(r, sizeof(ops) / sizeof(ops[0]));
	struct enc e;
	uint8_t b[2] = { 0x0f, ops[k].op };

	start(&e, c, r, 4);
	e.no66 = true;
	e.pfx = ops[k].pfx == 0x66 ? 0 : ops[k].pfx;
	if (ops[k].pfx == 0x66)
		put(c, 0x66);
	e.reg = rnd(r, 16);
	e.rm = rnd(r, 16);
	c->what = ops[k].name;
	switch (ops[k].op) {
	case 0xd6: case 0xe7:
		e.mem = ops[k].op == 0xe7 || rnd(r, 2);
		if (ops[k].op == 0xd6 && !e.mem)
			e.mem = true;
		break;
	case 0x2f: case 0x2e:
		c->undef_flags = 0; /* ZF PF CF set, OF SF AF cleared */
		break;
	case 0xd7: case 0x50:
		e.mem = false;
		e.reg = pick_reg(r);
		break;
	case 0x6e: case 0x7e:
		if (ops[k].pfx == 0x66) {
			e.rm = pick_reg(r);
			if (rnd(r, 2))
				e.size = 8;
		}
		break;
	case 0x2a:
		e.rm = pick_reg(r);
		if (rnd(r, 2))
			e.size = 8;
		break;
	case 0x2c:
		e.reg = pick_reg(r);
		if (rnd(r, 2))
			e.size = 8;
		break;
	case 0x73: case 0x72: {
		static const unsigned sub73[] = { 2, 3, 6, 7 }, sub72[] = { 2, 4, 6 };

		e.mem = false;
		e.reg = ops[k].op == 0x73 ? sub73[rnd(r, 4)] : sub72[rnd(r, 3)];
		break;
	}
	}
	if (e.size == 8)
		e.size = 8;
	else
		e.size = 4;
	if (e.mem && (ops[k].op == 0x6f || ops[k].op == 0x28 || ops[k].op == 0x29 ||
		      ops[k].op == 0xe7) && ops[k].pfx != 0xf3) {
		/* aligned forms: an aligned address is a separate test */
		if (rnd(r, 2)) {
			c->len = 0;
			if (ops[k].pfx == 0x66)
				put(c, 0x66);
			if (e.reg & 8)
				put(c, 0x45);
			else
				put(c, 0x41);
			put(c, 0x0f);
			put(c, ops[k].op);
			put(c, 0x80 | ((e.reg & 7) << 3) | 7);
			put_imm(c, (uint64_t)(int64_t)(int)(rnd(r, 64) * 16 - 0x400), 4);
			return;
		}
	}
	encode(&e, b, 2);
	if (ops[k].op == 0x70 || ops[k].op == 0xc6 || ops[k].op == 0x73 ||
	    ops[k].op == 0x72)
		put(c, rnd(r, 256) & (ops[k].op >= 0x72 && ops[k].op <= 0x73 && rnd(r, 2) ? 0x1f : 0xff));
}

/* A flag producer (ALU, INC/DEC/NOT/NEG) then a flag consumer (SETcc,
 * CMOVcc, ADC/SBB, RCL/RCR by 1, Jcc, ROL/ROR by an immediate): run as one block by the emulator, this
 * checks the lazy flags as the next instruction reads them. */
static void gen_flag_pair(struct dt_case *c, struct dt_rng *r)
{
	struct dt_case first = *c;
	unsigned reg = pick_reg(r), rm = pick_reg(r), cc = rnd(r, 16);
	unsigned w = rnd(r, 2);

	do {
		*c = first;
		if (rnd(r, 3))
			gen_alu(c, r);
		else
			gen_unary(c, r);
	} while (c->len > 11);
	c->what = "flags pair";
	c->ninsn = 2;
	switch (rnd(r, 6)) {
	case 5: { /* ROL/ROR r/m, imm8: CF and OF new, the rest kept */
		unsigned n = 1 + rnd(r, w ? 63 : 31);

		put(c, 0x40 | (w ? 8 : 0) | ((rm & 8) ? 1 : 0));
		put(c, 0xc1);
		put(c, 0xc0 | (rnd(r, 2) << 3) | (rm & 7));
		put(c, n);
		c->undef_flags &= ~(FL_CF | FL_OF);
		if (n != 1)
			c->undef_flags |= FL_OF;
		break;
	}
	case 4: /* Jcc over a NOT r64: taken or not, by the flags */
		c->ninsn = 3;
		put(c, 0x70 + cc);
		put(c, 3);
		put(c, 0x48 | ((rm & 8) ? 1 : 0));
		put(c, 0xf7);
		put(c, 0xd0 | (rm & 7));
		break;
	case 0: /* SETcc r8 (with REX: no high-byte registers) */
		put(c, 0x40 | ((rm & 8) ? 1 : 0));
		put(c, 0x0f);
		put(c, 0x90 + cc);
		put(c, 0xc0 | (rm & 7));
		break;
	case 1: /* CMOVcc r32/r64 */
		put(c, 0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((rm & 8) ? 1 : 0));
		put(c, 0x0f);
		put(c, 0x40 + cc);
		put(c, 0xc0 | ((reg & 7) << 3) | (rm & 7));
		break;
	case 2: /* ADC or SBB r/m, reg or reg, [r15+d8]: all flags defined again */
		if (rnd(r, 2)) {
			put(c, 0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((rm & 8) ? 1 : 0));
			put(c, rnd(r, 2) ? 0x11 : 0x19);
			put(c, 0xc0 | ((reg & 7) << 3) | (rm & 7));
		} else {
			put(c, 0x41 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0));
			put(c, rnd(r, 2) ? 0x13 : 0x1b);
			put(c, 0x40 | ((reg & 7) << 3) | (DT_BASE_REG & 7));
			put(c, rnd(r, 256));
		}
		c->undef_flags = 0;
		break;
	default: /* RCL or RCR r/m, 1 */
		put(c, 0x40 | (w ? 8 : 0) | ((rm & 8) ? 1 : 0));
		put(c, 0xd1);
		put(c, 0xc0 | ((2 + rnd(r, 2)) << 3) | (rm & 7));
		break;
	}
}

void dt_generate(struct dt_rng *r, struct dt_case *c)
{
	memset(c, 0, sizeof(*c));
	for (unsigned i = 0; i < 16; i++)
		c->in.gpr[i] = interesting(r);
	c->in.gpr[X86_RSP] = DT_RSP_VAL;
	c->in.gpr[DT_BASE_REG] = DT_BASE_VAL;
	c->in.rflags = 2 | (dt_rand(r) & FL_ARITH);
	for (unsigned x = 0; x < 16; x++)
		for (unsigned i = 0; i < 16; i += 8) {
			uint64_t v = rnd(r, 4) ? dt_rand(r) : interesting(r);

			memcpy(&c->in.xmm[x][i], &v, 8);
		}
	for (unsigned i = 0; i < DT_DATA_SIZE; i += 8) {
		uint64_t v = dt_rand(r);

		memcpy(&c->in.mem[i], &v, 8);
	}
	switch (rnd(r, 22)) {
	case 0: case 1: case 2: gen_alu(c, r); break;
	case 3: gen_unary(c, r); break;
	case 4: case 5: case 6: gen_shift(c, r); break;
	case 7: case 8: gen_muldiv(c, r); break;
	case 9: case 10: gen_bit(c, r); break;
	case 11: gen_shld(c, r); break;
	case 12: case 13: case 14: gen_move(c, r); break;
	case 15: case 16: gen_string(c, r); break;
	case 17: case 18: gen_flag_pair(c, r); break;
	default: gen_sse(c, r); break;
	}
}
