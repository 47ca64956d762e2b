/* The argument syntax of `gamut run`'s device options (core/config.h),
 * here rather than in the CLI so that unit tests can feed it bad input. */
#include "core/config.h"

#include <stdbool.h>
#include <string.h>

const char *config_split_name(char *arg, const char **name)
{
	char *eq = strchr(arg, '=');
	char *colon = strchr(arg, ':');
	char *slash = strchr(arg, '/');

	*name = NULL;
	if (!eq || (colon && colon < eq) || (slash && slash < eq))
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

int config_parse_disk(struct vm_config *cfg, char *arg, struct gerr *err)
{
	struct disk_config *d;
	char *opts = NULL;
	bool ro = false, rw = false;

	if (cfg->nr_disks >= CONFIG_MAX_DISKS)
		return gerr_set(err, "--disk: at most %d disks", CONFIG_MAX_DISKS);
	d = &cfg->disk[cfg->nr_disks];
	*d = (struct disk_config){ 0 };
	d->path = config_split_name(arg, &d->name);
	/* Without this rule "x,rw,xyz" was a file name: a typo in an option
	 * became "cannot open" about a file nobody meant. */
	for (char *c = strchr(d->path, ','); c && !opts; c = strchr(c + 1, ','))
		if (word_is(c + 1, "ro") || word_is(c + 1, "rw"))
			opts = c;
	for (const char *w = opts; w; w = strchr(w + 1, ',')) {
		size_t n = word_len(w + 1);

		if (word_is(w + 1, "ro"))
			ro = true;
		else if (word_is(w + 1, "rw"))
			rw = true;
		else if (n == 0)
			return gerr_set(err, "--disk %s: empty option after a ',' (options: ro, rw)",
					d->path);
		else
			return gerr_set(err, "--disk %s: unknown option '%.*s' (options: ro, rw)",
					d->path, (int)n, w + 1);
	}
	if (ro && rw)
		return gerr_set(err, "--disk %s: ro and rw both given", d->path);
	if (opts)
		*opts = '\0';
	if (!*d->path)
		return gerr_set(err, "--disk: empty path");
	d->readonly = ro;
	cfg->nr_disks++;
	return 0;
}
