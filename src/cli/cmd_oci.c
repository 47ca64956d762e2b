/* `gamut oci <command>` / `gamut-oci <command>`: the runc command line over
 * src/oci.  Global options come before the command, command options before
 * the container id (as runc's parser requires); `--opt=value` and
 * `--opt value`, and Go's single-dash long form, are all accepted. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "oci/oci.h"
#include "oci/sealed_exe.h"
#include "oci/util.h"

struct oci_cli {
	const char *root;
	char root_buf[4096];
	FILE *log;
	bool log_json, debug;
};

static struct oci_cli g;

/* Writes one log record: runc's {"level","msg","time"} in JSON mode. */
static void log_line(const char *level, const char *msg)
{
	char t[64];
	time_t now = time(NULL);
	struct tm tm;

	if (!g.log)
		return;
	gmtime_r(&now, &tm);
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (g.log_json) {
		fputs("{\"level\":\"", g.log);
		fputs(level, g.log);
		fputs("\",\"msg\":\"", g.log);
		for (const char *p = msg; *p; p++) {
			if (*p == '"' || *p == '\\')
				fprintf(g.log, "\\%c", *p);
			else if ((unsigned char)*p < 0x20)
				fprintf(g.log, "\\u%04x", *p);
			else
				fputc(*p, g.log);
		}
		fprintf(g.log, "\",\"time\":\"%s\"}\n", t);
	} else {
		fprintf(g.log, "time=\"%s\" level=%s msg=\"%s\"\n", t, level, msg);
	}
	fflush(g.log);
}

static int fail(const struct gerr *err)
{
	log_line("error", err->msg);
	fprintf(stderr, "gamut-oci: %s\n", err->msg);
	return 1;
}

static int fail_msg(const char *msg)
{
	struct gerr e;

	gerr_set(&e, "%s", msg);
	return fail(&e);
}

/* ---- option parsing ---- */

enum opt_kind { OPT_FLAG, OPT_STR, OPT_INT, OPT_LIST };

struct opt {
	const char *name;
	char short_name;
	enum opt_kind kind;
	void *target;
};

#define LIST_MAX 64
struct strlist {
	const char *v[LIST_MAX + 1];
	int n;
};

static const struct opt *find_opt(const struct opt *opts, const char *name,
				  size_t len, char short_name)
{
	for (const struct opt *o = opts; o->name; o++)
		if (short_name ? o->short_name == short_name
			       : strlen(o->name) == len &&
					 !strncmp(o->name, name, len))
			return o;
	return NULL;
}

static int set_opt(const struct opt *o, const char *val)
{
	char *end;

	switch (o->kind) {
	case OPT_FLAG:
		*(bool *)o->target = !val || !strcmp(val, "true");
		return 0;
	case OPT_STR:
		*(const char **)o->target = val;
		return 0;
	case OPT_INT:
		*(long *)o->target = strtol(val, &end, 10);
		return *end || !*val ? -1 : 0;
	case OPT_LIST: {
		struct strlist *l = o->target;

		if (l->n == LIST_MAX)
			return -1;
		l->v[l->n++] = val;
		return 0;
	}
	}
	return -1;
}

/* Parses options at argv[*i...] until the first operand; returns -1 with a
 * message for unknown options or missing values. */
static int parse_opts(int argc, char **argv, int *i, const struct opt *opts,
		      const char *cmd)
{
	char msg[256];

	for (; *i < argc; (*i)++) {
		const char *a = argv[*i], *name, *eq;
		const struct opt *o;
		size_t len;

		if (!strcmp(a, "--")) {
			(*i)++;
			break;
		}
		if (a[0] != '-' || !a[1])
			break;
		name = a + (a[1] == '-' ? 2 : 1);
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		o = find_opt(opts, name, len, 0);
		if (!o && a[1] != '-' && len == 1)
			o = find_opt(opts, NULL, 0, name[0]);
		if (!o) {
			snprintf(msg, sizeof(msg), "%s: unknown option %s", cmd, a);
			fail_msg(msg);
			return -1;
		}
		if (o->kind == OPT_FLAG) {
			set_opt(o, eq ? eq + 1 : NULL);
			continue;
		}
		if (!eq && *i + 1 >= argc) {
			snprintf(msg, sizeof(msg), "%s: option %s needs a value",
				 cmd, a);
			fail_msg(msg);
			return -1;
		}
		if (set_opt(o, eq ? eq + 1 : argv[++(*i)])) {
			snprintf(msg, sizeof(msg), "%s: bad value for %s", cmd, a);
			fail_msg(msg);
			return -1;
		}
	}
	return 0;
}

