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

/* A device's rate limit (docs/devices.md, "Rate limits"): operations and
 * bytes per second, each with its burst (the bucket size; 0: one second's
 * worth).  0 rates are unlimited. */
struct ratelimit_config {
	uint64_t ops, ops_burst;
	uint64_t bytes, bytes_burst;
};

struct disk_config {
	const char *path;
	const char *name; /* PV manifest name ("data=file.img"), or NULL */
	bool readonly;
	struct ratelimit_config limit; /* iops=, bw= */
};

enum net_backend_kind { NET_TAP, NET_USER };

struct net_config {
	enum net_backend_kind kind;
	const char *ifname; /* NET_TAP */
	const char *name;   /* PV manifest name, or NULL */
	/* NET_USER: the options after "user" (",hostfwd=RULE..."; see
	 * net/hostfwd.h), or NULL for none */
	const char *user_opts;
	/* bw=, pps=: each direction (to and from the guest) has its own
	 * buckets with these rates */
	struct ratelimit_config limit;
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
	bool stats;		    /* --stats: counters on stderr at the end */
	const char *stats_file;	    /* --stats-file FILE (JSON Lines), or NULL */
};

/* Argument syntax shared by the options of `gamut run` (core/config_args.c).
 * Both write into `arg` (NULs where the parts end); the results point into
 * it. */

/* "[NAME=]rest": splits off a PV manifest name.  An '=' after a ':', '/'
 * or ',' is part of the rest (a path, "user,hostfwd=...", "x.img,bw=1m"). */
const char *config_split_name(char *arg, const char **name);

/* --disk [NAME=]PATH[,ro|,rw][,iops=N][,bw=N][,iops_burst=N][,bw_burst=N]:
 * appends a disk to cfg.  The options start at the first ",ro", ",rw" or
 * ",KEY=" with one of those keys (a PATH may hold other commas); every
 * word after it must be one of them, ro and rw not both.  N is a decimal
 * count per second (bursts: a count), at least 1; bw and bw_burst take a
 * k, m or g suffix (KiB, MiB, GiB).  -1 with one message naming the
 * argument otherwise. */
int config_parse_disk(struct vm_config *cfg, char *arg, struct gerr *err);

/* The rate-limit words of a --net argument: bw=N, pps=N, bw_burst=N,
 * pps_burst=N (N as for --disk, suffixes on bw and bw_burst), anywhere
 * after the first ','.  Fills n->limit and removes those words from `spec`
 * in place, leaving the backend's own options.  `arg` is the whole
 * argument, for messages ("--net user,bw=x: ..."). */
int config_parse_net_limits(struct net_config *n, char *spec, const char *arg,
			    struct gerr *err);

#endif
