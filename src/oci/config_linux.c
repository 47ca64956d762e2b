/* config.json: the `linux` object (namespaces, id mappings, devices,
 * resources, sysctl, seccomp, masked and read-only paths). */
#include <ctype.h>
#include <json-c/json.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "oci/config.h"
#include "oci/json.h"

int oci_linux_parse(struct oci_jp *jp, struct oci_spec *s, json_object *linux);

/* Calls fn on each element of the array member `key`, with the path set. */
typedef int (*elem_fn)(struct oci_jp *jp, void *out, json_object *o);

static int parse_array(struct oci_jp *jp, json_object *obj, const char *key,
		       size_t elem_size, size_t max, void **out, size_t *n,
		       elem_fn fn)
{
	json_object *arr;
	size_t len, old;
	char *v;

	*out = NULL;
	*n = 0;
	if (oci_j_get(jp, obj, key, json_type_array, &arr))
		return -1;
	if (!arr)
		return 0;
	len = json_object_array_length(arr);
	if (len > max)
		return oci_jp_fail(jp, key, "%zu entries exceed the limit of %zu",
				   len, max);
	v = oci_arena_array(jp->arena, len, elem_size);
	if (!v)
		return oci_jp_oom(jp);
	old = oci_jp_key(jp, key);
	for (size_t i = 0; i < len; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		size_t o2 = oci_jp_index(jp, i);

		if (!e || json_object_get_type(e) != json_type_object)
			return oci_jp_fail(jp, NULL, "must be an object");
		if (fn(jp, v + i * elem_size, e))
			return -1;
		oci_jp_pop(jp, o2);
	}
	oci_jp_pop(jp, old);
	*out = v;
	*n = len;
	return 0;
}

static int parse_ns(struct oci_jp *jp, void *out, json_object *o)
{
	struct oci_namespace *ns = out;
	const char *type;

	if (oci_j_str(jp, o, "type", true, &type) ||
	    oci_j_str(jp, o, "path", false, &ns->path))
		return -1;
	ns->type = oci_ns_type(type);
	if (ns->type < 0)
		return oci_jp_fail(jp, "type", "unknown namespace type \"%s\"",
				   type);
	if (ns->path && ns->path[0] != '/')
		return oci_jp_fail(jp, "path", "\"%s\" is not an absolute path",
				   ns->path);
	return 0;
}

static int parse_idmap(struct oci_jp *jp, void *out, json_object *o)
{
	struct oci_idmap *m = out;
	uint64_t c, h, sz;

	if (oci_j_u64(jp, o, "containerID", 0, UINT32_MAX, NULL, &c) ||
	    oci_j_u64(jp, o, "hostID", 0, UINT32_MAX, NULL, &h) ||
	    oci_j_u64(jp, o, "size", 1, UINT32_MAX, NULL, &sz))
		return -1;
	if (!json_object_object_get_ex(o, "size", NULL))
		return oci_jp_fail(jp, "size", "is required");
	if (c + sz > (1ull << 32) || h + sz > (1ull << 32))
		return oci_jp_fail(jp, "size", "range runs past 2^32");
	m->container_id = (uint32_t)c;
	m->host_id = (uint32_t)h;
	m->size = (uint32_t)sz;
	return 0;
}

static int parse_device(struct oci_jp *jp, void *out, json_object *o)
{
	struct oci_device *d = out;
	const char *type;
	uint64_t v;
	bool has_major, has_minor;

	if (oci_j_str(jp, o, "path", true, &d->path) ||
	    oci_j_str(jp, o, "type", true, &type) ||
	    oci_j_i64(jp, o, "major", 0, INT32_MAX, &has_major, &d->major) ||
	    oci_j_i64(jp, o, "minor", 0, INT32_MAX, &has_minor, &d->minor) ||
	    oci_j_u64(jp, o, "fileMode", 0, 07777, &d->has_mode, &v))
		return -1;
	d->mode = (uint32_t)v;
	if (oci_j_u64(jp, o, "uid", 0, OCI_UGID_MAX, &d->has_uid, &v))
		return -1;
	d->uid = (uint32_t)v;
	if (oci_j_u64(jp, o, "gid", 0, OCI_UGID_MAX, &d->has_gid, &v))
		return -1;
	d->gid = (uint32_t)v;
	if (d->path[0] != '/')
		return oci_jp_fail(jp, "path", "\"%s\" is not an absolute path",
				   d->path);
	if (strlen(type) != 1 || !strchr("cbup", type[0]))
		return oci_jp_fail(jp, "type",
				   "\"%s\" is not one of c, b, u, p", type);
	d->type = type[0];
	if (d->type != 'p' && (!has_major || !has_minor))
		return oci_jp_fail(jp, NULL,
				   "a '%c' device needs major and minor",
				   d->type);
	return 0;
}

