/* The block compiler (src/cpu/emu/jit.c) against the interpreter: the
 * same program, run with every block compiled from its first run and with
 * none compiled, must end in the same state and count the same
 * instructions; and what compiled code bakes in (RIPs, the CPL's TLB, the
 * code bytes) must not outlive what it was made for.  The differential
 * test (test_emu_diff.c) covers single instructions and pairs. */
#include <string.h>

#include "../harness.h"
#include "cpu/emu/dcache.h"
#include "cpu/emu/emu.h"
#include "test_emu_fixture.h"

#define CODE 0x10000
#define DATA 0x20000

struct run {
	struct x86_state st;
	uint64_t icount;
	size_t jit_bytes;
	enum emu_exit exit;
	uint64_t cr2;
	uint8_t data[256];
};

/* Runs `code` at linear `rip` (identity mapped; also at +2 MiB) until HLT
 * or an exception, blocks compiled from their first run when `jit`. */
static void run_prog(const uint8_t *code, size_t len, uint64_t rip, bool jit,
		     struct run *out)
{
	struct guest_mem mem;
	struct gerr err;
	struct emu_solo *s;
	struct emu_cpu *c;

	memset(out, 0, sizeof(*out));
	if (gmem_init(&mem, 4 << 20, false, &err))
		return;
	emu_fx_identity_map(&mem);
	gmem_write_u64(&mem, 0x3008, 0x0 | 0x83); /* 2 MiB: the same page */
	gmem_write(&mem, CODE, code, len);
	for (unsigned i = 0; i < 64; i++)
		gmem_write_u64(&mem, DATA + 8 * i, 0x0123456789abcdefull * (i + 1));
	s = emu_solo_new(&mem, NULL, NULL, &err);
	if (s) {
		c = emu_solo_cpu(s);
		c->exc_exit = true;
		c->dcache->jit_hot = jit ? 1 : 0;
		emu_fx_long_mode(&out->st);
		out->st.rip = rip;
		out->st.gpr[X86_RSI] = DATA;
		emu_solo_set_state(s, &out->st);
		out->exit = emu_solo_run(s, 1000000);
		emu_solo_get_state(s, &out->st);
		out->icount = c->icount;
		out->cr2 = c->cr2;
		out->jit_bytes = c->dcache->jit.used;
		gmem_read(&mem, DATA, out->data, sizeof(out->data));
		emu_solo_free(s);
	}
	gmem_destroy(&mem);
}

static void check_same(const struct run *a, const struct run *b)
{
	CHECK_EQ(a->exit, b->exit);
	CHECK_EQ(a->icount, b->icount);
	CHECK_EQ(a->st.rip, b->st.rip);
	CHECK_EQ(a->st.rflags, b->st.rflags);
	for (unsigned r = 0; r < 16; r++)
		CHECK_EQ(a->st.gpr[r], b->st.gpr[r]);
	CHECK(!memcmp(a->data, b->data, sizeof(a->data)));
}

/* A loop over every inline form: loads, stores, push/pop, ALU, shifts,
 * IMUL, LEA, MOVZX/MOVSX, and calls of interpreter handlers between them
 * (ADC, INC, SETcc, Jcc). */
