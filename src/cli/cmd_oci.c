#include "cli/cli.h"

int cmd_oci(int argc, char **argv)
{
	struct gerr err;

	(void)argc;
	(void)argv;
	gerr_set(&err, "oci: not built yet");
	return cli_fail(&err);
}