/* Requires exactly `n` operands after the options (more allowed if max<0). */
static const char *operand(int argc, char **argv, int i, const char *cmd)
{
	char msg[128];

	if (i >= argc) {
		snprintf(msg, sizeof(msg), "%s: missing container id", cmd);
		fail_msg(msg);
		return NULL;
	}
	return argv[i];
}

/* ---- commands ---- */

struct create_args {
	const char *bundle, *console_socket, *pid_file;
	bool no_pivot, no_new_keyring, detach, keep;
	long preserve_fds;
};

static int cmd_create_or_run(int argc, char **argv, bool run)
{
	struct create_args c = { 0 };
	const struct opt opts[] = {
		{ "bundle", 'b', OPT_STR, &c.bundle },
		{ "console-socket", 0, OPT_STR, &c.console_socket },
		{ "pid-file", 0, OPT_STR, &c.pid_file },
		{ "no-pivot", 0, OPT_FLAG, &c.no_pivot },
		{ "no-new-keyring", 0, OPT_FLAG, &c.no_new_keyring },
		{ "preserve-fds", 0, OPT_INT, &c.preserve_fds },
		{ "detach", 'd', OPT_FLAG, &c.detach },
		{ "keep", 0, OPT_FLAG, &c.keep },
		{ NULL, 0, 0, NULL },
	};
	struct oci_create_opts o;
	struct gerr err;
	const char *id;
	int i = 1, code;
	pid_t pid;

	if (parse_opts(argc, argv, &i, opts, argv[0]) ||
	    !(id = operand(argc, argv, i, argv[0])))
		return 1;
	if (c.preserve_fds < 0 || c.preserve_fds > 1024)
		return fail_msg("--preserve-fds must be between 0 and 1024");
	o = (struct oci_create_opts){ c.bundle, c.console_socket, c.pid_file,
				      c.no_pivot, c.no_new_keyring,
				      (int)c.preserve_fds };
	if (!run)
		return oci_create(g.root, id, &o, &pid, &err) ? fail(&err) : 0;
	if (oci_run(g.root, id, &o, c.detach, &code, &err))
		return fail(&err);
	return code;
}

static int cmd_simple(int argc, char **argv,
		      int (*fn)(const char *, const char *, struct gerr *))
{
	const struct opt opts[] = { { NULL, 0, 0, NULL } };
	struct gerr err;
	const char *id;
	int i = 1;

	if (parse_opts(argc, argv, &i, opts, argv[0]) ||
	    !(id = operand(argc, argv, i, argv[0])))
		return 1;
	return fn(g.root, id, &err) ? fail(&err) : 0;
}

static int cmd_state(int argc, char **argv)
{
	struct gerr err;
	const char *id;
	char *json;

	if (!(id = operand(argc, argv, 1, "state")))
		return 1;
	if (oci_state(g.root, id, &json, &err))
		return fail(&err);
	printf("%s\n", json);
	free(json);
	return 0;
}

static int cmd_kill(int argc, char **argv)
{
	bool all = false;
	const struct opt opts[] = { { "all", 'a', OPT_FLAG, &all },
				    { NULL, 0, 0, NULL } };
	struct gerr err;
	const char *id;
	int i = 1, sig = 15;

	if (parse_opts(argc, argv, &i, opts, "kill") ||
	    !(id = operand(argc, argv, i, "kill")))
		return 1;
	if (i + 1 < argc) {
		sig = oci_signal_parse(argv[i + 1]);
		if (sig < 0) {
			gerr_set(&err, "kill: unknown signal \"%s\"", argv[i + 1]);
			return fail(&err);
		}
	}
	return oci_kill(g.root, id, sig, all, &err) ? fail(&err) : 0;
}

static int cmd_delete(int argc, char **argv)
{
	bool force = false;
	const struct opt opts[] = { { "force", 'f', OPT_FLAG, &force },
				    { NULL, 0, 0, NULL } };
	struct gerr err;
	const char *id;
	int i = 1;

	if (parse_opts(argc, argv, &i, opts, "delete") ||
	    !(id = operand(argc, argv, i, "delete")))
		return 1;
	if (oci_delete(g.root, id, force, &err)) {
		/* runc: deleting a missing container with --force succeeds */
		if (force && strstr(err.msg, "does not exist"))
			return 0;
		return fail(&err);
	}
	return 0;
}

static void print_cmdline(pid_t pid)
{
	char path[64], *buf;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	buf = oci_read_file(path, 1 << 16, &len);
	for (size_t k = 0; buf && k + 1 < len; k++)
		if (!buf[k])
			buf[k] = ' ';
	printf("%-8d %s\n", (int)pid, buf ? buf : "?");
	free(buf);
}

