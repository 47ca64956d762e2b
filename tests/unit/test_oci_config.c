/* config.json parser: good configs parse to the right values; each bad
 * input gives one error that names the JSON path. */
#include <sched.h>
#include <signal.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "../harness.h"
#include "oci/config.h"

#define MINIMAL \
	"{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"}," \
	"\"process\":{\"args\":[\"/bin/true\"],\"cwd\":\"/\"}"

static int parse(struct oci_spec *s, const char *json, struct gerr *e)
{
	e->msg[0] = '\0';
	return oci_spec_parse(s, json, strlen(json), "config.json", e);
}

/* Parses json (which must fail) and checks the message contains `want`. */
static int bad(const char *json, const char *want)
{
	struct oci_spec s;
	struct gerr e;

	if (parse(&s, json, &e) != -1) {
		oci_spec_free(&s);
		fprintf(stderr, "  accepted: %s\n", json);
		return 0;
	}
	if (!strstr(e.msg, want)) {
		fprintf(stderr, "  error \"%s\" lacks \"%s\"\n", e.msg, want);
		return 0;
	}
	return 1;
}

TEST(oci_config_minimal)
{
	struct oci_spec s;
	struct gerr e;

	CHECK(parse(&s, MINIMAL "}", &e) == 0);
	CHECK(!strcmp(s.root_path, "rootfs"));
	CHECK(s.has_process);
	CHECK_EQ(s.process.n_args, 1);
	CHECK(!strcmp(s.process.args[0], "/bin/true"));
	CHECK(s.process.args[1] == NULL);
	CHECK(s.seccomp == NULL);
	oci_spec_free(&s);
}

TEST(oci_config_full)
{
	const char *json =
		"{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"/r\",\"readonly\":true},"
		"\"hostname\":\"h\",\"process\":{\"terminal\":true,\"args\":[\"sh\"],"
		"\"env\":[\"A=1\"],\"cwd\":\"/tmp\",\"user\":{\"uid\":4294967294,\"gid\":5,"
		"\"additionalGids\":[1,2]},\"capabilities\":{\"bounding\":[\"CAP_KILL\"],"
		"\"ambient\":[\"CAP_CHOWN\"]},\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\","
		"\"hard\":1024,\"soft\":512}],\"oomScoreAdj\":-1000,\"noNewPrivileges\":true},"
		"\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
		"{\"destination\":\"/data\",\"source\":\"/tmp\",\"options\":[\"rbind\",\"ro\","
		"\"rprivate\",\"nosuid\"]},{\"destination\":\"/dev\",\"type\":\"tmpfs\","
		"\"options\":[\"mode=755\",\"size=65536k\"]}],"
		"\"hooks\":{\"poststop\":[{\"path\":\"/bin/x\",\"timeout\":5}]},"
		"\"annotations\":{\"k\":\"v\"},"
		"\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"user\"},"
		"{\"type\":\"network\",\"path\":\"/proc/1/ns/net\"}],"
		"\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}],"
		"\"resources\":{\"memory\":{\"limit\":1048576,\"swap\":2097152},"
		"\"cpu\":{\"shares\":512,\"quota\":50000,\"period\":100000},"
		"\"pids\":{\"limit\":10},\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},"
		"\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":"
		"[\"SCMP_ARCH_X86_64\"],\"syscalls\":[{\"names\":[\"read\"],"
		"\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":1,"
		"\"op\":\"SCMP_CMP_EQ\"}]}]},\"rootfsPropagation\":\"rslave\","
		"\"maskedPaths\":[\"/proc/kcore\"],\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"}}}";
	struct oci_spec s;
	struct gerr e;

	if (parse(&s, json, &e)) fprintf(stderr, "  %s\n", e.msg);
	CHECK(e.msg[0] == 0);
	CHECK(s.root_readonly);
	CHECK(s.process.terminal);
	CHECK_EQ(s.process.uid, 4294967294u);
	CHECK_EQ(s.process.n_additional_gids, 2);
	CHECK_EQ(s.process.caps[OCI_CAP_BOUNDING], 1ull << 5);
	CHECK_EQ(s.process.caps[OCI_CAP_AMBIENT], 1ull << 0);
	CHECK_EQ(s.process.rlimits[0].resource, RLIMIT_NOFILE);
	CHECK_EQ(s.process.rlimits[0].soft, 512);
	CHECK_EQ(s.process.oom_score_adj, -1000);
	CHECK_EQ(s.n_mounts, 3);
	CHECK(s.mounts[1].bind && s.mounts[1].recursive);
	CHECK_EQ(s.mounts[1].flags, MS_RDONLY | MS_NOSUID);
	CHECK_EQ(s.mounts[1].propagation, MS_PRIVATE | MS_REC);
	CHECK(!strcmp(s.mounts[2].data, "mode=755,size=65536k"));
	CHECK_EQ(s.hooks[OCI_HOOK_POSTSTOP].n, 1);
	CHECK_EQ(s.hooks[OCI_HOOK_POSTSTOP].hooks[0].timeout, 5);
	CHECK(!strcmp(oci_spec_annotation(&s, "k"), "v"));
	CHECK(oci_spec_namespace(&s, CLONE_NEWNET)->path != NULL);
	CHECK(oci_spec_namespace(&s, CLONE_NEWUTS) == NULL);
	CHECK_EQ(s.uid_maps[0].host_id, 1000);
	CHECK_EQ(s.resources.memory_limit, 1048576);
	CHECK_EQ(s.resources.cpu_quota, 50000);
	CHECK_EQ(s.resources.pids_limit, 10);
	CHECK(!s.resources.devices[0].allow);
	CHECK_EQ(s.seccomp->default_action, SCMP_ACT_ERRNO(1));
	CHECK_EQ(s.seccomp->rules[0].args[0].op, OCI_SC_EQ);
	CHECK_EQ(s.rootfs_propagation, MS_SLAVE | MS_REC);
	oci_spec_free(&s);
}

