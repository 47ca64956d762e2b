#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "run", cmd_run, "boot a VM in one mode of the spectrum" },
	{ "spectrum", cmd_spectrum, "run one workload in every mode and compare" },
	{ "modes", cmd_modes, "print the modes table and what this host runs" },
	{ "info", cmd_info, "what this host offers: KVM, CPU features, speed" },
	{ "oci", cmd_oci, "OCI runtime (runc command line); also as gamut-oci" },
	{ "container", cmd_container, "run a command in a container from a rootfs" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: gamut <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n`gamut <command> --help` describes each command.\n");
}

char **cli_argv;

int cli_fail(const struct gerr *err)
{
	fprintf(stderr, "gamut: %s\n", err->msg);
	return 1;
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');

	cli_argv = argv;
	base = base ? base + 1 : argv[0];
	if (!strcmp(base, "gamut-oci"))
		return cmd_oci(argc, argv);
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("gamut %s\n", GAMUT_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "gamut: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
