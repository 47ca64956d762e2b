/* config.json: the top level, process, root, mounts, hooks, annotations.
 * The `linux` object is parsed in config_linux.c. */
#include "oci/config.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci/json.h"

int oci_linux_parse(struct oci_jp *jp, struct oci_spec *s, json_object *linux);

/* Longest config.json accepted: podman's largest are ~30 KiB. */
#define OCI_CONFIG_MAX (4u << 20)

static int parse_user(struct oci_jp *jp, struct oci_process *p,
		      json_object *proc)
{
	json_object *user, *gids;
	uint64_t v;
	bool has;
	size_t old;

	if (oci_j_get(jp, proc, "user", json_type_object, &user))
		return -1;
	if (!user)
		return 0;
	old = oci_jp_key(jp, "user");
	if (oci_j_u64(jp, user, "uid", 0, OCI_UGID_MAX, NULL, &v))
		return -1;
	p->uid = (uint32_t)v;
	if (oci_j_u64(jp, user, "gid", 0, OCI_UGID_MAX, NULL, &v))
		return -1;
	p->gid = (uint32_t)v;
	if (oci_j_u64(jp, user, "umask", 0, 0777, &has, &v))
		return -1;
	p->has_umask = has;
	p->umask = (uint32_t)v;
	if (oci_j_get(jp, user, "additionalGids", json_type_array, &gids))
		return -1;
	if (gids) {
		size_t n = json_object_array_length(gids);

		if (n > NGROUPS_MAX)
			return oci_jp_fail(jp, "additionalGids",
					   "%zu groups exceed the limit of %d",
					   n, NGROUPS_MAX);
		p->additional_gids = oci_arena_array(jp->arena, n,
						     sizeof(uint32_t));
		if (!p->additional_gids)
			return oci_jp_oom(jp);
		for (size_t i = 0; i < n; i++) {
			char key[48];

			snprintf(key, sizeof(key), "additionalGids[%zu]", i);
			if (oci_j_u64_value(jp, json_object_array_get_idx(gids, i),
					    key, 0, OCI_UGID_MAX, &v))
				return -1;
			p->additional_gids[i] = (uint32_t)v;
		}
		p->n_additional_gids = n;
	}
	oci_jp_pop(jp, old);
	return 0;
}

static int parse_caps(struct oci_jp *jp, struct oci_process *p,
		      json_object *proc)
{
	static const char *const sets[OCI_CAP_NSETS] = {
		"bounding", "effective", "inheritable", "permitted", "ambient"
	};
	json_object *caps;
	size_t old;

	if (oci_j_get(jp, proc, "capabilities", json_type_object, &caps))
		return -1;
	if (!caps)
		return 0;
	old = oci_jp_key(jp, "capabilities");
	for (int set = 0; set < OCI_CAP_NSETS; set++) {
		const char **names;
		size_t n;

		if (oci_j_strv(jp, caps, sets[set], &names, &n))
			return -1;
		for (size_t i = 0; i < n; i++) {
			int c = oci_cap_number(names[i]);
			char key[48];

			snprintf(key, sizeof(key), "%s[%zu]", sets[set], i);
			if (c < 0)
				return oci_jp_fail(jp, key,
						   "unknown capability \"%s\"",
						   names[i]);
			p->caps[set] |= 1ull << c;
		}
	}
	oci_jp_pop(jp, old);
	return 0;
}

static int parse_rlimits(struct oci_jp *jp, struct oci_process *p,
			 json_object *proc)
{
	json_object *arr;
	size_t n, old;

	if (oci_j_get(jp, proc, "rlimits", json_type_array, &arr))
		return -1;
	if (!arr)
		return 0;
	n = json_object_array_length(arr);
	p->rlimits = oci_arena_array(jp->arena, n, sizeof(*p->rlimits));
	if (!p->rlimits)
		return oci_jp_oom(jp);
	old = oci_jp_key(jp, "rlimits");
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		struct oci_rlimit *r = &p->rlimits[i];
		size_t o2 = oci_jp_index(jp, i);
		const char *type = NULL;

		if (!o || json_object_get_type(o) != json_type_object)
			return oci_jp_fail(jp, NULL, "must be an object");
		if (oci_j_str(jp, o, "type", true, &type))
			return -1;
		r->resource = oci_rlimit_type(type);
		if (r->resource < 0)
			return oci_jp_fail(jp, "type", "unknown rlimit \"%s\"",
					   type);
		for (size_t j = 0; j < i; j++)
			if (p->rlimits[j].resource == r->resource)
				return oci_jp_fail(jp, "type",
						   "\"%s\" appears twice", type);
		if (oci_j_u64(jp, o, "hard", 0, UINT64_MAX, NULL, &r->hard) ||
		    oci_j_u64(jp, o, "soft", 0, UINT64_MAX, NULL, &r->soft))
			return -1;
		if (r->soft > r->hard)
			return oci_jp_fail(jp, "soft",
					   "soft limit exceeds hard limit");
		oci_jp_pop(jp, o2);
	}
	p->n_rlimits = n;
	oci_jp_pop(jp, old);
	return 0;
}

