/* Table-driven x86 decoder (see decode.h). */
#include "cpu/emu/decode.h"

#include <stdbool.h>
#include <string.h>

#include "cpu/x86_state.h"

/* One attribute byte per opcode:
 *   bit 0     ModRM follows
 *   bits 1-3  immediate kind (IMM_*)
 *   bit 4     invalid in 64-bit mode
 *   bit 5     operand size defaults to 64 bits in 64-bit mode
 *   bit 6     operand size is always 64 bits in 64-bit mode (near branches)
 *   bit 7     invalid in every mode */
#define A_M   0x01
#define A_X64 0x10
#define A_D64 0x20
#define A_F64 0x40
#define A_BAD 0x80
enum { IMM_NONE, IMM_B, IMM_W, IMM_Z, IMM_V, IMM_ENTER, IMM_FAR, IMM_MOFFS };
#define I(k) ((k) << 1)
#define IMM_OF(a) (((a) >> 1) & 7)

static uint8_t attr_1b[256], attr_0f[256];
static bool tables_ready;

static void set_range(uint8_t *t, unsigned lo, unsigned hi, uint8_t a)
{
	for (unsigned i = lo; i <= hi; i++)
		t[i] = a;
}

static void init_1b(uint8_t *t)
{
	for (unsigned row = 0; row < 0x40; row += 8) {
		set_range(t, row, row + 3, A_M);
		t[row + 4] = I(IMM_B);
		t[row + 5] = I(IMM_Z);
	}
	/* push/pop es, cs, ss, ds; BCD adjust: legacy only. */
	t[0x06] = t[0x07] = t[0x0e] = t[0x16] = t[0x17] = A_X64;
	t[0x1e] = t[0x1f] = A_X64;
	t[0x27] = t[0x2f] = t[0x37] = t[0x3f] = A_X64;
	set_range(t, 0x50, 0x5f, A_D64);
	t[0x60] = t[0x61] = A_X64;
	t[0x62] = A_M | A_X64;
	t[0x63] = A_M;
	t[0x68] = I(IMM_Z) | A_D64;
	t[0x69] = A_M | I(IMM_Z);
	t[0x6a] = I(IMM_B) | A_D64;
	t[0x6b] = A_M | I(IMM_B);
	set_range(t, 0x70, 0x7f, I(IMM_B) | A_F64);
	t[0x80] = t[0x83] = A_M | I(IMM_B);
	t[0x82] = A_M | I(IMM_B) | A_X64;
	t[0x81] = A_M | I(IMM_Z);
	set_range(t, 0x84, 0x8e, A_M);
	t[0x8f] = A_M | A_D64;
	t[0x9a] = I(IMM_FAR) | A_X64;
	t[0x9c] = t[0x9d] = A_D64;
	set_range(t, 0xa0, 0xa3, I(IMM_MOFFS));
	t[0xa8] = I(IMM_B);
	t[0xa9] = I(IMM_Z);
	set_range(t, 0xb0, 0xb7, I(IMM_B));
	set_range(t, 0xb8, 0xbf, I(IMM_V));
	t[0xc0] = t[0xc1] = A_M | I(IMM_B);
	t[0xc2] = I(IMM_W) | A_F64;
	t[0xc3] = A_F64;
	t[0xc4] = t[0xc5] = A_M | A_X64; /* VEX in 64-bit mode: not implemented */
	t[0xc6] = A_M | I(IMM_B);
	t[0xc7] = A_M | I(IMM_Z);
	t[0xc8] = I(IMM_ENTER) | A_D64;
	t[0xc9] = A_D64;
	t[0xca] = I(IMM_W);
	t[0xcd] = I(IMM_B);
	t[0xce] = A_X64;
	set_range(t, 0xd0, 0xd3, A_M);
	t[0xd4] = t[0xd5] = I(IMM_B) | A_X64;
	t[0xd6] = A_X64;
	set_range(t, 0xd8, 0xdf, A_M);
	set_range(t, 0xe0, 0xe3, I(IMM_B) | A_F64);
	set_range(t, 0xe4, 0xe7, I(IMM_B));
	t[0xe8] = t[0xe9] = I(IMM_Z) | A_F64;
	t[0xea] = I(IMM_FAR) | A_X64;
	t[0xeb] = I(IMM_B) | A_F64;
	t[0xf6] = t[0xf7] = t[0xfe] = t[0xff] = A_M;
}

