/* libFuzzer target for the x86 decoder: any bytes, any mode, must decode
 * or fail cleanly, never read past the buffer, and never claim a length
 * beyond what it was given or beyond 15. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cpu/emu/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum dec_mode modes[] = { DEC_MODE16, DEC_MODE32, DEC_MODE64 };
	struct insn d;

	if (!size)
		return 0;
	for (unsigned m = 0; m < 3; m++) {
		uint8_t *copy = malloc(size - 1 ? size - 1 : 1); /* exact size for ASan */
		int r;

		for (size_t i = 1; i < size; i++)
			copy[i - 1] = data[i];
		r = decode_insn(copy, (unsigned)(size - 1), modes[(data[0] + m) % 3], &d);
		if (r == DEC_OK && (d.len == 0 || d.len > 15 || d.len > size - 1))
			abort();
		free(copy);
	}
	return 0;
}
