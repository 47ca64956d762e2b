/* Differential testing of the software CPU against the host CPU.
 *
 * A case is one instruction (bytes) and a start state: the 16 GPRs, RFLAGS,
 * the 16 XMM registers and DT_DATA_SIZE bytes of memory at DT_DATA.  It is
 * run natively (dt_native_run: in a forked child, code in an RWX page at
 * DT_CODE, faults caught as signals) and in the emulator (dt_emu_run: the
 * same pages mapped at the same virtual addresses by guest page tables, at
 * CPL 3 in long mode), and the end states are compared on every GPR, the
 * flags the instruction defines, every XMM register and the memory.
 *
 * Memory operands always address DT_DATA through R15 (DT_BASE_REG), which
 * the generator never picks as another operand, and RSP points into the
 * data area, so every access lands in the compared pages. */
#ifndef GAMUT_TESTS_DIFFTEST_H
#define GAMUT_TESTS_DIFFTEST_H

#include <stdbool.h>
#include <stdint.h>

#define DT_CODE	     0x40000000ull /* low enough for ASan's layout too */
#define DT_DATA	     (DT_CODE + 0x1000)
#define DT_DATA_SIZE 0x2000u
#define DT_BASE_REG  15
#define DT_BASE_VAL  (DT_DATA + 0x800)
#define DT_RSP_VAL   (DT_DATA + 0x1800)

struct dt_state {
	uint64_t gpr[16];
	uint64_t rflags;
	uint8_t xmm[16][16];
	uint8_t mem[DT_DATA_SIZE];
};

struct dt_case {
	uint8_t code[16];
	unsigned len;
	unsigned ninsn;	      /* instructions in code: 0 means 1 */
	uint64_t undef_flags; /* flags left undefined by this instruction */
	const char *what;     /* template name, for failure messages */
	struct dt_state in;
};

struct dt_result {
	struct dt_state out;
	int fault; /* 0, or a class: DT_FAULT_* */
};

enum { DT_FAULT_NONE, DT_FAULT_DE, DT_FAULT_SEGV, DT_FAULT_UD, DT_FAULT_OTHER };

/* Deterministic generator (xorshift). */
struct dt_rng {
	uint64_t s;
};
uint64_t dt_rand(struct dt_rng *r);
/* Fills *c with a random case from every template family. */
void dt_generate(struct dt_rng *r, struct dt_case *c);

/* Runs n cases natively (one forked child); -1 if the child could not run. */
int dt_native_run(const struct dt_case *cases, struct dt_result *res,
		  unsigned n);

struct dt_emu;
struct dt_emu *dt_emu_new(bool jit);
void dt_emu_free(struct dt_emu *e);
void dt_emu_run(struct dt_emu *e, const struct dt_case *c,
		struct dt_result *res);

/* Compares; returns true when equal, else writes a description to msg. */
bool dt_compare(const struct dt_case *c, const struct dt_result *native,
		const struct dt_result *emu, char *msg, unsigned msglen);

/* Runs `count` cases from `seed` in batches; returns the number of
 * mismatches (reporting the first few on stderr), or -1 when the native
 * side cannot run on this host.  `jit`: the emulator runs each case as
 * one compiled block (jit.h) instead of interpreting it. */
long dt_run_many(uint64_t seed, unsigned long count, unsigned max_report,
		 bool jit);

#endif
