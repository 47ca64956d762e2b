/* cgroup v2: one unified tree; controllers are enabled for children through
 * each ancestor's cgroup.subtree_control. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "oci/cgroup.h"

static void dir_of(const struct oci_cgroup_mgr *m, const char *path, char *buf,
		   size_t len)
{
	snprintf(buf, len, "%s%s", m->v2_mount, path);
}

/* Enables what the parent offers, level by level, down to path's parent. */
static void enable_controllers(const struct oci_cgroup_mgr *m, const char *path)
{
	static const char *const ctls[] = { "+cpu", "+cpuset", "+memory",
					    "+pids", "+io" };
	char dir[PATH_MAX];
	struct gerr ignored;

	snprintf(dir, sizeof(dir), "%s", m->v2_mount);
	for (const char *p = path; *p;) {
		const char *next = strchr(p + 1, '/');
		size_t n = next ? (size_t)(next - p) : strlen(p);

		/* Controllers a host lacks are simply not enabled; apply()
		 * reports a limit that cannot be set. */
		for (size_t i = 0; i < sizeof(ctls) / sizeof(ctls[0]); i++)
			oci_cg_write(dir, "cgroup.subtree_control", ctls[i],
				     &ignored);
		if (!next)
			break;
		strncat(dir, p, n);
		p += n;
	}
}

static int v2_enter(const struct oci_cgroup_mgr *m, const char *path,
		    pid_t pid, struct gerr *err)
{
	char dir[PATH_MAX], spid[32];

	dir_of(m, path, dir, sizeof(dir));
	if (oci_cg_mkdir_p(dir, err))
		return -1;
	enable_controllers(m, path);
	snprintf(spid, sizeof(spid), "%d", (int)pid);
	return pid > 0 ? oci_cg_write(dir, "cgroup.procs", spid, err) : 0;
}

static int write_limit(const char *dir, const char *file, int64_t v,
		       struct gerr *err)
{
	char s[32];

	if (v < 0)
		return oci_cg_write(dir, file, "max", err);
	snprintf(s, sizeof(s), "%" PRId64, v);
	return oci_cg_write(dir, file, s, err);
}

static int v2_memory(const char *dir, const struct oci_resources *r,
		     struct gerr *err)
{
	if (r->has_memory_limit &&
	    write_limit(dir, "memory.max", r->memory_limit, err))
		return -1;
	if (r->has_memory_reservation &&
	    write_limit(dir, "memory.low", r->memory_reservation, err))
		return -1;
	/* v1's swap is memory+swap; v2's memory.swap.max is swap alone. */
	if (r->has_memory_swap) {
		int64_t swap = r->memory_swap;

		if (swap > 0 && r->has_memory_limit && r->memory_limit > 0)
			swap -= r->memory_limit;
		if (write_limit(dir, "memory.swap.max", swap, err) &&
		    r->memory_swap > 0)
			return -1;
	}
	return 0;
}

static int v2_cpu(const char *dir, const struct oci_resources *r,
		  struct gerr *err)
{
	char s[64];

	if (r->has_cpu_shares) {
		snprintf(s, sizeof(s), "%llu",
			 oci_cg_shares_to_weight(r->cpu_shares));
		if (oci_cg_write(dir, "cpu.weight", s, err))
			return -1;
	}
	if (r->has_cpu_quota || r->has_cpu_period) {
		uint64_t period = r->has_cpu_period ? r->cpu_period : 100000;

		if (r->has_cpu_quota && r->cpu_quota > 0)
			snprintf(s, sizeof(s), "%" PRId64 " %" PRIu64,
				 r->cpu_quota, period);
		else
			snprintf(s, sizeof(s), "max %" PRIu64, period);
		if (oci_cg_write(dir, "cpu.max", s, err))
			return -1;
	}
	if (r->cpuset_cpus && *r->cpuset_cpus &&
	    oci_cg_write(dir, "cpuset.cpus", r->cpuset_cpus, err))
		return -1;
	if (r->cpuset_mems && *r->cpuset_mems &&
	    oci_cg_write(dir, "cpuset.mems", r->cpuset_mems, err))
		return -1;
	return 0;
}

static int v2_apply(const struct oci_cgroup_mgr *m, const char *path,
		    const struct oci_resources *r, struct gerr *err)
{
	char dir[PATH_MAX];

	dir_of(m, path, dir, sizeof(dir));
	if (v2_memory(dir, r, err) || v2_cpu(dir, r, err))
		return -1;
	if (r->has_pids_limit &&
	    write_limit(dir, "pids.max", r->pids_limit > 0 ? r->pids_limit : -1,
			err))
		return -1;
	if (r->has_blkio_weight) {
		char w[32];

		snprintf(w, sizeof(w), "default %u", r->blkio_weight);
		if (oci_cg_write(dir, "io.weight", w, err)) {
			snprintf(w, sizeof(w), "%u", r->blkio_weight);
			if (oci_cg_write(dir, "io.bfq.weight", w, err))
				return -1;
		}
	}
	for (size_t i = 0; i < r->n_unified; i++) {
		if (strchr(r->unified[i].key, '/'))
			return gerr_set(err, "unified key \"%s\" contains '/'",
					r->unified[i].key);
		if (oci_cg_write(dir, r->unified[i].key, r->unified[i].value, err))
			return -1;
	}
	/* Device rules on v2 need an eBPF program; they are not enforced
	 * (docs/containers.md).  The container's /dev holds only the
	 * default and configured devices. */
	return 0;
}

static int v2_pids(const struct oci_cgroup_mgr *m, const char *path,
		   pid_t **out, size_t *n, struct gerr *err)
{
	char dir[PATH_MAX];

	dir_of(m, path, dir, sizeof(dir));
	return oci_cg_read_pids(dir, out, n, err);
}

static bool v2_is_frozen(const struct oci_cgroup_mgr *m, const char *path)
{
	char dir[PATH_MAX], val[512];

	dir_of(m, path, dir, sizeof(dir));
	if (oci_cg_read(dir, "cgroup.events", val, sizeof(val)))
		return false;
	return strstr(val, "frozen 1") != NULL;
}

static int v2_freeze(const struct oci_cgroup_mgr *m, const char *path,
		     bool frozen, struct gerr *err)
{
	struct timespec ts = { 0, 1000 * 1000 };
	char dir[PATH_MAX];

	dir_of(m, path, dir, sizeof(dir));
	if (oci_cg_write(dir, "cgroup.freeze", frozen ? "1" : "0", err))
		return -1;
	for (int i = 0; i < 5000; i++) {
		if (v2_is_frozen(m, path) == frozen)
			return 0;
		nanosleep(&ts, NULL);
	}
	return gerr_set(err, "cgroup %s did not %s", dir,
			frozen ? "freeze" : "thaw");
}

static int v2_destroy(const struct oci_cgroup_mgr *m, const char *path,
		      struct gerr *err)
{
	char dir[PATH_MAX];

	dir_of(m, path, dir, sizeof(dir));
	if (rmdir(dir) && errno != ENOENT)
		return gerr_errno(err, errno, "cgroup %s", dir);
	return 0;
}

const struct oci_cgroup_ops oci_cgroup_v2_ops = {
	.name = "v2",
	.enter = v2_enter,
	.apply = v2_apply,
	.pids = v2_pids,
	.freeze = v2_freeze,
	.is_frozen = v2_is_frozen,
	.destroy = v2_destroy,
};