static const uint8_t loop_prog[] = {
	0xb9, 0x40, 0x00, 0x00, 0x00,	/* mov ecx, 64 */
	0x31, 0xd2,			/* xor edx, edx */
	/* loop: */
	0x48, 0x8b, 0x44, 0xce, 0xf8,	/* mov rax, [rsi+rcx*8-8] */
	0x48, 0x89, 0xc3,		/* mov rbx, rax */
	0x48, 0xc1, 0xeb, 0x07,		/* shr rbx, 7 */
	0x48, 0x0f, 0xaf, 0xd8,		/* imul rbx, rax */
	0x48, 0x01, 0xda,		/* add rdx, rbx */
	0x48, 0x11, 0xc2,		/* adc rdx, rax */
	0x0f, 0xb7, 0x7c, 0xce, 0xfa,	/* movzx edi, word [rsi+rcx*8-6] */
	0x48, 0x0f, 0xbe, 0x6c, 0xce, 0xf9, /* movsx rbp, byte [rsi+rcx*8-7] */
	0x4c, 0x8d, 0x04, 0x7d, 0x05, 0x00, 0x00, 0x00, /* lea r8, [rdi*2+5] */
	0x49, 0x31, 0xe8,		/* xor r8, rbp */
	0x41, 0x50,			/* push r8 */
	0x41, 0x59,			/* pop r9 */
	0x4c, 0x89, 0x4c, 0xce, 0xf8,	/* mov [rsi+rcx*8-8], r9 */
	0xc1, 0xe2, 0x03,		/* shl edx, 3 */
	0x83, 0xf9, 0x20,		/* cmp ecx, 32 */
	0x0f, 0x92, 0xc0,		/* setb al */
	0x01, 0xc2,			/* add edx, eax */
	0xff, 0xc9,			/* dec ecx */
	0x75, 0xbc,			/* jnz loop */
	0xf4,				/* hlt */
};

TEST(emu_jit_runs_like_the_interpreter)
{
	struct run a, b;

	run_prog(loop_prog, sizeof(loop_prog), CODE, false, &a);
	run_prog(loop_prog, sizeof(loop_prog), CODE, true, &b);
	CHECK_EQ(a.exit, EMU_EXIT_HLT);
	CHECK_EQ(a.jit_bytes, 0);
	CHECK(b.jit_bytes > 0); /* the loop did run compiled */
	check_same(&a, &b);
}

/* Run in slices of a few instructions, compiled blocks (linked into each
 * other after the first passes) stop exactly where the interpreter does. */
TEST(emu_jit_stops_at_the_instruction_limit)
{
	struct guest_mem mem[2];
	struct emu_solo *s[2];
	struct x86_state st;
	struct gerr err;
	enum emu_exit ex[2] = { EMU_EXIT_COUNT, EMU_EXIT_COUNT };
	unsigned slices = 0;

	for (unsigned k = 0; k < 2; k++) {
		CHECK(gmem_init(&mem[k], 4 << 20, false, &err) == 0);
		emu_fx_identity_map(&mem[k]);
		gmem_write(&mem[k], CODE, loop_prog, sizeof(loop_prog));
		s[k] = emu_solo_new(&mem[k], NULL, NULL, &err);
		CHECK(s[k] != NULL);
		emu_solo_cpu(s[k])->dcache->jit_hot = k; /* 0: interpreter */
		emu_fx_long_mode(&st);
		st.rip = CODE;
		st.gpr[X86_RSI] = DATA;
		emu_solo_set_state(s[k], &st);
	}
	while (ex[0] == EMU_EXIT_COUNT && slices++ < 10000) {
		for (unsigned k = 0; k < 2; k++)
			ex[k] = emu_solo_run(s[k], 3 + slices % 41);
		CHECK_EQ(ex[0], ex[1]);
		CHECK_EQ(emu_solo_cpu(s[0])->rip, emu_solo_cpu(s[1])->rip);
		CHECK_EQ(emu_solo_cpu(s[0])->icount, emu_solo_cpu(s[1])->icount);
	}
	CHECK_EQ(ex[0], EMU_EXIT_HLT);
	CHECK(emu_solo_cpu(s[1])->dcache->jit.used > 0);
	for (unsigned k = 0; k < 2; k++) {
		emu_solo_free(s[k]);
		gmem_destroy(&mem[k]);
	}
}

