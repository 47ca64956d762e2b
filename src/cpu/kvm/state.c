/* struct x86_state <-> kvm_regs/kvm_sregs.  The two segment layouts hold
 * the same unpacked descriptor-cache fields, so conversion is field by
 * field; the GPR order differs (KVM: rax rbx rcx rdx rsi rdi rsp rbp). */
#include "cpu/kvm/state.h"

#include <stdbool.h>
#include <string.h>

static struct kvm_segment seg_to_kvm(const struct x86_segment *g)
{
	return (struct kvm_segment){
		.base = g->base, .limit = g->limit, .selector = g->selector,
		.type = g->type, .present = g->present, .dpl = g->dpl,
		.db = g->db, .s = g->s, .l = g->l, .g = g->g, .avl = g->avl,
		.unusable = g->unusable,
	};
}

static struct x86_segment seg_from_kvm(const struct kvm_segment *k)
{
	return (struct x86_segment){
		.base = k->base, .limit = k->limit, .selector = k->selector,
		.type = k->type, .s = k->s, .dpl = k->dpl, .present = k->present,
		.db = k->db, .l = k->l, .g = k->g, .avl = k->avl,
		.unusable = k->unusable,
	};
}

void kvm_state_to_regs(const struct x86_state *st, struct kvm_regs *r)
{
	const uint64_t *g = st->gpr;

	memset(r, 0, sizeof(*r));
	r->rax = g[X86_RAX], r->rbx = g[X86_RBX], r->rcx = g[X86_RCX];
	r->rdx = g[X86_RDX], r->rsi = g[X86_RSI], r->rdi = g[X86_RDI];
	r->rsp = g[X86_RSP], r->rbp = g[X86_RBP];
	r->r8 = g[X86_R8], r->r9 = g[X86_R9], r->r10 = g[X86_R10];
	r->r11 = g[X86_R11], r->r12 = g[X86_R12], r->r13 = g[X86_R13];
	r->r14 = g[X86_R14], r->r15 = g[X86_R15];
	r->rip = st->rip;
	r->rflags = st->rflags | X86_RFLAGS_FIXED; /* bit 1 always reads 1 */
}

void kvm_state_to_sregs(const struct x86_state *st, struct kvm_sregs *s,
			bool keep_zero_apic_base)
{
	s->es = seg_to_kvm(&st->seg[X86_ES]);
	s->cs = seg_to_kvm(&st->seg[X86_CS]);
	s->ss = seg_to_kvm(&st->seg[X86_SS]);
	s->ds = seg_to_kvm(&st->seg[X86_DS]);
	s->fs = seg_to_kvm(&st->seg[X86_FS]);
	s->gs = seg_to_kvm(&st->seg[X86_GS]);
	s->ldt = seg_to_kvm(&st->ldt);
	s->tr = seg_to_kvm(&st->tr);
	s->gdt = (struct kvm_dtable){ .base = st->gdt.base, .limit = st->gdt.limit };
	s->idt = (struct kvm_dtable){ .base = st->idt.base, .limit = st->idt.limit };
	s->cr0 = st->cr0, s->cr2 = st->cr2, s->cr3 = st->cr3;
	s->cr4 = st->cr4, s->cr8 = st->cr8;
	s->efer = st->efer;
	if (st->apic_base || !keep_zero_apic_base)
		s->apic_base = st->apic_base;
}

void kvm_state_from_kvm(struct x86_state *st, const struct kvm_regs *r,
			const struct kvm_sregs *s)
{
	uint64_t *g = st->gpr;

	memset(st, 0, sizeof(*st));
	g[X86_RAX] = r->rax, g[X86_RBX] = r->rbx, g[X86_RCX] = r->rcx;
	g[X86_RDX] = r->rdx, g[X86_RSI] = r->rsi, g[X86_RDI] = r->rdi;
	g[X86_RSP] = r->rsp, g[X86_RBP] = r->rbp;
	g[X86_R8] = r->r8, g[X86_R9] = r->r9, g[X86_R10] = r->r10;
	g[X86_R11] = r->r11, g[X86_R12] = r->r12, g[X86_R13] = r->r13;
	g[X86_R14] = r->r14, g[X86_R15] = r->r15;
	st->rip = r->rip;
	st->rflags = r->rflags;
	st->seg[X86_ES] = seg_from_kvm(&s->es);
	st->seg[X86_CS] = seg_from_kvm(&s->cs);
	st->seg[X86_SS] = seg_from_kvm(&s->ss);
	st->seg[X86_DS] = seg_from_kvm(&s->ds);
	st->seg[X86_FS] = seg_from_kvm(&s->fs);
	st->seg[X86_GS] = seg_from_kvm(&s->gs);
	st->ldt = seg_from_kvm(&s->ldt);
	st->tr = seg_from_kvm(&s->tr);
	st->gdt = (struct x86_dtable){ .base = s->gdt.base, .limit = s->gdt.limit };
	st->idt = (struct x86_dtable){ .base = s->idt.base, .limit = s->idt.limit };
	st->cr0 = s->cr0, st->cr2 = s->cr2, st->cr3 = s->cr3;
	st->cr4 = s->cr4, st->cr8 = s->cr8;
	st->efer = s->efer;
	st->apic_base = s->apic_base;
}

int kvm_state_check(const struct x86_state *st, struct gerr *err)
{
	bool pg = st->cr0 & X86_CR0_PG;
	const struct x86_segment *cs = &st->seg[X86_CS];

	if (pg && !(st->cr0 & X86_CR0_PE))
		return gerr_set(err, "entry state: CR0.PG set without CR0.PE");
	if (pg && (st->efer & X86_EFER_LME) && !(st->cr4 & X86_CR4_PAE))
		return gerr_set(err, "entry state: long mode (EFER.LME, CR0.PG) without CR4.PAE");
	if (!!(st->efer & X86_EFER_LMA) != (pg && (st->efer & X86_EFER_LME)))
		return gerr_set(err, "entry state: EFER.LMA disagrees with EFER.LME and CR0.PG");
	if (cs->l && cs->db)
		return gerr_set(err, "entry state: CS has both L and D/B set");
	if (cs->l && !(st->efer & X86_EFER_LMA))
		return gerr_set(err, "entry state: 64-bit CS outside long mode");
	return 0;
}
