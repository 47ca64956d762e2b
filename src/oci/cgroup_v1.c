/* cgroup v1: one directory per hierarchy; each controller's files live in
 * the hierarchy that mounts it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "oci/cgroup.h"
#include "oci/rootfs.h"

static bool has_controller(const struct oci_cg_hier *h, const char *c)
{
	size_t n = strlen(c);

	for (const char *p = h->controllers; (p = strstr(p, c)); p += n)
		if ((p == h->controllers || p[-1] == ',') &&
		    (p[n] == ',' || !p[n]))
			return true;
	return false;
}

/* The directory of `controller` for path, or NULL when not mounted. */
static const char *ctl_dir(const struct oci_cgroup_mgr *m, const char *ctl,
			   const char *path, char *buf, size_t len)
{
	for (size_t i = 0; i < m->n_hier; i++)
		if (has_controller(&m->hier[i], ctl)) {
			snprintf(buf, len, "%s%s", m->hier[i].mount, path);
			return buf;
		}
	return NULL;
}

/* A new cpuset cgroup starts with empty cpus/mems, and no task may join it
 * until they are filled: copy each level's values from its parent. */
static int cpuset_fill(const char *mount, const char *path, struct gerr *err)
{
	char dir[PATH_MAX], parent[PATH_MAX], val[4096];
	const char *files[] = { "cpuset.cpus", "cpuset.mems" };

	snprintf(dir, sizeof(dir), "%s", mount);
	for (const char *p = path; *p;) {
		const char *next = strchr(p + 1, '/');
		size_t n = next ? (size_t)(next - p) : strlen(p);

		snprintf(parent, sizeof(parent), "%s", dir);
		strncat(dir, p, sizeof(dir) - strlen(dir) - 1 < n
				       ? sizeof(dir) - strlen(dir) - 1 : n);
		for (int i = 0; i < 2; i++) {
			if (oci_cg_read(dir, files[i], val, sizeof(val)))
				continue;
			if (val[0] && val[0] != '\n')
				continue;
			if (oci_cg_read(parent, files[i], val, sizeof(val)) ||
			    oci_cg_write(dir, files[i], val, err))
				return -1;
		}
		p += n;
	}
	return 0;
}

static int v1_enter(const struct oci_cgroup_mgr *m, const char *path,
		    pid_t pid, struct gerr *err)
{
	char dir[PATH_MAX], spid[32];

	snprintf(spid, sizeof(spid), "%d", (int)pid);
	for (size_t i = 0; i < m->n_hier; i++) {
		snprintf(dir, sizeof(dir), "%s%s", m->hier[i].mount, path);
		if (oci_cg_mkdir_p(dir, err))
			return -1;
		if (has_controller(&m->hier[i], "cpuset") &&
		    cpuset_fill(m->hier[i].mount, path, err))
			return -1;
		if (pid > 0 && oci_cg_write(dir, "cgroup.procs", spid, err))
			return -1;
	}
	return 0;
}

static int write_i64(const char *dir, const char *file, int64_t v,
		     struct gerr *err)
{
	char s[32];

	snprintf(s, sizeof(s), "%" PRId64, v);
	return oci_cg_write(dir, file, s, err);
}

static int v1_memory(const char *dir, const struct oci_resources *r,
		     struct gerr *err)
{
	char memsw[PATH_MAX + 64];
	bool have_swap;

	snprintf(memsw, sizeof(memsw), "%s/memory.memsw.limit_in_bytes", dir);
	have_swap = !access(memsw, F_OK);
	if (r->has_memory_limit &&
	    write_i64(dir, "memory.limit_in_bytes", r->memory_limit, err)) {
		/* The limit may not drop below memsw's: set memsw first. */
		if (!have_swap || !r->has_memory_swap)
			return -1;
		if (write_i64(dir, "memory.memsw.limit_in_bytes",
			      r->memory_swap, err) ||
		    write_i64(dir, "memory.limit_in_bytes", r->memory_limit, err))
			return -1;
	}
	/* Without swap accounting there is no memsw file: the limit alone
	 * already bounds the container's memory. */
	if (r->has_memory_swap && have_swap &&
	    write_i64(dir, "memory.memsw.limit_in_bytes", r->memory_swap, err))
		return -1;
	if (r->has_memory_reservation &&
	    write_i64(dir, "memory.soft_limit_in_bytes",
		      r->memory_reservation, err))
		return -1;
	if (r->has_swappiness &&
	    write_i64(dir, "memory.swappiness", (int64_t)r->swappiness, err))
		return -1;
	return 0;
}

static int v1_devices(const char *dir, const struct oci_resources *r,
		      struct gerr *err)
{
	char rule[64], maj[16], min[16];

	for (size_t i = 0; i < r->n_devices; i++) {
		const struct oci_device_rule *d = &r->devices[i];

		snprintf(maj, sizeof(maj), "%" PRId64, d->major);
		snprintf(min, sizeof(min), "%" PRId64, d->minor);
		if (d->type == 'a')
			snprintf(rule, sizeof(rule), "a");
		else
			snprintf(rule, sizeof(rule), "%c %s:%s %s", d->type,
				 d->major < 0 ? "*" : maj,
				 d->minor < 0 ? "*" : min, d->access);
		if (oci_cg_write(dir, d->allow ? "devices.allow" : "devices.deny",
				 rule, err))
			return -1;
	}
	/* The default devices are always usable, as runc and crun do. */
	for (size_t i = 0; i < oci_default_cgroup_rules_n; i++)
		if (oci_cg_write(dir, "devices.allow",
				 oci_default_cgroup_rules[i], err))
			return -1;
	return 0;
}

