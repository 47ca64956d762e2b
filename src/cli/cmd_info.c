#include "cli/cli.h"

int cmd_info(int argc, char **argv)
{
	struct gerr err;

	(void)argc;
	(void)argv;
	gerr_set(&err, "info: not built yet");
	return cli_fail(&err);
}
