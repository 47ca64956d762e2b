/* libFuzzer target: the bzImage setup-header parser, and the unpacking of
 * its payload to the vmlinux inside (gzip, LZ4, zstd framing). */
#include <stdint.h>
#include <stdlib.h>

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
	{
		uint8_t *elf;
		size_t n;

		if (bzimage_vmlinux(data, size, &elf, &n, &err) == 0) {
			if (n == 0 || n > (512u << 20))
				__builtin_trap();
			free(elf);
		}
	}
	return 0;
}
