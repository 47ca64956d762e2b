/* gamut modes: the spectrum table, and what this host and build can run. */
#include <string.h>

#include "cli/cli.h"
#include "core/host_kvm.h"
#include "core/mode.h"

#define NCOLS 6
#define MAX_ROWS 16

/* The table of SPECTRUM.md: one row per mode plus containers, each column
 * as wide as its longest cell. */
static void print_spectrum_table(void)
{
	const char *rows[MAX_ROWS][NCOLS] = {
		{ "mode", "boot", "platform", "disk / net", "timers, interrupts",
		  "privileged instr., page tables" },
	};
	size_t width[NCOLS] = { 0 };
	int n = 1;

	for (int i = 0; mode_all[i] && n < MAX_ROWS - 1; i++, n++) {
		const struct mode_preset *m = mode_all[i];
		const char *row[NCOLS] = { m->name, m->t_boot, m->t_platform,
					   m->t_io, m->t_timers, m->t_cpu };

		memcpy(rows[n], row, sizeof(row));
	}
	const char *os[NCOLS] = { "OS-level", "-", "shared host kernel", "host",
				  "host", "native (namespaces, cgroups)" };
	memcpy(rows[n++], os, sizeof(os));
	for (int r = 0; r < n; r++)
		for (int c = 0; c < NCOLS; c++)
			if (strlen(rows[r][c]) > width[c])
				width[c] = strlen(rows[r][c]);
	for (int r = 0; r < n; r++)
		for (int c = 0; c < NCOLS; c++)
			if (c < NCOLS - 1)
				printf("%-*s  ", (int)width[c], rows[r][c]);
			else
				printf("%s\n", rows[r][c]);
}

int cmd_modes(int argc, char **argv)
{
	struct host_kvm kvm;
	char line[640];

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: gamut modes\n\nPrints the virtualization spectrum gamut runs, and what this host can run.\n");
		return 0;
	}
	host_kvm_probe(&kvm);
	print_spectrum_table();
	printf("\nOn this host:\n");
	for (int i = 0; mode_all[i]; i++) {
		const struct mode_preset *m = mode_all[i];

		if (m->not_built) {
			printf("  %-8s not built yet: %s\n", m->name, m->not_built);
			continue;
		}
		/* The same words as `gamut info`, without its measurement. */
		host_kvm_verdict(&kvm, m->boot & BOOT_PV, 0, line, sizeof(line));
		printf("  %-8s kvm: %s; emu: software CPU\n", m->name, line);
	}
	return 0;
}
