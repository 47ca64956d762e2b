/* Exceptions and the PV MMU from a guest's point of view: maps a page,
 * write-protects it, catches the page fault and a divide error in its own
 * handlers, and exits 0 when everything behaved as the ABI says. */
#include <gamut/pv.h>
#include <stdio.h>
#include <stdlib.h>

#define VA 0x40000000ull

static volatile int faults, divides;
static char page[4096] __attribute__((aligned(4096)));

static void on_page_fault(struct pv_trap_frame *f)
{
	struct pv_mmu_op op = { PV_MMU_PROTECT, PV_MMU_W, VA, 0, 1 };

	faults++;
	if (f->cr2 != VA + 8 || pv_mmu(&op, 1, NULL) < 0)
		exit(10); /* wrong address, or cannot make it writable */
}

static void on_divide(struct pv_trap_frame *f)
{
	divides++;
	f->gpr[0] = 42; /* rax: the "result" */
	f->rip += 3;	/* skip the 3-byte div %rcx-class instruction */
}

int main(void)
{
	struct pv_mmu_op map = { PV_MMU_MAP, 0, VA, pv_gpa(page), 1 };
	volatile uint64_t *p = (volatile uint64_t *)VA;
	uint64_t q;

	pv_trap_on(14, on_page_fault);
	pv_trap_on(0, on_divide);
	if (pv_mmu(&map, 1, NULL) < 0)
		return 11;
	p[1] = 7; /* read-only: faults once, the handler makes it writable */
	if (faults != 1 || p[1] != 7)
		return 12;
	__asm__ volatile("xor %%edx, %%edx\n\tdivq %1" /* 48 f7 f1: 3 bytes */
			 : "=a"(q)
			 : "c"(0ull), "a"(1ull)
			 : "rdx");
	if (divides != 1 || q != 42)
		return 13;
	printf("traps: page fault and divide error handled\n");
	return 0;
}