static int cmd_ps(int argc, char **argv)
{
	const char *format = "table";
	const struct opt opts[] = { { "format", 'f', OPT_STR, &format },
				    { NULL, 0, 0, NULL } };
	struct gerr err;
	const char *id;
	pid_t *pids;
	size_t n;
	int i = 1;

	if (parse_opts(argc, argv, &i, opts, "ps") ||
	    !(id = operand(argc, argv, i, "ps")))
		return 1;
	if (strcmp(format, "table") && strcmp(format, "json"))
		return fail_msg("ps: --format must be table or json");
	if (oci_ps(g.root, id, &pids, &n, &err))
		return fail(&err);
	if (!strcmp(format, "json")) {
		printf("[");
		for (size_t k = 0; k < n; k++)
			printf("%s%d", k ? "," : "", (int)pids[k]);
		printf("]\n");
	} else {
		printf("%-8s %s\n", "PID", "CMD");
		for (size_t k = 0; k < n; k++)
			print_cmdline(pids[k]);
	}
	free(pids);
	return 0;
}

static int cmd_list(int argc, char **argv)
{
	const char *format = "table";
	bool quiet = false;
	const struct opt opts[] = { { "format", 'f', OPT_STR, &format },
				    { "quiet", 'q', OPT_FLAG, &quiet },
				    { NULL, 0, 0, NULL } };
	struct gerr err;
	int i = 1;

	if (parse_opts(argc, argv, &i, opts, "list"))
		return 1;
	if (strcmp(format, "table") && strcmp(format, "json"))
		return fail_msg("list: --format must be table or json");
	return oci_list(g.root, !strcmp(format, "json"), quiet, stdout, &err)
		       ? fail(&err) : 0;
}

struct exec_args {
	const char *process, *console_socket, *pid_file, *cwd, *user;
	bool detach, tty, no_new_privs;
	long preserve_fds;
	struct strlist env, caps;
};

static int cmd_exec(int argc, char **argv)
{
	struct exec_args x = { 0 };
	const struct opt opts[] = {
		{ "process", 'p', OPT_STR, &x.process },
		{ "console-socket", 0, OPT_STR, &x.console_socket },
		{ "pid-file", 0, OPT_STR, &x.pid_file },
		{ "cwd", 0, OPT_STR, &x.cwd },
		{ "user", 'u', OPT_STR, &x.user },
		{ "env", 'e', OPT_LIST, &x.env },
		{ "cap", 'c', OPT_LIST, &x.caps },
		{ "detach", 'd', OPT_FLAG, &x.detach },
		{ "tty", 't', OPT_FLAG, &x.tty },
		{ "no-new-privs", 0, OPT_FLAG, &x.no_new_privs },
		{ "preserve-fds", 0, OPT_INT, &x.preserve_fds },
		{ NULL, 0, 0, NULL },
	};
	struct oci_exec_opts o;
	struct gerr err;
	const char *id;
	int i = 1, code;

	if (parse_opts(argc, argv, &i, opts, "exec") ||
	    !(id = operand(argc, argv, i, "exec")))
		return 1;
	if (x.caps.n)
		return fail_msg("exec: --cap is not supported; give the "
				"capabilities in --process");
	if (!x.process && i + 1 >= argc)
		return fail_msg("exec: give --process FILE or a command");
	o = (struct oci_exec_opts){
		.process_file = x.process, .args = (const char **)argv + i + 1,
		.env = x.env.v, .cwd = x.cwd, .user = x.user, .tty = x.tty,
		.detach = x.detach, .no_new_privs = x.no_new_privs,
		.console_socket = x.console_socket, .pid_file = x.pid_file,
		.preserve_fds = (int)x.preserve_fds,
	};
	if (oci_exec(g.root, id, &o, &code, &err))
		return fail(&err);
	return code;
}

/* "64m", "1g", "1048576" -> bytes; -1 when malformed. */
static long long parse_bytes(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	int shift = 0;

	if (end == s || v < 0)
		return -1;
	if (*end && strchr("kK", *end))
		shift = 10;
	else if (*end && strchr("mM", *end))
		shift = 20;
	else if (*end && strchr("gG", *end))
		shift = 30;
	if (shift)
		end++;
	if (*end || v > (LLONG_MAX >> shift))
		return -1;
	return v << shift;
}