static int parse_console_size(struct oci_jp *jp, struct oci_process *p,
			      json_object *proc)
{
	json_object *cs;
	uint64_t v;
	size_t old;

	if (oci_j_get(jp, proc, "consoleSize", json_type_object, &cs))
		return -1;
	if (!cs)
		return 0;
	old = oci_jp_key(jp, "consoleSize");
	if (oci_j_u64(jp, cs, "height", 0, UINT16_MAX, NULL, &v))
		return -1;
	p->console_height = (unsigned)v;
	if (oci_j_u64(jp, cs, "width", 0, UINT16_MAX, NULL, &v))
		return -1;
	p->console_width = (unsigned)v;
	oci_jp_pop(jp, old);
	return 0;
}

static int parse_process_obj(struct oci_jp *jp, struct oci_process *p,
			     json_object *proc)
{
	int64_t oom;

	if (oci_j_bool(jp, proc, "terminal", &p->terminal) ||
	    parse_console_size(jp, p, proc) || parse_user(jp, p, proc))
		return -1;
	if (oci_j_strv(jp, proc, "args", &p->args, &p->n_args))
		return -1;
	if (!p->n_args)
		return oci_jp_fail(jp, "args", "must name a program to run");
	if (!p->args[0][0])
		return oci_jp_fail(jp, "args[0]", "is empty");
	if (oci_j_get(jp, proc, "commandLine", json_type_string,
		      &(json_object *){ NULL }))
		return -1;
	if (oci_j_strv(jp, proc, "env", &p->env, &p->n_env))
		return -1;
	for (size_t i = 0; i < p->n_env; i++) {
		char key[32];

		snprintf(key, sizeof(key), "env[%zu]", i);
		if (!strchr(p->env[i], '=') || p->env[i][0] == '=')
			return oci_jp_fail(jp, key, "\"%s\" is not KEY=value",
					   p->env[i]);
	}
	if (oci_j_str(jp, proc, "cwd", true, &p->cwd))
		return -1;
	if (p->cwd[0] != '/')
		return oci_jp_fail(jp, "cwd", "\"%s\" is not an absolute path",
				   p->cwd);
	if (parse_caps(jp, p, proc) || parse_rlimits(jp, p, proc) ||
	    oci_j_bool(jp, proc, "noNewPrivileges", &p->no_new_privileges) ||
	    oci_j_i64(jp, proc, "oomScoreAdj", -1000, 1000,
		      &p->has_oom_score_adj, &oom))
		return -1;
	p->oom_score_adj = (int)oom;
	return 0;
}

/* Mount options: flags, their inverses, propagation, bind. Anything else is
 * filesystem data ("mode=755", "size=64k") passed to mount(2). */
static const struct {
	const char *name;
	unsigned long set, clear, propagation;
} mount_opts[] = {
	{ "ro", MS_RDONLY, 0, 0 },	      { "rw", 0, MS_RDONLY, 0 },
	{ "nosuid", MS_NOSUID, 0, 0 },	      { "suid", 0, MS_NOSUID, 0 },
	{ "nodev", MS_NODEV, 0, 0 },	      { "dev", 0, MS_NODEV, 0 },
	{ "noexec", MS_NOEXEC, 0, 0 },	      { "exec", 0, MS_NOEXEC, 0 },
	{ "sync", MS_SYNCHRONOUS, 0, 0 },     { "async", 0, MS_SYNCHRONOUS, 0 },
	{ "dirsync", MS_DIRSYNC, 0, 0 },      { "remount", MS_REMOUNT, 0, 0 },
	{ "mand", MS_MANDLOCK, 0, 0 },	      { "nomand", 0, MS_MANDLOCK, 0 },
	{ "noatime", MS_NOATIME, 0, 0 },      { "atime", 0, MS_NOATIME, 0 },
	{ "nodiratime", MS_NODIRATIME, 0, 0 }, { "diratime", 0, MS_NODIRATIME, 0 },
	{ "relatime", MS_RELATIME, 0, 0 },    { "norelatime", 0, MS_RELATIME, 0 },
	{ "strictatime", MS_STRICTATIME, 0, 0 },
	{ "nostrictatime", 0, MS_STRICTATIME, 0 },
	{ "private", 0, 0, MS_PRIVATE },      { "rprivate", 0, 0, MS_PRIVATE | MS_REC },
	{ "slave", 0, 0, MS_SLAVE },	      { "rslave", 0, 0, MS_SLAVE | MS_REC },
	{ "shared", 0, 0, MS_SHARED },	      { "rshared", 0, 0, MS_SHARED | MS_REC },
	{ "unbindable", 0, 0, MS_UNBINDABLE },
	{ "runbindable", 0, 0, MS_UNBINDABLE | MS_REC },
};

