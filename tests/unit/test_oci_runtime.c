/* Runtime pieces that need no privileges: cgroup layout detection and the
 * v1/v2 managers on fake cgroup trees, state files and statuses, ids, the
 * default spec (which must parse), seccomp compilation, hook execution. */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../harness.h"
#include "oci/cgroup.h"
#include "oci/hooks.h"
#include "oci/oci.h"
#include "oci/process.h"
#include "oci/spec.h"
#include "oci/state.h"

static const char hybrid_mountinfo[] =
	"30 25 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
	"31 30 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
	"32 30 0:28 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
	"33 30 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
	"34 30 0:30 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";

TEST(oci_cgroup_mountinfo_hybrid_is_v1)
{
	struct oci_cgroup_mgr m;
	struct gerr e;

	CHECK(oci_cgroup_parse_mountinfo(&m, hybrid_mountinfo, &e) == 0);
	CHECK_EQ(m.version, 1);
	CHECK(m.ops == &oci_cgroup_v1_ops);
	CHECK_EQ(m.n_hier, 3);
	CHECK(!strcmp(m.hier[0].controllers, "name=systemd"));
	CHECK(!strcmp(m.hier[1].controllers, "cpu,cpuacct"));
	CHECK(!strcmp(m.hier[2].mount, "/sys/fs/cgroup/memory"));
	CHECK(!strcmp(m.v2_mount, "/sys/fs/cgroup/unified"));
}

TEST(oci_cgroup_mountinfo_pure_v2)
{
	struct oci_cgroup_mgr m;
	struct gerr e;

	CHECK(oci_cgroup_parse_mountinfo(&m,
		"30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n",
		&e) == 0);
	CHECK_EQ(m.version, 2);
	CHECK(m.ops == &oci_cgroup_v2_ops);
	CHECK(oci_cgroup_parse_mountinfo(&m, "1 0 0:1 / / rw - ext4 /dev/sda rw\n",
					 &e) == -1);
	CHECK(strstr(e.msg, "no cgroup") != NULL);
}

TEST(oci_cgroup_path_rules)
{
	char p[256];
	struct gerr e;

	CHECK(oci_cgroup_path(p, sizeof(p), NULL, "abc", &e) == 0);
	CHECK(!strcmp(p, "/gamut-oci/abc"));
	CHECK(oci_cgroup_path(p, sizeof(p), "x/y", "abc", &e) == 0);
	CHECK(!strcmp(p, "/x/y"));
	CHECK(oci_cgroup_path(p, sizeof(p), "machine.slice:libpod:abc", "abc", &e) == -1);
	CHECK(strstr(e.msg, "systemd") != NULL);
	CHECK(oci_cgroup_path(p, sizeof(p), "/a/../../etc", "abc", &e) == -1);
}

TEST(oci_cgroup_shares_to_weight)
{
	CHECK_EQ(oci_cg_shares_to_weight(2), 1);
	CHECK_EQ(oci_cg_shares_to_weight(262144), 10000);
	CHECK_EQ(oci_cg_shares_to_weight(1024), 39);
}

static char *tmpdir(void)
{
	static char d[64];

	snprintf(d, sizeof(d), "/tmp/gamut-oci-unit.XXXXXX");
	return mkdtemp(d);
}

static void touch(const char *dir, const char *name, const char *content)
{
	char p[1100];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	if (f) {
		fputs(content, f);
		fclose(f);
	}
}

static int read_back(const char *dir, const char *name, char *buf, size_t n)
{
	return oci_cg_read(dir, name, buf, n);
}

/* The v2 manager against a plain directory that mimics a cgroup2 tree:
 * every write lands in a file we can read back. */
