#include "cli/cli.h"

int cmd_spectrum(int argc, char **argv)
{
	struct gerr err;

	(void)argc;
	(void)argv;
	gerr_set(&err, "spectrum: not built yet");
	return cli_fail(&err);
}