/* Options that only matter to other runtimes' extensions; accepted and
 * ignored so that podman's configs load. */
static const char *const ignored_opts[] = { "tmpcopyup", "notmpcopyup",
					    "copy", "nocopy", "z", "Z" };

static int add_mount_option(struct oci_jp *jp, struct oci_mount *m,
			    const char *o, char *data, size_t datasz)
{
	for (size_t i = 0; i < sizeof(mount_opts) / sizeof(mount_opts[0]); i++)
		if (!strcmp(mount_opts[i].name, o)) {
			m->flags = (m->flags & ~mount_opts[i].clear) |
				   mount_opts[i].set;
			m->clear_flags |= mount_opts[i].clear;
			if (mount_opts[i].propagation)
				m->propagation = mount_opts[i].propagation;
			return 0;
		}
	for (size_t i = 0; i < sizeof(ignored_opts) / sizeof(ignored_opts[0]); i++)
		if (!strcmp(ignored_opts[i], o))
			return 0;
	if (!strcmp(o, "bind") || !strcmp(o, "rbind")) {
		m->bind = true;
		m->recursive = o[0] == 'r';
		return 0;
	}
	if (!strcmp(o, "idmap") || !strcmp(o, "ridmap"))
		return oci_jp_fail(jp, "options",
				   "idmapped mounts are not supported");
	if (!*o)
		return oci_jp_fail(jp, "options", "contains an empty option");
	if (strlen(data) + strlen(o) + 2 > datasz)
		return oci_jp_fail(jp, "options", "too long");
	if (*data)
		strcat(data, ",");
	strcat(data, o);
	return 0;
}

static int parse_mount(struct oci_jp *jp, struct oci_mount *m, json_object *o)
{
	const char **opts;
	size_t n;
	char data[4096] = "";

	if (!o || json_object_get_type(o) != json_type_object)
		return oci_jp_fail(jp, NULL, "must be an object");
	if (oci_j_str(jp, o, "destination", true, &m->destination) ||
	    oci_j_str(jp, o, "type", false, &m->type) ||
	    oci_j_str(jp, o, "source", false, &m->source) ||
	    oci_j_strv(jp, o, "options", &opts, &n))
		return -1;
	if (m->destination[0] != '/')
		return oci_jp_fail(jp, "destination",
				   "\"%s\" is not an absolute path",
				   m->destination);
	for (size_t i = 0; i < n; i++)
		if (add_mount_option(jp, m, opts[i], data, sizeof(data)))
			return -1;
	if (m->type && !strcmp(m->type, "bind"))
		m->bind = true;
	if (m->bind && !m->source)
		return oci_jp_fail(jp, "source", "a bind mount needs a source");
	if (!m->bind && (!m->type || !*m->type))
		return oci_jp_fail(jp, "type", "is required for non-bind mounts");
	if (!m->source)
		m->source = m->type;
	m->data = oci_arena_strdup(jp->arena, data);
	return m->data ? 0 : oci_jp_oom(jp);
}

static int parse_mounts(struct oci_jp *jp, struct oci_spec *s, json_object *root)
{
	json_object *arr;
	size_t old;

	if (oci_j_get(jp, root, "mounts", json_type_array, &arr))
		return -1;
	if (!arr)
		return 0;
	s->n_mounts = json_object_array_length(arr);
	s->mounts = oci_arena_array(jp->arena, s->n_mounts, sizeof(*s->mounts));
	if (!s->mounts)
		return oci_jp_oom(jp);
	old = oci_jp_key(jp, "mounts");
	for (size_t i = 0; i < s->n_mounts; i++) {
		size_t o2 = oci_jp_index(jp, i);

		if (parse_mount(jp, &s->mounts[i],
				json_object_array_get_idx(arr, i)))
			return -1;
		oci_jp_pop(jp, o2);
	}
	oci_jp_pop(jp, old);
	return 0;
}