/* Builds a linux.resources object from update's flags (0 = not given). */
static int update_json(char *buf, size_t len, long long memory, long pids,
		       long shares, long quota, long period, const char *cpus)
{
	size_t n = 0;

	n += (size_t)snprintf(buf + n, len - n, "{\"cpu\":{\"shares\":%ld,"
			      "\"quota\":%ld,\"period\":%ld", shares, quota,
			      period);
	if (cpus && n < len)
		n += (size_t)snprintf(buf + n, len - n, ",\"cpus\":\"%s\"", cpus);
	if (n < len)
		n += (size_t)snprintf(buf + n, len - n, "}");
	if (memory && n < len)
		n += (size_t)snprintf(buf + n, len - n,
				      ",\"memory\":{\"limit\":%lld}", memory);
	if (pids && n < len)
		n += (size_t)snprintf(buf + n, len - n,
				      ",\"pids\":{\"limit\":%ld}", pids);
	if (n < len)
		n += (size_t)snprintf(buf + n, len - n, "}");
	return n < len ? 0 : -1;
}

static int cmd_update(int argc, char **argv)
{
	const char *resources = NULL, *memory = NULL, *cpuset = NULL;
	long pids = 0, shares = 0, quota = 0, period = 0;
	const struct opt opts[] = {
		{ "resources", 'r', OPT_STR, &resources },
		{ "memory", 'm', OPT_STR, &memory },
		{ "pids-limit", 0, OPT_INT, &pids },
		{ "cpu-shares", 0, OPT_INT, &shares },
		{ "cpu-quota", 0, OPT_INT, &quota },
		{ "cpu-period", 0, OPT_INT, &period },
		{ "cpuset-cpus", 0, OPT_STR, &cpuset },
		{ NULL, 0, 0, NULL },
	};
	char json[1024], *buf = NULL;
	long long mem = 0;
	struct gerr err;
	const char *id;
	size_t len = 0;
	int i = 1, r;

	if (parse_opts(argc, argv, &i, opts, "update") ||
	    !(id = operand(argc, argv, i, "update")))
		return 1;
	if (resources) {
		buf = oci_read_file(!strcmp(resources, "-") ? "/dev/stdin"
							    : resources,
				    1 << 20, &len);
		if (!buf) {
			gerr_errno(&err, errno, "update: %s", resources);
			return fail(&err);
		}
	} else {
		if (memory && (mem = parse_bytes(memory)) <= 0)
			return fail_msg("update: bad --memory value");
		if (cpuset && strspn(cpuset, "0123456789,-") != strlen(cpuset))
			return fail_msg("update: bad --cpuset-cpus value");
		if (update_json(json, sizeof(json), mem, pids, shares, quota,
				period, cpuset))
			return fail_msg("update: values too long");
	}
	r = oci_update(g.root, id, buf ? buf : json, buf ? len : strlen(json),
		       &err);
	free(buf);
	return r ? fail(&err) : 0;
}

static int cmd_spec(int argc, char **argv)
{
	const char *bundle = ".";
	bool rootless = false;
	const struct opt opts[] = { { "bundle", 'b', OPT_STR, &bundle },
				    { "rootless", 0, OPT_FLAG, &rootless },
				    { NULL, 0, 0, NULL } };
	char path[4096];
	char *json;
	struct gerr err;
	int i = 1, fd;

	if (parse_opts(argc, argv, &i, opts, "spec"))
		return 1;
	if (oci_fmt(path, sizeof(path), "%s/config.json", bundle))
		return fail_msg("spec: bundle path too long");
	json = oci_default_spec_json(rootless);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || oci_write_all(fd, json, strlen(json)) ||
	    oci_write_all(fd, "\n", 1)) {
		gerr_errno(&err, errno, "spec: %s", path);
		free(json);
		if (fd >= 0)
			close(fd);
		return fail(&err);
	}
	close(fd);
	free(json);
	return 0;
}

static int cmd_features(int argc, char **argv)
{
	char *json = oci_features_json();

	(void)argc;
	(void)argv;
	printf("%s\n", json);
	free(json);
	return 0;
}