TEST(oci_config_bad_json)
{
	CHECK(bad("", "truncated"));
	CHECK(bad(MINIMAL, "truncated"));
	CHECK(bad("{\"ociVersion\":", "truncated"));
	CHECK(bad("{\"ociVersion\" \"1.0\"}", "invalid JSON at byte"));
	CHECK(bad(MINIMAL "} x", "trailing data"));
	CHECK(bad("[1]", "must be a JSON object"));
	CHECK(bad("{\"root\":{\"path\":\"r\"}}", "ociVersion: is required"));
	CHECK(bad("{\"ociVersion\":\"2.0\",\"root\":{\"path\":\"r\"}}", "not a 1.x"));
	CHECK(bad("{\"ociVersion\":\"1.0\"}", "root: is required"));
	CHECK(bad("{\"ociVersion\":\"1.0\",\"root\":{\"path\":5}}", "root.path: must be a string"));
}

TEST(oci_config_bad_process)
{
	CHECK(bad("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[],\"cwd\":\"/\"}}",
		  "process.args: must name a program"));
	CHECK(bad("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\",1],\"cwd\":\"/\"}}",
		  "process.args[1]: must be a string"));
	CHECK(bad("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"cwd\":\"x\"}}",
		  "process.cwd: \"x\" is not an absolute path"));
	CHECK(bad("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"user\":{\"uid\":4294967296}}}",
		  "process.user.uid: 4294967296 is out of range"));
	/* (uid_t)-1 leaves setresuid's ids unchanged: the process would stay
	 * root (tests/integration/oci_escapes.sh has the exploit). */
	CHECK(bad("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"user\":{\"uid\":4294967295}}}",
		  "process.user.uid: 4294967295 is out of range"));
	CHECK(bad("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":4294967295}}}",
		  "process.user.gid: 4294967295 is out of range"));
	CHECK(bad("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0,\"additionalGids\":[4294967295]}}}",
		  "additionalGids[0]: 4294967295 is out of range"));
	CHECK(bad("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"user\":{\"uid\":-1}}}",
		  "process.user.uid: -1 is out of range"));
	CHECK(bad("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"user\":{\"gid\":1.5}}}",
		  "process.user.gid: must be an integer"));
	CHECK(bad("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"user\":{\"uid\":99999999999999999999999}}}",
		  "process.user.uid: 18446744073709551615 is out of range"));
	CHECK(bad("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"oomScoreAdj\":1001}}",
		  "process.oomScoreAdj: 1001 is out of range"));
	CHECK(bad("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"env\":[\"NOEQUALS\"]}}",
		  "process.env[0]: \"NOEQUALS\" is not KEY=value"));
	CHECK(bad("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"capabilities\":{\"bounding\":[\"CAP_FLY\"]}}}",
		  "process.capabilities.bounding[0]: unknown capability \"CAP_FLY\""));
	CHECK(bad("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1,\"soft\":2}]}}",
		  "process.rlimits[0].soft: soft limit exceeds hard limit"));
	CHECK(bad("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_FOO\",\"hard\":1,\"soft\":1}]}}",
		  "process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\""));
	CHECK(bad("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_CORE\"},{\"type\":\"RLIMIT_CORE\"}]}}",
		  "appears twice"));
	CHECK(bad("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"user\":{\"umask\":512}}}",
		  "process.user.umask: 512 is out of range"));
}

