/* What the user asked for, parsed by the CLI, read by everything else. */
#ifndef GAMUT_CORE_CONFIG_H
#define GAMUT_CORE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/mode.h"
#include "sandbox/sandbox.h"

#define CONFIG_MAX_DISKS 8
#define CONFIG_MAX_NETS	 4

struct disk_config {
	const char *path;
	const char *name; /* PV manifest name ("data=file.img"), or NULL */
	bool readonly;
};

enum net_backend_kind { NET_TAP, NET_USER };

struct net_config {
	enum net_backend_kind kind;
	const char *ifname; /* NET_TAP */
	const char *name;   /* PV manifest name, or NULL */
	/* NET_USER: the options after "user" (",hostfwd=RULE..."; see
	 * net/hostfwd.h), or NULL for none */
	const char *user_opts;
};

enum console_kind { CONSOLE_STDIO, CONSOLE_NONE, CONSOLE_FILE };

struct vm_config {
	const struct mode_preset *mode;
	const char *cpu;	/* "kvm" or "emu" */
	const char *kernel;
	const char *initrd;
	const char *cmdline;
	uint64_t mem_bytes;
	unsigned ncpus;
	struct disk_config disk[CONFIG_MAX_DISKS];
	unsigned nr_disks;
	struct net_config net[CONFIG_MAX_NETS];
	unsigned nr_nets;
	enum console_kind console;
	const char *console_path;
	bool hugepages;
	bool trace;
	bool no_jit; /* --cpu emu: interpreter only */
	int gdb_port; /* 0: no GDB stub */
	const char *jail_dir;	    /* --jail DIR (jail/jail.h), or NULL */
	unsigned jail_cpus;	    /* CPU quota in cores; 0: ncpus + 1 */
	uint64_t jail_mem_overhead; /* bytes over guest RAM; 0: 256 MiB */
	struct sandbox_policy sandbox; /* --seccomp, --user */
};

/* Argument syntax shared by the options of `gamut run` (core/config_args.c).
 * Both write into `arg` (NULs where the parts end); the results point into
 * it. */

/* "[NAME=]rest": splits off a PV manifest name.  An '=' after a ':' or '/'
 * is part of the rest (a path, "user,hostfwd=..."). */
const char *config_split_name(char *arg, const char **name);

/* --disk [NAME=]PATH[,ro|,rw]...: appends a disk to cfg.  The options start
 * at the first ",ro" or ",rw" (a PATH may hold other commas); every word
 * after it must be ro or rw, and not both.  -1 with one message naming the
 * argument otherwise. */
int config_parse_disk(struct vm_config *cfg, char *arg, struct gerr *err);

#endif