/* Calls and returns, SETcc and CMOVcc after a CMP, MOVSXD, JMP. */
static const uint8_t call_prog[] = {
	0xb9, 0x32, 0x00, 0x00, 0x00,	/* mov ecx, 50 */
	0x31, 0xd2,			/* xor edx, edx */
	0x45, 0x31, 0xd2,		/* xor r10d, r10d */
	/* loop: */
	0x48, 0x89, 0xcf,		/* mov rdi, rcx */
	0xe8, 0x1c, 0x00, 0x00, 0x00,	/* call f */
	0x48, 0x01, 0xc2,		/* add rdx, rax */
	0x48, 0x83, 0xf8, 0x28,		/* cmp rax, 40 */
	0x41, 0x0f, 0x92, 0xc2,		/* setb r10b */
	0x4c, 0x0f, 0x47, 0xd8,		/* cmova r11, rax */
	0x4c, 0x63, 0x24, 0x8e,		/* movsxd r12, [rsi+rcx*4] */
	0x4d, 0x01, 0xe2,		/* add r10, r12 */
	0xff, 0xc9,			/* dec ecx */
	0x75, 0xde,			/* jnz loop */
	0xeb, 0x0f,			/* jmp done */
	/* f: */
	0x53,				/* push rbx */
	0x48, 0x8d, 0x5c, 0x3f, 0x01,	/* lea rbx, [rdi+rdi+1] */
	0x48, 0x89, 0xd8,		/* mov rax, rbx */
	0x48, 0x0f, 0xaf, 0xc7,		/* imul rax, rdi */
	0x5b,				/* pop rbx */
	0xc3,				/* ret */
	/* done: */
	0xf4,				/* hlt */
};

TEST(emu_jit_calls_and_flag_readers)
{
	struct run a, b;

	run_prog(call_prog, sizeof(call_prog), CODE, false, &a);
	run_prog(call_prog, sizeof(call_prog), CODE, true, &b);
	CHECK_EQ(a.exit, EMU_EXIT_HLT);
	CHECK(b.jit_bytes > 0);
	check_same(&a, &b);
}

/* RIP-relative loads and stores, and [index*scale + disp] without a
 * base: their addresses are partly constants in the compiled code. */
static const uint8_t riprel_prog[] = {
	0xb9, 0x10, 0x00, 0x00, 0x00,		/* mov ecx, 16 */
	/* loop: */
	0x48, 0x8b, 0x05, 0xfc, 0xff, 0x00, 0x00, /* mov rax, [rip -> DATA+8] */
	0x48, 0x03, 0x04, 0xcd, 0x00, 0x00, 0x02, 0x00, /* add rax, [rcx*8+DATA] */
	0x48, 0x89, 0x05, 0xe5, 0x00, 0x01, 0x00, /* mov [rip -> DATA+0x100], rax */
	0x0f, 0xb6, 0x15, 0xe1, 0xff, 0x00, 0x00, /* movzx edx, byte [rip -> DATA+3] */
	0x48, 0x01, 0xd0,			/* add rax, rdx */
	0x48, 0x3b, 0x04, 0xcd, 0x00, 0x00, 0x02, 0x00, /* cmp rax, [rcx*8+DATA] */
	0x48, 0x89, 0x04, 0xcd, 0x80, 0x00, 0x02, 0x00, /* mov [rcx*8+DATA+0x80], rax */
	0xff, 0xc9,				/* dec ecx */
	0x75, 0xcc,				/* jnz loop */
	0xf4,					/* hlt */
};

TEST(emu_jit_riprel_and_baseless_operands)
{
	struct run a, b;

	run_prog(riprel_prog, sizeof(riprel_prog), CODE, false, &a);
	run_prog(riprel_prog, sizeof(riprel_prog), CODE, true, &b);
	CHECK_EQ(a.exit, EMU_EXIT_HLT);
	CHECK(b.jit_bytes > 0);
	check_same(&a, &b);
}

/* A flat store (an inline form: its slow path, as code pages have no
 * write entry in the TLB) rewrites the immediate of the MOV right after it
 * in its own compiled block: the MOV must see the new value at once. */
