/* libFuzzer target for the block compiler (src/cpu/emu/jit.c): any bytes
 * become 64-bit guest code at CPL 0, run once by the interpreter and once
 * with every block compiled from its first run, from the same state and
 * memory; both must end alike (the same exit, RIP, count, registers,
 * flags and memory).  Guest code is the compiler's untrusted input: it
 * must never crash gamut, and never compute something the interpreter
 * (itself checked against the host CPU by the difftest) would not: every
 * register, the x87/SSE state and all the memory the guest can reach
 * are compared.
 *
 * Inputs that read the host's clock are skipped.  OF and AF are left out
 * of the comparison: where the architecture leaves
 * them undefined (multi-bit rotates), the compiled code keeps the host's
 * value and the interpreter computes its own. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/emu/dcache.h"
#include "cpu/emu/emu.h"
#include "../tests/unit/test_emu_fixture.h"

#define CODE 0x10000
#define DATA 0x20000
#define CODE_MAX 512

struct end {
	enum emu_exit exit;
	uint64_t icount, cr2;
	struct x86_state st;
	struct emu_fpu fpu;
	uint8_t data[4096];
	uint8_t low[2 << 20]; /* all the memory the guest can reach */
};

/* One world per way, made once: guest memory is rewritten and the
 * state set afresh for every input (writes into code invalidate its
 * blocks through the memory's write hook, as for any guest). */
struct world {
	struct guest_mem mem;
	struct emu_solo *solo;
	uint64_t icount0;
};

static struct world *world(bool jit)
{
	static struct world w[2];
	static bool made[2];
	struct gerr err;

	if (!made[jit]) {
		if (gmem_init(&w[jit].mem, 4 << 20, false, &err))
			abort();
		w[jit].solo = emu_solo_new(&w[jit].mem, NULL, NULL, &err);
		if (!w[jit].solo)
			abort();
		emu_solo_cpu(w[jit].solo)->exc_exit = true;
		emu_solo_cpu(w[jit].solo)->dcache->jit_hot = jit ? 1 : 0;
		made[jit] = true;
	}
	return &w[jit];
}

static void run(const uint8_t *code, size_t len, bool jit, struct end *out)
{
	static uint8_t low[2 << 20]; /* what the identity map reaches */
	struct world *w = world(jit);
	struct emu_cpu *c = emu_solo_cpu(w->solo);

	memset(out, 0, sizeof(*out));
	memset(low, 0, sizeof(low));
	memset(low + CODE, 0xf4, CODE_MAX + 16); /* HLT after the input */
	memcpy(low + CODE, code, len);
	for (unsigned i = 0; i < sizeof(out->data); i++)
		low[DATA + i] = (uint8_t)(i * 7);
	gmem_write(&w->mem, 0, low, sizeof(low));
	emu_fx_identity_map(&w->mem);
	emu_fx_long_mode(&out->st);
	out->st.rip = CODE;
	for (unsigned r = 0; r < 16; r++) /* pointers into the data page */
		if (r != X86_RSP)
			out->st.gpr[r] = DATA + 64 * r;
	emu_cpu_reset(c); /* nothing left over: FPU, MSRs, debug registers */
	emu_solo_set_state(w->solo, &out->st);
	c->cr2 = 0;
	w->icount0 = c->icount;
	/* A bounded run: loops in the input end at the count. */
	out->exit = emu_solo_run(w->solo, 5000);
	emu_solo_get_state(w->solo, &out->st);
	out->icount = c->icount - w->icount0;
	out->cr2 = c->cr2;
	gmem_read(&w->mem, DATA, out->data, sizeof(out->data));
	gmem_read(&w->mem, 0, out->low, sizeof(out->low));
	out->fpu = c->fpu;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct end a, b;
	const uint64_t flags = 0x1 | 0x4 | 0x40 | 0x80 | 0x400; /* CF PF ZF SF DF */

	if (size > CODE_MAX)
		size = CODE_MAX;
	/* Instructions that read the host's clock (RDTSC, RDTSCP, RDMSR of
	 * the TSC) differ between any two runs: such inputs say nothing. */
	for (size_t i = 0; i + 1 < size; i++)
		if (data[i] == 0x0f && (data[i + 1] == 0x31 || data[i + 1] == 0x32 ||
					(data[i + 1] == 0x01 && i + 2 < size &&
					 data[i + 2] == 0xf9)))
			return 0;
	run(data, size, false, &a);
	run(data, size, true, &b);
	if (a.exit != b.exit || a.icount != b.icount || a.st.rip != b.st.rip ||
	    a.cr2 != b.cr2 || ((a.st.rflags ^ b.st.rflags) & flags) ||
	    memcmp(a.st.gpr, b.st.gpr, sizeof(a.st.gpr)) ||
	    memcmp(a.data, b.data, sizeof(a.data)) ||
	    memcmp(a.low, b.low, sizeof(a.low)) ||
	    memcmp(&a.fpu, &b.fpu, sizeof(a.fpu))) {
		fprintf(stderr, "fuzz_jit: interpreter/compiled differ: exit %d/%d "
			"count %llu/%llu rip %llx/%llx rflags %llx/%llx\n",
			a.exit, b.exit, (unsigned long long)a.icount,
			(unsigned long long)b.icount, (unsigned long long)a.st.rip,
			(unsigned long long)b.st.rip, (unsigned long long)a.st.rflags,
			(unsigned long long)b.st.rflags);
		for (unsigned r = 0; r < 16; r++)
			if (a.st.gpr[r] != b.st.gpr[r])
				fprintf(stderr, "  r%u %llx/%llx\n", r,
					(unsigned long long)a.st.gpr[r],
					(unsigned long long)b.st.gpr[r]);
		abort();
	}
	return 0;
}