static void init_0f(uint8_t *t)
{
	set_range(t, 0x00, 0xff, A_M); /* most of the map has ModRM */
	t[0x04] = t[0x0a] = t[0x0c] = t[0x0e] = A_BAD;
	t[0x05] = t[0x06] = t[0x07] = t[0x08] = t[0x09] = t[0x0b] = 0;
	set_range(t, 0x24, 0x27, A_BAD);
	set_range(t, 0x30, 0x37, 0);
	t[0x36] = A_BAD;
	t[0x39] = t[0x3b] = t[0x3c] = t[0x3d] = t[0x3e] = t[0x3f] = A_BAD;
	set_range(t, 0x70, 0x73, A_M | I(IMM_B));
	t[0x77] = 0;
	set_range(t, 0x7a, 0x7b, A_BAD);
	set_range(t, 0x80, 0x8f, I(IMM_Z) | A_F64);
	t[0xa0] = t[0xa1] = t[0xa8] = t[0xa9] = A_D64;
	t[0xa2] = t[0xaa] = 0;
	t[0xa6] = t[0xa7] = A_BAD;
	t[0xa4] = t[0xac] = t[0xba] = A_M | I(IMM_B);
	t[0xc2] = t[0xc4] = t[0xc5] = t[0xc6] = A_M | I(IMM_B);
	set_range(t, 0xc8, 0xcf, 0);
	t[0xff] = A_M;
}

static void tables_init(void)
{
	/* Idempotent and deterministic: concurrent first calls write the same
	 * bytes, so no lock is needed. */
	if (__atomic_load_n(&tables_ready, __ATOMIC_ACQUIRE))
		return;
	init_1b(attr_1b);
	init_0f(attr_0f);
	__atomic_store_n(&tables_ready, true, __ATOMIC_RELEASE);
}

struct cursor {
	const uint8_t *p;
	unsigned n, i;
};

static bool take(struct cursor *c, unsigned k, uint64_t *out)
{
	uint64_t v = 0;

	if (c->n - c->i < k)
		return false;
	for (unsigned j = 0; j < k; j++)
		v |= (uint64_t)c->p[c->i + j] << (8 * j);
	c->i += k;
	*out = v;
	return true;
}

static int64_t sext(uint64_t v, unsigned bytes)
{
	unsigned sh = 64 - 8 * bytes;

	return bytes >= 8 ? (int64_t)v : (int64_t)(v << sh) >> sh;
}

/* 16-bit ModRM forms: base/index pairs fixed by rm. */
static const int8_t base16[8] = { X86_RBX, X86_RBX, X86_RBP, X86_RBP,
				  X86_RSI, X86_RDI, X86_RBP, X86_RBX };
static const int8_t index16[8] = { X86_RSI, X86_RDI, X86_RSI, X86_RDI,
				   -1, -1, -1, -1 };

static int decode_modrm16(struct cursor *c, struct insn *d, unsigned rm)
{
	uint64_t v;

	d->base = base16[rm];
	d->index = index16[rm];
	if (d->mod == 0 && rm == 6) {
		d->base = -1;
		if (!take(c, 2, &v))
			return DEC_MORE;
		d->disp = (int64_t)v; /* zero-extended: a 16-bit offset */
		return DEC_OK;
	}
	if (d->mod == 1) {
		if (!take(c, 1, &v))
			return DEC_MORE;
		d->disp = sext(v, 1);
	} else if (d->mod == 2) {
		if (!take(c, 2, &v))
			return DEC_MORE;
		d->disp = sext(v, 2);
	}
	return DEC_OK;
}

