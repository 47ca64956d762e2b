/* SSE, SSE2 and MMX: moves, logic, packed integer arithmetic, shuffles,
 * packed/scalar single and double arithmetic, compares and conversions.
 *
 * Floating point uses the host's SSE arithmetic through C (same IEEE
 * results for the default MXCSR: round to nearest, exceptions masked).
 * MXCSR exception flags are not accumulated and non-default rounding
 * modes are not honoured: a known gap, see the report.  Opcodes not
 * listed here raise #UD. */
#include <math.h>
#include <string.h>

#include "cpu/emu/cpu.h"

union vec {
	uint8_t b[16];
	int8_t sb[16];
	uint16_t w[8];
	int16_t sw[8];
	uint32_t d[4];
	int32_t sd[4];
	uint64_t q[2];
	int64_t sq[2];
	float f[4];
	double x[2];
};

enum pfx { P_NONE, P_66, P_F3, P_F2 };

static void ud(struct emu_cpu *c)
{
	emu_raise_noerr(c, EXC_UD);
}

static enum pfx prefix_of(const struct insn *d)
{
	if (d->rep == 0xf3)
		return P_F3;
	if (d->rep == 0xf2)
		return P_F2;
	return d->pfx66 ? P_66 : P_NONE;
}

static void sse_check(struct emu_cpu *c, bool mmx)
{
	if (c->cr0 & X86_CR0_EM)
		ud(c);
	if (!mmx && !(c->cr4 & X86_CR4_OSFXSR))
		ud(c);
	if (c->cr0 & X86_CR0_TS)
		emu_raise_noerr(c, EXC_NM);
}

/* MMX register i is the mantissa of physical x87 register i. */
static uint8_t *mmx_reg(struct emu_cpu *c, unsigned i)
{
	return c->fpu.st[i & 7];
}

static void mmx_touch(struct emu_cpu *c, uint8_t *reg)
{
	c->fpu.top = 0;
	c->fpu.ftw = 0xff;
	reg[8] = reg[9] = 0xff; /* exponent all ones after an MMX write */
}

/* Loads the r/m operand: `width` bytes; `align` enforces 16-byte alignment. */
static void load_rm(struct emu_cpu *c, const struct insn *d, uint64_t next,
		    union vec *v, unsigned width, bool mmx, bool align)
{
	memset(v, 0, sizeof(*v));
	if (d->mod == 3) {
		memcpy(v, mmx ? mmx_reg(c, d->rm) : c->fpu.xmm[d->rm], width);
		return;
	}
	uint64_t va = ea_linear(c, d, next);

	if (align && (va & 15))
		emu_raise(c, EXC_GP, 0);
	mem_read_buf(c, va, v, width);
}

static void store_rm(struct emu_cpu *c, const struct insn *d, uint64_t next,
		     const union vec *v, unsigned width, bool mmx, bool align)
{
	if (d->mod == 3) {
		uint8_t *r = mmx ? mmx_reg(c, d->rm) : c->fpu.xmm[d->rm];

		memcpy(r, v, width);
		if (mmx)
			mmx_touch(c, r);
		return;
	}
	uint64_t va = ea_linear(c, d, next);

	if (align && (va & 15))
		emu_raise(c, EXC_GP, 0);
	mem_write_buf(c, va, v, width);
}

static int8_t sat8(int v) { return (int8_t)(v > 127 ? 127 : v < -128 ? -128 : v); }
static uint8_t satu8(int v) { return (uint8_t)(v > 255 ? 255 : v < 0 ? 0 : v); }
static int16_t sat16(int v) { return (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v); }
static uint16_t satu16(int v) { return (uint16_t)(v > 65535 ? 65535 : v < 0 ? 0 : v); }

