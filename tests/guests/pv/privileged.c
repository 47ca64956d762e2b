/* A privileged instruction at CPL 3 raises #GP; with no handler gamut
 * stops the guest and names it. */
#include "hostile.h"

int main(void)
{
	uint64_t cr3 = 0;

	printf("hostile: loading cr3\n");
	__asm__ volatile("mov %0, %%cr3" : : "r"(cr3));
	return 4;
}