static int decode_modrm32(struct cursor *c, struct insn *d, unsigned rm,
			  unsigned rex)
{
	uint64_t v;
	unsigned base = rm;

	d->index = -1;
	if (rm == 4) {
		unsigned sib, idx;

		if (!take(c, 1, &v))
			return DEC_MORE;
		sib = (unsigned)v;
		d->scale = sib >> 6;
		idx = ((sib >> 3) & 7) | ((rex & 2) << 2);
		d->index = idx == 4 ? -1 : (int8_t)idx;
		base = sib & 7;
		if (base == 5 && d->mod == 0) {
			d->base = -1;
			if (!take(c, 4, &v))
				return DEC_MORE;
			d->disp = sext(v, 4);
			return DEC_OK;
		}
	} else if (rm == 5 && d->mod == 0) {
		d->base = -1;
		d->riprel = d->mode == DEC_MODE64;
		if (!take(c, 4, &v))
			return DEC_MORE;
		d->disp = sext(v, 4);
		return DEC_OK;
	}
	d->base = (int8_t)(base | ((rex & 1) << 3));
	if (d->mod == 1) {
		if (!take(c, 1, &v))
			return DEC_MORE;
		d->disp = sext(v, 1);
	} else if (d->mod == 2) {
		if (!take(c, 4, &v))
			return DEC_MORE;
		d->disp = sext(v, 4);
	}
	return DEC_OK;
}

static int decode_modrm(struct cursor *c, struct insn *d)
{
	uint64_t v;
	unsigned m, rm;

	if (!take(c, 1, &v))
		return DEC_MORE;
	m = (unsigned)v;
	d->has_modrm = 1;
	d->mod = m >> 6;
	d->reg = ((m >> 3) & 7) | ((d->rex & 4) << 1);
	rm = m & 7;
	d->rm = rm | ((d->rex & 1) << 3);
	d->base = d->index = -1;
	if (d->mod == 3)
		return DEC_OK;
	if (d->asz == 2)
		return decode_modrm16(c, d, rm);
	return decode_modrm32(c, d, rm, d->rex);
}

static int decode_imm(struct cursor *c, struct insn *d, unsigned kind)
{
	uint64_t v, w;
	unsigned zs = d->osz == 2 ? 2 : 4;

	switch (kind) {
	case IMM_NONE:
		return DEC_OK;
	case IMM_B:
		if (!take(c, 1, &v))
			return DEC_MORE;
		d->imm = (uint64_t)sext(v, 1);
		return DEC_OK;
	case IMM_W:
		if (!take(c, 2, &v))
			return DEC_MORE;
		d->imm = v;
		return DEC_OK;
	case IMM_Z:
		if (!take(c, zs, &v))
			return DEC_MORE;
		d->imm = (uint64_t)sext(v, zs);
		return DEC_OK;
	case IMM_V:
		if (!take(c, d->osz, &v))
			return DEC_MORE;
		d->imm = v;
		return DEC_OK;
	case IMM_ENTER:
		if (!take(c, 2, &v) || !take(c, 1, &w))
			return DEC_MORE;
		d->imm = v;
		d->imm2 = w;
		return DEC_OK;
	case IMM_FAR:
		if (!take(c, zs, &v) || !take(c, 2, &w))
			return DEC_MORE;
		d->imm = v;
		d->imm2 = w;
		return DEC_OK;
	case IMM_MOFFS:
		if (!take(c, d->asz, &v))
			return DEC_MORE;
		d->imm = v;
		return DEC_OK;
	}
	return DEC_BAD;
}

/* Group 3 (F6/F7) TEST has an immediate that the others lack. */
static unsigned imm_kind(const struct insn *d, uint8_t a)
{
	if (d->map == DEC_MAP_1B && (d->op == 0xf6 || d->op == 0xf7) &&
	    (d->reg & 7) < 2)
		return d->op == 0xf6 ? IMM_B : IMM_Z;
	return IMM_OF(a);
}