/* Packed integer operation of opcode `op` on `n` bytes: a = a op b. */
static bool pint(unsigned op, union vec *a, const union vec *b, unsigned n)
{
	union vec r = *a;

	switch (op) {
	case 0x60: case 0x61: case 0x62: case 0x68: case 0x69: case 0x6a: {
		unsigned es = op & 0x8 ? 0 : 0, lane = 1u << (op & 3);
		unsigned half = n / 2, base = (op & 8) ? half : 0;

		(void)es;
		for (unsigned i = 0; i < half / lane; i++) {
			memcpy(&r.b[2 * i * lane], &a->b[base + i * lane], lane);
			memcpy(&r.b[(2 * i + 1) * lane], &b->b[base + i * lane], lane);
		}
		break;
	}
	case 0x6c: r.q[1] = b->q[0]; break;
	case 0x6d: r.q[0] = a->q[1]; r.q[1] = b->q[1]; break;
	case 0x63: /* packsswb */
		for (unsigned i = 0; i < n / 2; i++) {
			r.sb[i] = sat8(a->sw[i]);
			r.sb[i + n / 2] = sat8(b->sw[i]);
		}
		break;
	case 0x67: /* packuswb */
		for (unsigned i = 0; i < n / 2; i++) {
			r.b[i] = satu8(a->sw[i]);
			r.b[i + n / 2] = satu8(b->sw[i]);
		}
		break;
	case 0x6b: /* packssdw */
		for (unsigned i = 0; i < n / 4; i++) {
			r.sw[i] = sat16(a->sd[i]);
			r.sw[i + n / 4] = sat16(b->sd[i]);
		}
		break;
	case 0x64: for (unsigned i = 0; i < n; i++) r.b[i] = a->sb[i] > b->sb[i] ? 0xff : 0; break;
	case 0x65: for (unsigned i = 0; i < n / 2; i++) r.w[i] = a->sw[i] > b->sw[i] ? 0xffff : 0; break;
	case 0x66: for (unsigned i = 0; i < n / 4; i++) r.d[i] = a->sd[i] > b->sd[i] ? ~0u : 0; break;
	case 0x74: for (unsigned i = 0; i < n; i++) r.b[i] = a->b[i] == b->b[i] ? 0xff : 0; break;
	case 0x75: for (unsigned i = 0; i < n / 2; i++) r.w[i] = a->w[i] == b->w[i] ? 0xffff : 0; break;
	case 0x76: for (unsigned i = 0; i < n / 4; i++) r.d[i] = a->d[i] == b->d[i] ? ~0u : 0; break;
	case 0xd4: for (unsigned i = 0; i < n / 8; i++) r.q[i] = a->q[i] + b->q[i]; break;
	case 0xd5: for (unsigned i = 0; i < n / 2; i++) r.w[i] = (uint16_t)(a->sw[i] * b->sw[i]); break;
	case 0xd8: for (unsigned i = 0; i < n; i++) r.b[i] = satu8(a->b[i] - b->b[i]); break;
	case 0xd9: for (unsigned i = 0; i < n / 2; i++) r.w[i] = satu16(a->w[i] - b->w[i]); break;
	case 0xda: for (unsigned i = 0; i < n; i++) r.b[i] = a->b[i] < b->b[i] ? a->b[i] : b->b[i]; break;
	case 0xdb: for (unsigned i = 0; i < n / 8; i++) r.q[i] = a->q[i] & b->q[i]; break;
	case 0xdc: for (unsigned i = 0; i < n; i++) r.b[i] = satu8(a->b[i] + b->b[i]); break;
	case 0xdd: for (unsigned i = 0; i < n / 2; i++) r.w[i] = satu16(a->w[i] + b->w[i]); break;
	case 0xde: for (unsigned i = 0; i < n; i++) r.b[i] = a->b[i] > b->b[i] ? a->b[i] : b->b[i]; break;
	case 0xdf: for (unsigned i = 0; i < n / 8; i++) r.q[i] = ~a->q[i] & b->q[i]; break;
	case 0xe0: for (unsigned i = 0; i < n; i++) r.b[i] = (uint8_t)((a->b[i] + b->b[i] + 1) >> 1); break;
	case 0xe3: for (unsigned i = 0; i < n / 2; i++) r.w[i] = (uint16_t)((a->w[i] + b->w[i] + 1) >> 1); break;
	case 0xe4: for (unsigned i = 0; i < n / 2; i++) r.w[i] = (uint16_t)(((uint32_t)a->w[i] * b->w[i]) >> 16); break;
	case 0xe5: for (unsigned i = 0; i < n / 2; i++) r.w[i] = (uint16_t)((a->sw[i] * b->sw[i]) >> 16); break;
	case 0xe8: for (unsigned i = 0; i < n; i++) r.sb[i] = sat8(a->sb[i] - b->sb[i]); break;
	case 0xe9: for (unsigned i = 0; i < n / 2; i++) r.sw[i] = sat16(a->sw[i] - b->sw[i]); break;
	case 0xea: for (unsigned i = 0; i < n / 2; i++) r.sw[i] = a->sw[i] < b->sw[i] ? a->sw[i] : b->sw[i]; break;
	case 0xeb: for (unsigned i = 0; i < n / 8; i++) r.q[i] = a->q[i] | b->q[i]; break;
	case 0xec: for (unsigned i = 0; i < n; i++) r.sb[i] = sat8(a->sb[i] + b->sb[i]); break;
	case 0xed: for (unsigned i = 0; i < n / 2; i++) r.sw[i] = sat16(a->sw[i] + b->sw[i]); break;
	case 0xee: for (unsigned i = 0; i < n / 2; i++) r.sw[i] = a->sw[i] > b->sw[i] ? a->sw[i] : b->sw[i]; break;
	case 0xef: for (unsigned i = 0; i < n / 8; i++) r.q[i] = a->q[i] ^ b->q[i]; break;
	case 0xf4: for (unsigned i = 0; i < n / 8; i++) r.q[i] = (uint64_t)a->d[2 * i] * b->d[2 * i]; break;
	case 0xf5:
		for (unsigned i = 0; i < n / 4; i++)
			r.sd[i] = a->sw[2 * i] * b->sw[2 * i] + a->sw[2 * i + 1] * b->sw[2 * i + 1];
		break;
	case 0xf6:
		for (unsigned q = 0; q < n / 8; q++) {
			unsigned s = 0;

			for (unsigned i = 0; i < 8; i++) {
				int t = a->b[8 * q + i] - b->b[8 * q + i];

				s += (unsigned)(t < 0 ? -t : t);
			}
			r.q[q] = s;
		}
		break;
	case 0xf8: for (unsigned i = 0; i < n; i++) r.b[i] = (uint8_t)(a->b[i] - b->b[i]); break;
	case 0xf9: for (unsigned i = 0; i < n / 2; i++) r.w[i] = (uint16_t)(a->w[i] - b->w[i]); break;
	case 0xfa: for (unsigned i = 0; i < n / 4; i++) r.d[i] = a->d[i] - b->d[i]; break;
	case 0xfb: for (unsigned i = 0; i < n / 8; i++) r.q[i] = a->q[i] - b->q[i]; break;
	case 0xfc: for (unsigned i = 0; i < n; i++) r.b[i] = (uint8_t)(a->b[i] + b->b[i]); break;
	case 0xfd: for (unsigned i = 0; i < n / 2; i++) r.w[i] = (uint16_t)(a->w[i] + b->w[i]); break;
	case 0xfe: for (unsigned i = 0; i < n / 4; i++) r.d[i] = a->d[i] + b->d[i]; break;
	default:
		return false;
	}
	*a = r;
	return true;
}

