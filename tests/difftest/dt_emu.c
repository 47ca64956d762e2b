/* The emulator side of the differential test, the comparison, and the
 * batch driver. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/emu/dcache.h"
#include "cpu/emu/emu.h"
#include "difftest.h"

#define GMEM_SIZE  (4u << 20)
#define GPA_PML4   0x1000
#define GPA_PDPT   0x2000
#define GPA_PD	   0x3000
#define GPA_PT	   0x4000
#define GPA_CODE   0x100000
#define GPA_DATA   0x101000

struct dt_emu {
	bool jit;
	struct guest_mem mem;
	struct emu_solo *solo;
	struct x86_state base;
};

static void map_tables(struct guest_mem *m)
{
	const uint64_t f = 7; /* present, writable, user */

	gmem_write_u64(m, GPA_PML4 + 8 * ((DT_CODE >> 39) & 511), GPA_PDPT | f);
	gmem_write_u64(m, GPA_PDPT + 8 * ((DT_CODE >> 30) & 511), GPA_PD | f);
	gmem_write_u64(m, GPA_PD + 8 * ((DT_CODE >> 21) & 511), GPA_PT | f);
	for (unsigned i = 0; i < 1 + DT_DATA_SIZE / 4096; i++)
		gmem_write_u64(m, GPA_PT + 8 * (((DT_CODE >> 12) & 511) + i),
			       (GPA_CODE + 4096ull * i) | f);
}

struct dt_emu *dt_emu_new(bool jit)
{
	struct dt_emu *e = calloc(1, sizeof(*e));
	struct gerr err;
	struct x86_state *s;

	if (!e || gmem_init(&e->mem, GMEM_SIZE, false, &err) < 0) {
		free(e);
		return NULL;
	}
	e->solo = emu_solo_new(&e->mem, NULL, NULL, &err);
	if (!e->solo) {
		gmem_destroy(&e->mem);
		free(e);
		return NULL;
	}
	emu_solo_cpu(e->solo)->exc_exit = true;
	/* The JIT compiles a block the first time it runs whole. */
	e->jit = jit;
	emu_solo_cpu(e->solo)->dcache->jit_hot = jit ? 1 : 0;
	map_tables(&e->mem);
	s = &e->base;
	x86_state_reset(s);
	s->cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP | X86_CR0_ET | X86_CR0_NE |
		 X86_CR0_MP;
	s->cr3 = GPA_PML4;
	s->cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	s->efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE | X86_EFER_SCE;
	s->seg[X86_CS] = x86_flat_code64(0x33);
	s->seg[X86_CS].dpl = 3;
	for (unsigned i = X86_ES; i < X86_NR_SREGS; i++) {
		if (i == X86_CS)
			continue;
		s->seg[i] = x86_flat_data(0x2b);
		s->seg[i].dpl = 3;
	}
	return e;
}

void dt_emu_free(struct dt_emu *e)
{
	if (!e)
		return;
	emu_solo_free(e->solo);
	gmem_destroy(&e->mem);
	free(e);
}

static int fault_class(unsigned vec)
{
	switch (vec) {
	case EXC_DE: return DT_FAULT_DE;
	case EXC_GP: case EXC_PF: case EXC_SS: case EXC_AC: return DT_FAULT_SEGV;
	case EXC_UD: return DT_FAULT_UD;
	default: return DT_FAULT_OTHER;
	}
}

void dt_emu_run(struct dt_emu *e, const struct dt_case *c,
		struct dt_result *res)
{
	struct x86_state st = e->base;
	struct emu_cpu *cpu = emu_solo_cpu(e->solo);
	uint8_t code[20] = { 0 }; /* the case, then JMP and a spin */
	enum emu_exit ex;

	memcpy(code, c->code, c->len);
	/* Not reached when all goes well; a spin, so that a case that
	 * jumps to its end and runs fewer instructions stays there. */
	code[c->len] = 0xeb;
	code[c->len + 1] = 0xfe;
	gmem_write(&e->mem, GPA_CODE, code, sizeof(code));
	gmem_write(&e->mem, GPA_DATA, c->in.mem, DT_DATA_SIZE);
	memcpy(st.gpr, c->in.gpr, sizeof(st.gpr));
	st.rflags = c->in.rflags;
	st.rip = DT_CODE;
	emu_solo_set_state(e->solo, &st);
	memcpy(cpu->fpu.xmm, c->in.xmm, sizeof(cpu->fpu.xmm));
	/* A REP instruction may take several batches; stop when RIP moves.
	 * A sequence (no REP in those) runs in one call, as one block. */
	if (e->jit) {
		/* The case and a JMP to the next byte, which ends the block,
		 * run as one compiled block; a REP instruction that needs more
		 * goes on step by step.  The first pass builds and compiles
		 * the block (marking its page as code takes every write entry
		 * out of the TLB); the second runs it again from the same
		 * start with the data pages in the TLB, so that loads and
		 * stores take the compiled fast paths. */
		uint64_t end = DT_CODE + c->len + 2;

		code[c->len] = 0xeb;
		code[c->len + 1] = 0x00;
		code[c->len + 2] = 0xeb;
		code[c->len + 3] = 0xfe;
		gmem_write(&e->mem, GPA_CODE, code, sizeof(code));
		for (unsigned pass = 0; pass < 2; pass++) {
			gmem_write(&e->mem, GPA_DATA, c->in.mem, DT_DATA_SIZE);
			emu_solo_set_state(e->solo, &st);
			memcpy(cpu->fpu.xmm, c->in.xmm, sizeof(cpu->fpu.xmm));
			for (uint64_t a = DT_DATA; pass && a < DT_DATA + DT_DATA_SIZE;
			     a += 4096)
				mem_write(cpu, a, 1, mem_read(cpu, a, 1));
			ex = emu_solo_run(e->solo, (c->ninsn ? c->ninsn : 1) + 1);
			while (ex == EMU_EXIT_COUNT && cpu->rip != end)
				ex = emu_solo_run(e->solo, 1);
		}
	} else if (c->ninsn > 1)
		ex = emu_solo_run(e->solo, c->ninsn);
	else
		do
			ex = emu_solo_run(e->solo, 1);
		while (ex == EMU_EXIT_COUNT && cpu->rip == DT_CODE);
	emu_solo_get_state(e->solo, &st);
	memcpy(res->out.gpr, st.gpr, sizeof(st.gpr));
	res->out.rflags = st.rflags;
	memcpy(res->out.xmm, cpu->fpu.xmm, sizeof(res->out.xmm));
	gmem_read(&e->mem, GPA_DATA, res->out.mem, DT_DATA_SIZE);
	res->fault = ex == EMU_EXIT_EXCEPTION ? fault_class(cpu->exc_vec)
					      : DT_FAULT_NONE;
}

