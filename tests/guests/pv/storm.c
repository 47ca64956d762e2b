/* A storm of hypercalls: gamut serves each one and stays responsive. */
#include "hostile.h"

int main(void)
{
	struct pv_hc_clock c;
	uint64_t last = 0;

	for (int i = 0; i < 200000; i++) {
		c = (struct pv_hc_clock){ -1, 0, 0 };
		pv_hypercall(PV_HC_CLOCK, &c);
		EXPECT(c.ret == 0 && c.monotonic_ns >= last);
		last = c.monotonic_ns;
		raw_hypercall(27, 0x100000); /* unknown call: -PV_ENOSYS, no harm */
	}
	printf("hostile: storm ok\n");
	return 0;
}