/* Shifts by a count (imm8 or the low quadword of a register). */
static void pshift(union vec *a, unsigned kind, unsigned lane, uint64_t cnt,
		   unsigned n)
{
	unsigned bits = lane * 8;

	for (unsigned i = 0; i < n / lane; i++) {
		uint64_t v = 0;

		memcpy(&v, &a->b[i * lane], lane);
		if (kind == 2) /* logical right */
			v = cnt >= bits ? 0 : v >> cnt;
		else if (kind == 6) /* left */
			v = cnt >= bits ? 0 : v << cnt;
		else { /* arithmetic right */
			int64_t sv = (int64_t)sign_ext(v, lane);

			v = (uint64_t)(sv >> (cnt >= bits ? bits - 1 : cnt));
		}
		memcpy(&a->b[i * lane], &v, lane);
	}
}

static void byteshift(union vec *a, bool left, uint64_t cnt)
{
	union vec r = { 0 };

	if (cnt > 16)
		cnt = 16;
	if (left)
		memcpy(&r.b[cnt], a->b, 16 - cnt);
	else
		memcpy(r.b, &a->b[cnt], 16 - cnt);
	*a = r;
}

static bool shift_group(struct emu_cpu *c, const struct insn *d, bool mmx)
{
	unsigned n = mmx ? 8 : 16, sub = insn_subop(d);
	uint8_t *reg = mmx ? mmx_reg(c, d->rm) : c->fpu.xmm[d->rm];
	union vec v = { 0 };
	unsigned cnt = (unsigned)d->imm & 0xff;

	if (d->mod != 3)
		return false;
	memcpy(&v, reg, n);
	if (d->op == 0x73 && !mmx && (sub == 3 || sub == 7))
		byteshift(&v, sub == 7, cnt);
	else if (sub == 2 || sub == 6 || (sub == 4 && d->op != 0x73))
		pshift(&v, sub, d->op == 0x71 ? 2 : d->op == 0x72 ? 4 : 8, cnt, n);
	else
		return false;
	memcpy(reg, &v, n);
	if (mmx)
		mmx_touch(c, reg);
	return true;
}

static bool shift_by_reg(unsigned op, union vec *a, const union vec *b,
			 unsigned n)
{
	unsigned kind, lane;

	switch (op) {
	case 0xd1: kind = 2; lane = 2; break;
	case 0xd2: kind = 2; lane = 4; break;
	case 0xd3: kind = 2; lane = 8; break;
	case 0xe1: kind = 4; lane = 2; break;
	case 0xe2: kind = 4; lane = 4; break;
	case 0xf1: kind = 6; lane = 2; break;
	case 0xf2: kind = 6; lane = 4; break;
	case 0xf3: kind = 6; lane = 8; break;
	default: return false;
	}
	pshift(a, kind, lane, b->q[0], n);
	return true;
}

