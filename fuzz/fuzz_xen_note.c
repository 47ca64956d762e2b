/* libFuzzer target: a Xen PV kernel's ELF notes (src/xenpv/xen_note.c) on
 * arbitrary files.  Whatever it accepts must be a kernel the domain
 * builder can place: its image in the upper half, the entry inside it. */
#include <stdlib.h>

#include "xenpv/xen_note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xen_kernel k;
	struct gerr err;

	if (xen_kernel_parse(data, size, &k, &err) == 0) {
		if (k.elf.bits != 64 || k.virt_start < (1ull << 63) ||
		    k.virt_end < k.virt_start || k.entry < k.virt_start ||
		    k.entry >= k.virt_end || (k.hypercall_page & 0xfff) ||
		    k.elf.nr_xen > ELF_MAX_XEN_NOTES)
			abort();
		for (unsigned i = 0; i < k.elf.nr_xen; i++)
			if (k.elf.xen[i].off > size || k.elf.xen[i].size > size - k.elf.xen[i].off)
				abort();
	}
	(void)xen_kernel_detect(data, size);
	return 0;
}