static const uint8_t smc_prog[] = {
	0x48, 0x8d, 0x1d, 0x0a, 0x00, 0x00, 0x00, /* lea rbx, [rip+10] (the imm) */
	0xb9, 0x03, 0x00, 0x00, 0x00,	/* mov ecx, 3 */
	0x31, 0xd2,			/* xor edx, edx */
	/* loop: */
	0x89, 0x0b,			/* mov [rbx], ecx */
	0xb8, 0x11, 0x00, 0x00, 0x00,	/* mov eax, 0x11 (patched) */
	0x01, 0xc2,			/* add edx, eax */
	0xff, 0xc9,			/* dec ecx */
	0x75, 0xf3,			/* jnz loop */
	0xf4,				/* hlt */
};

TEST(emu_jit_sees_its_block_rewritten)
{
	struct run a, b;

	run_prog(smc_prog, sizeof(smc_prog), CODE, true, &b);
	run_prog(smc_prog, sizeof(smc_prog), CODE, false, &a);
	CHECK_EQ(b.exit, EMU_EXIT_HLT);
	CHECK_EQ(b.st.gpr[X86_RDX], 3 + 2 + 1);
	check_same(&a, &b);
}

/* A page fault in the middle of a compiled block: the registers the
 * instructions before it wrote, RIP at the faulting load, CR2, and the
 * count are the interpreter's. */
static const uint8_t fault_prog[] = {
	0xb8, 0x05, 0x00, 0x00, 0x00,	/* mov eax, 5 */
	0x48, 0x83, 0xc0, 0x07,		/* add rax, 7 */
	0x48, 0xbb, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* mov rbx, 1<<32 */
	0x48, 0x8b, 0x0b,		/* mov rcx, [rbx]: not mapped */
	0x48, 0xff, 0xc0,		/* inc rax */
	0xf4,
};

TEST(emu_jit_fault_mid_block_is_precise)
{
	struct run a, b;

	run_prog(fault_prog, sizeof(fault_prog), CODE, false, &a);
	run_prog(fault_prog, sizeof(fault_prog), CODE, true, &b);
	CHECK_EQ(b.exit, EMU_EXIT_EXCEPTION);
	CHECK_EQ(b.st.rip, CODE + 19);
	CHECK_EQ(b.st.gpr[X86_RAX], 12);
	CHECK_EQ(b.cr2, 1ull << 32);
	CHECK(b.jit_bytes > 0);
	check_same(&a, &b);
	CHECK_EQ(a.cr2, b.cr2);
}

/* The same physical code at two linear addresses: a block compiled at the
 * first must not lend its RIP-relative constants to the second. */
static const uint8_t alias_prog[] = {
	0x48, 0x8d, 0x05, 0x00, 0x00, 0x00, 0x00, /* lea rax, [rip] */
	0xe9, 0x00, 0x00, 0x00, 0x00,	/* jmp next (ends the block) */
	0xf4,
};

TEST(emu_jit_code_at_two_addresses)
{
	struct guest_mem mem;
	struct gerr err;
	struct emu_solo *s;
	struct x86_state st;

	CHECK(gmem_init(&mem, 4 << 20, false, &err) == 0);
	emu_fx_identity_map(&mem);
	gmem_write_u64(&mem, 0x3008, 0x0 | 0x83);
	gmem_write(&mem, CODE, alias_prog, sizeof(alias_prog));
	s = emu_solo_new(&mem, NULL, NULL, &err);
	CHECK(s != NULL);
	emu_solo_cpu(s)->dcache->jit_hot = 1;
	for (unsigned pass = 0; pass < 4; pass++) {
		uint64_t base = pass & 1 ? CODE + (2u << 20) : CODE;

		emu_fx_long_mode(&st);
		st.rip = base;
		emu_solo_set_state(s, &st);
		CHECK_EQ(emu_solo_run(s, 100), EMU_EXIT_HLT);
		emu_solo_get_state(s, &st);
		CHECK_EQ(st.gpr[X86_RAX], base + 7);
	}
	CHECK(emu_solo_cpu(s)->dcache->jit.used > 0);
	emu_solo_free(s);
	gmem_destroy(&mem);
}
