/* libFuzzer target: a seccomp profile (podman's format) converted to
 * linux.seccomp must never crash, leak or read out of bounds; what it
 * produces must itself be accepted or refused cleanly by the config
 * parser.  The first byte picks the capability set. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/config.h"
#include "oci/seccomp_profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oci_spec spec;
	struct gerr err;
	char *out, *cfg;
	size_t n;

	if (!size)
		return 0;
	out = oci_seccomp_profile_convert((const char *)data + 1, size - 1,
					  "fuzz", (uint64_t)data[0] << 16,
					  "amd64", "6.1.0", &err);
	if (!out)
		return 0;
	n = strlen(out) + 128;
	cfg = malloc(n);
	snprintf(cfg, n, "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},"
			 "\"linux\":{\"seccomp\":%s}}", out);
	if (!oci_spec_parse(&spec, cfg, strlen(cfg), "fuzz", &err))
		oci_spec_free(&spec);
	free(cfg);
	free(out);
	return 0;
}
