/* x87 floating point, as C libraries use it (loads, stores, arithmetic,
 * compares, control/status words, integer conversion, the constants and
 * the common transcendental functions), computed in the host's 80-bit
 * long double.  Not modelled: precision control, rounding control other
 * than for FIST/FRNDINT, stack-fault and precision exceptions (#MF is
 * never raised), BCD (FBLD/FBSTP raise #UD). */
#include <math.h>
#include <string.h>

#include "cpu/emu/cpu.h"

#define C0 0x0100
#define C1 0x0200
#define C2 0x0400
#define C3 0x4000

static void ud(struct emu_cpu *c)
{
	emu_raise_noerr(c, EXC_UD);
}

static long double st_get(struct emu_cpu *c, unsigned i)
{
	long double v;

	memcpy(&v, c->fpu.st[(c->fpu.top + i) & 7], 10);
	return v;
}

static void st_set(struct emu_cpu *c, unsigned i, long double v)
{
	unsigned p = (c->fpu.top + i) & 7;

	memset(c->fpu.st[p], 0, 16);
	memcpy(c->fpu.st[p], &v, 10);
	c->fpu.ftw |= (uint8_t)(1u << p);
}

static void fpush(struct emu_cpu *c, long double v)
{
	c->fpu.top = (c->fpu.top - 1) & 7;
	st_set(c, 0, v);
}

static void fpop(struct emu_cpu *c)
{
	c->fpu.ftw &= (uint8_t)~(1u << c->fpu.top);
	c->fpu.top = (c->fpu.top + 1) & 7;
}

static long double round_fcw(struct emu_cpu *c, long double v)
{
	switch ((c->fpu.fcw >> 10) & 3) {
	case 0: return nearbyintl(v);
	case 1: return floorl(v);
	case 2: return ceill(v);
	default: return truncl(v);
	}
}

static int64_t to_int(long double v, unsigned size)
{
	long double lim = size == 8 ? 9223372036854775808.0L
			  : size == 4 ? 2147483648.0L : 32768.0L;

	if (isnan(v) || v >= lim || v < -lim)
		return size == 8 ? INT64_MIN : size == 4 ? INT32_MIN : INT16_MIN;
	return (int64_t)v;
}

static void set_cc(struct emu_cpu *c, uint16_t cc)
{
	c->fpu.fsw = (uint16_t)((c->fpu.fsw & ~(C0 | C1 | C2 | C3)) | cc);
}

static uint16_t compare(long double a, long double b)
{
	if (isnan(a) || isnan(b))
		return C0 | C2 | C3;
	if (a < b)
		return C0;
	if (a > b)
		return 0;
	return C3;
}

static void comi(struct emu_cpu *c, long double a, long double b)
{
	uint16_t cc = compare(a, b);
	uint64_t f = ((cc & C0) ? FL_CF : 0) | ((cc & C2) ? FL_PF : 0) |
		     ((cc & C3) ? FL_ZF : 0);

	flags_set(c, f, FL_ARITH);
}

static long double arith(unsigned op, long double a, long double b)
{
	switch (op) {
	case 0: return a + b;
	case 1: return a * b;
	case 4: return a - b;
	case 5: return b - a;
	case 6: return a / b;
	default: return b / a;
	}
}

static long double load_mem(struct emu_cpu *c, uint64_t va, unsigned kind)
{
	union { float f; double d; uint32_t u32; uint64_t u64; } u;
	long double v = 0;

	switch (kind) {
	case 0: u.u32 = (uint32_t)mem_read(c, va, 4); return u.f;
	case 1: u.u64 = mem_read(c, va, 8); return u.d;
	case 2: return (int32_t)mem_read(c, va, 4);
	case 3: return (int16_t)mem_read(c, va, 2);
	case 4: return (int64_t)mem_read(c, va, 8);
	default:
		mem_read_buf(c, va, &v, 10);
		return v;
	}
}

