/* `gamut container run`: a container from a root filesystem directory, for
 * people without podman.  Writes a private bundle (config.json built by
 * src/oci/spec.c) and runs it in the foreground with the OCI runtime; as a
 * non-root user the container gets a user namespace mapping that user to
 * root (rootless), without a cgroup of its own. */
#include <errno.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "oci/oci.h"
#include "oci/sealed_exe.h"
#include "oci/seccomp_profile.h"
#include "oci/spec.h"
#include "oci/util.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: gamut container run --rootfs DIR [options] -- CMD [ARG...]\n"
		"\n"
		"  --rootfs DIR       the container's root file system\n"
		"  --memory SIZE      memory limit (k, m or g suffix)\n"
		"  --pids N           limit on the number of processes\n"
		"  --net none|host    none (default): an empty network namespace; host:\n"
		"                     the host's network\n"
		"  --read-only        mount the root file system read-only\n"
		"  --hostname NAME    the container's host name\n"
		"  --seccomp PROFILE  a seccomp profile (podman's format), or\n"
		"                     unconfined; default: " OCI_SECCOMP_PROFILE_DEFAULT "\n"
		"                     (containers-common), as podman applies it\n"
		"\n"
		"As non-root the container is rootless: a user namespace maps you to\n"
		"root; --memory and --pids then need root.\n");
}

static int parse_size(const char *s, int64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	unsigned shift = 0;

	if (end == s)
		return -1;
	switch (*end | 0x20) {
	case 'k': shift = 10; end++; break;
	case 'm': shift = 20; end++; break;
	case 'g': shift = 30; end++; break;
	default: break;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end || v == 0 || v > (uint64_t)INT64_MAX >> shift)
		return -1;
	*out = (int64_t)(v << shift);
	return 0;
}

struct run_args {
	struct oci_spec_opts spec;
	const char *rootfs;
	const char *seccomp; /* profile path or "unconfined" */
	char rootfs_abs[PATH_MAX];
};

/* linux.seccomp from the profile, for the container's capabilities: as
 * podman, the default profile is applied unless asked otherwise. */
static int load_seccomp(struct run_args *a, struct gerr *err)
{
	const char *path = a->seccomp ? a->seccomp : OCI_SECCOMP_PROFILE_DEFAULT;
	struct utsname u;
	size_t len;
	char *text;

	if (!strcmp(path, "unconfined"))
		return 0;
	text = oci_read_file(path, 1 << 20, &len);
	if (!text)
		return gerr_errno(err, errno, "container run: seccomp profile "
				  "%s%s", path, a->seccomp ? "" :
				  " (install containers-common, or give "
				  "--seccomp PROFILE|unconfined)");
	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "0.0");
	a->spec.seccomp_json = oci_seccomp_profile_convert(
		text, len, path, oci_spec_default_caps(),
		oci_seccomp_profile_arch(), u.release, err);
	free(text);
	return a->spec.seccomp_json ? 0 : gerr_prefix(err, "container run: ");
}

static int parse_args(int argc, char **argv, struct run_args *a,
		      struct gerr *err)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--read-only")) {
			a->spec.readonly = true;
			continue;
		}
		if (!v)
			return gerr_set(err, "container run: %s needs a value", o);
		i++;
		if (!strcmp(o, "--rootfs"))
			a->rootfs = v;
		else if (!strcmp(o, "--hostname"))
			a->spec.hostname = v;
		else if (!strcmp(o, "--seccomp"))
			a->seccomp = v;
		else if (!strcmp(o, "--memory")) {
			if (parse_size(v, &a->spec.memory))
				return gerr_set(err, "container run: bad --memory "
						"\"%s\"", v);
		} else if (!strcmp(o, "--pids")) {
			char *end;

			a->spec.pids = strtoll(v, &end, 10);
			if (*end || a->spec.pids <= 0)
				return gerr_set(err, "container run: bad --pids "
						"\"%s\"", v);
		} else if (!strcmp(o, "--net")) {
			if (strcmp(v, "none") && strcmp(v, "host"))
				return gerr_set(err, "container run: --net must "
						"be none or host");
			a->spec.net_host = !strcmp(v, "host");
		} else {
			return gerr_set(err, "container run: unknown option %s", o);
		}
	}
	if (!a->rootfs)
		return gerr_set(err, "container run: --rootfs DIR is required");
	if (i + 1 >= argc)
		return gerr_set(err, "container run: give the command after --");
	if (!realpath(a->rootfs, a->rootfs_abs))
		return gerr_errno(err, errno, "container run: rootfs %s",
				  a->rootfs);
	a->spec.rootfs = a->rootfs_abs;
	a->spec.args = (const char *const *)argv + i + 1;
	a->spec.rootless = geteuid() != 0;
	if (a->spec.rootless && (a->spec.memory || a->spec.pids))
		return gerr_set(err, "container run: --memory and --pids need "
				"root (rootless containers get no cgroup)");
	return load_seccomp(a, err);
}

/* Writes the bundle into a fresh directory under the runtime root. */
static int write_bundle(const char *root, const struct oci_spec_opts *o,
			char *dir, size_t len, struct gerr *err)
{
	char path[PATH_MAX + 16], *json;
	FILE *f;

	if (oci_fmt(dir, len, "%s-bundles/XXXXXX", root))
		return gerr_set(err, "bundle path too long");
	if (oci_fmt(path, sizeof(path), "%s-bundles", root))
		return gerr_set(err, "bundle path too long");
	if (mkdir(path, 0700) && errno != EEXIST)
		return gerr_errno(err, errno, "%s", path);
	if (!mkdtemp(dir))
		return gerr_errno(err, errno, "%s", dir);
	json = oci_spec_build(o);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	f = fopen(path, "we");
	if (!json || !f || fputs(json, f) < 0 || fclose(f)) {
		free(json);
		return gerr_errno(err, errno, "%s", path);
	}
	free(json);
	return 0;
}

static void remove_bundle(const char *dir)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/config.json", dir);
	unlink(path);
	rmdir(dir);
}

int cmd_container(int argc, char **argv)
{
	struct run_args a = { 0 };
	struct oci_create_opts o = { 0 };
	char root[PATH_MAX], bundle[PATH_MAX], id[64];
	struct gerr err;
	int code, r;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 1 : 0;
	}
	if (strcmp(argv[1], "run")) {
		gerr_set(&err, "container: unknown subcommand \"%s\" (only run)",
			 argv[1]);
		return cli_fail(&err);
	}
	if (oci_exe_ensure_sealed(cli_argv, &err) ||
	    parse_args(argc - 1, argv + 1, &a, &err))
		return cli_fail(&err);
	oci_default_root(root, sizeof(root));
	r = write_bundle(root, &a.spec, bundle, sizeof(bundle), &err);
	free((char *)a.spec.seccomp_json);
	if (r)
		return cli_fail(&err);
	snprintf(id, sizeof(id), "gamut-container-%d", (int)getpid());
	o.bundle = bundle;
	r = oci_run(root, id, &o, false, &code, &err);
	remove_bundle(bundle);
	if (r)
		return cli_fail(&err);
	return code;
}
