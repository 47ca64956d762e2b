/* The argument syntax of `gamut run`'s device options (core/config.h),
 * here rather than in the CLI so that unit tests can feed it bad input. */
#include "core/config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

const char *config_split_name(char *arg, const char **name)
{
	char *eq = strchr(arg, '=');
	char *colon = strchr(arg, ':');
	char *slash = strchr(arg, '/');
	char *comma = strchr(arg, ',');

	*name = NULL;
	/* A ',' first: "x.img,iops=5" is a path with options, not a name. */
	if (!eq || (colon && colon < eq) || (slash && slash < eq) ||
	    (comma && comma < eq))
		return arg;
	*eq = '\0';
	*name = arg;
	return eq + 1;
}

/* The option word at p, up to the next ',' or the end: its length. */
static size_t word_len(const char *p)
{
	const char *c = strchr(p, ',');

	return c ? (size_t)(c - p) : strlen(p);
}

static bool word_is(const char *p, const char *w)
{
	return word_len(p) == strlen(w) && !strncmp(p, w, strlen(w));
}

/* A rate-limit option: "KEY=N", stored at `off` in a ratelimit_config. */
struct limit_key {
	const char *key;
	bool bytes; /* N takes a k/m/g suffix */
	size_t off;
};

#define LIMIT_KEY(k, b, f) { k, b, offsetof(struct ratelimit_config, f) }
static const struct limit_key disk_keys[] = {
	LIMIT_KEY("iops", false, ops), LIMIT_KEY("iops_burst", false, ops_burst),
	LIMIT_KEY("bw", true, bytes), LIMIT_KEY("bw_burst", true, bytes_burst),
	{ NULL, false, 0 },
};
static const struct limit_key net_keys[] = {
	LIMIT_KEY("pps", false, ops), LIMIT_KEY("pps_burst", false, ops_burst),
	LIMIT_KEY("bw", true, bytes), LIMIT_KEY("bw_burst", true, bytes_burst),
	{ NULL, false, 0 },
};

/* Far above any device, far below where the bucket arithmetic could
 * overflow (core/ratelimit.c multiplies by nanoseconds in 128 bits). */
#define LIMIT_MAX (1ull << 50)

/* The key of the word at w if it is "KEY=...", else NULL. */
static const struct limit_key *limit_key_of(const struct limit_key *keys,
					    const char *w)
{
	for (const struct limit_key *k = keys; k->key; k++) {
		size_t n = strlen(k->key);

		if (!strncmp(w, k->key, n) && w[n] == '=')
			return k;
	}
	return NULL;
}

/* N of "KEY=N" (the word at w, up to ',' or the end) into rc; -1 with a
 * message that starts with `what` (the option and its argument). */
static int limit_parse(const struct limit_key *k, const char *w,
		       struct ratelimit_config *rc, const char *what,
		       struct gerr *err)
{
	size_t len = word_len(w), klen = strlen(k->key);
	const char *v = w + klen + 1, *end = w + len;
	uint64_t n = 0, mult = 1;
	int wl = (int)len;

	if (v == end)
		return gerr_set(err, "%s: %.*s: no value (%s)", what, wl, w,
				k->bytes ? "bytes per second, e.g. 2m"
					 : "a count per second, e.g. 100");
	if (k->bytes && end > v) {
		switch (tolower((unsigned char)end[-1])) {
		case 'k': mult = 1ull << 10; end--; break;
		case 'm': mult = 1ull << 20; end--; break;
		case 'g': mult = 1ull << 30; end--; break;
		}
	}
	if (v == end)
		return gerr_set(err, "%s: %.*s: no number before the suffix", what, wl, w);
	for (const char *p = v; p < end; p++) {
		if (!isdigit((unsigned char)*p))
			return gerr_set(err, "%s: %.*s: not a number (%s)", what, wl, w,
					k->bytes ? "digits and an optional k, m or g"
						 : "digits only");
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > LIMIT_MAX)
			break;
	}
	if (n > LIMIT_MAX / mult)
		return gerr_set(err, "%s: %.*s: too large (at most %llu)", what, wl,
				w, (unsigned long long)LIMIT_MAX);
	if (n == 0)
		return gerr_set(err, "%s: %.*s: must be at least 1 (leave %s out for no limit)",
				what, wl, w, k->key);
	*(uint64_t *)((char *)rc + k->off) = n * mult;
	return 0;
}

