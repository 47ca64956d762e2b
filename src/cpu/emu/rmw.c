/* Read-modify-write of a ModRM operand, with LOCK done by host atomics.
 *
 * The destination is checked for writing before anything is computed, so a
 * write fault (a copy-on-write page, say) leaves registers and flags as
 * they were and the instruction restarts cleanly. */
#include "cpu/emu/rmw.h"

#include <string.h>

#include "cpu/emu/alu.h"

static uint64_t compute(struct emu_cpu *c, unsigned kind, unsigned sub,
			unsigned size, uint64_t old, uint64_t src, uint64_t *out)
{
	uint64_t m = size_mask(size), bit;

	switch (kind) {
	case RMW_ALU:
		return alu_op(c, sub, size, old, src);
	case RMW_INC:
		return alu_incdec(c, false, size, old);
	case RMW_DEC:
		return alu_incdec(c, true, size, old);
	case RMW_NOT:
		return ~old & m;
	case RMW_NEG:
		return alu_op(c, ALU_SUB, size, 0, old);
	case RMW_SHIFT:
		return alu_shift(c, sub, size, old, (unsigned)src);
	case RMW_XCHG:
		*out = old;
		return src & m;
	case RMW_XADD:
		*out = old;
		return alu_op(c, ALU_ADD, size, old, src);
	case RMW_BT: /* sub: 0 bt, 1 bts, 2 btr, 3 btc; src: bit index */
		bit = 1ull << (src & (8 * size - 1));
		flags_set(c, (old & bit) ? FL_CF : 0, FL_CF);
		if (sub == 1)
			return old | bit;
		if (sub == 2)
			return old & ~bit;
		if (sub == 3)
			return old ^ bit;
		return old;
	case RMW_SHLD:
		return alu_shld(c, false, size, old, src, sub);
	case RMW_SHRD:
		return alu_shld(c, true, size, old, src, sub);
	}
	return old;
}

static bool cas(uint8_t *p, unsigned size, uint64_t *expect, uint64_t desired)
{
	switch (size) {
	case 1: {
		uint8_t e = (uint8_t)*expect;
		bool ok = __atomic_compare_exchange_n(p, &e, (uint8_t)desired, false,
						      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		*expect = e;
		return ok;
	}
	case 2: {
		uint16_t e = (uint16_t)*expect;
		bool ok = __atomic_compare_exchange_n((uint16_t *)p, &e, (uint16_t)desired,
						      false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		*expect = e;
		return ok;
	}
	case 4: {
		uint32_t e = (uint32_t)*expect;
		bool ok = __atomic_compare_exchange_n((uint32_t *)p, &e, (uint32_t)desired,
						      false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		*expect = e;
		return ok;
	}
	default:
		return __atomic_compare_exchange_n((uint64_t *)p, expect, desired, false,
						   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	}
}

static uint64_t load(const uint8_t *p, unsigned size)
{
	uint64_t v = 0;

	memcpy(&v, p, size);
	return v;
}

uint64_t rmw_mem(struct emu_cpu *c, uint64_t va, bool atomic, unsigned size,
		 unsigned kind, unsigned sub, uint64_t src, bool store)
{
	uint64_t old, res, out = 0;
	uint8_t *p = mem_rmw_ptr(c, va, size);

	if (p && atomic && store) {
		old = load(p, size);
		do
			res = compute(c, kind, sub, size, old, src, &out);
		while (!cas(p, size, &old, res));
		return out;
	}
	if (!p) {
		/* MMIO or page-crossing: probe both ends for writing first. */
		mmu_translate(c, va, ACC_W, c->cpl == 3);
		mmu_translate(c, va + size - 1, ACC_W, c->cpl == 3);
	}
	old = p ? load(p, size) : mem_read(c, va, size);
	res = compute(c, kind, sub, size, old, src, &out);
	if (store) {
		if (p)
			memcpy(p, &res, size);
		else
			mem_write(c, va, size, res);
	}
	return out;
}

uint64_t rmw(struct emu_cpu *c, const struct insn *d, uint64_t next,
	     unsigned size, unsigned kind, unsigned sub, uint64_t src)
{
	uint64_t old, res, out = 0;
	bool store = !(kind == RMW_ALU && sub == ALU_CMP) &&
		     !(kind == RMW_BT && sub == 0);

	if (d->mod == 3) {
		old = reg_get(c, d, d->rm, size);
		res = compute(c, kind, sub, size, old, src, &out);
		if (store)
			reg_set(c, d, d->rm, size, res);
		return out;
	}
	if (!store) {
		old = mem_read(c, ea_linear(c, d, next), size);
		compute(c, kind, sub, size, old, src, &out);
		return out;
	}
	/* XCHG with memory is locked whether or not LOCK is given. */
	return rmw_mem(c, ea_linear(c, d, next), d->lock || kind == RMW_XCHG, size,
		       kind, sub, src, true);
}