static int parse_devrule(struct oci_jp *jp, void *out, json_object *o)
{
	struct oci_device_rule *r = out;
	const char *type = "a";
	bool has;

	r->major = r->minor = -1;
	if (!json_object_object_get_ex(o, "allow", NULL))
		return oci_jp_fail(jp, "allow", "is required");
	if (oci_j_bool(jp, o, "allow", &r->allow) ||
	    oci_j_str(jp, o, "type", false, &type) ||
	    oci_j_i64(jp, o, "major", -1, INT32_MAX, &has, &r->major) ||
	    oci_j_i64(jp, o, "minor", -1, INT32_MAX, &has, &r->minor) ||
	    oci_j_str(jp, o, "access", false, &r->access))
		return -1;
	if (strlen(type) != 1 || !strchr("acb", type[0]))
		return oci_jp_fail(jp, "type", "\"%s\" is not one of a, c, b",
				   type);
	r->type = type[0];
	if (!r->access)
		r->access = "rwm";
	if (!*r->access || strspn(r->access, "rwm") != strlen(r->access))
		return oci_jp_fail(jp, "access",
				   "\"%s\" is not made of r, w, m", r->access);
	return 0;
}

static int parse_memory(struct oci_jp *jp, struct oci_resources *r,
			json_object *res)
{
	json_object *mem;
	size_t old;

	if (oci_j_get(jp, res, "memory", json_type_object, &mem))
		return -1;
	if (!mem)
		return 0;
	old = oci_jp_key(jp, "memory");
	if (oci_j_i64(jp, mem, "limit", -1, INT64_MAX, &r->has_memory_limit,
		      &r->memory_limit) ||
	    oci_j_i64(jp, mem, "reservation", -1, INT64_MAX,
		      &r->has_memory_reservation, &r->memory_reservation) ||
	    oci_j_i64(jp, mem, "swap", -1, INT64_MAX, &r->has_memory_swap,
		      &r->memory_swap) ||
	    oci_j_u64(jp, mem, "swappiness", 0, 100, &r->has_swappiness,
		      &r->swappiness))
		return -1;
	/* 0 means "not set" in runc's and podman's configs. */
	if (r->has_memory_limit && r->memory_limit == 0)
		r->has_memory_limit = false;
	if (r->has_memory_swap && r->memory_swap == 0)
		r->has_memory_swap = false;
	if (r->has_memory_limit && r->has_memory_swap && r->memory_swap > 0 &&
	    r->memory_limit > 0 && r->memory_swap < r->memory_limit)
		return oci_jp_fail(jp, "swap",
				   "must be at least the memory limit "
				   "(it counts memory plus swap)");
	oci_jp_pop(jp, old);
	return 0;
}

static int parse_cpu(struct oci_jp *jp, struct oci_resources *r,
		     json_object *res)
{
	json_object *cpu;
	size_t old;

	if (oci_j_get(jp, res, "cpu", json_type_object, &cpu))
		return -1;
	if (!cpu)
		return 0;
	old = oci_jp_key(jp, "cpu");
	if (oci_j_u64(jp, cpu, "shares", 0, 262144, &r->has_cpu_shares,
		      &r->cpu_shares) ||
	    oci_j_i64(jp, cpu, "quota", -1, INT64_MAX, &r->has_cpu_quota,
		      &r->cpu_quota) ||
	    oci_j_u64(jp, cpu, "period", 0, 1000000, &r->has_cpu_period,
		      &r->cpu_period) ||
	    oci_j_str(jp, cpu, "cpus", false, &r->cpuset_cpus) ||
	    oci_j_str(jp, cpu, "mems", false, &r->cpuset_mems))
		return -1;
	if (r->has_cpu_shares && r->cpu_shares == 0)
		r->has_cpu_shares = false;
	if (r->has_cpu_shares && r->cpu_shares < 2)
		return oci_jp_fail(jp, "shares", "must be at least 2");
	if (r->has_cpu_period && r->cpu_period == 0)
		r->has_cpu_period = false;
	if (r->has_cpu_period && r->cpu_period < 1000)
		return oci_jp_fail(jp, "period",
				   "must be between 1000 and 1000000 us");
	if (r->has_cpu_quota && r->cpu_quota == 0)
		r->has_cpu_quota = false;
	if (r->has_cpu_quota && r->cpu_quota > 0 && r->cpu_quota < 1000)
		return oci_jp_fail(jp, "quota", "must be -1 or at least 1000 us");
	oci_jp_pop(jp, old);
	return 0;
}

