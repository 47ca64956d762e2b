/* The decode cache must notice code changes: a guest store into an
 * instruction it already executed (Linux patches its own text), and a
 * host-side write (device DMA, loaders) through gmem_write. */
#include <string.h>

#include "../harness.h"
#include "cpu/emu/emu.h"
#include "test_emu_fixture.h"

/* 0x10000: call target; mov byte [target+1], 0x2a; call target; hlt
 * target: mov eax, 0x11; ret */
static const uint8_t code[] = {
	0xe8, 0x0d, 0x00, 0x00, 0x00,		/* call target (0x10012) */
	0xc6, 0x05, 0x07, 0x00, 0x00, 0x00, 0x2a, /* mov byte [rip+7], 0x2a -> 0x10013 */
	0xe8, 0x01, 0x00, 0x00, 0x00,		/* call target */
	0xf4,					/* hlt */
	0xb8, 0x11, 0x00, 0x00, 0x00,		/* target: mov eax, 0x11 */
	0xc3,					/* ret */
};

TEST(emu_decode_cache_sees_code_writes)
{
	struct guest_mem mem;
	struct gerr err;
	struct emu_solo *s;
	struct x86_state st;
	uint8_t imm = 0x33;

	CHECK(gmem_init(&mem, 4 << 20, false, &err) == 0);
	emu_fx_identity_map(&mem);
	gmem_write(&mem, 0x10000, code, sizeof(code));
	s = emu_solo_new(&mem, NULL, NULL, &err);
	CHECK(s != NULL);
	emu_fx_long_mode(&st);
	st.rip = 0x10000;
	emu_solo_set_state(s, &st);
	CHECK_EQ(emu_solo_run(s, 1000), EMU_EXIT_HLT);
	emu_solo_get_state(s, &st);
	CHECK_EQ(st.gpr[X86_RAX], 0x2a); /* the guest's own patch was seen */
	/* A host write into the cached instruction, then run it again. */
	gmem_write(&mem, 0x10013, &imm, 1);
	st.rip = 0x10012;
	st.gpr[X86_RSP] = 0x80000 - 8;
	gmem_write_u64(&mem, 0x80000 - 8, 0x10011); /* return to the hlt */
	emu_solo_set_state(s, &st);
	CHECK_EQ(emu_solo_run(s, 1000), EMU_EXIT_HLT);
	emu_solo_get_state(s, &st);
	CHECK_EQ(st.gpr[X86_RAX], 0x33);
	emu_solo_free(s);
	gmem_destroy(&mem);
}

TEST(emu_unknown_msr_and_bad_opcode_fault)
{
	/* rdmsr of an unknown index must #GP; an undefined opcode must #UD;
	 * neither may stop the host. */
	static const uint8_t prog[] = {
		0xb9, 0x78, 0x56, 0x34, 0x12, /* mov ecx, 0x12345678 */
		0x0f, 0x32,		      /* rdmsr */
	};
	struct guest_mem mem;
	struct gerr err;
	struct emu_solo *s;
	struct x86_state st;
	struct emu_cpu *c;

	CHECK(gmem_init(&mem, 4 << 20, false, &err) == 0);
	emu_fx_identity_map(&mem);
	gmem_write(&mem, 0x10000, prog, sizeof(prog));
	s = emu_solo_new(&mem, NULL, NULL, &err);
	CHECK(s != NULL);
	c = emu_solo_cpu(s);
	c->exc_exit = true;
	emu_fx_long_mode(&st);
	st.rip = 0x10000;
	emu_solo_set_state(s, &st);
	CHECK_EQ(emu_solo_run(s, 10), EMU_EXIT_EXCEPTION);
	CHECK_EQ(c->exc_vec, EXC_GP);
	CHECK_EQ(c->rip, 0x10005); /* precise: RIP of the faulting rdmsr */
	gmem_write(&mem, 0x10005, (const uint8_t[]){ 0x0f, 0x0b }, 2); /* ud2 */
	st.rip = 0x10005;
	emu_solo_set_state(s, &st);
	CHECK_EQ(emu_solo_run(s, 10), EMU_EXIT_EXCEPTION);
	CHECK_EQ(c->exc_vec, EXC_UD);
	emu_solo_free(s);
	gmem_destroy(&mem);
}