/* --- floating point --- */

static float fmin_x86(float a, float b) { return a < b ? a : b; }
static float fmax_x86(float a, float b) { return a > b ? a : b; }
static double dmin_x86(double a, double b) { return a < b ? a : b; }
static double dmax_x86(double a, double b) { return a > b ? a : b; }

static float fop(unsigned op, float a, float b)
{
	switch (op) {
	case 0x58: return a + b;
	case 0x59: return a * b;
	case 0x5c: return a - b;
	case 0x5d: return fmin_x86(a, b);
	case 0x5e: return a / b;
	case 0x5f: return fmax_x86(a, b);
	default: return sqrtf(b);
	}
}

static double dop(unsigned op, double a, double b)
{
	switch (op) {
	case 0x58: return a + b;
	case 0x59: return a * b;
	case 0x5c: return a - b;
	case 0x5d: return dmin_x86(a, b);
	case 0x5e: return a / b;
	case 0x5f: return dmax_x86(a, b);
	default: return sqrt(b);
	}
}

static bool cmp_pred(unsigned p, double a, double b)
{
	bool un = isnan(a) || isnan(b);

	switch (p & 7) {
	case 0: return !un && a == b;
	case 1: return !un && a < b;
	case 2: return !un && a <= b;
	case 3: return un;
	case 4: return un || a != b;
	case 5: return un || !(a < b);
	case 6: return un || !(a <= b);
	default: return !un;
	}
}

static void arith(struct emu_cpu *c, const struct insn *d, uint64_t next,
		  enum pfx p)
{
	union vec a, b;
	uint8_t *dst = c->fpu.xmm[d->reg];
	unsigned w = p == P_F3 ? 4 : p == P_F2 ? 8 : 16;

	memcpy(&a, dst, 16);
	load_rm(c, d, next, &b, w, false, w == 16);
	switch (p) {
	case P_NONE: for (unsigned i = 0; i < 4; i++) a.f[i] = fop(d->op, a.f[i], b.f[i]); break;
	case P_66: for (unsigned i = 0; i < 2; i++) a.x[i] = dop(d->op, a.x[i], b.x[i]); break;
	case P_F3: a.f[0] = fop(d->op, a.f[0], b.f[0]); break;
	case P_F2: a.x[0] = dop(d->op, a.x[0], b.x[0]); break;
	}
	memcpy(dst, &a, 16);
}

static void cmp_op(struct emu_cpu *c, const struct insn *d, uint64_t next,
		   enum pfx p)
{
	union vec a, b;
	uint8_t *dst = c->fpu.xmm[d->reg];
	unsigned w = p == P_F3 ? 4 : p == P_F2 ? 8 : 16, pr = (unsigned)d->imm;

	memcpy(&a, dst, 16);
	load_rm(c, d, next, &b, w, false, w == 16);
	switch (p) {
	case P_NONE: for (unsigned i = 0; i < 4; i++) a.d[i] = cmp_pred(pr, a.f[i], b.f[i]) ? ~0u : 0; break;
	case P_66: for (unsigned i = 0; i < 2; i++) a.q[i] = cmp_pred(pr, a.x[i], b.x[i]) ? ~0ull : 0; break;
	case P_F3: a.d[0] = cmp_pred(pr, a.f[0], b.f[0]) ? ~0u : 0; break;
	case P_F2: a.q[0] = cmp_pred(pr, a.x[0], b.x[0]) ? ~0ull : 0; break;
	}
	memcpy(dst, &a, 16);
}

static void comis(struct emu_cpu *c, const struct insn *d, uint64_t next,
		  enum pfx p)
{
	union vec a, b;
	double x, y;
	uint64_t f;

	memcpy(&a, c->fpu.xmm[d->reg], 16);
	load_rm(c, d, next, &b, p == P_66 ? 8 : 4, false, false);
	x = p == P_66 ? a.x[0] : a.f[0];
	y = p == P_66 ? b.x[0] : b.f[0];
	if (isnan(x) || isnan(y))
		f = FL_ZF | FL_PF | FL_CF;
	else if (x < y)
		f = FL_CF;
	else if (x > y)
		f = 0;
	else
		f = FL_ZF;
	flags_set(c, f, FL_ARITH);
}

/* Float -> integer with x86's "integer indefinite" on overflow and NaN. */
static int64_t cvt_int(double v, unsigned size, bool truncate)
{
	double r = truncate ? trunc(v) : nearbyint(v);
	double lim = size == 8 ? 9223372036854775808.0 : 2147483648.0;

	if (isnan(r) || r >= lim || r < -lim)
		return size == 8 ? INT64_MIN : INT32_MIN;
	return (int64_t)r;
}