static int read_prefixes(struct cursor *c, struct insn *d)
{
	for (;;) {
		uint8_t b;

		if (c->i >= c->n)
			return DEC_MORE;
		if (c->i >= 15)
			return DEC_LONG;
		b = c->p[c->i];
		switch (b) {
		case 0x26: d->seg = X86_ES; break;
		case 0x2e: d->seg = X86_CS; break;
		case 0x36: d->seg = X86_SS; break;
		case 0x3e: d->seg = X86_DS; break;
		case 0x64: d->seg = X86_FS; break;
		case 0x65: d->seg = X86_GS; break;
		case 0x66: d->pfx66 = 1; break;
		case 0x67: d->asz = 1; break; /* resolved below */
		case 0xf0: d->lock = 1; break;
		case 0xf2: case 0xf3: d->rep = b; break;
		default:
			if (d->mode == DEC_MODE64 && (b & 0xf0) == 0x40) {
				d->rex = b; /* only counts if the opcode follows */
				c->i++;
				if (c->i < c->n && ((c->p[c->i] & 0xf0) == 0x40 ||
						    c->p[c->i] == 0x66 || c->p[c->i] == 0x67 ||
						    c->p[c->i] == 0xf0 || c->p[c->i] == 0xf2 ||
						    c->p[c->i] == 0xf3 || c->p[c->i] == 0x26 ||
						    c->p[c->i] == 0x2e || c->p[c->i] == 0x36 ||
						    c->p[c->i] == 0x3e || c->p[c->i] == 0x64 ||
						    c->p[c->i] == 0x65))
					d->rex = 0; /* a REX not last is ignored */
				if (d->rex)
					return DEC_OK;
				continue;
			}
			return DEC_OK;
		}
		c->i++;
	}
}

static void resolve_sizes(struct insn *d, uint8_t a)
{
	unsigned mode = d->mode;
	bool a67 = d->asz == 1;

	if (mode == DEC_MODE64) {
		d->asz = a67 ? 4 : 8;
		if (d->rex & 8)
			d->osz = 8;
		else if (a & A_F64)
			d->osz = 8;
		else if (d->pfx66)
			d->osz = 2;
		else
			d->osz = (a & A_D64) ? 8 : 4;
		if (d->seg >= 0 && d->seg < X86_FS)
			d->seg = -1; /* ES/CS/SS/DS overrides are ignored */
		return;
	}
	d->asz = (uint8_t)(a67 ? (mode == 4 ? 2 : 4) : mode);
	d->osz = (uint8_t)(d->pfx66 ? (mode == 4 ? 2 : 4) : mode);
}

int decode_insn(const uint8_t *buf, unsigned n, enum dec_mode mode,
		struct insn *d)
{
	struct cursor c = { buf, n > 15 ? 15 : n, 0 };
	uint64_t v;
	uint8_t a;
	int r;

	tables_init();
	memset(d, 0, sizeof(*d));
	d->seg = -1;
	d->base = d->index = -1;
	d->mode = (uint8_t)mode;
	r = read_prefixes(&c, d);
	if (r)
		return n >= 15 && r == DEC_MORE ? DEC_LONG : r;
	if (!take(&c, 1, &v))
		return n >= 15 ? DEC_LONG : DEC_MORE;
	d->op = (uint8_t)v;
	a = attr_1b[d->op];
	if (d->op == 0x0f) {
		if (!take(&c, 1, &v))
			return n >= 15 ? DEC_LONG : DEC_MORE;
		d->op = (uint8_t)v;
		d->map = DEC_MAP_0F;
		a = attr_0f[d->op];
		if (d->op == 0x38 || d->op == 0x3a) {
			d->map = d->op == 0x38 ? DEC_MAP_0F38 : DEC_MAP_0F3A;
			a = A_M | (d->op == 0x3a ? I(IMM_B) : 0);
			if (!take(&c, 1, &v))
				return n >= 15 ? DEC_LONG : DEC_MORE;
			d->op = (uint8_t)v;
		}
	}
	if ((a & A_BAD) || (mode == DEC_MODE64 && (a & A_X64)))
		return DEC_BAD;
	/* In 16/32-bit mode 40-4F are INC/DEC, which take no ModRM. */
	resolve_sizes(d, a);
	if (a & A_M) {
		r = decode_modrm(&c, d);
		if (r)
			return c.n >= 15 && r == DEC_MORE ? DEC_LONG : r;
	}
	r = decode_imm(&c, d, imm_kind(d, a));
	if (r)
		return c.n >= 15 && r == DEC_MORE ? DEC_LONG : r;
	d->len = (uint8_t)c.i;
	return DEC_OK;
}
