/* Writes to the guest's own page tables (Xen's "writable page tables"
 * VM assist): the tables are mapped read-only, so the guest kernel's
 * plain stores, exchanges and bit operations on an entry fault, and
 * gamut performs each as a validated page-table update (xen_mm.h) before
 * resuming after the instruction.  Linux relies on it for the atomic PTE
 * operations it does not turn into hypercalls (ptep_get_and_clear is an
 * XCHG, clearing the accessed or writable bit a LOCK BTR or AND).
 *
 * The instructions understood are those forms on a memory operand:
 * MOV (89, C7 /0), XCHG (87), CMPXCHG (0F B1), AND/OR (21, 09, 81 /4 /1,
 * 83 /4 /1, 80 /4 /1 on a byte), BTS/BTR/BTC (0F BA /5 /6 /7 with imm8,
 * 0F AB, 0F B3, 0F BB), with LOCK and REX prefixes.  Anything else
 * leaves the fault to the guest. */
#include <string.h>

#include "xenpv/xen_emul.h"
#include "xenpv/xen_entry.h"
#include "xenpv/xen_hcall.h"

/* The ModRM memory operand's length after the ModRM byte (SIB and
 * displacement); -1 for a register operand or truncated bytes. */
static int modrm_tail(const uint8_t *b, size_t n, size_t at)
{
	uint8_t m = b[at], mod = m >> 6, rm = m & 7;
	int len = 0;

	if (mod == 3)
		return -1;
	if (rm == 4) {
		if (at + 1 >= n)
			return -1;
		len++;
		if (mod == 0 && (b[at + 1] & 7) == 5)
			len += 4;
	}
	if (mod == 0 && rm == 5)
		len += 4;
	else if (mod == 1)
		len += 1;
	else if (mod == 2)
		len += 4;
	return at + 1 + (size_t)len <= n ? len : -1;
}

int xen_memop_decode(const uint8_t *b, size_t n, struct memop *o)
{
	size_t i = 0;
	uint8_t rex = 0;
	bool opsize16 = false;
	unsigned imm_bytes = 0;
	int tail;

	memset(o, 0, sizeof(*o));
	for (; i < n && i < 4 && (b[i] == 0xf0 || b[i] == 0x66 || b[i] == 0x3e || b[i] == 0x2e); i++)
		opsize16 |= b[i] == 0x66;
	if (i < n && (b[i] & 0xf0) == 0x40)
		rex = b[i++];
	if (i >= n)
		return -1;
	o->op = b[i++];
	if (o->op == 0x0f) {
		if (i >= n)
			return -1;
		o->op = 0x0f00 | b[i++];
	}
	switch (o->op) {
	case 0x89: case 0x87: case 0x21: case 0x09:
	case 0x0fb1: case 0x0fab: case 0x0fb3: case 0x0fbb:
		break;
	case 0xc7: case 0x81: imm_bytes = 4; break;
	case 0x83: case 0x80: case 0x0fba: imm_bytes = 1; break;
	default: return -1;
	}
	if (opsize16 || i >= n)
		return -1; /* 16-bit forms: no page-table code uses them */
	o->size = o->op == 0x80 ? 1 : (rex & 8) ? 8 : 4;
	o->reg = ((b[i] >> 3) & 7) | ((rex & 4) ? 8 : 0);
	tail = modrm_tail(b, n, i);
	if (tail < 0)
		return -1;
	i += 1 + (size_t)tail;
	if (i + imm_bytes > n)
		return -1;
	for (unsigned k = 0; k < imm_bytes; k++)
		o->imm |= (uint64_t)b[i + k] << (8 * k);
	if (imm_bytes == 4 || (imm_bytes == 1 && o->op == 0x83))
		o->imm = (uint64_t)(int64_t)(imm_bytes == 4 ? (int32_t)o->imm : (int8_t)o->imm);
	i += imm_bytes;
	o->len = (unsigned)i;
	return 0;
}