static void convert(struct emu_cpu *c, const struct insn *d, uint64_t next,
		    enum pfx p)
{
	union vec a, b;
	uint8_t *dst = c->fpu.xmm[d->reg];
	unsigned isz = d->rex & 8 ? 8 : 4;

	memcpy(&a, dst, 16);
	switch (d->op) {
	case 0x2a: { /* cvtsi2ss/sd */
		int64_t v = (int64_t)sign_ext(rm_get(c, d, isz, next), isz);

		if (p == P_F3)
			a.f[0] = (float)v;
		else if (p == P_F2)
			a.x[0] = (double)v;
		else
			ud(c);
		memcpy(dst, &a, 16);
		return;
	}
	case 0x2c: case 0x2d: {
		double v;

		if (p != P_F3 && p != P_F2)
			ud(c);
		load_rm(c, d, next, &b, p == P_F3 ? 4 : 8, false, false);
		v = p == P_F3 ? b.f[0] : b.x[0];
		reg_set(c, d, d->reg, isz, (uint64_t)cvt_int(v, isz, d->op == 0x2c));
		return;
	}
	case 0x5a:
		load_rm(c, d, next, &b, p == P_F3 ? 4 : 8, false, false);
		if (p == P_F3) {
			a.x[0] = b.f[0];
		} else if (p == P_F2) {
			a.f[0] = (float)b.x[0];
		} else if (p == P_NONE) {
			a.x[0] = b.f[0];
			a.x[1] = b.f[1];
		} else {
			load_rm(c, d, next, &b, 16, false, true);
			a.f[0] = (float)b.x[0];
			a.f[1] = (float)b.x[1];
			a.q[1] = 0;
		}
		break;
	case 0x5b:
		load_rm(c, d, next, &b, 16, false, true);
		for (unsigned i = 0; i < 4; i++) {
			if (p == P_NONE)
				a.f[i] = (float)b.sd[i];
			else
				a.sd[i] = (int32_t)cvt_int(b.f[i], 4, p == P_F3);
		}
		break;
	case 0xe6:
		if (p == P_F3) {
			load_rm(c, d, next, &b, 8, false, false);
			a.x[0] = b.sd[0];
			a.x[1] = b.sd[1];
		} else if (p != P_NONE) {
			load_rm(c, d, next, &b, 16, false, true);
			a.sd[0] = (int32_t)cvt_int(b.x[0], 4, p == P_66);
			a.sd[1] = (int32_t)cvt_int(b.x[1], 4, p == P_66);
			a.q[1] = 0;
		} else {
			ud(c);
		}
		break;
	}
	memcpy(dst, &a, 16);
}

static void shuffle(struct emu_cpu *c, const struct insn *d, uint64_t next,
		    enum pfx p, bool mmx)
{
	union vec a, b, r;
	unsigned imm = (unsigned)d->imm & 0xff;
	uint8_t *dst = mmx ? mmx_reg(c, d->reg) : c->fpu.xmm[d->reg];

	memcpy(&a, dst, 16);
	load_rm(c, d, next, &b, mmx ? 8 : 16, mmx, !mmx);
	r = a;
	if (d->op == 0xc6) {
		if (p == P_NONE) {
			r.d[0] = a.d[imm & 3];
			r.d[1] = a.d[(imm >> 2) & 3];
			r.d[2] = b.d[(imm >> 4) & 3];
			r.d[3] = b.d[(imm >> 6) & 3];
		} else {
			r.q[0] = a.q[imm & 1];
			r.q[1] = b.q[(imm >> 1) & 1];
		}
	} else if (mmx) {
		for (unsigned i = 0; i < 4; i++)
			r.w[i] = b.w[(imm >> (2 * i)) & 3];
	} else if (p == P_66) {
		for (unsigned i = 0; i < 4; i++)
			r.d[i] = b.d[(imm >> (2 * i)) & 3];
	} else if (p == P_F3) { /* pshufhw */
		r.q[0] = b.q[0];
		for (unsigned i = 0; i < 4; i++)
			r.w[4 + i] = b.w[4 + ((imm >> (2 * i)) & 3)];
	} else { /* pshuflw */
		r.q[1] = b.q[1];
		for (unsigned i = 0; i < 4; i++)
			r.w[i] = b.w[(imm >> (2 * i)) & 3];
	}
	memcpy(dst, &r, mmx ? 8 : 16);
	if (mmx)
		mmx_touch(c, dst);
}

static void unpack_fp(struct emu_cpu *c, const struct insn *d, uint64_t next,
		      enum pfx p)
{
	union vec a, b, r;
	uint8_t *dst = c->fpu.xmm[d->reg];

