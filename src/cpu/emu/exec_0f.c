/* The two-byte (0F) opcode map: integer part; SSE and system instructions
 * are handed to their own files. */
#include "cpu/emu/alu.h"
#include "cpu/emu/cpu.h"
#include "cpu/emu/rmw.h"

static void ud(struct emu_cpu *c)
{
	emu_raise_noerr(c, EXC_UD);
}

/* BT/BTS/BTR/BTC with a register bit offset: a memory operand is a bit
 * string, so the offset may reach outside the addressed word. */
static void bt_reg(struct emu_cpu *c, const struct insn *d, uint64_t next,
		   unsigned sub)
{
	unsigned sz = d->osz, bits = 8 * sz;
	int64_t off = (int64_t)sign_ext(reg_get(c, d, d->reg, sz), sz);
	uint64_t va;

	if (d->mod == 3) {
		rmw(c, d, next, sz, RMW_BT, sub, (uint64_t)off);
		return;
	}
	va = ea_offset(c, d, next) + (uint64_t)((off >> (bits == 16 ? 4 : bits == 32 ? 5 : 6)) * sz);
	va = seg_linear(c, d->seg >= 0 ? (unsigned)d->seg
			: (d->base == X86_RSP || d->base == X86_RBP) ? X86_SS : X86_DS,
			va & size_mask(d->asz), d->asz);
	rmw_mem(c, va, d->lock, sz, RMW_BT, sub, (uint64_t)off & (bits - 1),
		sub != 0);
}

static void bsf_bsr(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	unsigned sz = d->osz;
	uint64_t v = rm_get(c, d, sz, next), r;

	if (!v) {
		flags_set(c, FL_ZF, FL_ARITH);
		return; /* destination unchanged, as Intel and AMD do */
	}
	r = d->op == 0xbc ? (uint64_t)__builtin_ctzll(v)
			  : (uint64_t)(63 - __builtin_clzll(v));
	reg_set(c, d, d->reg, sz, r);
	flags_set(c, 0, FL_ARITH);
}

