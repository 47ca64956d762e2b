/* The one-byte opcode map: integer, control flow, stack, I/O. */
#include <sched.h>

#include "core/vm.h"
#include "cpu/emu/alu.h"
#include "cpu/emu/cpu.h"
#include "cpu/emu/kvm_pv.h"
#include "cpu/emu/rmw.h"

static void ud(struct emu_cpu *c)
{
	emu_raise_noerr(c, EXC_UD);
}

/* Near branch target, truncated to the operand size outside 64-bit mode. */
static uint64_t branch_target(struct emu_cpu *c, const struct insn *d,
			      uint64_t t)
{
	if (c->code_size == DEC_MODE64)
		return t;
	return t & size_mask(d->osz);
}

static void alu_form(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	unsigned op = d->op >> 3, form = d->op & 7;
	unsigned size = (form & 1) ? d->osz : 1;
	uint64_t v;

	switch (form) {
	case 0:
	case 1: /* r/m op= reg */
		if (d->mod == 3) {
			v = alu_op(c, op, size, reg_get(c, d, d->rm, size),
				   reg_get(c, d, d->reg, size));
			if (op != ALU_CMP)
				reg_set(c, d, d->rm, size, v);
			return;
		}
		rmw(c, d, next, size, RMW_ALU, op, reg_get(c, d, d->reg, size));
		return;
	case 2:
	case 3: /* reg op= r/m */
		v = rm_get(c, d, size, next);
		v = alu_op(c, op, size, reg_get(c, d, d->reg, size), v);
		if (op != ALU_CMP)
			reg_set(c, d, d->reg, size, v);
		return;
	default: /* AL/eAX op= imm */
		size = form == 4 ? 1 : d->osz;
		v = alu_op(c, op, size, reg_get(c, d, X86_RAX, size), d->imm);
		if (op != ALU_CMP)
			reg_set(c, d, X86_RAX, size, v);
		return;
	}
}

static void group1(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	unsigned size = d->op == 0x80 || d->op == 0x82 ? 1 : d->osz;

	if (d->mod == 3) {
		uint64_t v;

		if (d->lock)
			ud(c);
		v = alu_op(c, insn_subop(d), size, reg_get(c, d, d->rm, size), d->imm);
		if (insn_subop(d) != ALU_CMP)
			reg_set(c, d, d->rm, size, v);
		return;
	}
	rmw(c, d, next, size, RMW_ALU, insn_subop(d), d->imm);
}

static void group2(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	unsigned size = (d->op & 1) ? d->osz : 1, count;

	if (d->op <= 0xc1)
		count = (unsigned)d->imm & 0xff;
	else if (d->op <= 0xd1)
		count = 1;
	else
		count = (unsigned)c->r[X86_RCX] & 0xff;
	if (d->mod == 3) {
		reg_set(c, d, d->rm, size, alu_shift(c, insn_subop(d), size,
						     reg_get(c, d, d->rm, size), count));
		return;
	}
	rmw(c, d, next, size, RMW_SHIFT, insn_subop(d), count);
}

static void group3(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	unsigned size = d->op == 0xf6 ? 1 : d->osz;

	switch (insn_subop(d)) {
	case 0:
	case 1:
		alu_op(c, ALU_AND, size, rm_get(c, d, size, next), d->imm);
		return;
	case 2:
		rmw(c, d, next, size, RMW_NOT, 0, 0);
		return;
	case 3:
		rmw(c, d, next, size, RMW_NEG, 0, 0);
		return;
	case 4:
	case 5:
		alu_mul(c, insn_subop(d) == 5, size, rm_get(c, d, size, next));
		return;
	default:
		alu_div(c, insn_subop(d) == 7, size, rm_get(c, d, size, next));
		return;
	}
}

/* Far pointer in memory: offset then selector. */
static void far_indirect(struct emu_cpu *c, const struct insn *d, uint64_t next,
			 bool call)
{
	uint64_t va = ea_linear(c, d, next);
	unsigned osz = d->osz;
	uint64_t off = mem_read(c, va, osz);
	uint16_t sel = (uint16_t)mem_read(c, va + osz, 2);

	if (d->mod == 3)
		ud(c);
	seg_far_jump(c, sel, off, call, osz, next);
}