TEST(oci_cgroup_v2_apply_on_fake_tree)
{
	struct oci_cgroup_mgr m = { .ops = &oci_cgroup_v2_ops, .version = 2 };
	struct oci_resources r = { 0 };
	char *root = tmpdir(), leaf[512], buf[128];
	struct gerr e;
	const char *files[] = { "memory.max", "memory.swap.max", "cpu.weight",
				"cpu.max", "pids.max", "cgroup.procs",
				"cgroup.subtree_control" };

	CHECK(root != NULL);
	snprintf(m.v2_mount, sizeof(m.v2_mount), "%s", root);
	snprintf(leaf, sizeof(leaf), "%s/pod/c1", root);
	CHECK(oci_cg_mkdir_p(leaf, &e) == 0);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		touch(leaf, files[i], "");
	touch(root, "cgroup.subtree_control", "");
	r.has_memory_limit = true;
	r.memory_limit = 1 << 20;
	r.has_memory_swap = true;
	r.memory_swap = 3 << 20;
	r.has_cpu_shares = true;
	r.cpu_shares = 1024;
	r.has_cpu_quota = true;
	r.cpu_quota = 50000;
	r.has_pids_limit = true;
	r.pids_limit = -1;
	CHECK(m.ops->enter(&m, "/pod/c1", 4242, &e) == 0);
	CHECK(m.ops->apply(&m, "/pod/c1", &r, &e) == 0);
	CHECK(read_back(leaf, "cgroup.procs", buf, sizeof(buf)) == 0 && !strcmp(buf, "4242"));
	CHECK(read_back(leaf, "memory.max", buf, sizeof(buf)) == 0 && !strcmp(buf, "1048576"));
	/* v2 swap excludes memory: 3 MiB total - 1 MiB memory */
	CHECK(read_back(leaf, "memory.swap.max", buf, sizeof(buf)) == 0 && !strcmp(buf, "2097152"));
	CHECK(read_back(leaf, "cpu.weight", buf, sizeof(buf)) == 0 && !strcmp(buf, "39"));
	CHECK(read_back(leaf, "cpu.max", buf, sizeof(buf)) == 0 && !strcmp(buf, "50000 100000"));
	CHECK(read_back(leaf, "pids.max", buf, sizeof(buf)) == 0 && !strcmp(buf, "max"));
	/* the leaf gets no subtree_control writes (no internal processes) */
	CHECK(read_back(leaf, "cgroup.subtree_control", buf, sizeof(buf)) == 0 && !buf[0]);
	touch(leaf, "cgroup.events", "populated 1\nfrozen 1\n");
	CHECK(m.ops->is_frozen(&m, "/pod/c1"));
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
		CHECK(system(cmd) == 0);
	}
}

TEST(oci_cgroup_v1_apply_on_fake_tree)
{
	struct oci_cgroup_mgr m = { .ops = &oci_cgroup_v1_ops, .version = 1, .n_hier = 2 };
	struct oci_resources r = { 0 };
	struct oci_device_rule deny = { false, 'a', -1, -1, "rwm" };
	char *root = tmpdir(), mem[512], dev[512], buf[128];
	struct gerr e;

	CHECK(root != NULL);
	snprintf(m.hier[0].mount, sizeof(m.hier[0].mount), "%s/memory", root);
	snprintf(m.hier[0].controllers, sizeof(m.hier[0].controllers), "memory");
	snprintf(m.hier[1].mount, sizeof(m.hier[1].mount), "%s/devices", root);
	snprintf(m.hier[1].controllers, sizeof(m.hier[1].controllers), "devices");
	snprintf(mem, sizeof(mem), "%s/memory/c1", root);
	snprintf(dev, sizeof(dev), "%s/devices/c1", root);
	CHECK(oci_cg_mkdir_p(mem, &e) == 0 && oci_cg_mkdir_p(dev, &e) == 0);
	touch(mem, "cgroup.procs", "");
	touch(dev, "cgroup.procs", "");
	touch(mem, "memory.limit_in_bytes", "");
	touch(dev, "devices.deny", "");
	touch(dev, "devices.allow", "");
	r.has_memory_limit = true;
	r.memory_limit = 8 << 20;
	r.devices = &deny;
	r.n_devices = 1;
	CHECK(m.ops->enter(&m, "/c1", 77, &e) == 0);
	CHECK(m.ops->apply(&m, "/c1", &r, &e) == 0);
	CHECK(read_back(mem, "memory.limit_in_bytes", buf, sizeof(buf)) == 0 && !strcmp(buf, "8388608"));
	CHECK(read_back(dev, "cgroup.procs", buf, sizeof(buf)) == 0 && !strcmp(buf, "77"));
	CHECK(read_back(dev, "devices.deny", buf, sizeof(buf)) == 0 && !strcmp(buf, "a"));
	/* no pids controller mounted: a pids limit is refused, not ignored */
	r.has_pids_limit = true;
	r.pids_limit = 5;
	CHECK(m.ops->apply(&m, "/c1", &r, &e) == -1);
	CHECK(strstr(e.msg, "pids") != NULL);
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
		CHECK(system(cmd) == 0);
	}
}

