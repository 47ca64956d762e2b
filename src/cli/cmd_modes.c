/* gamut modes: the spectrum table, and what this host and build can run. */
#include <string.h>

#include "cli/cli.h"
#include "core/host.h"
#include "core/mode.h"

int cmd_modes(int argc, char **argv)
{
	bool kvm = host_kvm_usable(), hw = host_has_hw_virt();

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: gamut modes\n\nPrints the virtualization spectrum gamut runs, and what this host can run.\n");
		return 0;
	}
	(void)argv;
	printf("%-8s %-32s %-28s %-24s %-24s %s\n", "mode", "boot", "platform",
	       "disk / net", "timers, interrupts", "privileged instr., page tables");
	for (int i = 0; mode_all[i]; i++) {
		const struct mode_preset *m = mode_all[i];

		printf("%-8s %-32s %-28s %-24s %-24s %s\n", m->name, m->t_boot,
		       m->t_platform, m->t_io, m->t_timers, m->t_cpu);
	}
	printf("%-8s %-32s %-28s %-24s %-24s %s\n", "OS-level", "-", "shared host kernel",
	       "host", "host", "native (namespaces, cgroups)");
	printf("\nOn this host:\n");
	for (int i = 0; mode_all[i]; i++) {
		const struct mode_preset *m = mode_all[i];

		if (m->not_built) {
			printf("  %-8s not built yet: %s\n", m->name, m->not_built);
			continue;
		}
		printf("  %-8s kvm: %s; emu: software CPU\n", m->name,
		       !kvm ? "no /dev/kvm" :
		       hw ? "hardware-backed, near native" :
			    "KVM not hardware-backed: guest kernel mode ~4000x slower");
	}
	return 0;
}