static int print_version(void)
{
	/* go-runc (containerd) reads "runc version", "commit:" and "spec:"
	 * lines; the runc version is the command-line contract followed. */
	printf("runc version 1.1.0\ncommit: gamut-oci-" OCI_RUNTIME_VERSION
	       "\nspec: " OCI_SPEC_VERSION "\ngamut-oci version "
	       OCI_RUNTIME_VERSION "\n");
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: gamut-oci [global options] <command> [options] <id> ...\n"
		"  (also: gamut oci ...)\n\n"
		"global options: --root DIR  --log FILE  --log-format text|json  "
		"--debug\n\n"
		"commands:\n"
		"  create [-b BUNDLE] [--console-socket S] [--pid-file F] "
		"[--no-pivot]\n"
		"         [--no-new-keyring] [--preserve-fds N] ID\n"
		"  start ID | state ID | pause ID | resume ID\n"
		"  run [create options] [-d] ID\n"
		"  kill [--all] ID [SIGNAL]    delete [--force] ID\n"
		"  exec [-p process.json] [-d] [-t] [--console-socket S] "
		"[--pid-file F]\n"
		"       [--preserve-fds N] [--cwd D] [-e K=V] [-u UID[:GID]] ID "
		"[CMD ...]\n"
		"  ps [--format table|json] ID   list [--format table|json] [-q]\n"
		"  update [--resources FILE|-] [--memory N] [--pids-limit N] ... ID\n"
		"  features | spec [-b BUNDLE] [--rootless] | --version\n");
}

static const struct {
	const char *name;
	int (*fn)(int, char **);
} commands[] = {
	{ "state", cmd_state }, { "kill", cmd_kill },	  { "delete", cmd_delete },
	{ "ps", cmd_ps },	{ "list", cmd_list },	  { "exec", cmd_exec },
	{ "update", cmd_update }, { "spec", cmd_spec }, { "features", cmd_features },
};

static int dispatch(int argc, char **argv)
{
	const char *c = argv[0];
	struct gerr err;

	/* Commands that put a process into a container first move to a
	 * sealed copy of the binary (oci/sealed_exe.h). */
	if ((!strcmp(c, "create") || !strcmp(c, "run") || !strcmp(c, "exec")) &&
	    oci_exe_ensure_sealed(cli_argv, &err))
		return fail(&err);
	if (!strcmp(c, "create"))
		return cmd_create_or_run(argc, argv, false);
	if (!strcmp(c, "run"))
		return cmd_create_or_run(argc, argv, true);
	if (!strcmp(c, "start"))
		return cmd_simple(argc, argv, oci_start);
	if (!strcmp(c, "pause"))
		return cmd_simple(argc, argv, oci_pause);
	if (!strcmp(c, "resume"))
		return cmd_simple(argc, argv, oci_resume);
	if (!strcmp(c, "version"))
		return print_version();
	if (!strcmp(c, "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
		if (!strcmp(commands[k].name, c))
			return commands[k].fn(argc, argv);
	gerr_set(&err, "unknown command \"%s\" (see --help)", c);
	return fail(&err);
}

int cmd_oci(int argc, char **argv)
{
	const char *root = NULL, *log = NULL, *log_format = "text";
	const char *criu = NULL, *rootless = NULL;
	bool debug = false, systemd = false, version = false, help = false;
	const struct opt opts[] = {
		{ "root", 0, OPT_STR, &root },
		{ "log", 0, OPT_STR, &log },
		{ "log-format", 0, OPT_STR, &log_format },
		{ "debug", 0, OPT_FLAG, &debug },
		{ "systemd-cgroup", 0, OPT_FLAG, &systemd },
		{ "criu", 0, OPT_STR, &criu },
		{ "rootless", 0, OPT_STR, &rootless },
		{ "version", 'v', OPT_FLAG, &version },
		{ "help", 'h', OPT_FLAG, &help },
		{ NULL, 0, 0, NULL },
	};
	int i = 1, r;

	g.root = oci_default_root(g.root_buf, sizeof(g.root_buf));
	if (parse_opts(argc, argv, &i, opts, "gamut-oci"))
		return 1;
	if (root)
		g.root = root;
	g.debug = debug;
	g.log_json = !strcmp(log_format, "json");
	if (strcmp(log_format, "json") && strcmp(log_format, "text"))
		return fail_msg("--log-format must be text or json");
	if (log && !(g.log = fopen(log, "ae")))
		fprintf(stderr, "gamut-oci: cannot open log %s: %s\n", log,
			strerror(errno));
	if (systemd)
		return fail_msg("--systemd-cgroup is not supported: gamut-oci "
				"manages cgroups directly through cgroupfs "
				"(podman: --cgroup-manager cgroupfs; containerd: "
				"SystemdCgroup = false)");
	if (version)
		return print_version();
	if (help || i >= argc) {
		usage(help ? stdout : stderr);
		return help ? 0 : 1;
	}
	if (g.debug) {
		char line[512] = "";

		for (int k = i; k < argc; k++) {
			strncat(line, argv[k], sizeof(line) - strlen(line) - 2);
			strcat(line, " ");
		}
		log_line("debug", line);
	}
	r = dispatch(argc - i, argv + i);
	if (g.log)
		fclose(g.log);
	fflush(stdout);
	return r;
}
