/* The default config.json and the runtime's `features` document. */
#include "oci/spec.h"

#include <json-c/json.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci/config.h"
#include "oci/oci.h"

static json_object *strs(const char *const *v)
{
	json_object *a = json_object_new_array();

	for (; v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

static void add_mount(json_object *mounts, const char *dst, const char *type,
		      const char *src, const char *const *opts)
{
	json_object *m = json_object_new_object();

	json_object_object_add(m, "destination", json_object_new_string(dst));
	json_object_object_add(m, "type", json_object_new_string(type));
	json_object_object_add(m, "source", json_object_new_string(src));
	json_object_object_add(m, "options", strs(opts));
	json_object_array_add(mounts, m);
}

static json_object *build_mounts(const struct oci_spec_opts *o)
{
	static const char *const proc[] = { "nosuid", "noexec", "nodev", NULL };
	static const char *const dev[] = { "nosuid", "strictatime", "mode=755",
					   "size=65536k", NULL };
	static const char *const pts[] = { "nosuid", "noexec", "newinstance",
					   "ptmxmode=0666", "mode=0620", "gid=5", NULL };
	static const char *const pts_rootless[] = { "nosuid", "noexec",
						    "newinstance", "ptmxmode=0666",
						    "mode=0620", NULL };
	static const char *const shm[] = { "nosuid", "noexec", "nodev",
					   "mode=1777", "size=65536k", NULL };
	static const char *const mq[] = { "nosuid", "noexec", "nodev", NULL };
	static const char *const sys[] = { "nosuid", "noexec", "nodev", "ro", NULL };
	static const char *const sys_bind[] = { "rbind", "nosuid", "noexec",
						"nodev", "ro", NULL };
	static const char *const cg[] = { "nosuid", "noexec", "nodev",
					  "relatime", "ro", NULL };
	json_object *m = json_object_new_array();

	add_mount(m, "/proc", "proc", "proc", proc);
	add_mount(m, "/dev", "tmpfs", "tmpfs", dev);
	add_mount(m, "/dev/pts", "devpts", "devpts", o->rootless ? pts_rootless : pts);
	add_mount(m, "/dev/shm", "tmpfs", "shm", shm);
	add_mount(m, "/dev/mqueue", "mqueue", "mqueue", mq);
	if (o->rootless || o->net_host)
		add_mount(m, "/sys", "none", "/sys", sys_bind);
	else
		add_mount(m, "/sys", "sysfs", "sysfs", sys);
	if (!o->rootless)
		add_mount(m, "/sys/fs/cgroup", "cgroup", "cgroup", cg);
	return m;
}

static const char *const default_caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL",
					    "CAP_NET_BIND_SERVICE", NULL };

uint64_t oci_spec_default_caps(void)
{
	uint64_t m = 0;

	for (size_t i = 0; default_caps[i]; i++)
		m |= 1ull << oci_cap_number(default_caps[i]);
	return m;
}

static json_object *build_process(const struct oci_spec_opts *o)
{
	const char *const *caps = default_caps;
	static const char *const env[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"TERM=xterm", NULL };
	static const char *const sh[] = { "sh", NULL };
	json_object *p = json_object_new_object(), *c, *user, *rl, *nofile;

	json_object_object_add(p, "terminal", json_object_new_boolean(o->terminal));
	user = json_object_new_object();
	json_object_object_add(user, "uid", json_object_new_int(0));
	json_object_object_add(user, "gid", json_object_new_int(0));
	json_object_object_add(p, "user", user);
	json_object_object_add(p, "args", strs(o->args ? o->args : sh));
	json_object_object_add(p, "env", strs(env));
	json_object_object_add(p, "cwd", json_object_new_string("/"));
	c = json_object_new_object();
	json_object_object_add(c, "bounding", strs(caps));
	json_object_object_add(c, "effective", strs(caps));
	json_object_object_add(c, "permitted", strs(caps));
	json_object_object_add(p, "capabilities", c);
	rl = json_object_new_array();
	nofile = json_object_new_object();
	json_object_object_add(nofile, "type", json_object_new_string("RLIMIT_NOFILE"));
	json_object_object_add(nofile, "hard", json_object_new_int(1024));
	json_object_object_add(nofile, "soft", json_object_new_int(1024));
	json_object_array_add(rl, nofile);
	json_object_object_add(p, "rlimits", rl);
	json_object_object_add(p, "noNewPrivileges", json_object_new_boolean(1));
	return p;
}

static json_object *idmap(unsigned host)
{
	json_object *a = json_object_new_array(), *m = json_object_new_object();

	json_object_object_add(m, "containerID", json_object_new_int(0));
	json_object_object_add(m, "hostID", json_object_new_int64(host));
	json_object_object_add(m, "size", json_object_new_int(1));
	json_object_array_add(a, m);
	return a;
}

static json_object *build_linux(const struct oci_spec_opts *o)
{
	static const char *const masked[] = {
		"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
		"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
		"/proc/sched_debug", "/sys/firmware", "/proc/scsi", NULL };
	static const char *const ro[] = { "/proc/bus", "/proc/fs", "/proc/irq",
					  "/proc/sys", "/proc/sysrq-trigger", NULL };
	const char *ns[] = { "pid", "ipc", "uts", "mount", "network", "user",
			     "cgroup", NULL };
	json_object *l = json_object_new_object(), *nss = json_object_new_array();
	json_object *res = json_object_new_object();

	for (int i = 0; ns[i]; i++) {
		json_object *n;

		if ((!strcmp(ns[i], "network") && o->net_host) ||
		    (!strcmp(ns[i], "user") && !o->rootless) ||
		    (!strcmp(ns[i], "cgroup") && o->rootless))
			continue;
		n = json_object_new_object();
		json_object_object_add(n, "type", json_object_new_string(ns[i]));
		json_object_array_add(nss, n);
	}
	json_object_object_add(l, "namespaces", nss);
	if (o->rootless) {
		json_object_object_add(l, "uidMappings", idmap(geteuid()));
		json_object_object_add(l, "gidMappings", idmap(getegid()));
	} else {
		json_object *devs = json_object_new_array(), *d = json_object_new_object();

		json_object_object_add(d, "allow", json_object_new_boolean(0));
		json_object_object_add(d, "access", json_object_new_string("rwm"));
		json_object_array_add(devs, d);
		json_object_object_add(res, "devices", devs);
	}
	if (o->memory > 0) {
		json_object *m = json_object_new_object();

		json_object_object_add(m, "limit", json_object_new_int64(o->memory));
		json_object_object_add(res, "memory", m);
	}
	if (o->pids > 0) {
		json_object *p = json_object_new_object();

		json_object_object_add(p, "limit", json_object_new_int64(o->pids));
		json_object_object_add(res, "pids", p);
	}
	json_object_object_add(l, "resources", res);
	json_object_object_add(l, "maskedPaths", strs(masked));
	json_object_object_add(l, "readonlyPaths", strs(ro));
	if (o->seccomp_json)
		json_object_object_add(l, "seccomp",
				       json_tokener_parse(o->seccomp_json));
	return l;
}

char *oci_spec_build(const struct oci_spec_opts *o)
{
	json_object *s = json_object_new_object(), *root = json_object_new_object();
	char *out;

	json_object_object_add(s, "ociVersion", json_object_new_string(OCI_SPEC_VERSION));
	json_object_object_add(s, "process", build_process(o));
	json_object_object_add(root, "path",
			       json_object_new_string(o->rootfs ? o->rootfs : "rootfs"));
	json_object_object_add(root, "readonly", json_object_new_boolean(o->readonly));
	json_object_object_add(s, "root", root);
	json_object_object_add(s, "hostname",
			       json_object_new_string(o->hostname ? o->hostname : "gamut"));
	json_object_object_add(s, "mounts", build_mounts(o));
	json_object_object_add(s, "linux", build_linux(o));
	out = strdup(json_object_to_json_string_ext(s, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_SPACED));
	json_object_put(s);
	return out;
}

char *oci_default_spec_json(bool rootless)
{
	struct oci_spec_opts o = { .rootfs = "rootfs", .rootless = rootless,
				   .terminal = true, .readonly = true };

	return oci_spec_build(&o);
}

char *oci_features_json(void)
{
	static const char *const hooks[] = { "prestart", "createRuntime",
		"createContainer", "startContainer", "poststart", "poststop", NULL };
	static const char *const mount_opts[] = {
		"async", "atime", "bind", "dev", "diratime", "dirsync", "exec",
		"mand", "noatime", "nodev", "nodiratime", "noexec", "nomand",
		"norelatime", "nostrictatime", "nosuid", "private", "rbind",
		"relatime", "remount", "ro", "rprivate", "rshared", "rslave",
		"runbindable", "rw", "shared", "slave", "strictatime", "suid",
		"sync", "unbindable", NULL };
	static const char *const ns[] = { "cgroup", "ipc", "mount", "network",
					  "pid", "time", "user", "uts", NULL };
	static const char *const actions[] = { "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO",
		"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
		"SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP", NULL };
	static const char *const ops[] = { "SCMP_CMP_EQ", "SCMP_CMP_GE",
		"SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ",
		"SCMP_CMP_NE", NULL };
	static const char *const archs[] = { "SCMP_ARCH_X86", "SCMP_ARCH_X86_64",
					     "SCMP_ARCH_X32", NULL };
	json_object *f = json_object_new_object(), *l = json_object_new_object();
	json_object *caps = json_object_new_array(), *cg = json_object_new_object();
	json_object *sc = json_object_new_object(), *ann = json_object_new_object();
	char *out;

	json_object_object_add(f, "ociVersionMin", json_object_new_string("1.0.0"));
	json_object_object_add(f, "ociVersionMax", json_object_new_string(OCI_SPEC_VERSION));
	json_object_object_add(f, "hooks", strs(hooks));
	json_object_object_add(f, "mountOptions", strs(mount_opts));
	json_object_object_add(l, "namespaces", strs(ns));
	for (int i = 0; i < oci_cap_count(); i++)
		json_object_array_add(caps, json_object_new_string(oci_cap_name(i)));
	json_object_object_add(l, "capabilities", caps);
	json_object_object_add(cg, "v1", json_object_new_boolean(1));
	json_object_object_add(cg, "v2", json_object_new_boolean(1));
	json_object_object_add(cg, "systemd", json_object_new_boolean(0));
	json_object_object_add(cg, "systemdUser", json_object_new_boolean(0));
	json_object_object_add(l, "cgroup", cg);
	json_object_object_add(sc, "enabled", json_object_new_boolean(1));
	json_object_object_add(sc, "actions", strs(actions));
	json_object_object_add(sc, "operators", strs(ops));
	json_object_object_add(sc, "archs", strs(archs));
	json_object_object_add(l, "seccomp", sc);
	json_object_object_add(f, "linux", l);
	json_object_object_add(ann, "org.opencontainers.runtime-spec.features.runtime",
			       json_object_new_string("gamut-oci " OCI_RUNTIME_VERSION));
	json_object_object_add(f, "annotations", ann);
	out = strdup(json_object_to_json_string_ext(f, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_SPACED));
	json_object_put(f);
	return out;
}