static int hexdump(char *o, unsigned n, const uint8_t *b, unsigned len)
{
	int k = 0;

	for (unsigned i = 0; i < len && (unsigned)k + 3 < n; i++)
		k += snprintf(o + k, n - (unsigned)k, "%02x", b[i]);
	return k;
}

bool dt_compare(const struct dt_case *c, const struct dt_result *nat,
		const struct dt_result *emu, char *msg, unsigned n)
{
	static const char *const names[16] = { "rax", "rcx", "rdx", "rbx", "rsp",
		"rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
	uint64_t fmask = (FL_ARITH | FL_DF) & ~c->undef_flags;
	int k = snprintf(msg, n, "%s [", c->what);

	k += hexdump(msg + k, n - (unsigned)k, c->code, c->len);
	k += snprintf(msg + k, n - (unsigned)k, "]: ");
	if (nat->fault != emu->fault) {
		snprintf(msg + k, n - (unsigned)k, "fault class native %d emu %d",
			 nat->fault, emu->fault);
		return false;
	}
	if (nat->fault) /* both faulted: state is the start state in both */
		return true;
	for (unsigned r = 0; r < 16; r++)
		if (nat->out.gpr[r] != emu->out.gpr[r]) {
			snprintf(msg + k, n - (unsigned)k,
				 "%s native %016" PRIx64 " emu %016" PRIx64 " (in %016" PRIx64 ")",
				 names[r], nat->out.gpr[r], emu->out.gpr[r], c->in.gpr[r]);
			return false;
		}
	if ((nat->out.rflags ^ emu->out.rflags) & fmask) {
		snprintf(msg + k, n - (unsigned)k,
			 "flags native %04" PRIx64 " emu %04" PRIx64 " (in %04" PRIx64 ", mask %04" PRIx64 ")",
			 nat->out.rflags & fmask, emu->out.rflags & fmask,
			 c->in.rflags, fmask);
		return false;
	}
	for (unsigned x = 0; x < 16; x++)
		if (memcmp(nat->out.xmm[x], emu->out.xmm[x], 16)) {
			k += snprintf(msg + k, n - (unsigned)k, "xmm%u native ", x);
			k += hexdump(msg + k, n - (unsigned)k, nat->out.xmm[x], 16);
			k += snprintf(msg + k, n - (unsigned)k, " emu ");
			hexdump(msg + k, n - (unsigned)k, emu->out.xmm[x], 16);
			return false;
		}
	for (unsigned i = 0; i < DT_DATA_SIZE; i++)
		if (nat->out.mem[i] != emu->out.mem[i]) {
			snprintf(msg + k, n - (unsigned)k,
				 "memory +0x%x native %02x emu %02x", i,
				 nat->out.mem[i], emu->out.mem[i]);
			return false;
		}
	return true;
}

#define BATCH 256

long dt_run_many(uint64_t seed, unsigned long count, unsigned max_report,
		 bool jit)
{
	struct dt_rng rng = { seed ? seed : 1 };
	struct dt_case *cases = malloc(sizeof(*cases) * BATCH);
	struct dt_result *nat = malloc(sizeof(*nat) * BATCH);
	struct dt_result *emu = malloc(sizeof(*emu));
	struct dt_emu *e = dt_emu_new(jit);
	long bad = 0;
	unsigned reported = 0;
	char msg[512];

	if (!cases || !nat || !emu || !e) {
		bad = -1;
		goto out;
	}
	for (unsigned long done = 0; done < count;) {
		unsigned n = count - done < BATCH ? (unsigned)(count - done) : BATCH;

		for (unsigned i = 0; i < n; i++)
			dt_generate(&rng, &cases[i]);
		if (dt_native_run(cases, nat, n) < 0) {
			bad = -1;
			goto out;
		}
		for (unsigned i = 0; i < n; i++) {
			dt_emu_run(e, &cases[i], emu);
			if (!dt_compare(&cases[i], &nat[i], emu, msg, sizeof(msg))) {
				bad++;
				if (reported++ < max_report)
					fprintf(stderr, "difftest mismatch: %s\n", msg);
			}
		}
		done += n;
	}
out:
	dt_emu_free(e);
	free(cases);
	free(nat);
	free(emu);
	return bad;
}
