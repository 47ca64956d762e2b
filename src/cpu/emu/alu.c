/* Integer arithmetic with x86 flag semantics: the eight ALU operations
 * (lazy flags), shifts and rotates, multiply and divide (flags computed at
 * once: they are rarer and their flag rules are irregular). */
#include "cpu/emu/alu.h"

/* Sets SF/ZF/PF from a result and CF/OF as given; AF cleared.  All six
 * at once (shifts, the common case) is recorded lazily. */
static void flags_result(struct emu_cpu *c, unsigned size, uint64_t r,
			 bool cf, bool of, uint64_t mask)
{
	uint64_t f = 0, m = size_mask(size);

	if (mask == FL_ARITH) {
		lf_set(c, LF_RESULT, size, r & m, cf, of);
		return;
	}
	r &= m;
	f |= cf ? FL_CF : 0;
	f |= of ? FL_OF : 0;
	f |= r ? 0 : FL_ZF;
	f |= (r >> (8 * size - 1)) & 1 ? FL_SF : 0;
	f |= __builtin_parity((unsigned)(r & 0xff)) ? 0 : FL_PF;
	flags_set(c, f, mask);
}

#define MSB(v, size) (((v) >> (8 * (size) - 1)) & 1)

static uint64_t rotate(struct emu_cpu *c, unsigned op, unsigned size,
		       uint64_t v, unsigned count)
{
	unsigned bits = 8 * size;
	uint64_t m = size_mask(size), r = v;
	bool cf = flag_cf(c), of;
	unsigned n;

	switch (op) {
	case SH_ROL:
		n = count % bits;
		r = n ? ((v << n) | (v >> (bits - n))) & m : v;
		cf = r & 1;
		of = MSB(r, size) ^ cf;
		break;
	case SH_ROR:
		n = count % bits;
		r = n ? ((v >> n) | (v << (bits - n))) & m : v;
		cf = MSB(r, size);
		of = MSB(r, size) ^ MSB(r << 1, size);
		break;
	case SH_RCL:
		n = count % (bits + 1);
		for (unsigned i = 0; i < n; i++) {
			bool out = MSB(r, size);

			r = ((r << 1) | cf) & m;
			cf = out;
		}
		of = MSB(r, size) ^ cf;
		break;
	default: /* RCR */
		n = count % (bits + 1);
		of = MSB(v, size) ^ cf;
		for (unsigned i = 0; i < n; i++) {
			bool out = r & 1;

			r = (r >> 1) | ((uint64_t)cf << (bits - 1));
			cf = out;
		}
		break;
	}
	flags_set(c, (cf ? FL_CF : 0) | (of ? FL_OF : 0), FL_CF | FL_OF);
	return r;
}

uint64_t alu_shift(struct emu_cpu *c, unsigned op, unsigned size, uint64_t v,
		   unsigned count)
{
	unsigned bits = 8 * size;
	uint64_t m = size_mask(size), r;
	bool cf, of;

	count &= size == 8 ? 63 : 31;
	v &= m;
	if (!count)
		return v;
	switch (op & 7) {
	case SH_ROL:
	case SH_ROR:
	case SH_RCL:
	case SH_RCR:
		return rotate(c, op & 7, size, v, count);
	case SH_SHL:
	case SH_SAL:
		r = count >= 64 ? 0 : (v << count) & m;
		cf = count <= bits ? (v >> (bits - count)) & 1 : 0;
		of = MSB(r, size) ^ cf;
		break;
	case SH_SHR:
		r = count >= 64 ? 0 : v >> count;
		cf = count <= 64 ? (v >> (count - 1)) & 1 : 0;
		of = MSB(v, size);
		break;
	default: { /* SAR */
		int64_t sv = (int64_t)sign_ext(v, size);

		r = (uint64_t)(sv >> (count > 63 ? 63 : count)) & m;
		cf = (sv >> (count - 1 > 63 ? 63 : count - 1)) & 1;
		of = false;
		break;
	}
	}
	flags_result(c, size, r, cf, of, FL_ARITH);
	return r;
}

uint64_t alu_shld(struct emu_cpu *c, bool right, unsigned size, uint64_t dst,
		  uint64_t src, unsigned count)
{
	unsigned bits = 8 * size;
	uint64_t m = size_mask(size), r;
	bool cf;

	count &= size == 8 ? 63 : 31;
	dst &= m;
	src &= m;
	if (!count)
		return dst;
	if (size == 2 && count > 16) {
		/* Undefined result; model it as a 32-bit funnel of src:dst:src. */
		uint64_t wide = right ? (src << 32) | (dst << 16) | src
				      : (dst << 32) | (src << 16) | dst;

		r = right ? (wide >> count) & m : (wide << count >> 32) & m;
		cf = right ? (wide >> (count - 1)) & 1 : (wide >> (48 - count)) & 1;
	} else if (right) {
		r = ((dst >> count) | (count == bits ? 0 : src << (bits - count))) & m;
		if (count == bits)
			r = src;
		cf = (dst >> (count - 1)) & 1;
	} else {
		r = ((dst << count) | (count == bits ? 0 : src >> (bits - count))) & m;
		if (count == bits)
			r = src;
		cf = (dst >> (bits - count)) & 1;
	}
	flags_result(c, size, r, cf, MSB(r ^ dst, size), FL_ARITH);
	return r;
}

