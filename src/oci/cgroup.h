/* cgroup managers: v1 (one hierarchy per controller) and v2 (unified),
 * behind one table of function pointers.
 *
 * A container's cgroup is a path relative to each hierarchy's root
 * ("/gamut-oci/<id>", or linux.cgroupsPath).  The host's layout is read once
 * from /proc/self/mountinfo: pure v2, pure v1, or hybrid (v1 controllers
 * plus a v2 hierarchy that has none of the ones we use), in which case the v1
 * manager is chosen.  Order of calls: enter (creates the cgroup and moves a
 * pid in), apply (writes limits; also `update`), then pids/freeze/kill, and
 * finally destroy (after every process has gone). */
#ifndef GAMUT_OCI_CGROUP_H
#define GAMUT_OCI_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/err.h"
#include "oci/config.h"

#define OCI_CG_MAX_HIER 16

struct oci_cg_hier {
	char mount[256];       /* where the hierarchy is mounted */
	char controllers[256]; /* "cpu,cpuacct", "name=systemd", ... */
};

struct oci_cgroup_mgr;

struct oci_cgroup_ops {
	const char *name; /* "v1" or "v2" */
	/* Creates path (with parents) and moves pid into it. */
	int (*enter)(const struct oci_cgroup_mgr *m, const char *path,
		     pid_t pid, struct gerr *err);
	int (*apply)(const struct oci_cgroup_mgr *m, const char *path,
		     const struct oci_resources *r, struct gerr *err);
	/* Pids of the cgroup (malloc'd array). */
	int (*pids)(const struct oci_cgroup_mgr *m, const char *path,
		    pid_t **out, size_t *n, struct gerr *err);
	int (*freeze)(const struct oci_cgroup_mgr *m, const char *path,
		      bool frozen, struct gerr *err);
	bool (*is_frozen)(const struct oci_cgroup_mgr *m, const char *path);
	/* Removes the cgroup; fails (EBUSY) while processes remain. */
	int (*destroy)(const struct oci_cgroup_mgr *m, const char *path,
		       struct gerr *err);
	/* The mount the container sees at /sys/fs/cgroup is prepared by
	 * the rootfs code from m->hier (v1) or as cgroup2 (v2). */
};

struct oci_cgroup_mgr {
	const struct oci_cgroup_ops *ops;
	int version; /* 1 or 2 */
	char v2_mount[256];
	struct oci_cg_hier hier[OCI_CG_MAX_HIER];
	size_t n_hier;
};

extern const struct oci_cgroup_ops oci_cgroup_v1_ops;
extern const struct oci_cgroup_ops oci_cgroup_v2_ops;

/* Reads the host's cgroup layout (cached after the first call). */
const struct oci_cgroup_mgr *oci_cgroup_host(struct gerr *err);
/* Parses a mountinfo text into m (exposed for the unit tests). */
int oci_cgroup_parse_mountinfo(struct oci_cgroup_mgr *m, const char *text,
			       struct gerr *err);
/* The cgroup path for a container: cgroupsPath or /gamut-oci/<id>; refuses
 * systemd's "slice:prefix:name" form. */
int oci_cgroup_path(char *out, size_t len, const char *cgroups_path,
		    const char *id, struct gerr *err);
bool oci_cgroup_is_frozen(const char *path);
/* Sends sig to every process of the cgroup; returns how many were found. */
int oci_cgroup_signal_all(const struct oci_cgroup_mgr *m, const char *path,
			  int sig, struct gerr *err);
/* Kills what remains and removes the cgroup, retrying while the kernel
 * finishes tearing processes down. */
int oci_cgroup_remove(const struct oci_cgroup_mgr *m, const char *path,
		      struct gerr *err);

/* Helpers shared by the two managers. */
int oci_cg_write(const char *dir, const char *file, const char *val,
		 struct gerr *err);
int oci_cg_read(const char *dir, const char *file, char *buf, size_t len);
int oci_cg_mkdir_p(const char *path, struct gerr *err);
int oci_cg_read_pids(const char *dir, pid_t **out, size_t *n,
		     struct gerr *err);
/* cpu.shares (2..262144) to cgroup v2 cpu.weight (1..10000). */
unsigned long long oci_cg_shares_to_weight(unsigned long long shares);

#endif
