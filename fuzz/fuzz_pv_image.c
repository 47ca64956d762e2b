/* libFuzzer target: the PV image parser (src/pv/pv_image.c) on arbitrary
 * files.  It must never read outside the buffer, and whatever it accepts
 * must satisfy the invariants the loader relies on. */
#include <stdlib.h>

#include "pv/pv_boot.h"
#include "pv/pv_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pv_image img;
	struct gerr err;

	if (pv_image_parse(data, size, &img, &err) == 0) {
		if (!img.has_abi_note || img.abi_version != PV_ABI_VERSION ||
		    img.nr_segments == 0 || img.nr_segments > PV_IMAGE_MAX_SEGMENTS ||
		    img.manifest.nr_devices > PV_MAX_DEVICES)
			abort();
		for (unsigned i = 0; i < img.nr_segments; i++) {
			const struct pv_segment *s = &img.seg[i];

			if (s->offset > size || s->filesz > size - s->offset ||
			    s->filesz > s->memsz || s->vaddr < PV_IMAGE_BASE ||
			    s->vaddr + s->memsz > PV_VA_MAX || (s->write && s->exec))
				abort();
		}
	}
	(void)pv_image_detect(data, size);
	return 0;
}
