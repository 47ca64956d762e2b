/* Pointers outside guest RAM, into gamut's frames, and lengths that wrap
 * are refused with error codes; then an argument block outside guest RAM
 * stops the guest ("outside guest memory"). */
#include "hostile.h"

int main(void)
{
	const struct pv_start_info *si = pv_start_info();
	struct pv_hc_console c = { 0, 0xfffff000ull, 16 };

	pv_hypercall(PV_HC_CONSOLE_WRITE, &c);
	EXPECT(c.ret == -PV_EFAULT);
	c = (struct pv_hc_console){ 0, si->frames_end, 16 }; /* page tables */
	pv_hypercall(PV_HC_CONSOLE_WRITE, &c);
	EXPECT(c.ret == -PV_EFAULT);
	c = (struct pv_hc_console){ 0, PV_SYS_GPA, 16 }; /* GDT/IDT */
	pv_hypercall(PV_HC_CONSOLE_WRITE, &c);
	EXPECT(c.ret == -PV_EFAULT);
	c = (struct pv_hc_console){ 0, pv_gpa(&c), ~0ull - 4 };
	pv_hypercall(PV_HC_CONSOLE_WRITE, &c);
	EXPECT(c.ret == -PV_EINVAL);
	printf("hostile: error codes ok\n");
	raw_hypercall(PV_HC_CLOCK, 0xfffffff8u);
	return 4; /* not reached: gamut stops the guest */
}