static const char *const hook_keys[OCI_HOOK_NKINDS] = {
	"prestart", "createRuntime", "createContainer", "startContainer",
	"poststart", "poststop"
};

static int parse_hook(struct oci_jp *jp, struct oci_hook *h, json_object *o)
{
	int64_t t;

	if (!o || json_object_get_type(o) != json_type_object)
		return oci_jp_fail(jp, NULL, "must be an object");
	if (oci_j_str(jp, o, "path", true, &h->path) ||
	    oci_j_strv(jp, o, "args", &h->args, NULL) ||
	    oci_j_strv(jp, o, "env", &h->env, NULL) ||
	    oci_j_i64(jp, o, "timeout", 1, INT32_MAX, &h->has_timeout, &t))
		return -1;
	if (h->path[0] != '/')
		return oci_jp_fail(jp, "path", "\"%s\" is not an absolute path",
				   h->path);
	h->timeout = (int)t;
	return 0;
}

static int parse_hooks(struct oci_jp *jp, struct oci_spec *s, json_object *root)
{
	json_object *hooks;
	size_t old;

	if (oci_j_get(jp, root, "hooks", json_type_object, &hooks))
		return -1;
	if (!hooks)
		return 0;
	old = oci_jp_key(jp, "hooks");
	for (int k = 0; k < OCI_HOOK_NKINDS; k++) {
		struct oci_hooks_list *l = &s->hooks[k];
		json_object *arr;
		size_t o2;

		if (oci_j_get(jp, hooks, hook_keys[k], json_type_array, &arr))
			return -1;
		if (!arr)
			continue;
		l->n = json_object_array_length(arr);
		l->hooks = oci_arena_array(jp->arena, l->n, sizeof(*l->hooks));
		if (!l->hooks)
			return oci_jp_oom(jp);
		o2 = oci_jp_key(jp, hook_keys[k]);
		for (size_t i = 0; i < l->n; i++) {
			size_t o3 = oci_jp_index(jp, i);

			if (parse_hook(jp, &l->hooks[i],
				       json_object_array_get_idx(arr, i)))
				return -1;
			oci_jp_pop(jp, o3);
		}
		oci_jp_pop(jp, o2);
	}
	oci_jp_pop(jp, old);
	return 0;
}

static int parse_root(struct oci_jp *jp, struct oci_spec *s, json_object *top)
{
	json_object *root;
	size_t old;

	if (oci_j_get(jp, top, "root", json_type_object, &root))
		return -1;
	if (!root)
		return oci_jp_fail(jp, "root", "is required");
	old = oci_jp_key(jp, "root");
	if (oci_j_str(jp, root, "path", true, &s->root_path) ||
	    oci_j_bool(jp, root, "readonly", &s->root_readonly))
		return -1;
	if (!s->root_path[0])
		return oci_jp_fail(jp, "path", "is empty");
	oci_jp_pop(jp, old);
	return 0;
}

static int parse_top(struct oci_jp *jp, struct oci_spec *s, json_object *top)
{
	json_object *proc, *linux;
	size_t old;

	if (json_object_get_type(top) != json_type_object)
		return oci_jp_fail(jp, NULL, "must be a JSON object");
	if (oci_j_str(jp, top, "ociVersion", true, &s->oci_version))
		return -1;
	if (strncmp(s->oci_version, "1.", 2))
		return oci_jp_fail(jp, "ociVersion",
				   "\"%s\" is not a 1.x runtime-spec version",
				   s->oci_version);
	if (parse_root(jp, s, top) ||
	    oci_j_str(jp, top, "hostname", false, &s->hostname) ||
	    oci_j_str(jp, top, "domainname", false, &s->domainname) ||
	    parse_mounts(jp, s, top) || parse_hooks(jp, s, top) ||
	    oci_j_kv(jp, top, "annotations", &s->annotations,
		     &s->n_annotations))
		return -1;
	if (oci_j_get(jp, top, "process", json_type_object, &proc))
		return -1;
	if (proc) {
		old = oci_jp_key(jp, "process");
		if (parse_process_obj(jp, &s->process, proc))
			return -1;
		oci_jp_pop(jp, old);
		s->has_process = true;
	}
	if (oci_j_get(jp, top, "linux", json_type_object, &linux))
		return -1;
	if (linux) {
		old = oci_jp_key(jp, "linux");
		if (oci_linux_parse(jp, s, linux))
			return -1;
		oci_jp_pop(jp, old);
	}
	return 0;
}