static void env_store(struct emu_cpu *c, uint64_t va, unsigned osz)
{
	uint16_t fsw = (uint16_t)((c->fpu.fsw & ~0x3800) | (c->fpu.top << 11));
	uint16_t tw = 0;

	for (unsigned i = 0; i < 8; i++)
		if (!(c->fpu.ftw & (1u << i)))
			tw |= (uint16_t)(3u << (2 * i));
	if (osz == 2) {
		mem_write(c, va, 2, c->fpu.fcw);
		mem_write(c, va + 2, 2, fsw);
		mem_write(c, va + 4, 2, tw);
		for (unsigned i = 6; i < 14; i += 2)
			mem_write(c, va + i, 2, 0);
	} else {
		mem_write(c, va, 4, c->fpu.fcw);
		mem_write(c, va + 4, 4, fsw);
		mem_write(c, va + 8, 4, tw);
		for (unsigned i = 12; i < 28; i += 4)
			mem_write(c, va + i, 4, 0);
	}
}

static void env_load(struct emu_cpu *c, uint64_t va, unsigned osz)
{
	unsigned s = osz == 2 ? 2 : 4;
	uint16_t fsw = (uint16_t)mem_read(c, va + s, 2);
	uint16_t tw = (uint16_t)mem_read(c, va + 2 * s, 2);

	c->fpu.fcw = (uint16_t)mem_read(c, va, 2);
	c->fpu.top = (fsw >> 11) & 7;
	c->fpu.fsw = fsw & ~0x3800;
	c->fpu.ftw = 0;
	for (unsigned i = 0; i < 8; i++)
		if (((tw >> (2 * i)) & 3) != 3)
			c->fpu.ftw |= (uint8_t)(1u << i);
}

static void fninit(struct emu_cpu *c)
{
	c->fpu.fcw = 0x37f;
	c->fpu.fsw = 0;
	c->fpu.top = 0;
	c->fpu.ftw = 0;
	c->fpu.fip = c->fpu.fdp = c->fpu.fop = 0;
}

static void fxam(struct emu_cpu *c)
{
	long double v = st_get(c, 0);
	uint16_t cc = signbit(v) ? C1 : 0;

	if (!(c->fpu.ftw & (1u << c->fpu.top)))
		cc |= C3 | C0;
	else if (isnan(v))
		cc |= C0;
	else if (isinf(v))
		cc |= C2 | C0;
	else if (v == 0)
		cc |= C3;
	else if (fpclassify(v) == FP_SUBNORMAL)
		cc |= C3 | C2;
	else
		cc |= C2;
	set_cc(c, cc);
}

static void d9_reg(struct emu_cpu *c, unsigned sub, unsigned i)
{
	long double a = st_get(c, 0), t;

	switch (sub) {
	case 0: fpush(c, st_get(c, i)); return;
	case 1: t = st_get(c, i); st_set(c, i, a); st_set(c, 0, t); return;
	case 2: if (i == 0) return; break;
	case 4:
		switch (i) {
		case 0: st_set(c, 0, -a); return;
		case 1: st_set(c, 0, fabsl(a)); return;
		case 4: set_cc(c, compare(a, 0)); return;
		case 5: fxam(c); return;
		}
		break;
	case 5: {
		static const long double k[] = {
			1.0L, 3.321928094887362347870L, 1.442695040888963407360L,
			3.141592653589793238463L, 0.301029995663981195214L,
			0.693147180559945309417L, 0.0L,
		};

		if (i < 7) {
			fpush(c, k[i]);
			return;
		}
		break;
	}
	case 6:
		switch (i) {
		case 0: st_set(c, 0, exp2l(a) - 1); return;
		case 1: t = st_get(c, 1) * log2l(a); fpop(c); st_set(c, 0, t); return;
		case 2: st_set(c, 0, tanl(a)); fpush(c, 1.0L); set_cc(c, 0); return;
		case 3: t = atan2l(st_get(c, 1), a); fpop(c); st_set(c, 0, t); return;
		case 4: {
			int e;
			long double m = frexpl(a, &e);

			st_set(c, 0, (long double)(e - 1));
			fpush(c, m * 2);
			return;
		}
		case 5: st_set(c, 0, remainderl(a, st_get(c, 1))); set_cc(c, 0); return;
		case 6: c->fpu.top = (c->fpu.top - 1) & 7; return;
		case 7: c->fpu.top = (c->fpu.top + 1) & 7; return;
		}
		break;
	case 7:
		switch (i) {
		case 0: st_set(c, 0, fmodl(a, st_get(c, 1))); set_cc(c, 0); return;
		case 1: t = st_get(c, 1) * log2l(a + 1); fpop(c); st_set(c, 0, t); return;
		case 2: st_set(c, 0, sqrtl(a)); return;
		case 3: st_set(c, 0, sinl(a)); fpush(c, cosl(a)); set_cc(c, 0); return;
		case 4: st_set(c, 0, round_fcw(c, a)); return;
		case 5: st_set(c, 0, ldexpl(a, (int)truncl(st_get(c, 1)))); return;
		case 6: st_set(c, 0, sinl(a)); set_cc(c, 0); return;
		case 7: st_set(c, 0, cosl(a)); set_cc(c, 0); return;
		}
		break;
	}
	ud(c);
}