#define L(body) "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"linux\":{" body "}}"

TEST(oci_config_bad_linux)
{
	CHECK(bad(L("\"namespaces\":[{\"type\":\"foo\"}]"),
		  "linux.namespaces[0].type: unknown namespace type \"foo\""));
	CHECK(bad(L("\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\"}]"),
		  "\"pid\" appears twice"));
	CHECK(bad(L("\"namespaces\":[{\"type\":\"net\",\"path\":\"x\"}]"),
		  "unknown namespace type \"net\""));
	CHECK(bad(L("\"namespaces\":[{\"type\":\"network\",\"path\":\"x\"}]"),
		  "linux.namespaces[0].path: \"x\" is not an absolute path"));
	CHECK(bad(L("\"namespaces\":[{\"type\":\"user\"}],\"uidMappings\":[{\"containerID\":0,\"hostID\":0,\"size\":0}]"),
		  "linux.uidMappings[0].size: 0 is out of range"));
	CHECK(bad(L("\"namespaces\":[{\"type\":\"user\"}],\"uidMappings\":[{\"containerID\":4294967295,\"hostID\":0,\"size\":2}]"),
		  "range runs past 2^32"));
	CHECK(bad(L("\"uidMappings\":[{\"containerID\":0,\"hostID\":0,\"size\":1}]"),
		  "id mappings need a user namespace"));
	CHECK(bad(L("\"devices\":[{\"path\":\"/dev/x\",\"type\":\"q\",\"major\":1,\"minor\":1}]"),
		  "linux.devices[0].type: \"q\" is not one of"));
	CHECK(bad(L("\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\"}]"),
		  "needs major and minor"));
	CHECK(bad(L("\"resources\":{\"memory\":{\"limit\":-2}}"),
		  "linux.resources.memory.limit: -2 is out of range"));
	CHECK(bad(L("\"resources\":{\"memory\":{\"limit\":9223372036854775808}}"),
		  "linux.resources.memory.limit: 9223372036854775808 is out of range"));
	CHECK(bad(L("\"resources\":{\"memory\":{\"limit\":2000000,\"swap\":1000000}}"),
		  "linux.resources.memory.swap: must be at least"));
	CHECK(bad(L("\"resources\":{\"cpu\":{\"shares\":300000}}"),
		  "linux.resources.cpu.shares: 300000 is out of range"));
	CHECK(bad(L("\"resources\":{\"cpu\":{\"period\":10}}"),
		  "linux.resources.cpu.period: must be between"));
	CHECK(bad(L("\"resources\":{\"pids\":{}}"),
		  "linux.resources.pids.limit: is required"));
	CHECK(bad(L("\"resources\":{\"blockIO\":{\"weight\":5}}"),
		  "linux.resources.blockIO.weight: must be between 10 and 1000"));
	CHECK(bad(L("\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"rwx\"}]}"),
		  "linux.resources.devices[0].access"));
	CHECK(bad(L("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_NOPE\"}"),
		  "linux.seccomp.defaultAction: unknown seccomp action"));
	CHECK(bad(L("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_VAX\"]}"),
		  "unknown architecture \"SCMP_ARCH_VAX\""));
	CHECK(bad(L("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":6,\"value\":0,\"op\":\"SCMP_CMP_EQ\"}]}]}"),
		  "linux.seccomp.syscalls[0].args[0].index: 6 is out of range"));
	CHECK(bad(L("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":1,\"op\":\"SCMP_CMP_XX\"}]}]}"),
		  "unknown seccomp operator"));
	CHECK(bad(L("\"rootfsPropagation\":\"sideways\""), "unknown propagation"));
	CHECK(bad(L("\"maskedPaths\":[\"proc\"]"), "not an absolute path"));
	CHECK(bad(L("\"sysctl\":{\"../x\":\"1\"}"), "bad key"));
	CHECK(bad(L("\"sysctl\":{\"a\":1}"), "linux.sysctl.a: must be a string"));
}

