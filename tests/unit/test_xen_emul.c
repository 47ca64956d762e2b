/* The instruction decoders behind Xen PV emulation (src/xenpv/xen_emul.c,
 * xen_ptwr.c): lengths and operands of what a PV kernel traps on. */
#include "../harness.h"
#include "xenpv/xen_emul.h"

static int dec(const char *bytes, size_t n, struct xen_insn *in)
{
	return xen_insn_decode((const uint8_t *)bytes, n, in);
}

static int mem(const char *bytes, size_t n, struct memop *o)
{
	return xen_memop_decode((const uint8_t *)bytes, n, o);
}

TEST(xen_insn_privileged_forms)
{
	struct xen_insn in;

	CHECK(dec("\xec", 1, &in) == 0 && in.op == 0xec && in.len == 1);
	CHECK(dec("\x66\xed", 2, &in) == 0 && in.op == 0xed && in.opsize16 && in.len == 2);
	CHECK(dec("\xe4\x60", 2, &in) == 0 && in.imm == 0x60 && in.len == 2);
	CHECK(dec("\x0f\x30", 2, &in) == 0 && in.op == 0x0f30 && in.len == 2);
	CHECK(dec("\x0f\x20\xe0", 3, &in) == 0 && in.op == 0x0f20 && in.modrm == 0xe0 && in.len == 3);
	CHECK(dec("\x44\x0f\x22\xc1", 4, &in) == 0 && in.rex == 0x44 && in.len == 4);
	CHECK(dec("\xcd\x80", 2, &in) == 0 && in.op == 0xcd && in.imm == 0x80 && in.len == 2);
	CHECK(dec("\xfa", 1, &in) == 0 && in.len == 1);
}

TEST(xen_insn_truncated)
{
	struct xen_insn in;

	CHECK(dec("\x0f", 1, &in) < 0);
	CHECK(dec("\x0f\x20", 2, &in) < 0);
	CHECK(dec("\xe4", 1, &in) < 0);
	CHECK(dec("\x66\x66\x66", 3, &in) < 0);
	CHECK(dec("", 0, &in) < 0);
}

TEST(xen_memop_page_table_writes)
{
	struct memop o;

	/* xchg %rdx,(%rax): ptep_get_and_clear */
	CHECK(mem("\x48\x87\x10", 3, &o) == 0 && o.op == 0x87 && o.size == 8 && o.reg == 2 && o.len == 3);
	/* lock btr $1,(%rax): clearing _PAGE_RW */
	CHECK(mem("\xf0\x48\x0f\xba\x30\x01", 6, &o) == 0 && o.op == 0x0fba &&
	      (o.reg & 7) == 6 && o.imm == 1 && o.len == 6);
	/* lock andb $0xfd,(%rax) */
	CHECK(mem("\xf0\x80\x20\xfd", 4, &o) == 0 && o.size == 1 && o.imm == 0xfd && o.len == 4);
	/* movq $0,(%rax): sign-extended imm32 */
	CHECK(mem("\x48\xc7\x00\x00\x00\x00\x00", 7, &o) == 0 && o.imm == 0 && o.len == 7);
	/* mov %rdx,0x8(%rsp): SIB and disp8 */
	CHECK(mem("\x48\x89\x54\x24\x08", 5, &o) == 0 && o.len == 5);
	/* mov %r9,(%rdi) with REX.R */
	CHECK(mem("\x4c\x89\x0f", 3, &o) == 0 && o.reg == 9);
	/* lock cmpxchg %rcx,(%rdx) */
	CHECK(mem("\xf0\x48\x0f\xb1\x0a", 5, &o) == 0 && o.op == 0x0fb1 && o.reg == 1 && o.len == 5);
	/* and $-3,%eax... on memory with imm8 sign-extended */
	CHECK(mem("\x48\x83\x20\xfd", 4, &o) == 0 && o.imm == (uint64_t)-3);
}

TEST(xen_memop_refuses_other_forms)
{
	struct memop o;

	CHECK(mem("\x48\x89\xc0", 3, &o) < 0);	/* register operand */
	CHECK(mem("\x66\x89\x10", 3, &o) < 0);	/* 16-bit */
	CHECK(mem("\x48\x01\x10", 3, &o) < 0);	/* add: not a page-table op */
	CHECK(mem("\x48\x89\x04", 3, &o) < 0);	/* SIB missing */
	CHECK(mem("\x48\x89\x80\x00", 4, &o) < 0); /* disp32 cut short */
	CHECK(mem("\x48\xc7\x00\x00", 4, &o) < 0); /* imm32 cut short */
	CHECK(mem("\xf0", 1, &o) < 0);
}
