/* Exceptions: gamut bounces the vectors we registered to __pv_trap_entry
 * (crt0.S) with a struct pv_trap_frame; the handler edits it and we resume
 * it with PV_HC_TRAP_RETURN. */
#include <gamut/pv.h>

extern char __pv_trap_entry[];
static pv_trap_fn trap_handler[32];

int pv_trap_on(unsigned vector, pv_trap_fn fn)
{
	struct pv_hc_trap_set a = { 0, pv_gpa(__pv_trap_entry), 0 };

	if (vector >= 32)
		return -PV_EINVAL;
	trap_handler[vector] = fn;
	for (unsigned v = 0; v < 32; v++)
		if (trap_handler[v])
			a.vectors |= 1ull << v;
	pv_hypercall(PV_HC_TRAP_SET, &a);
	return (int)a.ret;
}

void __pv_trap_dispatch(struct pv_trap_frame *f)
{
	if (f->vector < 32 && trap_handler[f->vector])
		trap_handler[f->vector](f);
	pv_hypercall(PV_HC_TRAP_RETURN, f);
	for (;;)
		;
}