TEST(oci_ids)
{
	struct gerr e;

	CHECK(oci_id_check("abc-1.2_3+x", &e) == 0);
	CHECK(oci_id_check("", &e) == -1);
	CHECK(oci_id_check("..", &e) == -1);
	CHECK(oci_id_check("a/b", &e) == -1);
	CHECK(oci_id_check("a b", &e) == -1);
}

TEST(oci_state_roundtrip_and_status)
{
	struct oci_state st = { 0 }, back;
	char *root = tmpdir(), fifo[PATH_MAX + 16];
	struct gerr e;
	char *json;

	CHECK(root != NULL);
	CHECK(oci_state_path(&st, root, "c1", &e) == 0);
	CHECK(oci_state_create_dir(&st, root, &e) == 0);
	CHECK(oci_state_create_dir(&st, root, &e) == -1);
	CHECK(strstr(e.msg, "already exists") != NULL);
	st.pid = getpid();
	st.start_time = oci_pid_start_time(getpid());
	snprintf(st.bundle, sizeof(st.bundle), "/b");
	st.annotations_json = strdup("{\"k\":\"v\"}");
	CHECK(oci_state_save(&st, &e) == 0);
	CHECK(oci_state_load(&back, root, "c1", &e) == 0);
	CHECK_EQ(back.pid, getpid());
	CHECK(!strcmp(back.bundle, "/b"));
	/* alive, no fifo: running; with the fifo: created */
	CHECK_EQ(oci_state_status(&back), OCI_RUNNING);
	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", back.dir);
	CHECK(mkfifo(fifo, 0600) == 0);
	CHECK_EQ(oci_state_status(&back), OCI_CREATED);
	/* a recycled pid (other start time) is a stopped container */
	back.start_time += 1;
	CHECK_EQ(oci_state_status(&back), OCI_STOPPED);
	json = oci_state_json(&back, OCI_STOPPED);
	CHECK(json && strstr(json, "\"status\": \"stopped\"") && strstr(json, "\"k\": \"v\""));
	free(json);
	oci_state_release(&back);
	oci_state_release(&st);
	oci_state_remove_dir(&st);
	CHECK(access(st.dir, F_OK) == -1);
	CHECK(oci_state_load(&back, root, "c1", &e) == -1);
	CHECK(strstr(e.msg, "does not exist") != NULL);
	rmdir(root);
}

TEST(oci_default_spec_parses)
{
	for (int rootless = 0; rootless < 2; rootless++) {
		char *json = oci_default_spec_json(rootless);
		struct oci_spec s;
		struct gerr e;

		CHECK(json != NULL);
		CHECK(oci_spec_parse(&s, json, strlen(json), "spec", &e) == 0);
		CHECK(s.process.terminal);
		CHECK(s.root_readonly);
		CHECK((oci_spec_namespace(&s, CLONE_NEWUSER) != NULL) == rootless);
		CHECK(s.n_uid_maps == (size_t)rootless);
		oci_spec_free(&s);
		free(json);
	}
}