	memcpy(&a, dst, 16);
	load_rm(c, d, next, &b, 16, false, true);
	if (p == P_66) {
		r.q[0] = d->op == 0x14 ? a.q[0] : a.q[1];
		r.q[1] = d->op == 0x14 ? b.q[0] : b.q[1];
	} else {
		unsigned o = d->op == 0x14 ? 0 : 2;

		r.d[0] = a.d[o];
		r.d[1] = b.d[o];
		r.d[2] = a.d[o + 1];
		r.d[3] = b.d[o + 1];
	}
	memcpy(dst, &r, 16);
}

/* 0F 10-17, 28/29, 2B, 6E/6F, 7E/7F, D6, E7: moves. Returns false if not one. */
static bool moves(struct emu_cpu *c, const struct insn *d, uint64_t next,
		  enum pfx p)
{
	union vec v;
	uint8_t *x = c->fpu.xmm[d->reg];
	bool mmx = p == P_NONE && (d->op == 0x6e || d->op == 0x6f ||
				   d->op == 0x7e || d->op == 0x7f);
	unsigned isz = d->rex & 8 ? 8 : 4;

	switch (d->op) {
	case 0x10:
		if (p == P_F3 || p == P_F2) {
			unsigned w = p == P_F3 ? 4 : 8;

			load_rm(c, d, next, &v, w, false, false);
			if (d->mod == 3)
				memcpy(x, &v, w);
			else
				memcpy(x, &v, 16);
			return true;
		}
		load_rm(c, d, next, &v, 16, false, false);
		memcpy(x, &v, 16);
		return true;
	case 0x11:
		memcpy(&v, x, 16);
		if (p == P_F3 || p == P_F2) {
			unsigned w = p == P_F3 ? 4 : 8;

			if (d->mod == 3)
				memcpy(c->fpu.xmm[d->rm], &v, w);
			else
				store_rm(c, d, next, &v, w, false, false);
			return true;
		}
		store_rm(c, d, next, &v, 16, false, false);
		return true;
	case 0x12: case 0x13: case 0x16: case 0x17: {
		bool high = d->op >= 0x16;

		if (p != P_NONE && p != P_66)
			return false;
		if (d->op & 1) { /* store half */
			if (d->mod == 3)
				return false;
			memcpy(&v, x + (high ? 8 : 0), 8);
			store_rm(c, d, next, &v, 8, false, false);
			return true;
		}
		if (d->mod == 3) {
			if (p != P_NONE)
				return false;
			if (high) /* movlhps */
				memcpy(x + 8, c->fpu.xmm[d->rm], 8);
			else /* movhlps */
				memcpy(x, c->fpu.xmm[d->rm] + 8, 8);
			return true;
		}
		load_rm(c, d, next, &v, 8, false, false);
		memcpy(x + (high ? 8 : 0), &v, 8);
		return true;
	}
	case 0x28:
		if (p != P_NONE && p != P_66)
			return false;
		load_rm(c, d, next, &v, 16, false, true);
		memcpy(x, &v, 16);
		return true;
	case 0x29: case 0x2b: case 0xe7:
		if (p != P_NONE && p != P_66)
			return false;
		if (d->op != 0x29 && d->mod == 3)
			return false;
		if (d->op == 0xe7 && p == P_NONE) { /* movntq mm */
			memcpy(&v, mmx_reg(c, d->reg), 8);
			store_rm(c, d, next, &v, 8, true, false);
			return true;
		}
		memcpy(&v, x, 16);
		store_rm(c, d, next, &v, 16, false, true);
		return true;
	case 0x6e:
		if (p != P_NONE && p != P_66)
			return false;
		memset(&v, 0, sizeof(v));
		v.q[0] = rm_get(c, d, isz, next);
		if (mmx) {
			memcpy(mmx_reg(c, d->reg), &v, 8);
			mmx_touch(c, mmx_reg(c, d->reg));
		} else {
			memcpy(x, &v, 16);
		}
		return true;
	case 0x7e:
		if (p == P_F3) { /* movq xmm, xmm/m64 */
			load_rm(c, d, next, &v, 8, false, false);
			v.q[1] = 0;
			memcpy(x, &v, 16);
			return true;
		}
		if (p != P_NONE && p != P_66)
			return false;
		memcpy(&v, mmx ? mmx_reg(c, d->reg) : x, 8);
		rm_set(c, d, isz, v.q[0], next);
		return true;
	case 0x6f:
		if (p == P_F2)
			return false;
		load_rm(c, d, next, &v, mmx ? 8 : 16, mmx, p == P_66);
		if (mmx) {
			memcpy(mmx_reg(c, d->reg), &v, 8);
			mmx_touch(c, mmx_reg(c, d->reg));
		} else {
			memcpy(x, &v, 16);
		}
		return true;
	case 0x7f:
		if (p == P_F2)
			return false;
		memcpy(&v, mmx ? mmx_reg(c, d->reg) : x, 16);
		store_rm(c, d, next, &v, mmx ? 8 : 16, mmx, p == P_66);
		return true;
	case 0xd6:
		if (p != P_66)
			return false;
		memcpy(&v, x, 8);
		if (d->mod == 3) {
			memset(c->fpu.xmm[d->rm], 0, 16);
			memcpy(c->fpu.xmm[d->rm], &v, 8);
		} else {
			store_rm(c, d, next, &v, 8, false, false);
		}
		return true;
	}
	return false;
}