/* A burst needs its rate: alone it would mean nothing. */
static int limit_check(const struct ratelimit_config *rc, const char *ops_key,
		       const char *what, struct gerr *err)
{
	if (rc->ops_burst && !rc->ops)
		return gerr_set(err, "%s: %s_burst without %s", what, ops_key, ops_key);
	if (rc->bytes_burst && !rc->bytes)
		return gerr_set(err, "%s: bw_burst without bw", what);
	return 0;
}

int config_parse_disk(struct vm_config *cfg, char *arg, struct gerr *err)
{
	struct disk_config *d;
	char *opts = NULL, what[300];
	bool ro = false, rw = false;
	const struct limit_key *k;

	if (cfg->nr_disks >= CONFIG_MAX_DISKS)
		return gerr_set(err, "--disk: at most %d disks", CONFIG_MAX_DISKS);
	d = &cfg->disk[cfg->nr_disks];
	*d = (struct disk_config){ 0 };
	d->path = config_split_name(arg, &d->name);
	snprintf(what, sizeof(what), "--disk %s", d->path);
	/* Without this rule "x,rw,xyz" was a file name: a typo in an option
	 * became "cannot open" about a file nobody meant. */
	for (char *c = strchr(d->path, ','); c && !opts; c = strchr(c + 1, ','))
		if (word_is(c + 1, "ro") || word_is(c + 1, "rw") ||
		    limit_key_of(disk_keys, c + 1))
			opts = c;
	for (const char *w = opts; w; w = strchr(w + 1, ',')) {
		size_t n = word_len(w + 1);

		if (word_is(w + 1, "ro"))
			ro = true;
		else if (word_is(w + 1, "rw"))
			rw = true;
		else if ((k = limit_key_of(disk_keys, w + 1))) {
			if (limit_parse(k, w + 1, &d->limit, what, err) < 0)
				return -1;
		} else if (n == 0)
			return gerr_set(err, "%s: empty option after a ',' (options: "
					"ro, rw, iops=, bw=, iops_burst=, bw_burst=)", what);
		else
			return gerr_set(err, "%s: unknown option '%.*s' (options: "
					"ro, rw, iops=, bw=, iops_burst=, bw_burst=)",
					what, (int)n, w + 1);
	}
	if (ro && rw)
		return gerr_set(err, "%s: ro and rw both given", what);
	if (limit_check(&d->limit, "iops", what, err) < 0)
		return -1;
	if (opts)
		*opts = '\0';
	if (!*d->path)
		return gerr_set(err, "--disk: empty path");
	d->readonly = ro;
	cfg->nr_disks++;
	return 0;
}

int config_parse_net_limits(struct net_config *n, char *spec, const char *arg,
			    struct gerr *err)
{
	char what[300], *out, *c = strchr(spec, ',');
	const struct limit_key *k;

	snprintf(what, sizeof(what), "--net %s", arg);
	n->limit = (struct ratelimit_config){ 0 };
	if (!c)
		return 0;
	for (const char *w = c + 1; w; w = strchr(w, ',') ? strchr(w, ',') + 1 : NULL)
		if ((k = limit_key_of(net_keys, w)) &&
		    limit_parse(k, w, &n->limit, what, err) < 0)
			return -1;
	if (limit_check(&n->limit, "pps", what, err) < 0)
		return -1;
	/* Drop the words parsed above; the rest are the backend's. */
	out = c;
	for (char *w = c; w; ) {
		char *next = strchr(w + 1, ',');
		size_t len = next ? (size_t)(next - w) : strlen(w);

		if (!limit_key_of(net_keys, w + 1)) {
			memmove(out, w, len);
			out += len;
		}
		w = next;
	}
	*out = '\0';
	return 0;
}
