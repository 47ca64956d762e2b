/* struct x86_state <-> kvm_regs/kvm_sregs, and the entry-state check. */
#include <string.h>

#include "../harness.h"
#include "cpu/kvm/state.h"

static void fill(struct x86_state *st)
{
	x86_state_reset(st);
	for (int i = 0; i < X86_NR_GPRS; i++)
		st->gpr[i] = 0x1111111111111111ull * (uint64_t)(i + 1);
	st->rip = 0xffffffff81000000ull;
	st->rflags = 0x246;
	st->seg[X86_CS] = x86_flat_code64(0x10);
	st->seg[X86_SS] = x86_flat_data(0x18);
	st->seg[X86_FS] = x86_flat_data(0x18);
	st->seg[X86_FS].base = 0x7f0000001000ull;
	st->seg[X86_GS].unusable = 1;
	st->seg[X86_GS].avl = 1;
	st->seg[X86_GS].dpl = 3;
	st->ldt.base = 0x1234;
	st->tr = (struct x86_segment){ .base = 0x5000, .limit = 0x67, .selector = 0x28,
				       .type = 0xb, .present = 1 };
	st->gdt = (struct x86_dtable){ 0x500, 0x2f };
	st->idt = (struct x86_dtable){ 0x8000, 0xfff };
	st->cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_ET;
	st->cr2 = 0xdead000;
	st->cr3 = 0x9000;
	st->cr4 = X86_CR4_PAE;
	st->cr8 = 5;
	st->efer = X86_EFER_LME | X86_EFER_LMA;
	st->apic_base = 0xfee00900;
}

TEST(kvm_state_round_trip)
{
	struct x86_state a, b;
	struct kvm_regs r;
	struct kvm_sregs s;

	fill(&a);
	memset(&s, 0, sizeof(s));
	kvm_state_to_regs(&a, &r);
	kvm_state_to_sregs(&a, &s, true);
	kvm_state_from_kvm(&b, &r, &s);
	CHECK(!memcmp(&a.gpr, &b.gpr, sizeof(a.gpr)));
	CHECK(!memcmp(&a.seg, &b.seg, sizeof(a.seg)));
	CHECK(!memcmp(&a.ldt, &b.ldt, sizeof(a.ldt)));
	CHECK(!memcmp(&a.tr, &b.tr, sizeof(a.tr)));
	CHECK_EQ(b.rip, a.rip);
	CHECK_EQ(b.rflags, a.rflags);
	CHECK_EQ(b.gdt.base, 0x500);
	CHECK_EQ(b.idt.limit, 0xfff);
	CHECK_EQ(b.cr2, a.cr2);
	CHECK_EQ(b.cr8, 5);
	CHECK_EQ(b.efer, a.efer);
	CHECK_EQ(b.apic_base, a.apic_base);
}

TEST(kvm_state_gpr_order)
{
	struct x86_state a;
	struct kvm_regs r;

	fill(&a);
	kvm_state_to_regs(&a, &r);
	/* x86 encoding order is rax rcx rdx rbx rsp rbp rsi rdi; KVM's is not. */
	CHECK_EQ(r.rax, a.gpr[X86_RAX]);
	CHECK_EQ(r.rbx, a.gpr[X86_RBX]);
	CHECK_EQ(r.rcx, a.gpr[X86_RCX]);
	CHECK_EQ(r.rsp, a.gpr[X86_RSP]);
	CHECK_EQ(r.rsi, a.gpr[X86_RSI]);
	CHECK_EQ(r.r15, a.gpr[X86_R15]);
}

TEST(kvm_state_segment_attributes)
{
	struct x86_state a;
	struct kvm_sregs s;

	fill(&a);
	memset(&s, 0, sizeof(s));
	kvm_state_to_sregs(&a, &s, true);
	CHECK_EQ(s.cs.l, 1);
	CHECK_EQ(s.cs.db, 0);
	CHECK_EQ(s.cs.type, 0xb);
	CHECK_EQ(s.cs.s, 1);
	CHECK_EQ(s.cs.g, 1);
	CHECK_EQ(s.cs.limit, 0xffffffff);
	CHECK_EQ(s.cs.selector, 0x10);
	CHECK_EQ(s.fs.base, 0x7f0000001000ull);
	CHECK_EQ(s.gs.unusable, 1);
	CHECK_EQ(s.gs.avl, 1);
	CHECK_EQ(s.gs.dpl, 3);
	CHECK_EQ(s.tr.type, 0xb);
	CHECK_EQ(s.tr.s, 0);
}

TEST(kvm_state_keeps_interrupt_bitmap_and_rflags_bit1)
{
	struct x86_state a;
	struct kvm_regs r;
	struct kvm_sregs s;

	fill(&a);
	a.rflags = 0;
	memset(&s, 0, sizeof(s));
	s.interrupt_bitmap[1] = 0x80;
	kvm_state_to_sregs(&a, &s, true);
	kvm_state_to_regs(&a, &r);
	CHECK_EQ(s.interrupt_bitmap[1], 0x80);
	CHECK_EQ(r.rflags, 2);
}

TEST(kvm_state_check_accepts_boot_states)
{
	struct x86_state st;
	struct gerr err;

	x86_state_reset(&st);
	CHECK(kvm_state_check(&st, &err) == 0);
	fill(&st); /* 64-bit long mode */
	CHECK(kvm_state_check(&st, &err) == 0);
	x86_state_reset(&st); /* PVH: 32-bit protected mode, paging off */
	st.cr0 = X86_CR0_PE | X86_CR0_ET;
	st.seg[X86_CS] = x86_flat_code32(0x8);
	CHECK(kvm_state_check(&st, &err) == 0);
}

TEST(kvm_state_check_rejects_inconsistent)
{
	struct x86_state st;
	struct gerr err;

	fill(&st);
	st.cr0 &= ~X86_CR0_PE;
	CHECK(kvm_state_check(&st, &err) == -1);
	CHECK(strstr(err.msg, "CR0.PG") != NULL);
	fill(&st);
	st.cr4 = 0;
	CHECK(kvm_state_check(&st, &err) == -1);
	CHECK(strstr(err.msg, "PAE") != NULL);
	fill(&st);
	st.efer = X86_EFER_LME; /* LMA missing */
	CHECK(kvm_state_check(&st, &err) == -1);
	fill(&st);
	st.seg[X86_CS].db = 1;
	CHECK(kvm_state_check(&st, &err) == -1);
	x86_state_reset(&st);
	st.seg[X86_CS].l = 1;
	CHECK(kvm_state_check(&st, &err) == -1);
}

TEST(kvm_state_zero_apic_base_kept)
{
	struct x86_state a;
	struct kvm_sregs s;

	fill(&a);
	memset(&s, 0, sizeof(s));
	s.apic_base = 0xfee00900;
	a.apic_base = 0;
	kvm_state_to_sregs(&a, &s, true);
	CHECK_EQ(s.apic_base, 0xfee00900);
	kvm_state_to_sregs(&a, &s, false);
	CHECK_EQ(s.apic_base, 0);
	a.apic_base = 0xfee00800;
	kvm_state_to_sregs(&a, &s, true);
	CHECK_EQ(s.apic_base, 0xfee00800);
}