/* Parses buf as one complete JSON value, distinguishing truncation from
 * other syntax errors (the two bad inputs users actually produce). */
static json_object *parse_json(const char *buf, size_t len, const char *name,
			       struct gerr *err)
{
	json_tokener *tok;
	json_object *obj;
	enum json_tokener_error jerr;
	size_t off;

	if (len > OCI_CONFIG_MAX) {
		gerr_set(err, "%s: larger than %u bytes", name, OCI_CONFIG_MAX);
		return NULL;
	}
	if (memchr(buf, '\0', len)) {
		gerr_set(err, "%s: contains a NUL byte", name);
		return NULL;
	}
	tok = json_tokener_new_ex(64);
	if (!tok) {
		gerr_set(err, "%s: out of memory", name);
		return NULL;
	}
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	off = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue || (!obj && jerr == json_tokener_success)) {
		gerr_set(err, "%s: truncated JSON (input ends inside a value)",
			 name);
	} else if (jerr != json_tokener_success) {
		gerr_set(err, "%s: invalid JSON at byte %zu: %s", name, off,
			 json_tokener_error_desc(jerr));
	} else {
		while (off < len && strchr(" \t\r\n", buf[off]))
			off++;
		if (off < len)
			gerr_set(err, "%s: invalid JSON at byte %zu: "
				 "trailing data after the object", name, off);
		else {
			json_tokener_free(tok);
			return obj;
		}
	}
	json_object_put(obj);
	json_tokener_free(tok);
	return NULL;
}

int oci_spec_parse(struct oci_spec *spec, const char *buf, size_t len,
		   const char *name, struct gerr *err)
{
	struct oci_jp jp;
	json_object *top;
	int r;

	memset(spec, 0, sizeof(*spec));
	top = parse_json(buf, len, name, err);
	if (!top)
		return -1;
	oci_jp_init(&jp, &spec->arena, err, name);
	r = parse_top(&jp, spec, top);
	json_object_put(top);
	if (r)
		oci_spec_free(spec);
	return r;
}

int oci_process_parse(struct oci_process *p, struct oci_arena *arena,
		      const char *buf, size_t len, const char *name,
		      struct gerr *err)
{
	struct oci_jp jp;
	json_object *top;
	int r;

	memset(p, 0, sizeof(*p));
	top = parse_json(buf, len, name, err);
	if (!top)
		return -1;
	oci_jp_init(&jp, arena, err, name);
	if (json_object_get_type(top) != json_type_object)
		r = oci_jp_fail(&jp, NULL, "must be a JSON object");
	else
		r = parse_process_obj(&jp, p, top);
	json_object_put(top);
	return r;
}

int oci_spec_load(struct oci_spec *spec, const char *bundle, struct gerr *err)
{
	char path[PATH_MAX], *buf;
	struct stat st;
	ssize_t n;
	int fd, r;

	memset(spec, 0, sizeof(*spec));
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gerr_errno(err, errno, "%s", path);
	if (fstat(fd, &st) || st.st_size > OCI_CONFIG_MAX) {
		close(fd);
		return gerr_set(err, "%s: not a regular file under %u bytes",
				path, OCI_CONFIG_MAX);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return gerr_set(err, "%s: out of memory", path);
	}
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n < 0) {
		free(buf);
		return gerr_errno(err, errno, "%s: read", path);
	}
	r = oci_spec_parse(spec, buf, (size_t)n, path, err);
	if (r) {
		free(buf);
		return r;
	}
	buf[n] = '\0';
	spec->raw = buf;
	spec->raw_len = (size_t)n;
	return 0;
}

void oci_spec_free(struct oci_spec *spec)
{
	free(spec->raw);
	oci_arena_free(&spec->arena);
	memset(spec, 0, sizeof(*spec));
}

const struct oci_namespace *oci_spec_namespace(const struct oci_spec *s,
					       int type)
{
	for (size_t i = 0; i < s->n_namespaces; i++)
		if (s->namespaces[i].type == type)
			return &s->namespaces[i];
	return NULL;
}

const char *oci_spec_annotation(const struct oci_spec *s, const char *key)
{
	for (size_t i = 0; i < s->n_annotations; i++)
		if (!strcmp(s->annotations[i].key, key))
			return s->annotations[i].value;
	return NULL;
}