static void d9_mem(struct emu_cpu *c, const struct insn *d, uint64_t va)
{
	union { float f; uint32_t u; } u;

	switch (insn_subop(d)) {
	case 0: fpush(c, load_mem(c, va, 0)); return;
	case 2: case 3:
		u.f = (float)st_get(c, 0);
		mem_write(c, va, 4, u.u);
		if (insn_subop(d) == 3)
			fpop(c);
		return;
	case 4: env_load(c, va, d->osz); return;
	case 5: c->fpu.fcw = (uint16_t)mem_read(c, va, 2); return;
	case 6: env_store(c, va, d->osz); return;
	case 7: mem_write(c, va, 2, c->fpu.fcw); return;
	}
	ud(c);
}

static void store_int(struct emu_cpu *c, uint64_t va, unsigned size,
		      bool truncate, bool pop)
{
	long double v = st_get(c, 0);

	v = truncate ? truncl(v) : round_fcw(c, v);
	mem_write(c, va, size, (uint64_t)to_int(v, size));
	if (pop)
		fpop(c);
}

static void fp_mem(struct emu_cpu *c, const struct insn *d, uint64_t va)
{
	unsigned sub = insn_subop(d);
	union { double d; uint64_t u; } u;
	long double v;

	switch (d->op) {
	case 0xd8: case 0xdc: case 0xda: case 0xde: {
		unsigned kind = d->op == 0xd8 ? 0 : d->op == 0xdc ? 1 : d->op == 0xda ? 2 : 3;

		v = load_mem(c, va, kind);
		if (sub == 2 || sub == 3) {
			set_cc(c, compare(st_get(c, 0), v));
			if (sub == 3)
				fpop(c);
		} else {
			st_set(c, 0, arith(sub, st_get(c, 0), v));
		}
		return;
	}
	case 0xd9:
		d9_mem(c, d, va);
		return;
	case 0xdb:
		switch (sub) {
		case 0: fpush(c, load_mem(c, va, 2)); return;
		case 1: store_int(c, va, 4, true, true); return;
		case 2: case 3: store_int(c, va, 4, false, sub == 3); return;
		case 5: fpush(c, load_mem(c, va, 5)); return;
		case 7:
			v = st_get(c, 0);
			mem_write_buf(c, va, &v, 10);
			fpop(c);
			return;
		}
		break;
	case 0xdd:
		switch (sub) {
		case 0: fpush(c, load_mem(c, va, 1)); return;
		case 1: store_int(c, va, 8, true, true); return;
		case 2: case 3:
			u.d = (double)st_get(c, 0);
			mem_write(c, va, 8, u.u);
			if (sub == 3)
				fpop(c);
			return;
		case 4: /* FRSTOR: environment then eight 10-byte registers */
			env_load(c, va, d->osz);
			for (unsigned i = 0; i < 8; i++) {
				unsigned p = (c->fpu.top + i) & 7;

				memset(c->fpu.st[p], 0, 16);
				mem_read_buf(c, va + (d->osz == 2 ? 14 : 28) + 10 * i,
					     c->fpu.st[p], 10);
			}
			return;
		case 6:
			env_store(c, va, d->osz);
			for (unsigned i = 0; i < 8; i++)
				mem_write_buf(c, va + (d->osz == 2 ? 14 : 28) + 10 * i,
					      c->fpu.st[(c->fpu.top + i) & 7], 10);
			fninit(c);
			return;
		case 7:
			mem_write(c, va, 2, (c->fpu.fsw & ~0x3800) | (c->fpu.top << 11));
			return;
		}
		break;
	case 0xdf:
		switch (sub) {
		case 0: fpush(c, load_mem(c, va, 3)); return;
		case 1: store_int(c, va, 2, true, true); return;
		case 2: case 3: store_int(c, va, 2, false, sub == 3); return;
		case 5: fpush(c, load_mem(c, va, 4)); return;
		case 7: store_int(c, va, 8, false, true); return;
		}
		break;
	}
	ud(c);
}

