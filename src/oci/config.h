/* config.json (OCI runtime-spec 1.x) as C data.
 *
 * oci_spec_parse() turns untrusted JSON into a `struct oci_spec` whose every
 * field has been type- and range-checked; the rest of the runtime never sees
 * JSON.  Each bad input yields exactly one error naming the JSON path
 * ("config.json: process.rlimits[1].hard: ...").  All memory belongs to the
 * spec's arena; oci_spec_free() releases it.  Fields the host cannot honour
 * (a cgroup controller that is absent) are accepted here and refused later
 * by the part that applies them. */
#ifndef GAMUT_OCI_CONFIG_H
#define GAMUT_OCI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/err.h"
#include "oci/arena.h"

struct oci_kv {
	const char *key;
	const char *value;
};

struct oci_rlimit {
	int resource; /* RLIMIT_* */
	uint64_t soft, hard;
};

/* Capability sets as bit masks indexed by CAP_* number. */
enum { OCI_CAP_BOUNDING, OCI_CAP_EFFECTIVE, OCI_CAP_INHERITABLE,
       OCI_CAP_PERMITTED, OCI_CAP_AMBIENT, OCI_CAP_NSETS };

/* The largest uid or gid a process can be given: (uid_t)-1 means "leave
 * unchanged" to setresuid(2), so a config asking for it would keep root. */
#define OCI_UGID_MAX (UINT32_MAX - 1)

struct oci_process {
	bool terminal;
	unsigned console_height, console_width;
	uint32_t uid, gid;
	bool has_umask;
	uint32_t umask;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	const char **args; /* NULL-terminated */
	size_t n_args;
	const char **env; /* NULL-terminated */
	size_t n_env;
	const char *cwd;
	uint64_t caps[OCI_CAP_NSETS]; /* none listed: none held */
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
	struct oci_rlimit *rlimits;
	size_t n_rlimits;
};

/* Mount flags split the way mount(2) wants them: one call for the mount,
 * one remount for read-only binds, one per propagation change. */
struct oci_mount {
	const char *destination;
	const char *type; /* "bind" for bind mounts, else an fs type */
	const char *source;
	unsigned long flags;	   /* MS_* applied at mount time */
	unsigned long clear_flags; /* MS_* explicitly cleared ("rw", "suid") */
	unsigned long propagation; /* MS_PRIVATE/SLAVE/SHARED/UNBINDABLE|MS_REC or 0 */
	bool bind, recursive;
	const char *data; /* comma-joined filesystem-specific options */
};

struct oci_namespace {
	int type; /* CLONE_NEW* */
	const char *path; /* NULL: create a new one */
};

struct oci_idmap {
	uint32_t container_id, host_id, size;
};

struct oci_device {
	const char *path;
	char type; /* 'c', 'b', 'u', 'p' */
	int64_t major, minor;
	bool has_mode, has_uid, has_gid;
	uint32_t mode, uid, gid;
};

struct oci_device_rule {
	bool allow;
	char type; /* 'a', 'c', 'b' */
	int64_t major, minor; /* -1: any */
	const char *access;
};

struct oci_resources {
	bool has_memory_limit, has_memory_reservation, has_memory_swap;
	int64_t memory_limit, memory_reservation, memory_swap; /* -1 unlimited */
	bool has_swappiness;
	uint64_t swappiness;
	bool has_cpu_shares, has_cpu_quota, has_cpu_period;
	uint64_t cpu_shares, cpu_period;
	int64_t cpu_quota;
	const char *cpuset_cpus, *cpuset_mems;
	bool has_pids_limit;
	int64_t pids_limit; /* -1 or <= 0: unlimited */
	bool has_blkio_weight;
	uint16_t blkio_weight;
	struct oci_device_rule *devices;
	size_t n_devices;
	struct oci_kv *unified;
	size_t n_unified;
};

enum oci_seccomp_op { OCI_SC_NE, OCI_SC_LT, OCI_SC_LE, OCI_SC_EQ, OCI_SC_GE,
		      OCI_SC_GT, OCI_SC_MASKED_EQ };

struct oci_seccomp_arg {
	unsigned index;
	uint64_t value, value_two;
	enum oci_seccomp_op op;
};

