/* libFuzzer target: a hostile Xen PV guest kernel against gamut's Xen ABI.
 * Each input builds a fresh domain (the unit-test fixture: the real domain
 * builder and platform, a state-only CPU backend) and runs records:
 *   0x00 nr[2] then 5 arguments, each: 0x00 u64 (as given) or
 *        0x01 u16 (an address in the guest's scratch page) -- a hypercall
 *   0x01 off[2] len bytes[len]    write the scratch area (argument blocks,
 *                                 multicall lists, page-table updates)
 *   0x02 vector err[2]            an exception, as the ring-0 stub reports it
 * Calls that would wait for an event (block, poll) are skipped.  gamut must
 * stay inside guest memory, never crash, and after a refused call keep
 * answering: the domain is only ever stopped with a reason. */
#include <stdlib.h>
#include <string.h>

#include "../tests/unit/test_xen_fixture.h"
#include "xenpv/xen_abi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool take(const uint8_t **p, const uint8_t *end, void *out, size_t n)
{
	if ((size_t)(end - *p) < n)
		return false;
	memcpy(out, *p, n);
	*p += n;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct xt t;
	unsigned n = 0;

	if (xt_init(&t, 1) < 0)
		abort();
	while (p < end && n++ < 64 && !vm_should_stop(t.vm)) {
		uint8_t kind = *p++;

		if (kind % 3 == 0) {
			uint16_t nr;
			uint64_t a[5] = { 0 };

			if (!take(&p, end, &nr, 2))
				break;
			for (int i = 0; i < 5; i++) {
				uint8_t sel;
				uint16_t off;

				if (!take(&p, end, &sel, 1))
					break;
				if (sel & 1) {
					if (!take(&p, end, &off, 2))
						break;
					a[i] = XT_BUF_VA + (off & 0xfff8);
				} else if (!take(&p, end, &a[i], 8)) {
					break;
				}
			}
			if (nr == __HYPERVISOR_sched_op &&
			    (a[0] == SCHEDOP_block || a[0] == SCHEDOP_poll))
				continue;
			xt_hcall(&t, nr, a[0], a[1], a[2], a[3], a[4]);
		} else if (kind % 3 == 1) {
			uint16_t off;
			uint8_t len;

			if (!take(&p, end, &off, 2) || !take(&p, end, &len, 1) ||
			    (size_t)(end - p) < len)
				break;
			gmem_write(&t.vm->mem, XT_BUF + (off & 0xffff), p, len);
			p += len;
		} else {
			uint8_t vec;
			uint16_t err;

			if (!take(&p, end, &vec, 1) || !take(&p, end, &err, 2))
				break;
			xt_exception(&t, vec, err);
		}
	}
	xt_fini(&t);
	return 0;
}
