#include "cli/cli.h"

int cmd_container(int argc, char **argv)
{
	struct gerr err;

	(void)argc;
	(void)argv;
	gerr_set(&err, "container: not built yet");
	return cli_fail(&err);
}