struct oci_seccomp_rule {
	const char **names;
	size_t n_names;
	uint32_t action; /* SCMP_ACT_* with errno folded in */
	struct oci_seccomp_arg *args;
	size_t n_args;
};

struct oci_seccomp {
	uint32_t default_action;
	const char **archs;
	size_t n_archs;
	unsigned flags; /* OCI_SECCOMP_FLAG_* */
	struct oci_seccomp_rule *rules;
	size_t n_rules;
};

#define OCI_SECCOMP_FLAG_LOG 1u
#define OCI_SECCOMP_FLAG_SPEC_ALLOW 2u

struct oci_hook {
	const char *path;
	const char **args; /* NULL-terminated, may be NULL */
	const char **env;  /* NULL-terminated, may be NULL */
	bool has_timeout;
	int timeout; /* seconds, > 0 */
};

enum oci_hook_kind { OCI_HOOK_PRESTART, OCI_HOOK_CREATE_RUNTIME,
		     OCI_HOOK_CREATE_CONTAINER, OCI_HOOK_START_CONTAINER,
		     OCI_HOOK_POSTSTART, OCI_HOOK_POSTSTOP, OCI_HOOK_NKINDS };

struct oci_hooks_list {
	struct oci_hook *hooks;
	size_t n;
};

struct oci_spec {
	struct oci_arena arena;
	/* The bytes oci_spec_load() read (malloc'd, NUL-terminated), so that
	 * create can keep the very config it checked (state.h). */
	char *raw;
	size_t raw_len;
	const char *oci_version;
	const char *root_path;
	bool root_readonly;
	bool has_process;
	struct oci_process process;
	const char *hostname, *domainname;
	struct oci_mount *mounts;
	size_t n_mounts;
	struct oci_hooks_list hooks[OCI_HOOK_NKINDS];
	struct oci_kv *annotations;
	size_t n_annotations;
	/* linux */
	struct oci_namespace *namespaces;
	size_t n_namespaces;
	struct oci_idmap *uid_maps, *gid_maps;
	size_t n_uid_maps, n_gid_maps;
	struct oci_device *devices;
	size_t n_devices;
	bool has_resources;
	struct oci_resources resources;
	const char *cgroups_path;
	struct oci_kv *sysctl;
	size_t n_sysctl;
	struct oci_seccomp *seccomp; /* NULL: no filter */
	const char **masked_paths, **readonly_paths;
	size_t n_masked_paths, n_readonly_paths;
	unsigned long rootfs_propagation; /* MS_* or 0 for the default */
	const char *mount_label;
};

/* Parses a config.json held in memory.  `name` prefixes errors ("config.json").
 * On failure the spec is freed and err says what and where. */
int oci_spec_parse(struct oci_spec *spec, const char *buf, size_t len,
		   const char *name, struct gerr *err);
/* Reads and parses <bundle>/config.json. */
int oci_spec_load(struct oci_spec *spec, const char *bundle, struct gerr *err);
void oci_spec_free(struct oci_spec *spec);

/* Parses a lone `process` object (runc exec --process FILE) into p, with
 * memory from `arena`. */
int oci_process_parse(struct oci_process *p, struct oci_arena *arena,
		      const char *buf, size_t len, const char *name,
		      struct gerr *err);

/* Finds the namespace entry of a CLONE_NEW* type, or NULL. */
const struct oci_namespace *oci_spec_namespace(const struct oci_spec *s,
					       int type);
/* Looks up an annotation; NULL when absent. */
const char *oci_spec_annotation(const struct oci_spec *s, const char *key);

/* Name tables shared by the parser, `features` and the CLI. */
int oci_ns_type(const char *name);  /* "pid" -> CLONE_NEWPID, -1 unknown */
const char *oci_ns_name(int type);
int oci_rlimit_type(const char *name); /* "RLIMIT_NOFILE" -> 7, -1 unknown */
int oci_cap_number(const char *name);  /* "CAP_CHOWN" -> 0, -1 unknown */
const char *oci_cap_name(int num);
int oci_cap_count(void);		/* entries in the name table */
int oci_signal_parse(const char *s);	/* "9", "KILL", "SIGKILL" -> 9, -1 bad */

#endif
