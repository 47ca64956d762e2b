/* Not hostile: a divide error and an invalid opcode are bounced to the
 * guest's own handlers, which edit the frame and resume; exits 0. */
#include "hostile.h"

static volatile int divides, invalid;

static void on_divide(struct pv_trap_frame *f)
{
	divides++;
	EXPECT(f->vector == 0 && f->depth == 1);
	f->gpr[0] = 42; /* rax: the "result" */
	f->rip += 3;	/* skip div %rcx (48 f7 f1) */
}

static void on_invalid(struct pv_trap_frame *f)
{
	invalid++;
	EXPECT(f->vector == 6 && f->gpr[3] == 0xb0b); /* rbx survived */
	f->rip += 2; /* skip ud2 */
}

int main(void)
{
	uint64_t q;

	EXPECT(pv_trap_on(0, on_divide) == 0 && pv_trap_on(6, on_invalid) == 0);
	__asm__ volatile("xor %%edx, %%edx\n\tdivq %1"
			 : "=a"(q)
			 : "c"(0ull), "a"(1ull)
			 : "rdx");
	EXPECT(divides == 1 && q == 42);
	__asm__ volatile("ud2" : : "b"(0xb0bull));
	EXPECT(invalid == 1);
	printf("trap_handlers: ok\n");
	return 0;
}