static int parse_resources(struct oci_jp *jp, struct oci_resources *r,
			   json_object *linux)
{
	json_object *res, *pids, *blkio;
	uint64_t w;
	size_t old;

	if (oci_j_get(jp, linux, "resources", json_type_object, &res))
		return -1;
	if (!res)
		return 0;
	old = oci_jp_key(jp, "resources");
	if (parse_memory(jp, r, res) || parse_cpu(jp, r, res) ||
	    parse_array(jp, res, "devices", sizeof(*r->devices), 4096,
			(void **)&r->devices, &r->n_devices, parse_devrule) ||
	    oci_j_kv(jp, res, "unified", &r->unified, &r->n_unified))
		return -1;
	if (oci_j_get(jp, res, "pids", json_type_object, &pids))
		return -1;
	if (pids) {
		size_t o2 = oci_jp_key(jp, "pids");

		if (oci_j_i64(jp, pids, "limit", INT64_MIN, INT64_MAX,
			      &r->has_pids_limit, &r->pids_limit))
			return -1;
		if (!json_object_object_get_ex(pids, "limit", NULL))
			return oci_jp_fail(jp, "limit", "is required");
		oci_jp_pop(jp, o2);
	}
	if (oci_j_get(jp, res, "blockIO", json_type_object, &blkio))
		return -1;
	if (blkio) {
		size_t o2 = oci_jp_key(jp, "blockIO");

		if (oci_j_u64(jp, blkio, "weight", 0, 1000, &r->has_blkio_weight,
			      &w))
			return -1;
		if (r->has_blkio_weight && w == 0)
			r->has_blkio_weight = false;
		if (r->has_blkio_weight && w < 10)
			return oci_jp_fail(jp, "weight",
					   "must be between 10 and 1000");
		r->blkio_weight = (uint16_t)w;
		oci_jp_pop(jp, o2);
	}
	oci_jp_pop(jp, old);
	return 0;
}

