/* libFuzzer target: the bzImage setup-header parser. */
#include <stdint.h>

#include "boot/bzimage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bzimage_info bz;
	struct gerr err;

	if (bzimage_parse(data, size, &bz, &err) == 0) {
		/* What the loader derives from an accepted header must be sane. */
		if (bz.kernel_off + bz.kernel_len != size || bz.hdr_end > bz.setup_size)
			__builtin_trap();
		(void)bzimage_load_addr(&bz);
	}
	return 0;
}