static void group5(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	bool l64 = c->code_size == DEC_MODE64;
	unsigned size = d->op == 0xfe ? 1 : d->osz, nsz;
	uint64_t t;

	switch (insn_subop(d)) {
	case 0:
	case 1:
		if (d->mod == 3) {
			reg_set(c, d, d->rm, size,
				alu_incdec(c, insn_subop(d), size, reg_get(c, d, d->rm, size)));
			return;
		}
		rmw(c, d, next, size, insn_subop(d) ? RMW_DEC : RMW_INC, 0, 0);
		return;
	}
	if (d->op == 0xfe)
		ud(c);
	nsz = l64 ? 8 : d->osz;
	switch (insn_subop(d)) {
	case 2:
		t = rm_get(c, d, nsz, next);
		push(c, nsz, next);
		c->rip = branch_target(c, d, t);
		return;
	case 3:
		far_indirect(c, d, next, true);
		return;
	case 4:
		c->rip = branch_target(c, d, rm_get(c, d, nsz, next));
		return;
	case 5:
		far_indirect(c, d, next, false);
		return;
	case 6:
		nsz = l64 ? (d->pfx66 ? 2 : 8) : d->osz;
		push(c, nsz, rm_get(c, d, nsz, next));
		return;
	default:
		ud(c);
	}
}

static void do_pushf(struct emu_cpu *c, const struct insn *d)
{
	uint64_t f = flags_get(c);

	if ((f & FL_VM) && ((f & FL_IOPL) >> 12) < 3)
		emu_raise(c, EXC_GP, 0);
	push(c, d->osz, f & ~(FL_VM | FL_RF));
}

static void do_popf(struct emu_cpu *c, const struct insn *d)
{
	uint64_t v = pop(c, d->osz);
	uint64_t mask = FL_ARITH | FL_TF | FL_DF | FL_NT | FL_AC | FL_ID;
	unsigned iopl = (unsigned)((c->rflags & FL_IOPL) >> 12);

	if (c->cpl == 0)
		mask |= FL_IOPL | FL_IF;
	else if (c->cpl <= iopl)
		mask |= FL_IF;
	if (d->osz == 2)
		mask &= 0xffff;
	flags_set(c, v, mask);
}

static void do_enter(struct emu_cpu *c, const struct insn *d)
{
	unsigned size = d->osz, level = (unsigned)d->imm2 & 31;
	uint64_t frame;

	push(c, size, c->r[X86_RBP]);
	frame = c->r[X86_RSP] & size_mask(stack_size(c));
	for (unsigned i = 1; i < level; i++)
		push(c, size, stack_read(c, 0, size)); /* approximate: see report */
	if (level)
		push(c, size, frame);
	reg_set(c, d, X86_RBP, stack_size(c) == 2 ? 2 : size, frame);
	frame = (c->r[X86_RSP] - d->imm) & size_mask(stack_size(c));
	reg_set(c, d, X86_RSP, stack_size(c), frame);
}

static void do_leave(struct emu_cpu *c, const struct insn *d)
{
	unsigned ss = stack_size(c);

	reg_set(c, d, X86_RSP, ss, c->r[X86_RBP]);
	reg_set(c, d, X86_RBP, d->osz, pop(c, d->osz));
}

static void mov_sreg(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	unsigned s = insn_subop(d);

	if (s >= X86_NR_SREGS || s == X86_CS)
		ud(c);
	seg_load(c, s, (uint16_t)rm_get(c, d, 2, next));
	if (s == X86_SS)
		c->irq_shadow = 1;
}

static void xchg_acc(struct emu_cpu *c, const struct insn *d)
{
	unsigned r = (d->op & 7) | ((d->rex & 1) << 3);
	uint64_t a = reg_get(c, d, X86_RAX, d->osz);

	if (r == X86_RAX) {
		if (d->osz == 4) /* 90 is a true NOP even in 64-bit mode */
			return;
		return;
	}
	reg_set(c, d, X86_RAX, d->osz, reg_get(c, d, r, d->osz));
	reg_set(c, d, r, d->osz, a);
}

static void in_out(struct emu_cpu *c, const struct insn *d)
{
	unsigned size = (d->op & 1) ? (d->osz == 2 ? 2 : 4) : 1;
	uint16_t port = d->op < 0xec ? (uint16_t)(d->imm & 0xff)
				     : (uint16_t)c->r[X86_RDX];

	if (d->op & 2)
		io_out(c, port, size, (uint32_t)c->r[X86_RAX]);
	else
		reg_set(c, d, X86_RAX, size, io_in(c, port, size));
}

static void loop_insn(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	unsigned as = d->asz;
	uint64_t cx = c->r[X86_RCX] & size_mask(as);
	bool take;

	if (d->op == 0xe3) {
		take = cx == 0;
	} else {
		cx = (cx - 1) & size_mask(as);
		reg_set(c, d, X86_RCX, as, cx);
		take = cx != 0;
		if (d->op == 0xe1)
			take = take && flags_cond(c, 4);
		else if (d->op == 0xe0)
			take = take && flags_cond(c, 5);
	}
	if (take)
		c->rip = branch_target(c, d, next + d->imm);
}