TEST(oci_spec_build_options)
{
	const char *args[] = { "echo", "hi", NULL };
	struct oci_spec_opts o = { .rootfs = "/r", .args = args, .net_host = true,
				   .memory = 1 << 20, .pids = 7 };
	char *json = oci_spec_build(&o);
	struct oci_spec s;
	struct gerr e;

	CHECK(oci_spec_parse(&s, json, strlen(json), "spec", &e) == 0);
	CHECK(!strcmp(s.process.args[1], "hi"));
	CHECK(oci_spec_namespace(&s, CLONE_NEWNET) == NULL);
	CHECK_EQ(s.resources.memory_limit, 1 << 20);
	CHECK_EQ(s.resources.pids_limit, 7);
	oci_spec_free(&s);
	free(json);
}

TEST(oci_features_json)
{
	char *f = oci_features_json();

	CHECK(f && strstr(f, "\"ociVersionMax\"") && strstr(f, "CAP_SYS_ADMIN") &&
	      strstr(f, "\"createRuntime\""));
	free(f);
}

TEST(oci_seccomp_compiles_profiles)
{
	const char *j =
		"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"seccomp\":"
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86_64\","
		"\"SCMP_ARCH_X86\"],\"syscalls\":[{\"names\":[\"read\",\"no_such_syscall\"],"
		"\"action\":\"SCMP_ACT_ALLOW\"},{\"names\":[\"personality\"],\"action\":"
		"\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_EQ\"},"
		"{\"index\":0,\"value\":8,\"op\":\"SCMP_CMP_EQ\"}]},{\"names\":[\"write\"],"
		"\"action\":\"SCMP_ACT_ERRNO\"}]}}}";
	struct oci_spec s;
	struct gerr e;
	void *filter;

	CHECK(oci_spec_parse(&s, j, strlen(j), "c", &e) == 0);
	/* unknown names skipped; same-index args split; rules equal to the
	 * default action skipped */
	CHECK(oci_seccomp_build(s.seccomp, true, &filter, &e) == 0);
	CHECK(filter != NULL);
	oci_seccomp_release(filter);
	CHECK(oci_seccomp_build(NULL, true, &filter, &e) == 0 && filter == NULL);
	oci_spec_free(&s);
}

TEST(oci_hooks_run_and_fail)
{
	const char *j =
		"{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"hooks\":{"
		"\"prestart\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"grep -q '\\\"id\\\"'\"]}],"
		"\"poststop\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"exit 3\"]}]}}";
	struct oci_spec s;
	struct gerr e;

	CHECK(access("/bin/sh", X_OK) == 0);
	CHECK(oci_spec_parse(&s, j, strlen(j), "c", &e) == 0);
	CHECK(oci_hooks_run(&s, OCI_HOOK_PRESTART, "{\"id\":\"x\"}", &e) == 0);
	CHECK(oci_hooks_run(&s, OCI_HOOK_PRESTART, "{}", &e) == -1);
	CHECK(oci_hooks_run(&s, OCI_HOOK_POSTSTOP, "{}", &e) == -1);
	CHECK(strstr(e.msg, "poststop hook /bin/sh: exited with status 3") != NULL);
	CHECK(oci_hooks_run(&s, OCI_HOOK_POSTSTART, "{}", &e) == 0);
	oci_spec_free(&s);
}

TEST(oci_find_exec)
{
	const char *args[] = { "sh", NULL }, *env[] = { "PATH=/nonexistent:/bin", NULL };
	const char *missing[] = { "no-such-prog-xyz", NULL };
	struct oci_process p = { .args = args, .n_args = 1, .env = env, .n_env = 1 };
	char out[PATH_MAX];
	struct gerr e;

	CHECK(oci_proc_find_exec(&p, out, sizeof(out), &e) == 0);
	CHECK(!strcmp(out, "/bin/sh"));
	p.args = missing;
	CHECK(oci_proc_find_exec(&p, out, sizeof(out), &e) == -1);
	CHECK(strstr(e.msg, "executable file not found in $PATH") != NULL);
}
