/* libFuzzer target: the instruction decoders of Xen PV emulation
 * (src/xenpv/xen_emul.c, xen_ptwr.c) on arbitrary bytes at a guest's RIP.
 * A decoded instruction never claims more bytes than there were. */
#include <stdlib.h>

#include "xenpv/xen_emul.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xen_insn in;
	struct memop o;
	size_t n = size > 15 ? 15 : size;

	if (xen_insn_decode(data, n, &in) == 0 && (in.len == 0 || in.len > n))
		abort();
	if (xen_memop_decode(data, n, &o) == 0 &&
	    (o.len == 0 || o.len > n || (o.size != 1 && o.size != 4 && o.size != 8) ||
	     o.reg > 15))
		abort();
	return 0;
}
