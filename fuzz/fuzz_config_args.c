/* libFuzzer target: the device option parsers of `gamut run`
 * (core/config_args.c): --disk with its ro/rw and rate-limit words, and
 * the rate-limit words of a --net argument. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What a parser accepted must be usable as it stands. */
static void check_limit(const struct ratelimit_config *rc)
{
	if ((rc->ops_burst && !rc->ops) || (rc->bytes_burst && !rc->bytes))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm_config cfg;
	struct net_config n;
	struct gerr err;
	char *s, *copy;

	s = malloc(size + 1);
	copy = malloc(size + 1);
	if (!s || !copy)
		goto out;
	memcpy(s, data, size);
	s[size] = '\0';
	memcpy(copy, s, size + 1);
	memset(&cfg, 0, sizeof(cfg));
	if (config_parse_disk(&cfg, s, &err) == 0) {
		const struct disk_config *d = &cfg.disk[0];

		if (cfg.nr_disks != 1 || !*d->path || strlen(d->path) > size)
			__builtin_trap();
		check_limit(&d->limit);
	}
	memset(&n, 0, sizeof(n));
	memcpy(s, copy, size + 1);
	if (config_parse_net_limits(&n, s, copy, &err) == 0) {
		/* Words are only taken out: never longer than before. */
		if (strlen(s) > size)
			__builtin_trap();
		check_limit(&n.limit);
	}
out:
	free(s);
	free(copy);
	return 0;
}