static const struct { const char *name; uint32_t action; } sc_actions[] = {
	{ "SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD },
	{ "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
	{ "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
	{ "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
	{ "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0) },
	{ "SCMP_ACT_TRACE", SCMP_ACT_TRACE(0) },
	{ "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },
	{ "SCMP_ACT_LOG", SCMP_ACT_LOG },
};

/* Reads an action and its errnoRet (ERRNO/TRACE default to EPERM, as runc). */
static int parse_action(struct oci_jp *jp, json_object *o, const char *key,
			const char *errkey, uint32_t *out)
{
	const char *name;
	uint64_t ret = 1;
	bool has_ret;

	if (oci_j_str(jp, o, key, true, &name) ||
	    oci_j_u64(jp, o, errkey, 0, 4095, &has_ret, &ret))
		return -1;
	if (!has_ret)
		ret = 1; /* EPERM */
	if (!strcmp(name, "SCMP_ACT_NOTIFY"))
		return oci_jp_fail(jp, key, "SCMP_ACT_NOTIFY is not supported");
	for (size_t i = 0; i < sizeof(sc_actions) / sizeof(sc_actions[0]); i++)
		if (!strcmp(sc_actions[i].name, name)) {
			*out = sc_actions[i].action;
			if (*out == SCMP_ACT_ERRNO(0))
				*out = SCMP_ACT_ERRNO((uint32_t)ret);
			else if (*out == SCMP_ACT_TRACE(0))
				*out = SCMP_ACT_TRACE((uint32_t)ret);
			return 0;
		}
	return oci_jp_fail(jp, key, "unknown seccomp action \"%s\"", name);
}

static const char *const sc_ops[] = {
	[OCI_SC_NE] = "SCMP_CMP_NE", [OCI_SC_LT] = "SCMP_CMP_LT",
	[OCI_SC_LE] = "SCMP_CMP_LE", [OCI_SC_EQ] = "SCMP_CMP_EQ",
	[OCI_SC_GE] = "SCMP_CMP_GE", [OCI_SC_GT] = "SCMP_CMP_GT",
	[OCI_SC_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

static int parse_sc_arg(struct oci_jp *jp, void *out, json_object *o)
{
	struct oci_seccomp_arg *a = out;
	const char *op;
	uint64_t idx;

	if (!json_object_object_get_ex(o, "index", NULL))
		return oci_jp_fail(jp, "index", "is required");
	if (oci_j_u64(jp, o, "index", 0, 5, NULL, &idx) ||
	    oci_j_u64(jp, o, "value", 0, UINT64_MAX, NULL, &a->value) ||
	    oci_j_u64(jp, o, "valueTwo", 0, UINT64_MAX, NULL, &a->value_two) ||
	    oci_j_str(jp, o, "op", true, &op))
		return -1;
	a->index = (unsigned)idx;
	for (size_t i = 0; i < sizeof(sc_ops) / sizeof(sc_ops[0]); i++)
		if (!strcmp(sc_ops[i], op)) {
			a->op = (enum oci_seccomp_op)i;
			return 0;
		}
	return oci_jp_fail(jp, "op", "unknown seccomp operator \"%s\"", op);
}

static int parse_sc_rule(struct oci_jp *jp, void *out, json_object *o)
{
	struct oci_seccomp_rule *r = out;

	if (oci_j_strv(jp, o, "names", &r->names, &r->n_names) ||
	    parse_action(jp, o, "action", "errnoRet", &r->action) ||
	    parse_array(jp, o, "args", sizeof(*r->args), 6, (void **)&r->args,
			&r->n_args, parse_sc_arg))
		return -1;
	if (!r->n_names)
		return oci_jp_fail(jp, "names", "must list at least one syscall");
	return 0;
}

static int parse_seccomp(struct oci_jp *jp, struct oci_spec *s,
			 json_object *linux)
{
	json_object *o;
	struct oci_seccomp *sc;
	const char **flags;
	size_t nflags, old;

	if (oci_j_get(jp, linux, "seccomp", json_type_object, &o))
		return -1;
	if (!o)
		return 0;
	sc = oci_arena_alloc(jp->arena, sizeof(*sc));
	if (!sc)
		return oci_jp_oom(jp);
	old = oci_jp_key(jp, "seccomp");
	if (parse_action(jp, o, "defaultAction", "defaultErrnoRet",
			 &sc->default_action) ||
	    oci_j_strv(jp, o, "architectures", &sc->archs, &sc->n_archs) ||
	    oci_j_strv(jp, o, "flags", &flags, &nflags) ||
	    parse_array(jp, o, "syscalls", sizeof(*sc->rules), 65536,
			(void **)&sc->rules, &sc->n_rules, parse_sc_rule))
		return -1;
	for (size_t i = 0; i < sc->n_archs; i++) {
		char lower[32];
		const char *a = sc->archs[i];
		size_t j;

		if (strncmp(a, "SCMP_ARCH_", 10) || strlen(a + 10) >= sizeof(lower))
			return oci_jp_fail(jp, "architectures",
					   "unknown architecture \"%s\"", a);
		for (j = 0; a[10 + j]; j++)
			lower[j] = (char)tolower((unsigned char)a[10 + j]);
		lower[j] = '\0';
		if (!seccomp_arch_resolve_name(lower))
			return oci_jp_fail(jp, "architectures",
					   "unknown architecture \"%s\"", a);
	}
	for (size_t i = 0; i < nflags; i++) {
		if (!strcmp(flags[i], "SECCOMP_FILTER_FLAG_LOG"))
			sc->flags |= OCI_SECCOMP_FLAG_LOG;
		else if (!strcmp(flags[i], "SECCOMP_FILTER_FLAG_SPEC_ALLOW"))
			sc->flags |= OCI_SECCOMP_FLAG_SPEC_ALLOW;
		else if (strcmp(flags[i], "SECCOMP_FILTER_FLAG_TSYNC"))
			return oci_jp_fail(jp, "flags",
					   "unknown seccomp flag \"%s\"", flags[i]);
	}
	oci_jp_pop(jp, old);
	s->seccomp = sc;
	return 0;
}

static int parse_propagation(struct oci_jp *jp, struct oci_spec *s,
			     json_object *linux)
{
	static const struct { const char *name; unsigned long flags; } p[] = {
		{ "private", MS_PRIVATE }, { "rprivate", MS_PRIVATE | MS_REC },
		{ "slave", MS_SLAVE },	   { "rslave", MS_SLAVE | MS_REC },
		{ "shared", MS_SHARED },   { "rshared", MS_SHARED | MS_REC },
		{ "unbindable", MS_UNBINDABLE },
		{ "runbindable", MS_UNBINDABLE | MS_REC },
	};
	const char *v = NULL;

	if (oci_j_str(jp, linux, "rootfsPropagation", false, &v))
		return -1;
	if (!v || !*v)
		return 0;
	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		if (!strcmp(p[i].name, v)) {
			s->rootfs_propagation = p[i].flags;
			return 0;
		}
	return oci_jp_fail(jp, "rootfsPropagation",
			   "unknown propagation \"%s\"", v);
}

static int check_paths(struct oci_jp *jp, const char *key, const char **v,
		       size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i][0] != '/')
			return oci_jp_fail(jp, key, "\"%s\" is not an absolute path",
					   v[i]);
	return 0;
}

int oci_linux_parse(struct oci_jp *jp, struct oci_spec *s, json_object *linux)
{
	if (parse_array(jp, linux, "namespaces", sizeof(*s->namespaces), 16,
			(void **)&s->namespaces, &s->n_namespaces, parse_ns))
		return -1;
	for (size_t i = 0; i < s->n_namespaces; i++)
		for (size_t j = 0; j < i; j++)
			if (s->namespaces[i].type == s->namespaces[j].type)
				return oci_jp_fail(jp, "namespaces",
						   "\"%s\" appears twice",
						   oci_ns_name(s->namespaces[i].type));
	/* The kernel accepts at most 340 lines in uid_map/gid_map. */
	if (parse_array(jp, linux, "uidMappings", sizeof(struct oci_idmap), 340,
			(void **)&s->uid_maps, &s->n_uid_maps, parse_idmap) ||
	    parse_array(jp, linux, "gidMappings", sizeof(struct oci_idmap), 340,
			(void **)&s->gid_maps, &s->n_gid_maps, parse_idmap) ||
	    parse_array(jp, linux, "devices", sizeof(*s->devices), 4096,
			(void **)&s->devices, &s->n_devices, parse_device) ||
	    parse_resources(jp, &s->resources, linux) ||
	    oci_j_str(jp, linux, "cgroupsPath", false, &s->cgroups_path) ||
	    oci_j_kv(jp, linux, "sysctl", &s->sysctl, &s->n_sysctl) ||
	    parse_seccomp(jp, s, linux) ||
	    oci_j_strv(jp, linux, "maskedPaths", &s->masked_paths,
		       &s->n_masked_paths) ||
	    oci_j_strv(jp, linux, "readonlyPaths", &s->readonly_paths,
		       &s->n_readonly_paths) ||
	    check_paths(jp, "maskedPaths", s->masked_paths, s->n_masked_paths) ||
	    check_paths(jp, "readonlyPaths", s->readonly_paths,
			s->n_readonly_paths) ||
	    parse_propagation(jp, s, linux) ||
	    oci_j_str(jp, linux, "mountLabel", false, &s->mount_label))
		return -1;
	s->has_resources = json_object_object_get_ex(linux, "resources", NULL);
	if ((s->n_uid_maps || s->n_gid_maps) &&
	    !oci_spec_namespace(s, CLONE_NEWUSER))
		return oci_jp_fail(jp, "uidMappings",
				   "id mappings need a user namespace");
	for (size_t i = 0; i < s->n_sysctl; i++)
		if (!s->sysctl[i].key[0] || strstr(s->sysctl[i].key, "..") ||
		    strchr(s->sysctl[i].key, '/'))
			return oci_jp_fail(jp, "sysctl", "bad key \"%s\"",
					   s->sysctl[i].key);
	return 0;
}

int oci_resources_parse(struct oci_resources *r, struct oci_arena *a,
			const char *buf, size_t len, struct gerr *err);

/* `update --resources`: a lone linux.resources object. */
int oci_resources_parse(struct oci_resources *r, struct oci_arena *a,
			const char *buf, size_t len, struct gerr *err)
{
	struct oci_jp jp;
	json_object *wrap, *top;
	enum json_tokener_error je;
	int rc;

	memset(r, 0, sizeof(*r));
	if (len > (1u << 20))
		return gerr_set(err, "resources: larger than 1 MiB");
	top = json_tokener_parse_verbose(buf, &je);
	if (!top)
		return gerr_set(err, "resources: invalid JSON: %s",
				json_tokener_error_desc(je));
	if (json_object_get_type(top) != json_type_object) {
		json_object_put(top);
		return gerr_set(err, "resources: must be a JSON object");
	}
	wrap = json_object_new_object();
	json_object_object_add(wrap, "resources", top);
	oci_jp_init(&jp, a, err, "resources");
	rc = parse_resources(&jp, r, wrap);
	json_object_put(wrap);
	return rc;
}
