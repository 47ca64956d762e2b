/* gamut spectrum: the same workload natively, in a container and in every
 * VM mode this build runs on this host; one table of what each point costs,
 * measured as docs/spectrum.md describes. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/host.h"
#include "spectrum/plan.h"
#include "spectrum/report.h"

/* Rounds that take about a second natively on this project's machines
 * (a 2-core VM, loaded: 60000 rounds in 0.92-1.03 s), long enough that start-up and
 * timer noise do not dominate the workload's figure. */
#define DEFAULT_ROUNDS "60000"
#define DEFAULT_RUNS 5

struct cli_spectrum {
	struct spectrum sp;
	const char *json, *svg;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: gamut spectrum [--runs N] [--rounds N] [--rows LIST] [--json FILE]\n"
		"                      [--svg FILE] [--kit DIR] [--timeout S]\n\n"
		"Runs the workload (workload/workload.c) natively, in a container and in\n"
		"every VM mode on both CPU backends: one warm-up per row, then N runs of\n"
		"every row interleaved; prints medians and min-max (docs/spectrum.md).\n\n"
		"  --runs N       measured runs per row (default %d)\n"
		"  --rounds N     workload rounds in every run (default %s, ~1 s natively)\n"
		"  --rows LIST    only these rows (native always runs): native, container,\n"
		"                 MODE (both CPU backends) or MODE:kvm, MODE:emu, commas between\n"
		"  --json FILE    the rows as JSON\n"
		"  --svg FILE     the rows as a chart\n"
		"  --kit DIR      the guest kit for the Linux modes (default build/kit)\n"
		"  --timeout S    seconds before a run is given up (default 300)\n",
		DEFAULT_RUNS, DEFAULT_ROUNDS);
}

/* A positive decimal number, whole string. */
static long positive(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s && !*end && v > 0 ? v : -1;
}

/* Does this build's `gamut run` take --stats-file?  Its usage says; a build
 * without it would refuse the option, and a snapshot signal would kill it. */
static bool run_has_stats(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	bool yes;

	if (!f)
		return false;
	cli_run_usage(f);
	fclose(f);
	yes = text && strstr(text, "--stats-file");
	free(text);
	return yes;
}

static int parse_opts(int argc, char **argv, struct cli_spectrum *c, struct gerr *err)
{
	static const struct option opts[] = {
		{ "kit", required_argument, NULL, 'k' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "runs", required_argument, NULL, 'n' },
		{ "rows", required_argument, NULL, 'R' },
		{ "json", required_argument, NULL, 'j' },
		{ "svg", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct spectrum_opts *o = &c->sp.opts;
	ssize_t n = readlink("/proc/self/exe", o->self, sizeof(o->self) - 1);
	char *slash;
	int ch;

	if (n < 0)
		return gerr_set(err, "spectrum: cannot find the gamut binary");
	o->self[n] = '\0';
	snprintf(o->bindir, sizeof(o->bindir), "%s", o->self);
	slash = strrchr(o->bindir, '/');
	if (slash)
		*slash = '\0';
	o->kit = "build/kit";
	o->rounds = DEFAULT_ROUNDS;
	o->runs = DEFAULT_RUNS;
	o->timeout_s = 300;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'k': o->kit = optarg; break;
		case 'R': o->rows = optarg; break;
		case 'j': c->json = optarg; break;
		case 's': c->svg = optarg; break;
		case 'r':
			if (positive(optarg) < 0 || positive(optarg) > 1000000000)
				return gerr_set(err, "--rounds %s: expected a positive number", optarg);
			o->rounds = optarg;
			break;
		case 'n':
			if (positive(optarg) < 0 || positive(optarg) > SPECTRUM_RUNS_MAX)
				return gerr_set(err, "--runs %s: expected 1 to %d", optarg,
						SPECTRUM_RUNS_MAX);
			o->runs = (unsigned)positive(optarg);
			break;
		case 't':
			if (positive(optarg) < 0 || positive(optarg) > 86400)
				return gerr_set(err, "--timeout %s: expected seconds", optarg);
			o->timeout_s = (unsigned)positive(optarg);
			break;
		case 'h': return 1;
		default:
			return gerr_set(err, "spectrum: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return gerr_set(err, "spectrum: unexpected argument '%s'", argv[optind]);
	return 0;
}

/* An output file that cannot be written is said before the minutes of
 * measuring, not after. */
static int writable(const char *path, const char *opt, struct gerr *err)
{
	FILE *f;

	if (!path)
		return 0;
	f = fopen(path, "w");
	if (!f)
		return gerr_errno(err, errno, "%s %s: cannot write", opt, path);
	fclose(f);
	return 0;
}

/* One line, rewritten in place on a terminal: which row and run, and how
 * long the rest will take once every row has been timed. */
static void progress(const struct spectrum *sp, const struct spectrum_row *r, unsigned run,
		     unsigned step, unsigned steps, double eta_s)
{
	static unsigned long long t0;
	bool tty = isatty(STDERR_FILENO);
	char what[32], eta[80];
	unsigned left = (unsigned)(eta_s + 0.5), all;

	if (!t0)
		t0 = host_now_ns();
	all = left + (unsigned)((host_now_ns() - t0) / 1000000000ull);
	if (run)
		snprintf(what, sizeof(what), "run %u/%u", run, sp->opts.runs);
	else
		snprintf(what, sizeof(what), "warm-up");
	if (eta_s < 0)
		snprintf(eta, sizeof(eta), "time left: known after the warm-ups");
	else
		snprintf(eta, sizeof(eta), "about %um%02us left, %um%02us for the table",
			 left / 60, left % 60, all / 60, all % 60);
	fprintf(stderr, "%s[%u/%u] %s%s%s %s; %s%s", tty ? "\r" : "", step, steps, r->mode,
		r->cpu[0] == '-' ? "" : " on ", r->cpu[0] == '-' ? "" : r->cpu, what, eta,
		tty ? "\033[K" : "\n");
}

int cmd_spectrum(int argc, char **argv)
{
	struct cli_spectrum *c = calloc(1, sizeof(*c));
	struct gerr err = { "" };
	int ret;

	if (!c)
		return gerr_set(&err, "spectrum: out of memory"), cli_fail(&err);
	ret = parse_opts(argc, argv, c, &err);
	if (ret == 1) {
		usage(stdout);
		free(c);
		return 0;
	}
	c->sp.opts.stats = run_has_stats();
	if (ret < 0 || writable(c->json, "--json", &err) < 0 ||
	    writable(c->svg, "--svg", &err) < 0 || spectrum_plan(&c->sp, &err) < 0) {
		free(c);
		return cli_fail(&err);
	}
	spectrum_measure(&c->sp, progress);
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\r\033[K");
	spectrum_table(stdout, &c->sp);
	ret = 0;
	if (c->json && spectrum_json(c->json, &c->sp, &err) < 0)
		ret = cli_fail(&err);
	if (c->svg && spectrum_svg(c->svg, &c->sp, &err) < 0)
		ret = cli_fail(&err);
	spectrum_plan_free(&c->sp);
	free(c);
	return ret;
}
