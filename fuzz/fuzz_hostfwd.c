/* libFuzzer target: the `--net user,hostfwd=...` parser (one rule as a
 * span with no NUL, and the whole option list as a string). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/hostfwd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_rule(const struct hostfwd_rule *r)
{
	/* Whatever is accepted must be a rule slirp can be given as is. */
	if (!r->host_port || !r->guest_port)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hostfwd_rule r;
	struct hostfwd_set set;
	struct gerr err;
	char *s;

	/* An exact-size copy: ASan catches any read past the span. */
	s = malloc(size ? size : 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	if (hostfwd_parse(s, size, &r, &err) == 0)
		check_rule(&r);
	free(s);

	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (hostfwd_parse_opts(s, &set, &err) == 0) {
		if (set.nr > HOSTFWD_MAX)
			__builtin_trap();
		for (unsigned i = 0; i < set.nr; i++)
			check_rule(&set.rule[i]);
	}
	free(s);
	return 0;
}