static int v1_apply(const struct oci_cgroup_mgr *m, const char *path,
		    const struct oci_resources *r, struct gerr *err)
{
	char dir[PATH_MAX];

	if ((r->has_memory_limit || r->has_memory_swap ||
	     r->has_memory_reservation || r->has_swappiness)) {
		if (!ctl_dir(m, "memory", path, dir, sizeof(dir)))
			return gerr_set(err, "memory limits requested but the "
					"memory cgroup controller is not mounted");
		if (v1_memory(dir, r, err))
			return -1;
	}
	if (r->has_cpu_shares || r->has_cpu_period || r->has_cpu_quota) {
		if (!ctl_dir(m, "cpu", path, dir, sizeof(dir)))
			return gerr_set(err, "cpu limits requested but the cpu "
					"cgroup controller is not mounted");
		if ((r->has_cpu_shares &&
		     write_i64(dir, "cpu.shares", (int64_t)r->cpu_shares, err)) ||
		    (r->has_cpu_period &&
		     write_i64(dir, "cpu.cfs_period_us", (int64_t)r->cpu_period, err)) ||
		    (r->has_cpu_quota &&
		     write_i64(dir, "cpu.cfs_quota_us", r->cpu_quota, err)))
			return -1;
	}
	if ((r->cpuset_cpus && *r->cpuset_cpus) ||
	    (r->cpuset_mems && *r->cpuset_mems)) {
		if (!ctl_dir(m, "cpuset", path, dir, sizeof(dir)))
			return gerr_set(err, "cpuset requested but the cpuset "
					"controller is not mounted");
		if ((r->cpuset_cpus && *r->cpuset_cpus &&
		     oci_cg_write(dir, "cpuset.cpus", r->cpuset_cpus, err)) ||
		    (r->cpuset_mems && *r->cpuset_mems &&
		     oci_cg_write(dir, "cpuset.mems", r->cpuset_mems, err)))
			return -1;
	}
	if (r->has_pids_limit) {
		if (!ctl_dir(m, "pids", path, dir, sizeof(dir)))
			return gerr_set(err, "pids limit requested but the pids "
					"controller is not mounted");
		if (r->pids_limit > 0
			    ? write_i64(dir, "pids.max", r->pids_limit, err)
			    : oci_cg_write(dir, "pids.max", "max", err))
			return -1;
	}
	if (r->has_blkio_weight) {
		char w[16];

		snprintf(w, sizeof(w), "%u", r->blkio_weight);
		if (!ctl_dir(m, "blkio", path, dir, sizeof(dir)))
			return gerr_set(err, "blkio weight requested but the "
					"blkio controller is not mounted");
		if (oci_cg_write(dir, "blkio.weight", w, err) &&
		    oci_cg_write(dir, "blkio.bfq.weight", w, err))
			return gerr_prefix(err, "blkio weight (needs CFQ or BFQ): ");
	}
	if (r->n_devices && ctl_dir(m, "devices", path, dir, sizeof(dir)) &&
	    v1_devices(dir, r, err))
		return -1;
	if (r->n_unified)
		return gerr_set(err, "linux.resources.unified needs cgroup v2; "
				"this host uses cgroup v1");
	return 0;
}

static const struct oci_cg_hier *main_hier(const struct oci_cgroup_mgr *m)
{
	for (size_t i = 0; i < m->n_hier; i++)
		if (has_controller(&m->hier[i], "pids") ||
		    has_controller(&m->hier[i], "freezer"))
			return &m->hier[i];
	return &m->hier[0];
}

static int v1_pids(const struct oci_cgroup_mgr *m, const char *path,
		   pid_t **out, size_t *n, struct gerr *err)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s%s", main_hier(m)->mount, path);
	return oci_cg_read_pids(dir, out, n, err);
}

static bool v1_is_frozen(const struct oci_cgroup_mgr *m, const char *path)
{
	char dir[PATH_MAX], val[32];

	if (!ctl_dir(m, "freezer", path, dir, sizeof(dir)) ||
	    oci_cg_read(dir, "freezer.state", val, sizeof(val)))
		return false;
	return !strncmp(val, "FROZEN", 6) || !strncmp(val, "FREEZING", 8);
}

static int v1_freeze(const struct oci_cgroup_mgr *m, const char *path,
		     bool frozen, struct gerr *err)
{
	const char *want = frozen ? "FROZEN" : "THAWED";
	struct timespec ts = { 0, 1000 * 1000 };
	char dir[PATH_MAX], val[32];

	if (!ctl_dir(m, "freezer", path, dir, sizeof(dir)))
		return gerr_set(err, "the freezer cgroup controller is not mounted");
	/* FREEZING is transient; keep asking until the kernel settles. */
	for (int i = 0; i < 5000; i++) {
		if (oci_cg_write(dir, "freezer.state", want, err))
			return -1;
		if (!oci_cg_read(dir, "freezer.state", val, sizeof(val)) &&
		    !strncmp(val, want, strlen(want)))
			return 0;
		nanosleep(&ts, NULL);
	}
	return gerr_set(err, "cgroup %s did not reach %s", dir, want);
}

static int v1_destroy(const struct oci_cgroup_mgr *m, const char *path,
		      struct gerr *err)
{
	char dir[PATH_MAX];

	for (size_t i = 0; i < m->n_hier; i++) {
		snprintf(dir, sizeof(dir), "%s%s", m->hier[i].mount, path);
		if (rmdir(dir) && errno != ENOENT)
			return gerr_errno(err, errno, "cgroup %s", dir);
	}
	return 0;
}

const struct oci_cgroup_ops oci_cgroup_v1_ops = {
	.name = "v1",
	.enter = v1_enter,
	.apply = v1_apply,
	.pids = v1_pids,
	.freeze = v1_freeze,
	.is_frozen = v1_is_frozen,
	.destroy = v1_destroy,
};