static void check_cli_sti(struct emu_cpu *c)
{
	unsigned iopl = (unsigned)((c->rflags & FL_IOPL) >> 12);

	if ((c->cr0 & X86_CR0_PE) && c->cpl > iopl)
		emu_raise(c, EXC_GP, 0);
}

static void do_hlt(struct emu_cpu *c)
{
	if (c->cpl)
		emu_raise(c, EXC_GP, 0);
	if (kvm_pv_take_unhalt(c))
		return; /* kicked before it halted (PV unhalt) */
	c->state = EMU_HALTED;
}

static void exec_misc(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	unsigned sz = d->osz;
	uint64_t v;

	switch (d->op) {
	case 0x98:
		if (sz == 2)
			reg_set(c, d, X86_RAX, 2, sign_ext(c->r[X86_RAX], 1));
		else
			reg_set(c, d, X86_RAX, sz, sign_ext(c->r[X86_RAX], sz / 2));
		return;
	case 0x99:
		v = (c->r[X86_RAX] >> (8 * sz - 1)) & 1 ? ~0ull : 0;
		reg_set(c, d, X86_RDX, sz, v);
		return;
	case 0x9b: /* FWAIT */
		if ((c->cr0 & (X86_CR0_MP | X86_CR0_TS)) ==
		    (X86_CR0_MP | X86_CR0_TS))
			emu_raise_noerr(c, EXC_NM);
		return;
	case 0x9c:
		do_pushf(c, d);
		return;
	case 0x9d:
		do_popf(c, d);
		return;
	case 0x9e: /* SAHF */
		flags_set(c, (c->r[X86_RAX] >> 8) & 0xff,
			  FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF);
		return;
	case 0x9f:
		v = (flags_get(c) & 0xd7) | 2;
		c->r[X86_RAX] = (c->r[X86_RAX] & ~0xff00ull) | (v << 8);
		return;
	case 0xd7: /* XLAT */
		v = ea_offset(c, &(struct insn){ .asz = d->asz, .base = X86_RBX,
						 .index = -1 }, next);
		v = (v + (c->r[X86_RAX] & 0xff)) & size_mask(d->asz);
		reg_set(c, d, X86_RAX, 1,
			mem_read(c, seg_linear(c, d->seg >= 0 ? (unsigned)d->seg : X86_DS,
					       v, d->asz), 1));
		return;
	case 0xf4:
		do_hlt(c);
		return;
	case 0xf5:
		flags_set(c, flags_get(c) ^ FL_CF, FL_CF);
		return;
	case 0xf8: case 0xf9:
		flags_set(c, d->op & 1 ? FL_CF : 0, FL_CF);
		return;
	case 0xfa:
		check_cli_sti(c);
		c->rflags &= ~FL_IF;
		return;
	case 0xfb:
		check_cli_sti(c);
		if (!(c->rflags & FL_IF))
			c->irq_shadow = 1;
		c->rflags |= FL_IF;
		return;
	case 0xfc: case 0xfd:
		c->rflags = (c->rflags & ~FL_DF) | (d->op & 1 ? FL_DF : 0);
		return;
	}
	ud(c);
}

static void exec_stack_ctl(struct emu_cpu *c, const struct insn *d,
			   uint64_t next)
{
	bool l64 = c->code_size == DEC_MODE64;
	unsigned sz = d->osz;
	uint64_t v;

	switch (d->op) {
	case 0x68: case 0x6a:
		push(c, sz, d->imm);
		return;
	case 0x8f:
		if (insn_subop(d))
			ud(c);
		v = stack_read(c, 0, sz);
		if (d->mod == 3) {
			pop(c, sz);
			reg_set(c, d, d->rm, sz, v);
		} else {
			/* The address uses RSP after the pop. */
			uint64_t old = c->r[X86_RSP];

			pop(c, sz);
			uint64_t va = ea_linear(c, d, next);

			c->r[X86_RSP] = old;
			mem_write(c, va, sz, v);
			pop(c, sz);
		}
		return;
	case 0xc2: case 0xc3:
		v = pop(c, l64 ? 8 : sz);
		if (d->op == 0xc2)
			reg_set(c, d, X86_RSP, stack_size(c),
				c->r[X86_RSP] + d->imm);
		c->rip = branch_target(c, d, v);
		return;
	case 0xc8:
		do_enter(c, d);
		return;
	case 0xc9:
		do_leave(c, d);
		return;
	case 0xca: case 0xcb:
		seg_far_ret(c, sz, d->op == 0xca ? (uint16_t)d->imm : 0);
		return;
	case 0xcc:
		emu_deliver(c, EXC_BP, false, 0, true, next);
		return;
	case 0xcd:
		emu_deliver(c, (unsigned)d->imm & 0xff, false, 0, true, next);
		return;
	case 0xce:
		if (flags_get(c) & FL_OF)
			emu_deliver(c, EXC_OF, false, 0, true, next);
		return;
	case 0xcf:
		seg_iret(c, sz);
		return;
	case 0xe8:
		push(c, l64 ? 8 : sz, next);
		c->rip = branch_target(c, d, next + d->imm);
		return;
	case 0xe9: case 0xeb:
		c->rip = branch_target(c, d, next + d->imm);
		return;
	case 0x9a: case 0xea:
		seg_far_jump(c, (uint16_t)d->imm2, d->imm, d->op == 0x9a, sz, next);
		return;
	case 0xf1:
		emu_deliver(c, EXC_DB, false, 0, true, next);
		return;
	}
	ud(c);
}