TEST(oci_config_bad_mounts_hooks)
{
	CHECK(bad("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"mounts\":[{\"destination\":\"rel\",\"type\":\"tmpfs\"}]}",
		  "mounts[0].destination: \"rel\" is not an absolute path"));
	CHECK(bad("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"mounts\":[{\"destination\":\"/x\",\"options\":[\"bind\"]}]}",
		  "mounts[0].source: a bind mount needs a source"));
	CHECK(bad("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"mounts\":[{\"destination\":\"/x\"}]}",
		  "mounts[0].type: is required"));
	CHECK(bad("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"mounts\":[5]}",
		  "mounts[0]: must be an object"));
	CHECK(bad("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"hooks\":{\"prestart\":[{\"path\":\"rel\"}]}}",
		  "hooks.prestart[0].path: \"rel\" is not an absolute path"));
	CHECK(bad("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"hooks\":{\"poststop\":[{\"path\":\"/x\",\"timeout\":0}]}}",
		  "hooks.poststop[0].timeout: 0 is out of range"));
	CHECK(bad("{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},\"annotations\":{\"a\":[]}}",
		  "annotations.a: must be a string"));
}

TEST(oci_config_process_alone)
{
	struct oci_process p;
	struct oci_arena a = { 0 };
	struct gerr e;
	const char *j = "{\"args\":[\"/bin/sh\",\"-c\",\"x\"],\"cwd\":\"/\",\"env\":[\"A=b\"]}";

	CHECK(oci_process_parse(&p, &a, j, strlen(j), "process.json", &e) == 0);
	CHECK_EQ(p.n_args, 3);
	CHECK(!strcmp(p.env[0], "A=b"));
	oci_arena_free(&a);
	CHECK(oci_process_parse(&p, &a, "{\"cwd\":\"/\"}", 11, "process.json", &e) == -1);
	CHECK(strstr(e.msg, "process.json: args: must name a program") != NULL);
	oci_arena_free(&a);
}

TEST(oci_names)
{
	CHECK_EQ(oci_signal_parse("9"), 9);
	CHECK_EQ(oci_signal_parse("KILL"), 9);
	CHECK_EQ(oci_signal_parse("SIGTERM"), 15);
	CHECK_EQ(oci_signal_parse("sigwinch"), 28);
	CHECK_EQ(oci_signal_parse("RTMIN+1"), SIGRTMIN + 1);
	CHECK(oci_signal_parse("SIGFOO") == -1);
	CHECK(oci_signal_parse("0") == -1);
	CHECK(oci_signal_parse("9x") == -1);
	CHECK(oci_signal_parse("999") == -1);
	CHECK_EQ(oci_cap_number("CAP_SYS_ADMIN"), 21);
	CHECK(!strcmp(oci_cap_name(40), "CAP_CHECKPOINT_RESTORE"));
	CHECK_EQ(oci_ns_type("cgroup"), CLONE_NEWCGROUP);
	CHECK(oci_ns_type("net") == -1);
	CHECK_EQ(oci_rlimit_type("RLIMIT_NPROC"), RLIMIT_NPROC);
}