static void fp_reg(struct emu_cpu *c, const struct insn *d)
{
	unsigned sub = insn_subop(d), i = d->rm & 7;
	long double a = st_get(c, 0), b = st_get(c, i);

	switch (d->op) {
	case 0xd8:
		if (sub == 2 || sub == 3) {
			set_cc(c, compare(a, b));
			if (sub == 3)
				fpop(c);
			return;
		}
		st_set(c, 0, arith(sub, a, b));
		return;
	case 0xdc:
		if (sub == 2 || sub == 3)
			break;
		/* st(i) = st(i) op st(0), with sub/div operands reversed */
		st_set(c, i, arith(sub ^ ((sub >= 4) ? 1 : 0), b, a));
		return;
	case 0xde:
		if (sub == 3 && i == 1) { /* FCOMPP */
			set_cc(c, compare(a, b));
			fpop(c);
			fpop(c);
			return;
		}
		if (sub == 2 || sub == 3)
			break;
		st_set(c, i, arith(sub ^ ((sub >= 4) ? 1 : 0), b, a));
		fpop(c);
		return;
	case 0xd9:
		d9_reg(c, sub, i);
		return;
	case 0xda:
		if (sub < 4) {
			static const unsigned cc[] = { 2, 4, 6, 10 }; /* B E BE U */

			if (flags_cond(c, cc[sub]))
				st_set(c, 0, b);
			return;
		}
		if (sub == 5 && i == 1) { /* FUCOMPP */
			set_cc(c, compare(a, b));
			fpop(c);
			fpop(c);
			return;
		}
		break;
	case 0xdb:
		if (sub < 4) {
			static const unsigned cc[] = { 3, 5, 7, 11 };

			if (flags_cond(c, cc[sub]))
				st_set(c, 0, b);
			return;
		}
		if (sub == 4 && i == 2) { /* FNCLEX */
			c->fpu.fsw &= 0x7f00;
			return;
		}
		if (sub == 4 && i == 3) {
			fninit(c);
			return;
		}
		if (sub == 5 || sub == 6) {
			comi(c, a, b);
			return;
		}
		break;
	case 0xdd:
		switch (sub) {
		case 0: c->fpu.ftw &= (uint8_t)~(1u << ((c->fpu.top + i) & 7)); return;
		case 2: st_set(c, i, a); return;
		case 3: st_set(c, i, a); fpop(c); return;
		case 4: set_cc(c, compare(a, b)); return;
		case 5: set_cc(c, compare(a, b)); fpop(c); return;
		}
		break;
	case 0xdf:
		if (sub == 4 && i == 0) {
			reg_set(c, d, X86_RAX, 2, (c->fpu.fsw & ~0x3800) | (c->fpu.top << 11));
			return;
		}
		if (sub == 5 || sub == 6) {
			comi(c, a, b);
			fpop(c);
			return;
		}
		break;
	}
	ud(c);
}

void exec_x87(struct emu_cpu *c, const struct insn *d)
{
	if (c->cr0 & (X86_CR0_EM | X86_CR0_TS))
		emu_raise_noerr(c, EXC_NM);
	if (d->mod == 3)
		fp_reg(c, d);
	else
		fp_mem(c, d, ea_linear(c, d, c->rip));
}
