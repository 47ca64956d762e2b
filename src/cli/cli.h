/* The thin command-line layer: each `gamut <command>` is one cmd_*.c file
 * over the library.  Commands print errors once, as "gamut: <message>". */
#ifndef GAMUT_CLI_CLI_H
#define GAMUT_CLI_CLI_H

#include <stdio.h>

#include "core/config.h"
#include "core/err.h"

#define GAMUT_VERSION "0.1.0"

int cmd_run(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_modes(int argc, char **argv);
int cmd_spectrum(int argc, char **argv);
int cmd_oci(int argc, char **argv);
int cmd_container(int argc, char **argv);

/* Parses `gamut run` options into cfg (defaults filled in first). */
int cli_parse_run(int argc, char **argv, struct vm_config *cfg,
		  struct gerr *err);
void cli_run_usage(FILE *f);

/* The process's own argv, for a command that must re-execute itself
 * (oci_exe_ensure_sealed); set by main() before any command runs. */
extern char **cli_argv;

/* Prints "gamut: msg" to stderr; returns 1 for `return cli_fail(&err);`. */
int cli_fail(const struct gerr *err);

#endif
