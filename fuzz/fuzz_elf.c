/* libFuzzer target: the ELF64/ELF32 and PVH-note parser, then loading what
 * it accepts into a small guest memory. */
#include <stdint.h>
#include <stdlib.h>

#include "boot/elf.h"
#include "core/gmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guest_mem mem;
	static int ready;
	struct elf_image img;
	struct gerr err;

	if (!ready) {
		if (gmem_init(&mem, 4 << 20, false, &err) < 0)
			abort();
		ready = 1;
	}
	if (elf_parse(data, size, &img, &err) == 0)
		(void)elf_load(&mem, data, &img, &err);
	return 0;
}