void alu_mul(struct emu_cpu *c, bool sign, unsigned size, uint64_t src)
{
	uint64_t m = size_mask(size), lo, hi;
	bool ovf;

	if (size == 1) {
		uint64_t a = c->r[X86_RAX] & 0xff, r;

		if (sign)
			r = (uint64_t)((int64_t)(int8_t)a * (int8_t)src) & 0xffff;
		else
			r = a * (src & 0xff);
		c->r[X86_RAX] = (c->r[X86_RAX] & ~0xffffull) | r;
		ovf = sign ? (uint64_t)(int64_t)(int8_t)r != (uint64_t)(int64_t)(int16_t)r
			   : (r >> 8) != 0;
		flags_result(c, 1, r, ovf, ovf, FL_ARITH);
		return;
	}
	if (sign) {
		__int128 p = (__int128)(int64_t)sign_ext(c->r[X86_RAX] & m, size) *
			     (int64_t)sign_ext(src & m, size);

		lo = (uint64_t)p & m;
		hi = size == 8 ? (uint64_t)(p >> 64) : (uint64_t)(p >> (8 * size)) & m;
		ovf = (__int128)(int64_t)sign_ext(lo, size) != p;
	} else {
		unsigned __int128 p = (unsigned __int128)(c->r[X86_RAX] & m) * (src & m);

		lo = (uint64_t)p & m;
		hi = size == 8 ? (uint64_t)(p >> 64) : (uint64_t)(p >> (8 * size)) & m;
		ovf = hi != 0;
	}
	if (size == 2) {
		c->r[X86_RAX] = (c->r[X86_RAX] & ~0xffffull) | lo;
		c->r[X86_RDX] = (c->r[X86_RDX] & ~0xffffull) | hi;
	} else {
		c->r[X86_RAX] = lo;
		c->r[X86_RDX] = hi;
	}
	flags_result(c, size, lo, ovf, ovf, FL_ARITH);
}

uint64_t alu_imul2(struct emu_cpu *c, unsigned size, uint64_t a, uint64_t b)
{
	__int128 p = (__int128)(int64_t)sign_ext(a, size) *
		     (int64_t)sign_ext(b, size);
	uint64_t lo = (uint64_t)p & size_mask(size);
	bool ovf = (__int128)(int64_t)sign_ext(lo, size) != p;

	flags_result(c, size, lo, ovf, ovf, FL_ARITH);
	return lo;
}

void alu_div(struct emu_cpu *c, bool sign, unsigned size, uint64_t src)
{
	uint64_t m = size_mask(size);
	unsigned bits = 8 * size;

	src &= m;
	if (!src)
		emu_raise_noerr(c, EXC_DE);
	if (size == 1) {
		uint64_t a = c->r[X86_RAX] & 0xffff, q, r;

		if (sign) {
			int64_t sa = (int16_t)a, sd = (int8_t)src;
			int64_t sq = sa / sd, sr = sa % sd;

			if (sq > 127 || sq < -128)
				emu_raise_noerr(c, EXC_DE);
			q = (uint64_t)sq & 0xff;
			r = (uint64_t)sr & 0xff;
		} else {
			q = a / src;
			r = a % src;
			if (q > 0xff)
				emu_raise_noerr(c, EXC_DE);
		}
		c->r[X86_RAX] = (c->r[X86_RAX] & ~0xffffull) | (r << 8) | q;
		return;
	}
	if (sign) {
		__int128 n = (__int128)(((unsigned __int128)(c->r[X86_RDX] & m) << bits) |
					(c->r[X86_RAX] & m));
		__int128 d = (int64_t)sign_ext(src, size), q, r;

		if (size < 8)
			n = (__int128)(int64_t)sign_ext((uint64_t)n, 2 * size);
		else
			n = (__int128)(((unsigned __int128)c->r[X86_RDX] << 64) |
				       c->r[X86_RAX]);
		if (d == -1 && n == (__int128)((unsigned __int128)1 << 127))
			emu_raise_noerr(c, EXC_DE);
		q = n / d;
		r = n % d;
		if (q > (__int128)(m >> 1) || q < -(__int128)(m >> 1) - 1)
			emu_raise_noerr(c, EXC_DE);
		reg_set(c, &(struct insn){ .rex = 0x40 }, X86_RAX, size, (uint64_t)q);
		reg_set(c, &(struct insn){ .rex = 0x40 }, X86_RDX, size, (uint64_t)r);
	} else {
		unsigned __int128 n =
			((unsigned __int128)(c->r[X86_RDX] & m) << bits) |
			(c->r[X86_RAX] & m);
		unsigned __int128 q = n / src, r = n % src;

		if (q > m)
			emu_raise_noerr(c, EXC_DE);
		reg_set(c, &(struct insn){ .rex = 0x40 }, X86_RAX, size, (uint64_t)q);
		reg_set(c, &(struct insn){ .rex = 0x40 }, X86_RDX, size, (uint64_t)r);
	}
}
