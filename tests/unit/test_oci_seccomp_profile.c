/* oci/seccomp_profile.h: podman-format profiles to linux.seccomp. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "oci/config.h"
#include "oci/seccomp_profile.h"

#define CAP(n) (1ull << (n))

static char *conv(const char *json, uint64_t caps, const char *kernel,
		  struct gerr *e)
{
	return oci_seccomp_profile_convert(json, strlen(json), "p.json", caps,
					   "amd64", kernel, e);
}

/* Converts json, which must fail with a message containing want. */
static int refused(const char *json, const char *want)
{
	struct gerr e = { 0 };
	char *out = conv(json, 0, "6.1.0", &e);

	if (out) {
		fprintf(stderr, "  accepted: %s -> %s\n", json, out);
		free(out);
		return 0;
	}
	if (!strstr(e.msg, want)) {
		fprintf(stderr, "  error \"%s\" lacks \"%s\"\n", e.msg, want);
		return 0;
	}
	return 1;
}

TEST(seccomp_profile_bad_inputs_refused)
{
	CHECK(refused("", "p.json: not valid JSON"));
	CHECK(refused("{\"defaultAction\":", "not valid JSON"));
	CHECK(refused("{} {}", "not valid JSON"));
	CHECK(refused("[]", "profile: must be a JSON object"));
	CHECK(refused("{}", "defaultAction: must be a string"));
	CHECK(refused("{\"defaultAction\":1}", "defaultAction: must be a string"));
	CHECK(refused("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":{}}",
		      "syscalls: must be an array"));
	CHECK(refused("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[1]}",
		      "syscalls[0]: must be an object"));
	CHECK(refused("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"action\":\"SCMP_ACT_ALLOW\"}]}",
		      "syscalls[0]: needs \"names\""));
	CHECK(refused("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\",2],\"action\":\"SCMP_ACT_ALLOW\"}]}",
		      "needs \"names\", an array of strings"));
	CHECK(refused("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"]}]}",
		      "needs \"action\""));
	CHECK(refused("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":[]}]}",
		      "includes and excludes must be objects"));
	CHECK(refused("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":\"CAP_X\"}}]}",
		      "arrays of strings"));
	CHECK(refused("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"excludes\":{\"minKernel\":\"six\"}}]}",
		      "minKernel is not \"major.minor\""));
	CHECK(refused("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"archMap\":[1]}",
		      "archMap: entries must be objects"));
	CHECK(refused("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":[1]}]}",
		      "subArchitectures an array of strings"));
}

static const char profile[] =
	"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
	"\"archMap\":[{\"architecture\":\"SCMP_ARCH_AARCH64\",\"subArchitectures\":[\"SCMP_ARCH_ARM\"]},"
	"{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":[\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]}],"
	"\"syscalls\":["
	"{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},"
	"{\"names\":[\"bpf\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}},"
	"{\"names\":[\"bpf\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}},"
	"{\"names\":[\"arch_prctl\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"arches\":[\"amd64\",\"x32\"]}},"
	"{\"names\":[\"arm_fadvise64_64\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"arches\":[\"arm\",\"arm64\"]}},"
	"{\"names\":[\"clone3\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":\"5.3\"}},"
	"{\"name\":\"close\",\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":3,\"op\":\"SCMP_CMP_GT\"}]}"
	"]}";

TEST(seccomp_profile_rules_follow_caps_arch_kernel)
{
	struct gerr e = { 0 };
	char *out = conv(profile, 0, "6.1.0-9-amd64", &e);

	CHECK(out != NULL);
	if (!out)
		return;
	CHECK(strstr(out, "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]"));
	CHECK(strstr(out, "\"defaultErrnoRet\":38"));
	/* no CAP_SYS_ADMIN: only the ERRNO rule for bpf */
	CHECK(strstr(out, "{\"names\":[\"bpf\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}"));
	CHECK(!strstr(out, "{\"names\":[\"bpf\"],\"action\":\"SCMP_ACT_ALLOW\""));
	CHECK(strstr(out, "arch_prctl") && !strstr(out, "arm_fadvise64_64"));
	CHECK(strstr(out, "clone3"));
	CHECK(strstr(out, "{\"names\":[\"close\"]"));
	free(out);
	out = conv(profile, CAP(21) /* CAP_SYS_ADMIN */, "5.2.0", &e);
	CHECK(out && strstr(out, "{\"names\":[\"bpf\"],\"action\":\"SCMP_ACT_ALLOW\"}"));
	CHECK(out && !strstr(out, "SCMP_ACT_ERRNO\",\"errnoRet\":1"));
	CHECK(out && !strstr(out, "clone3")); /* 5.2 < 5.3 */
	free(out);
}

/* containers-common's own profile converts, and the result is a config
 * the runtime's parser accepts. */
TEST(seccomp_profile_default_profile_is_accepted)
{
	struct oci_spec spec;
	struct gerr e = { 0 };
	size_t len = 0;
	char *text, *out, *cfg;
	FILE *f = fopen(OCI_SECCOMP_PROFILE_DEFAULT, "r");

	if (!f)
		SKIP(OCI_SECCOMP_PROFILE_DEFAULT " is not installed (containers-common)");
	text = malloc(1 << 20);
	len = fread(text, 1, (1 << 20) - 1, f);
	fclose(f);
	out = oci_seccomp_profile_convert(text, len, "default", 0, "amd64",
					  "6.1.0", &e);
	free(text);
	CHECK(out != NULL);
	if (!out) {
		fprintf(stderr, "  %s\n", e.msg);
		return;
	}
	cfg = malloc(strlen(out) + 128);
	sprintf(cfg, "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},"
		     "\"linux\":{\"seccomp\":%s}}", out);
	CHECK(oci_spec_parse(&spec, cfg, strlen(cfg), "config.json", &e) == 0);
	if (!e.msg[0])
		oci_spec_free(&spec);
	else
		fprintf(stderr, "  %s\n", e.msg);
	free(cfg);
	free(out);
}