static void movmsk(struct emu_cpu *c, const struct insn *d, enum pfx p)
{
	union vec v;
	uint64_t m = 0;

	if (d->mod != 3)
		ud(c);
	if (d->op == 0xd7 && p == P_NONE) {
		memcpy(&v, mmx_reg(c, d->rm), 8);
		for (unsigned i = 0; i < 8; i++)
			m |= (uint64_t)(v.b[i] >> 7) << i;
	} else {
		memcpy(&v, c->fpu.xmm[d->rm], 16);
		if (d->op == 0xd7)
			for (unsigned i = 0; i < 16; i++)
				m |= (uint64_t)(v.b[i] >> 7) << i;
		else if (p == P_66)
			m = (v.q[0] >> 63) | ((v.q[1] >> 63) << 1);
		else
			for (unsigned i = 0; i < 4; i++)
				m |= (uint64_t)(v.d[i] >> 31) << i;
	}
	reg_set(c, d, d->reg, 4, m);
}

static void pinsr_pextr(struct emu_cpu *c, const struct insn *d,
			uint64_t next, bool mmx)
{
	unsigned n = mmx ? 4 : 8, i = (unsigned)d->imm & (n - 1);
	uint8_t *x = mmx ? mmx_reg(c, d->op == 0xc4 ? d->reg : d->rm)
			 : c->fpu.xmm[d->op == 0xc4 ? d->reg : d->rm];
	uint16_t w;

	if (d->op == 0xc4) {
		w = (uint16_t)rm_get(c, d, 2, next);
		memcpy(x + 2 * i, &w, 2);
		if (mmx)
			mmx_touch(c, x);
	} else {
		if (d->mod != 3)
			ud(c);
		memcpy(&w, x + 2 * i, 2);
		reg_set(c, d, d->reg, 4, w);
	}
}

static bool logic_fp(struct emu_cpu *c, const struct insn *d, uint64_t next,
		     enum pfx p)
{
	union vec a, b;
	uint8_t *x = c->fpu.xmm[d->reg];

	if (p != P_NONE && p != P_66)
		return false;
	memcpy(&a, x, 16);
	load_rm(c, d, next, &b, 16, false, true);
	for (unsigned i = 0; i < 2; i++) {
		switch (d->op) {
		case 0x54: a.q[i] &= b.q[i]; break;
		case 0x55: a.q[i] = ~a.q[i] & b.q[i]; break;
		case 0x56: a.q[i] |= b.q[i]; break;
		default: a.q[i] ^= b.q[i]; break;
		}
	}
	memcpy(x, &a, 16);
	return true;
}

static void packed_int(struct emu_cpu *c, const struct insn *d, uint64_t next,
		       bool mmx)
{
	union vec a, b;
	unsigned n = mmx ? 8 : 16;
	uint8_t *dst = mmx ? mmx_reg(c, d->reg) : c->fpu.xmm[d->reg];

	memset(&a, 0, sizeof(a));
	memcpy(&a, dst, n);
	load_rm(c, d, next, &b, n, mmx, !mmx);
	if (!pint(d->op, &a, &b, n) && !shift_by_reg(d->op, &a, &b, n))
		ud(c);
	memcpy(dst, &a, n);
	if (mmx)
		mmx_touch(c, dst);
}