static void push_pop_sreg(struct emu_cpu *c, const struct insn *d)
{
	static const int8_t seg_of[0x20] = {
		[0x06] = X86_ES, [0x07] = X86_ES, [0x0e] = X86_CS, [0x16] = X86_SS,
		[0x17] = X86_SS, [0x1e] = X86_DS, [0x1f] = X86_DS,
	};
	unsigned s = (unsigned)seg_of[d->op];

	if (d->op & 1) {
		uint16_t sel = (uint16_t)stack_read(c, 0, d->osz);

		seg_load(c, s, sel);
		pop(c, d->osz);
		if (s == X86_SS)
			c->irq_shadow = 1;
	} else {
		push(c, d->osz, c->seg[s].selector);
	}
}

static void pusha_popa(struct emu_cpu *c, const struct insn *d)
{
	unsigned sz = d->osz;

	if (d->op == 0x60) {
		uint64_t sp = c->r[X86_RSP];

		for (unsigned r = 0; r < 8; r++)
			push(c, sz, r == X86_RSP ? sp : c->r[r]);
		return;
	}
	for (int r = 7; r >= 0; r--) {
		uint64_t v = pop(c, sz);

		if (r != X86_RSP)
			reg_set(c, d, (unsigned)r, sz, v);
	}
}

static void load_far_ptr(struct emu_cpu *c, const struct insn *d, uint64_t next,
			 unsigned sreg)
{
	uint64_t va = ea_linear(c, d, next);
	uint64_t off = mem_read(c, va, d->osz);
	uint16_t sel = (uint16_t)mem_read(c, va + d->osz, 2);

	if (d->mod == 3)
		ud(c);
	seg_load(c, sreg, sel);
	reg_set(c, d, d->reg, d->osz, off);
}

