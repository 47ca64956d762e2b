/* libFuzzer target: config.json and process.json parsing must never crash,
 * leak or read out of bounds, whatever the bytes. */
#include <stddef.h>
#include <stdint.h>

#include "oci/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_spec spec;
	struct oci_process proc;
	struct oci_arena arena = { 0 };
	struct gerr err;

	if (oci_spec_parse(&spec, (const char *)data, size, "fuzz", &err) == 0)
		oci_spec_free(&spec);
	oci_process_parse(&proc, &arena, (const char *)data, size, "fuzz", &err);
	oci_arena_free(&arena);
	return 0;
}