void exec_sse(struct emu_cpu *c, const struct insn *d)
{
	enum pfx p = prefix_of(d);
	uint64_t next = c->rip;
	unsigned op = d->op;
	bool mmx;

	if (d->map != DEC_MAP_0F)
		ud(c); /* SSSE3 and later: not advertised */
	mmx = p == P_NONE && ((op >= 0x60 && op <= 0x7f) || op >= 0xd0 ||
			      op == 0xc4 || op == 0xc5);
	if (op == 0x77 && p == P_NONE) { /* EMMS */
		sse_check(c, true);
		c->fpu.ftw = 0;
		return;
	}
	sse_check(c, mmx);
	if (moves(c, d, next, p))
		return;
	if ((op >= 0x58 && op <= 0x5f && op != 0x5a && op != 0x5b) || op == 0x51) {
		arith(c, d, next, p);
		return;
	}
	if (op >= 0x54 && op <= 0x57) {
		if (!logic_fp(c, d, next, p))
			ud(c);
		return;
	}
	switch (op) {
	case 0x14: case 0x15:
		if (p == P_F3 || p == P_F2)
			ud(c);
		unpack_fp(c, d, next, p);
		return;
	case 0x2a: case 0x2c: case 0x2d: case 0x5a: case 0x5b: case 0xe6:
		convert(c, d, next, p);
		return;
	case 0x2e: case 0x2f:
		if (p != P_NONE && p != P_66)
			ud(c);
		comis(c, d, next, p);
		return;
	case 0x50: case 0xd7:
		if (op == 0x50 && p != P_NONE && p != P_66)
			ud(c);
		movmsk(c, d, p);
		return;
	case 0x70: case 0xc6:
		if (op == 0xc6 && p != P_NONE && p != P_66)
			ud(c);
		shuffle(c, d, next, p, op == 0x70 && p == P_NONE);
		return;
	case 0x71: case 0x72: case 0x73:
		if ((p != P_66 && !mmx) || !shift_group(c, d, mmx))
			ud(c);
		return;
	case 0xc2:
		cmp_op(c, d, next, p);
		return;
	case 0xc4: case 0xc5:
		if (p != P_66 && !mmx)
			ud(c);
		pinsr_pextr(c, d, next, mmx);
		return;
	}
	if ((op >= 0x60 && op <= 0x76 && op != 0x6e && op != 0x6f && op != 0x70) ||
	    (op >= 0xd1 && op <= 0xfe && op != 0xd6 && op != 0xd7 && op != 0xe6 &&
	     op != 0xe7 && op != 0xf7)) {
		if (p != P_66 && !mmx)
			ud(c);
		if (mmx && (op == 0x6c || op == 0x6d || op == 0xd4 || op == 0xfb ||
			    op == 0xf4))
			if (op == 0x6c || op == 0x6d)
				ud(c);
		packed_int(c, d, next, mmx);
		return;
	}
	ud(c);
}

void exec_fxsave(struct emu_cpu *c, uint64_t va)
{
	uint8_t area[512];
	struct emu_fpu *f = &c->fpu;
	uint16_t fsw = (uint16_t)((f->fsw & ~0x3800) | ((f->top & 7) << 11));

	if (va & 15)
		emu_raise(c, EXC_GP, 0);
	memset(area, 0, sizeof(area));
	memcpy(area + 0, &f->fcw, 2);
	memcpy(area + 2, &fsw, 2);
	area[4] = f->ftw;
	memcpy(area + 6, &f->fop, 2);
	memcpy(area + 8, &f->fip, 8);
	memcpy(area + 16, &f->fdp, 8);
	memcpy(area + 24, &f->mxcsr, 4);
	{
		uint32_t mask = 0xffbf; /* MXCSR_MASK: DAZ supported */

		memcpy(area + 28, &mask, 4);
	}
	for (unsigned i = 0; i < 8; i++) /* ST(i) order, not physical */
		memcpy(area + 32 + 16 * i, f->st[(f->top + i) & 7], 10);
	memcpy(area + 160, f->xmm, 256);
	mem_write_buf(c, va, area, 512);
}

void exec_fxrstor(struct emu_cpu *c, uint64_t va)
{
	uint8_t area[512];
	struct emu_fpu *f = &c->fpu;
	uint16_t fsw;
	uint32_t mxcsr;

	if (va & 15)
		emu_raise(c, EXC_GP, 0);
	mem_read_buf(c, va, area, 512);
	memcpy(&mxcsr, area + 24, 4);
	if (mxcsr & 0xffff0000u)
		emu_raise(c, EXC_GP, 0);
	memcpy(&f->fcw, area, 2);
	memcpy(&fsw, area + 2, 2);
	f->top = (fsw >> 11) & 7;
	f->fsw = fsw & ~0x3800;
	f->ftw = area[4];
	memcpy(&f->fop, area + 6, 2);
	memcpy(&f->fip, area + 8, 8);
	memcpy(&f->fdp, area + 16, 8);
	f->mxcsr = mxcsr;
	for (unsigned i = 0; i < 8; i++) {
		memset(f->st[(f->top + i) & 7], 0, 16);
		memcpy(f->st[(f->top + i) & 7], area + 32 + 16 * i, 10);
	}
	memcpy(f->xmm, area + 160, 256);
}