void exec_onebyte(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	unsigned op = d->op, sz = d->osz;
	uint64_t v;

	/* One jump table; GNU case ranges keep the opcode map readable. */
	switch (op) {
	case 0x00 ... 0x05: case 0x08 ... 0x0d: case 0x10 ... 0x15:
	case 0x18 ... 0x1d: case 0x20 ... 0x25: case 0x28 ... 0x2d:
	case 0x30 ... 0x35: case 0x38 ... 0x3d:
		alu_form(c, d, next);
		return;
	case 0x40 ... 0x4f: { /* INC/DEC r (16/32-bit modes) */
		unsigned r = op & 7;

		reg_set(c, d, r, sz, alu_incdec(c, op >= 0x48, sz, c->r[r]));
		return;
	}
	case 0x50 ... 0x57:
		push(c, sz, c->r[(op & 7) | ((d->rex & 1) << 3)] & size_mask(sz));
		return;
	case 0x58 ... 0x5f:
		v = pop(c, sz);
		reg_set(c, d, (op & 7) | ((d->rex & 1) << 3), sz, v);
		return;
	case 0x70 ... 0x7f:
		if (flags_cond(c, op & 15))
			c->rip = branch_target(c, d, next + d->imm);
		return;
	case 0x90 ... 0x97:
		if (op == 0x90 && !(d->rex & 1)) {
			/* PAUSE in a spin loop: let the vCPU it waits for run
			 * when vCPUs outnumber free host CPUs. */
			if (d->rep == 0xf3 && c->vm && c->vm->ncpus > 1)
				sched_yield();
			return;
		}
		xchg_acc(c, d);
		return;
	case 0xb0 ... 0xb7:
		reg_set(c, d, (op & 7) | ((d->rex & 1) << 3), 1, d->imm);
		return;
	case 0xb8 ... 0xbf:
		reg_set(c, d, (op & 7) | ((d->rex & 1) << 3), sz, d->imm);
		return;
	case 0xa4 ... 0xa7: case 0xaa ... 0xaf: case 0x6c ... 0x6f:
		exec_string(c, d);
		return;
	case 0xd8 ... 0xdf:
		exec_x87(c, d);
		return;
	case 0x06: case 0x07: case 0x0e: case 0x16: case 0x17: case 0x1e:
	case 0x1f:
		push_pop_sreg(c, d);
		return;
	case 0x60: case 0x61:
		pusha_popa(c, d);
		return;
	case 0x63:
		if (c->code_size != DEC_MODE64)
			ud(c); /* ARPL: not implemented */
		v = rm_get(c, d, 4, next);
		reg_set(c, d, d->reg, sz, sz == 8 ? sign_ext(v, 4) : v);
		return;
	case 0x69: case 0x6b:
		v = rm_get(c, d, sz, next);
		reg_set(c, d, d->reg, sz, alu_imul2(c, sz, v, d->imm));
		return;
	case 0x80: case 0x81: case 0x82: case 0x83:
		group1(c, d, next);
		return;
	case 0x84: case 0x85:
		sz = op & 1 ? sz : 1;
		alu_op(c, ALU_AND, sz, rm_get(c, d, sz, next), reg_get(c, d, d->reg, sz));
		return;
	case 0x86: case 0x87:
		sz = op & 1 ? sz : 1;
		v = rmw(c, d, next, sz, RMW_XCHG, 0, reg_get(c, d, d->reg, sz));
		reg_set(c, d, d->reg, sz, v);
		return;
	case 0x88: case 0x89:
		sz = op & 1 ? sz : 1;
		rm_set(c, d, sz, reg_get(c, d, d->reg, sz), next);
		return;
	case 0x8a: case 0x8b:
		sz = op & 1 ? sz : 1;
		reg_set(c, d, d->reg, sz, rm_get(c, d, sz, next));
		return;
	case 0x8c:
		if (insn_subop(d) >= X86_NR_SREGS)
			ud(c);
		v = c->seg[insn_subop(d)].selector;
		if (d->mod == 3)
			reg_set(c, d, d->rm, sz, v);
		else
			mem_write(c, ea_linear(c, d, next), 2, v);
		return;
	case 0x8d:
		if (d->mod == 3)
			ud(c);
		reg_set(c, d, d->reg, sz, ea_offset(c, d, next));
		return;
	case 0x8e:
		mov_sreg(c, d, next);
		return;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3: {
		unsigned s = d->seg >= 0 ? (unsigned)d->seg : X86_DS;
		uint64_t va = seg_linear(c, s, d->imm, d->asz);

		sz = op & 1 ? sz : 1;
		if (op & 2)
			mem_write(c, va, sz, c->r[X86_RAX]);
		else
			reg_set(c, d, X86_RAX, sz, mem_read(c, va, sz));
		return;
	}
	case 0xa8: case 0xa9:
		sz = op & 1 ? sz : 1;
		alu_op(c, ALU_AND, sz, c->r[X86_RAX], d->imm);
		return;
	case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3:
		group2(c, d, next);
		return;
	case 0xc4: case 0xc5:
		load_far_ptr(c, d, next, op == 0xc4 ? X86_ES : X86_DS);
		return;
	case 0xc6: case 0xc7:
		if (insn_subop(d))
			ud(c);
		rm_set(c, d, op & 1 ? sz : 1, d->imm, next);
		return;
	case 0xe0: case 0xe1: case 0xe2: case 0xe3:
		loop_insn(c, d, next);
		return;
	case 0xe4: case 0xe5: case 0xe6: case 0xe7:
	case 0xec: case 0xed: case 0xee: case 0xef:
		in_out(c, d);
		return;
	case 0xf6: case 0xf7:
		group3(c, d, next);
		return;
	case 0xfe: case 0xff:
		group5(c, d, next);
		return;
	case 0x68: case 0x6a: case 0x8f: case 0xc2: case 0xc3: case 0xc8:
	case 0xc9: case 0xca: case 0xcb: case 0xcc: case 0xcd: case 0xce:
	case 0xcf: case 0xe8: case 0xe9: case 0xeb: case 0x9a: case 0xea:
	case 0xf1:
		exec_stack_ctl(c, d, next);
		return;
	}
	exec_misc(c, d, next);
}
