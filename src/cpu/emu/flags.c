/* Lazy arithmetic flags: an ALU instruction records its operands and
 * result (lf_set); the six arithmetic flags are computed only when
 * something reads them (a Jcc, PUSHF, ADC...). */
#include "cpu/emu/cpu.h"

static uint64_t parity(uint64_t res)
{
	return __builtin_parity((unsigned)(res & 0xff)) ? 0 : FL_PF;
}

static uint64_t compute(const struct lazy_flags *l)
{
	uint64_t m = size_mask(l->size), top = 1ull << (8 * l->size - 1);
	uint64_t a = l->a & m, b = l->b & m, r = l->res & m, f = 0;

	switch (l->op) {
	case LF_ADD:
	case LF_ADC:
		if (l->op == LF_ADC && l->cin ? r <= a : r < a)
			f |= FL_CF;
		if ((a ^ r) & (b ^ r) & top)
			f |= FL_OF;
		f |= (a ^ b ^ r) & FL_AF;
		break;
	case LF_SUB:
	case LF_SBB:
		if (l->op == LF_SBB && l->cin ? a <= b : a < b)
			f |= FL_CF;
		if ((a ^ b) & (a ^ r) & top)
			f |= FL_OF;
		f |= (a ^ b ^ r) & FL_AF;
		break;
	case LF_LOGIC:
		break;
	case LF_RESULT:
		f |= a ? FL_CF : 0;
		f |= b ? FL_OF : 0;
		break;
	case LF_INC:
		f |= l->cin ? FL_CF : 0;
		f |= r == top ? FL_OF : 0;
		f |= (a ^ 1 ^ r) & FL_AF;
		break;
	case LF_DEC:
		f |= l->cin ? FL_CF : 0;
		f |= a == top ? FL_OF : 0;
		f |= (a ^ 1 ^ r) & FL_AF;
		break;
	}
	f |= r ? 0 : FL_ZF;
	f |= r & top ? FL_SF : 0;
	return f | parity(r);
}

bool flags_cf_lazy(const struct lazy_flags *l)
{
	uint64_t m = size_mask(l->size);
	uint64_t a = l->a & m, b = l->b & m, r = l->res & m;

	switch (l->op) {
	case LF_ADD:
		return r < a;
	case LF_ADC:
		return l->cin ? r <= a : r < a;
	case LF_SUB:
		return a < b;
	case LF_SBB:
		return l->cin ? a <= b : a < b;
	case LF_LOGIC:
		return false;
	case LF_INC:
	case LF_DEC:
		return l->cin;
	default: /* LF_RESULT */
		return a != 0;
	}
}

uint64_t flags_get(struct emu_cpu *c)
{
	if (c->lf.op != LF_NONE) {
		c->rflags = (c->rflags & ~FL_ARITH) | compute(&c->lf);
		c->lf.op = LF_NONE;
	}
	return c->rflags;
}

void flags_set(struct emu_cpu *c, uint64_t f, uint64_t mask)
{
	flags_get(c);
	c->rflags = (c->rflags & ~mask) | (f & mask);
	c->rflags |= X86_RFLAGS_FIXED;
	c->rflags &= ~(0x8000ull | 0x20ull | 0x8ull | (~0ull << 22));
}

/* Condition codes 0-15 as in Jcc/SETcc/CMOVcc. */
bool flags_cond(struct emu_cpu *c, unsigned cc)
{
	uint64_t f;
	bool r;

	if (c->lf.op == LF_SUB || c->lf.op == LF_LOGIC) {
		/* The common CMP/TEST + Jcc pair, without materializing. */
		uint64_t m = size_mask(c->lf.size);
		uint64_t a = c->lf.a & m, b = c->lf.b & m, res = c->lf.res & m;
		int64_t sa = (int64_t)sign_ext(a, c->lf.size);
		int64_t sb = (int64_t)sign_ext(b, c->lf.size);
		bool logic = c->lf.op == LF_LOGIC;

		switch (cc >> 1) {
		case 1: r = logic ? false : a < b; return r ^ (cc & 1);
		case 2: r = res == 0; return r ^ (cc & 1);
		case 3: r = logic ? res == 0 : a <= b; return r ^ (cc & 1);
		case 6: r = logic ? (int64_t)sign_ext(res, c->lf.size) < 0 : sa < sb;
			return r ^ (cc & 1);
		case 7: r = logic ? (int64_t)sign_ext(res, c->lf.size) <= 0 : sa <= sb;
			return r ^ (cc & 1);
		default: break;
		}
	}
	if (c->lf.op != LF_NONE) {
		/* ZF, SF and CF of any lazy result, still without
		 * materialising (ADD/INC/DEC + JZ, ADD + JC...). */
		uint64_t m = size_mask(c->lf.size), res = c->lf.res & m;

		switch (cc >> 1) {
		case 1: return flags_cf_lazy(&c->lf) ^ (cc & 1);
		case 2: return (res == 0) ^ (cc & 1);
		case 4: return ((res >> (8 * c->lf.size - 1)) & 1) ^ (cc & 1);
		default: break;
		}
	}
	f = flags_get(c);
	switch (cc >> 1) {
	case 0: r = f & FL_OF; break;
	case 1: r = f & FL_CF; break;
	case 2: r = f & FL_ZF; break;
	case 3: r = f & (FL_CF | FL_ZF); break;
	case 4: r = f & FL_SF; break;
	case 5: r = f & FL_PF; break;
	case 6: r = !(f & FL_SF) != !(f & FL_OF); break;
	default: r = (f & FL_ZF) || (!(f & FL_SF) != !(f & FL_OF)); break;
	}
	return r ^ (cc & 1);
}