static void cmpxchg(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	unsigned sz = d->op == 0xb0 ? 1 : d->osz;
	uint64_t m = size_mask(sz), acc = c->r[X86_RAX] & m;
	uint64_t src = reg_get(c, d, d->reg, sz), old;

	if (d->mod == 3) {
		old = reg_get(c, d, d->rm, sz);
		alu_op(c, ALU_CMP, sz, acc, old);
		if (old == acc)
			reg_set(c, d, d->rm, sz, src);
		else
			reg_set(c, d, X86_RAX, sz, old);
		return;
	}
	uint64_t va = ea_linear(c, d, next);
	uint8_t *p = mem_rmw_ptr(c, va, sz);

	if (p) {
		uint64_t expect = acc;
		bool ok;

		switch (sz) {
		case 1: { uint8_t e = (uint8_t)acc;
			ok = __atomic_compare_exchange_n(p, &e, (uint8_t)src, false,
							 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
			expect = e; break; }
		case 2: { uint16_t e = (uint16_t)acc;
			ok = __atomic_compare_exchange_n((uint16_t *)p, &e, (uint16_t)src,
							 false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
			expect = e; break; }
		case 4: { uint32_t e = (uint32_t)acc;
			ok = __atomic_compare_exchange_n((uint32_t *)p, &e, (uint32_t)src,
							 false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
			expect = e; break; }
		default:
			ok = __atomic_compare_exchange_n((uint64_t *)p, &expect, src, false,
							 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
			break;
		}
		old = ok ? acc : expect;
	} else {
		mmu_translate(c, va, ACC_W, c->cpl == 3);
		old = mem_read(c, va, sz);
		/* The processor always writes: the old value when unequal. */
		mem_write(c, va, sz, old == acc ? src : old);
	}
	alu_op(c, ALU_CMP, sz, acc, old);
	if (old != acc)
		reg_set(c, d, X86_RAX, sz, old);
}

/* The host's own CMPXCHG16B (x86-64 hosts only), without libatomic. */
static bool host_cas16(uint8_t *p, unsigned __int128 *expect,
		       unsigned __int128 nv)
{
	uint64_t lo = (uint64_t)*expect, hi = (uint64_t)(*expect >> 64);
	bool ok;

	__asm__ volatile("lock cmpxchg16b %1"
			 : "=@ccz"(ok), "+m"(*(unsigned __int128 *)p), "+a"(lo), "+d"(hi)
			 : "b"((uint64_t)nv), "c"((uint64_t)(nv >> 64))
			 : "memory");
	*expect = ((unsigned __int128)hi << 64) | lo;
	return ok;
}

static void cmpxchg8b16b(struct emu_cpu *c, const struct insn *d,
			 uint64_t next)
{
	bool wide = d->osz == 8;
	unsigned sz = wide ? 16 : 8;
	uint64_t va;
	uint8_t *p;
	bool eq;

	if (d->mod == 3)
		ud(c);
	va = ea_linear(c, d, next);
	if (wide && (va & 15))
		emu_raise(c, EXC_GP, 0);
	p = mem_rmw_ptr(c, va, sz);
	if (!wide) {
		uint64_t expect = (c->r[X86_RAX] & 0xffffffffu) |
				  (c->r[X86_RDX] << 32);
		uint64_t nv = (c->r[X86_RBX] & 0xffffffffu) | (c->r[X86_RCX] << 32);

		if (p) {
			eq = __atomic_compare_exchange_n((uint64_t *)p, &expect, nv, false,
							 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		} else {
			uint64_t old = mem_read(c, va, 8);

			eq = old == expect;
			mem_write(c, va, 8, eq ? nv : old);
			expect = old;
		}
		if (!eq) {
			c->r[X86_RAX] = expect & 0xffffffffu;
			c->r[X86_RDX] = expect >> 32;
		}
	} else {
		unsigned __int128 expect = ((unsigned __int128)c->r[X86_RDX] << 64) |
					   c->r[X86_RAX];
		unsigned __int128 nv = ((unsigned __int128)c->r[X86_RCX] << 64) |
				       c->r[X86_RBX];

		if (!p)
			emu_raise(c, EXC_GP, 0); /* aligned 16 bytes: never crosses */
		eq = host_cas16(p, &expect, nv);
		if (!eq) {
			c->r[X86_RAX] = (uint64_t)expect;
			c->r[X86_RDX] = (uint64_t)(expect >> 64);
		}
	}
	flags_set(c, eq ? FL_ZF : 0, FL_ZF);
}

static void group9(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	if (insn_subop(d) == 1) {
		cmpxchg8b16b(c, d, next);
		return;
	}
	ud(c);
}

static void movx(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	unsigned from = (d->op & 1) ? 2 : 1;
	uint64_t v = rm_get(c, d, from, next);

	if (d->op >= 0xbe)
		v = sign_ext(v, from);
	reg_set(c, d, d->reg, d->osz, v);
}

static void bswap(struct emu_cpu *c, const struct insn *d)
{
	unsigned r = (d->op & 7) | ((d->rex & 1) << 3);

	if (d->osz == 8)
		c->r[r] = __builtin_bswap64(c->r[r]);
	else if (d->osz == 4)
		c->r[r] = __builtin_bswap32((uint32_t)c->r[r]);
	else
		c->r[r] &= ~0xffffull; /* undefined; hardware gives 0 */
}

static void popcnt(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	uint64_t v = rm_get(c, d, d->osz, next);

	if (d->rep != 0xf3)
		ud(c);
	reg_set(c, d, d->reg, d->osz, (uint64_t)__builtin_popcountll(v));
	flags_set(c, v ? 0 : FL_ZF, FL_ARITH);
}

static void push_pop_fsgs(struct emu_cpu *c, const struct insn *d)
{
	unsigned s = d->op < 0xa8 ? X86_FS : X86_GS;

	if (d->op & 1) {
		uint16_t sel = (uint16_t)stack_read(c, 0, d->osz);

		seg_load(c, s, sel);
		pop(c, d->osz);
	} else {
		push(c, d->osz, c->seg[s].selector);
	}
}

static bool is_sse(unsigned op)
{
	return (op >= 0x10 && op <= 0x17) || (op >= 0x28 && op <= 0x2f) ||
	       (op >= 0x50 && op <= 0x7f) || (op >= 0xc2 && op <= 0xc6) ||
	       op >= 0xd0 || op == 0xc3;
}

void exec_twobyte(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	unsigned op = d->op, sz = d->osz;
	uint64_t v;

	if (d->map != DEC_MAP_0F) {
		exec_sse(c, d);
		return;
	}
	if (op >= 0x40 && op < 0x50) {
		v = rm_get(c, d, sz, next);
		if (flags_cond(c, op & 15))
			reg_set(c, d, d->reg, sz, v);
		else if (sz == 4)
			reg_set(c, d, d->reg, 4, c->r[d->reg]);
		return;
	}
	if (op >= 0x80 && op < 0x90) {
		if (flags_cond(c, op & 15))
			c->rip = c->code_size == DEC_MODE64 ? next + d->imm
				 : (next + d->imm) & size_mask(d->osz);
		return;
	}
	if (op >= 0x90 && op < 0xa0) {
		rm_set(c, d, 1, flags_cond(c, op & 15), next);
		return;
	}
	if (op >= 0xc8) {
		if (op <= 0xcf) {
			bswap(c, d);
			return;
		}
	}
	if (op == 0xc3 && d->mod != 3 && !d->pfx66 && !d->rep) { /* MOVNTI */
		rm_set(c, d, sz == 8 ? 8 : 4, reg_get(c, d, d->reg, sz == 8 ? 8 : 4), next);
		return;
	}
	if (is_sse(op)) {
		exec_sse(c, d);
		return;
	}
	switch (op) {
	case 0x0b: case 0xb9: case 0xff:
		ud(c);
		return;
	case 0x0d: case 0x18: case 0x19: case 0x1a: case 0x1b: case 0x1c:
	case 0x1d: case 0x1e: case 0x1f:
		return; /* prefetch and hint NOPs */
	case 0xa0: case 0xa1: case 0xa8: case 0xa9:
		push_pop_fsgs(c, d);
		return;
	case 0xa3: bt_reg(c, d, next, 0); return;
	case 0xab: bt_reg(c, d, next, 1); return;
	case 0xb3: bt_reg(c, d, next, 2); return;
	case 0xbb: bt_reg(c, d, next, 3); return;
	case 0xba:
		if (insn_subop(d) < 4)
			ud(c);
		rmw(c, d, next, sz, RMW_BT, insn_subop(d) - 4, d->imm & (8 * sz - 1));
		return;
	case 0xa4: case 0xac:
		rmw(c, d, next, sz, op == 0xa4 ? RMW_SHLD : RMW_SHRD,
		    (unsigned)d->imm & 0xff, reg_get(c, d, d->reg, sz));
		return;
	case 0xa5: case 0xad:
		rmw(c, d, next, sz, op == 0xa5 ? RMW_SHLD : RMW_SHRD,
		    (unsigned)c->r[X86_RCX] & 0xff, reg_get(c, d, d->reg, sz));
		return;
	case 0xaf:
		v = rm_get(c, d, sz, next);
		reg_set(c, d, d->reg, sz, alu_imul2(c, sz, reg_get(c, d, d->reg, sz), v));
		return;
	case 0xb0: case 0xb1:
		cmpxchg(c, d, next);
		return;
	case 0xb2: case 0xb4: case 0xb5: {
		uint64_t va = ea_linear(c, d, next);
		uint64_t off = mem_read(c, va, sz);
		uint16_t sel = (uint16_t)mem_read(c, va + sz, 2);

		if (d->mod == 3)
			ud(c);
		seg_load(c, op == 0xb2 ? X86_SS : op == 0xb4 ? X86_FS : X86_GS, sel);
		reg_set(c, d, d->reg, sz, off);
		return;
	}
	case 0xb6: case 0xb7: case 0xbe: case 0xbf:
		movx(c, d, next);
		return;
	case 0xb8:
		popcnt(c, d, next);
		return;
	case 0xbc: case 0xbd:
		bsf_bsr(c, d, next);
		return;
	case 0xc0: case 0xc1:
		sz = op == 0xc0 ? 1 : sz;
		if (d->mod == 3) { /* the sum is written last */
			uint64_t dst = reg_get(c, d, d->rm, sz);
			uint64_t sum = alu_op(c, ALU_ADD, sz, dst, reg_get(c, d, d->reg, sz));

			reg_set(c, d, d->reg, sz, dst);
			reg_set(c, d, d->rm, sz, sum);
			return;
		}
		v = rmw(c, d, next, sz, RMW_XADD, 0, reg_get(c, d, d->reg, sz));
		reg_set(c, d, d->reg, sz, v);
		return;
	case 0xc7:
		group9(c, d, next);
		return;
	}
	exec_system(c, d, next);
}
