/* Events: the SDK's synchronous upcalls.  gamut never interrupts the
 * guest; pv_poll() blocks in gamut, then runs the handlers registered for
 * the events it got. */
#include <gamut/pv.h>

#define MAX_HANDLERS 16
static struct {
	uint64_t mask;
	pv_event_fn fn;
	void *opaque;
} handlers[MAX_HANDLERS];
static int nr_handlers;

int pv_event_on(uint64_t mask, pv_event_fn fn, void *opaque)
{
	if (nr_handlers == MAX_HANDLERS)
		return -1;
	handlers[nr_handlers].mask = mask;
	handlers[nr_handlers].fn = fn;
	handlers[nr_handlers].opaque = opaque;
	nr_handlers++;
	return 0;
}

uint64_t pv_poll(uint64_t deadline_ns, uint64_t mask)
{
	struct pv_hc_poll a = { 0, deadline_ns, mask, 0 };

	pv_hypercall(PV_HC_POLL, &a);
	for (int i = 0; i < nr_handlers && a.pending; i++)
		if (a.pending & handlers[i].mask)
			handlers[i].fn(a.pending & handlers[i].mask, handlers[i].opaque);
	return a.pending;
}