static uint64_t mask(unsigned size)
{
	return size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* Applies the operation to `cur` (the operand's bytes), returning the
 * new operand; registers and flags updated in `st` as the CPU would for
 * what page-table code reads (the exchanged value, CF, ZF). */
static bool apply(const struct memop *o, struct x86_state *st, uint64_t cur,
		  uint64_t *out)
{
	uint64_t *reg = &st->gpr[o->reg & 15], m = mask(o->size), v = *reg & m;
	unsigned slash = o->reg & 7, bit;
	const uint64_t CF = 1, ZF = 1 << 6;

	switch (o->op) {
	case 0x89: *out = v; return true;
	case 0xc7: if (slash) return false; *out = o->imm & m; return true;
	case 0x87:
		*out = v;
		*reg = o->size == 4 ? (uint32_t)cur : cur;
		return true;
	case 0x0fb1: {
		uint64_t *rax = &st->gpr[0];

		if ((*rax & m) == cur) {
			*out = v;
			st->rflags |= ZF;
		} else {
			*out = cur;
			*rax = o->size == 4 ? (uint32_t)cur : cur;
			st->rflags &= ~ZF;
		}
		return true;
	}
	case 0x21: *out = cur & v; return true;
	case 0x09: *out = cur | v; return true;
	case 0x80: case 0x81: case 0x83:
		if (slash == 4)
			*out = cur & o->imm & m;
		else if (slash == 1)
			*out = (cur | o->imm) & m;
		else
			return false;
		return true;
	case 0x0fba: case 0x0fab: case 0x0fb3: case 0x0fbb:
		if (o->op == 0x0fba && slash < 5)
			return false;
		bit = (unsigned)((o->op == 0x0fba ? o->imm : v) & (8 * o->size - 1));
		st->rflags = (st->rflags & ~CF) | ((cur >> bit) & 1);
		if (o->op == 0x0fab || (o->op == 0x0fba && slash == 5))
			*out = cur | (1ull << bit);
		else if (o->op == 0x0fb3 || (o->op == 0x0fba && slash == 6))
			*out = cur & ~(1ull << bit);
		else
			*out = cur ^ (1ull << bit);
		return true;
	default:
		return false;
	}
}

bool xen_emulate_ptwr(struct xen_vcpu *v, struct x86_state *st, uint64_t err)
{
	struct xen *x = v->x;
	uint64_t addr = st->cr2, gpa, entry_gpa, cur, val, newop, shift;
	uint8_t buf[15];
	size_t n;
	struct memop o;
	struct x86_state tmp;
	enum xen_ftype t;

	/* A write (P and W set) by the guest kernel to a present page. */
	if ((err & 3) != 3 || !v->kernel_mode)
		return false;
	if (xen_mm_translate(&x->mm, xen_current_l4(v), addr, false, &gpa) < 0)
		return false;
	t = xen_mm_type(&x->mm, gpa >> 12, NULL, NULL);
	if (t < XEN_FT_L1 || t > XEN_FT_L4)
		return false;
	n = 15;
	if (xen_copy_from_guest(v, st->rip, buf, n) < 0) {
		n = 4096 - (st->rip & 4095);
		if (n >= 15 || xen_copy_from_guest(v, st->rip, buf, n) < 0)
			return false;
	}
	if (xen_memop_decode(buf, n, &o) < 0)
		return false;
	/* The operand must lie inside one 8-byte entry. */
	shift = (addr & 7) * 8;
	if ((addr & 7) + o.size > 8)
		return false;
	entry_gpa = gpa & ~7ull;
	if (gmem_read_u64(x->mem, entry_gpa, &cur) < 0)
		return false;
	/* On a copy: a refused update leaves the guest's registers alone. */
	tmp = *st;
	if (!apply(&o, &tmp, (cur >> shift) & mask(o.size), &newop))
		return false;
	val = (cur & ~(mask(o.size) << shift)) | ((newop & mask(o.size)) << shift);
	if (val != cur && xen_mm_pt_update(&x->mm, entry_gpa, val, false) < 0)
		return false; /* refused: the guest sees its page fault */
	v->stat_emulated++;
	tmp.rip += o.len;
	*st = tmp;
	xen_flush_tlb(v, st);
	return true;
}
