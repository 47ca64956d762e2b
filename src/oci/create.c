/* `create`: the runtime side of starting a container.  Clones the init
 * process into new namespaces, writes its id maps, places it in its cgroup,
 * runs the createRuntime hooks when init asks, and records the state once
 * init waits on exec.fifo.  Any failure kills init and removes the cgroup
 * and state directory, so nothing is left behind. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci/cgroup.h"
#include "oci/console.h"
#include "oci/create.h"
#include "oci/hooks.h"
#include "oci/init.h"
#include "oci/oci.h"
#include "oci/sync.h"
#include "oci/util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static int write_proc(pid_t pid, const char *file, const char *text,
		      struct gerr *err)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return gerr_errno(err, errno, "%s", path);
	if (oci_write_all(fd, text, strlen(text))) {
		int e = errno;

		close(fd);
		return gerr_errno(err, e, "write %s", path);
	}
	close(fd);
	return 0;
}

static int write_map(pid_t pid, const char *file, const struct oci_idmap *m,
		     size_t n, uint32_t self, struct gerr *err)
{
	char text[340 * 36] = "";
	size_t len = 0;

	if (!n) /* rootless default: map our own id to root */
		snprintf(text, sizeof(text), "0 %u 1\n", self);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"%u %u %u\n", m[i].container_id,
					m[i].host_id, m[i].size);
	return write_proc(pid, file, text, err);
}

static int setup_userns(const struct oci_spec *s, pid_t pid, struct gerr *err)
{
	/* Without CAP_SETGID in the parent namespace the kernel requires
	 * setgroups to be denied before a gid map is written. */
	if (geteuid() != 0 && write_proc(pid, "setgroups", "deny", err))
		return -1;
	if (write_map(pid, "uid_map", s->uid_maps, s->n_uid_maps, geteuid(), err) ||
	    write_map(pid, "gid_map", s->gid_maps, s->n_gid_maps, getegid(), err))
		return gerr_prefix(err, "user namespace: ");
	return 0;
}

static int clone_flags(const struct oci_spec *s, int *flags, bool *cgroupns,
		       struct gerr *err)
{
	*flags = 0;
	*cgroupns = false;
	for (size_t i = 0; i < s->n_namespaces; i++) {
		const struct oci_namespace *ns = &s->namespaces[i];

		if (ns->path)
			continue;
		if (ns->type == CLONE_NEWCGROUP)
			*cgroupns = true; /* after joining the cgroup */
		else if (ns->type != CLONE_NEWTIME)
			*flags |= ns->type;
	}
	if (!oci_spec_namespace(s, CLONE_NEWNS))
		return gerr_set(err, "linux.namespaces: a mount namespace is "
				"required (the rootfs is mounted in it)");
	if (oci_spec_namespace(s, CLONE_NEWNS)->path)
		return gerr_set(err, "linux.namespaces: joining an existing "
				"mount namespace is not supported");
	return 0;
}

/* Namespaces that must be entered by the runtime itself before clone: a pid
 * namespace by path (it applies to children only) and a new time
 * namespace (clone(2) cannot create one). */
static int prepare_parent_namespaces(const struct oci_spec *s,
				     struct gerr *err)
{
	const struct oci_namespace *pid = oci_spec_namespace(s, CLONE_NEWPID);
	const struct oci_namespace *t = oci_spec_namespace(s, CLONE_NEWTIME);

	if (pid && pid->path) {
		int fd = open(pid->path, O_RDONLY | O_CLOEXEC);

		if (fd < 0 || setns(fd, CLONE_NEWPID)) {
			gerr_errno(err, errno, "join pid namespace %s", pid->path);
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
	}
	if (t && t->path) {
		int fd = open(t->path, O_RDONLY | O_CLOEXEC);

		if (fd < 0 || setns(fd, CLONE_NEWTIME)) {
			gerr_errno(err, errno, "join time namespace %s", t->path);
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
	} else if (t && unshare(CLONE_NEWTIME)) {
		return gerr_errno(err, errno, "new time namespace");
	}
	return 0;
}

char *oci_create_state_json(const struct oci_state *st, const char *status)
{
	json_object *o = json_object_new_object(), *ann = NULL;
	char *out;

	json_object_object_add(o, "ociVersion",
			       json_object_new_string(OCI_SPEC_VERSION));
	json_object_object_add(o, "id", json_object_new_string(st->id));
	json_object_object_add(o, "status", json_object_new_string(status));
	json_object_object_add(o, "pid", json_object_new_int(st->pid));
	json_object_object_add(o, "bundle", json_object_new_string(st->bundle));
	if (st->annotations_json)
		ann = json_tokener_parse(st->annotations_json);
	json_object_object_add(o, "annotations",
			       ann ? ann : json_object_new_object());
	out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return out;
}

static char *annotations_json(const struct oci_spec *s)
{
	json_object *o = json_object_new_object();
	char *out;

	for (size_t i = 0; i < s->n_annotations; i++)
		json_object_object_add(o, s->annotations[i].key,
				       json_object_new_string(s->annotations[i].value));
	out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return out;
}

int oci_resolve_rootfs(const struct oci_spec *s, const char *bundle, char *out,
		       struct gerr *err)
{
	char path[PATH_MAX], clean[PATH_MAX];
	struct stat st;

	if (oci_fmt(path, sizeof(path), "%s/%s", s->root_path[0] == '/' ? "" : bundle,
		    s->root_path))
		return gerr_set(err, "rootfs path too long");
	if (!realpath(path, out))
		return gerr_errno(err, errno, "rootfs %s", path);
	if (stat(out, &st) || !S_ISDIR(st.st_mode))
		return gerr_set(err, "rootfs %s is not a directory", path);
	/* A symlink anywhere in the path could be changed between this
	 * check and the mounts: refused, as runc does.  Each component as
	 * written is checked (a ".." after a symlink would hide it from a
	 * comparison of cleaned paths). */
	for (size_t i = 1, n = strlen(path); i <= n; i++) {
		if (i < n && path[i] != '/')
			continue;
		memcpy(clean, path, i);
		clean[i] = '\0';
		if (!lstat(clean, &st) && S_ISLNK(st.st_mode))
			return gerr_set(err, "rootfs %s goes through the symlink "
					"%s: give the real path (%s)", path, clean,
					out);
	}
	return 0;
}

/* The kernel namespace a sysctl belongs to (0: none, it is the host's).
 * The IPC keys are those that ipc_namespace holds (ipc-namespace(7)). */
static int sysctl_namespace(const char *key)
{
	static const char *const ipc[] = {
		"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
		"kernel.shmall", "kernel.shmmax", "kernel.shmmni",
		"kernel.shm_rmid_forced",
	};

	for (size_t i = 0; i < sizeof(ipc) / sizeof(ipc[0]); i++)
		if (!strcmp(key, ipc[i]))
			return CLONE_NEWIPC;
	if (!strncmp(key, "fs.mqueue.", 10))
		return CLONE_NEWIPC;
	if (!strncmp(key, "net.", 4))
		return CLONE_NEWNET;
	if (!strcmp(key, "kernel.hostname") || !strcmp(key, "kernel.domainname"))
		return CLONE_NEWUTS;
	return 0;
}

static bool is_host_ns(const char *path, int type)
{
	const char *name = type == CLONE_NEWNET ? "net" : oci_ns_name(type);
	char self[64];
	struct stat a, b;

	snprintf(self, sizeof(self), "/proc/self/ns/%s", name);
	return !stat(path, &a) && !stat(self, &b) && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev;
}

/* linux.sysctl may only set what the container's own namespaces hold: a
 * host sysctl (kernel.core_pattern runs a program on the host) is refused
 * at create, before anything exists. */
static int check_sysctls(const struct oci_spec *s, struct gerr *err)
{
	for (size_t i = 0; i < s->n_sysctl; i++) {
		const char *key = s->sysctl[i].key;
		int type = sysctl_namespace(key);
		const struct oci_namespace *ns = oci_spec_namespace(s, type);

		if (!type)
			return gerr_set(err, "linux.sysctl: \"%s\" is not in a "
					"namespace of the container: setting it "
					"would change the host", key);
		if (!ns || (ns->path && is_host_ns(ns->path, type)))
			return gerr_set(err, "linux.sysctl: \"%s\" needs the "
					"container's own %s namespace", key,
					oci_ns_name(type));
	}
	return 0;
}

/* Everything create holds while it runs, for one cleanup path. */
struct create_job {
	struct oci_state st;
	const struct oci_spec *spec;
	const struct oci_cgroup_mgr *cg;
	pid_t pid;
	int sync[2], fifo_fd, console_fd;
	bool dir_made;
};

static void job_abort(struct create_job *j)
{
	struct gerr ignored;

	if (j->pid > 0) {
		kill(j->pid, SIGKILL);
		waitpid(j->pid, NULL, 0);
	}
	if (j->cg && j->st.has_cgroup)
		oci_cgroup_remove(j->cg, j->st.cgroup_path, &ignored);
	if (j->dir_made)
		oci_state_remove_dir(&j->st);
}

static void job_close(struct create_job *j)
{
	for (int i = 0; i < 2; i++)
		if (j->sync[i] >= 0)
			close(j->sync[i]);
	if (j->fifo_fd >= 0)
		close(j->fifo_fd);
	if (j->console_fd >= 0)
		close(j->console_fd);
	oci_state_release(&j->st);
}

static int job_prepare(struct create_job *j, const char *root,
		       const struct oci_create_opts *o, struct gerr *err)
{
	const struct oci_spec *s = j->spec;
	char fifo[PATH_MAX + 16];

	if (!s->has_process)
		return gerr_set(err, "config.json has no process to run");
	if (s->process.terminal && !o->console_socket)
		return gerr_set(err, "process.terminal is true: --console-socket "
				"is required");
	if (check_sysctls(s, err) ||
	    oci_resolve_rootfs(s, j->st.bundle, j->st.rootfs, err))
		return -1;
	if (geteuid() == 0) {
		j->cg = oci_cgroup_host(err);
		if (!j->cg || oci_cgroup_path(j->st.cgroup_path,
					      sizeof(j->st.cgroup_path),
					      s->cgroups_path, j->st.id, err))
			return -1;
		j->st.has_cgroup = true;
	} else if (s->has_resources &&
		   (s->resources.has_memory_limit || s->resources.has_pids_limit ||
		    s->resources.has_cpu_quota || s->resources.has_cpu_shares)) {
		return gerr_set(err, "resource limits need root: rootless "
				"containers run without a cgroup of their own");
	}
	if (oci_state_create_dir(&j->st, root, err))
		return -1;
	j->dir_made = true;
	if (oci_state_save_config(&j->st, s, err))
		return -1;
	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", j->st.dir);
	/* 0622 whatever the umask: init may run as another (mapped) uid. */
	if (mkfifo(fifo, 0622) || chmod(fifo, 0622))
		return gerr_errno(err, errno, "%s", fifo);
	j->fifo_fd = open(fifo, O_PATH | O_CLOEXEC);
	if (j->fifo_fd < 0)
		return gerr_errno(err, errno, "%s", fifo);
	if (o->console_socket && s->process.terminal) {
		j->console_fd = oci_console_connect(o->console_socket, err);
		if (j->console_fd < 0)
			return -1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, j->sync))
		return gerr_errno(err, errno, "socketpair");
	return 0;
}

static int job_spawn(struct create_job *j, const struct oci_create_opts *o,
		     struct gerr *err)
{
	const struct oci_spec *s = j->spec;
	struct oci_init_args a = { 0 };
	int flags, home[2], r = 0;
	bool cgroupns;

	/* Our own pid and time namespaces: prepare_parent_namespaces changes
	 * those of our children, and only init is to be the container's. */
	home[0] = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	home[1] = open("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
	if (clone_flags(s, &flags, &cgroupns, err) ||
	    prepare_parent_namespaces(s, err)) {
		r = -1;
		goto out;
	}
	a = (struct oci_init_args){
		.spec = s, .rootfs = j->st.rootfs, .bundle = j->st.bundle,
		.cgroup_path = j->st.has_cgroup ? j->st.cgroup_path : NULL,
		.cgroups = j->cg, .sync_fd = j->sync[1], .fifo_fd = j->fifo_fd,
		.console_fd = j->console_fd,
		.new_userns = (flags & CLONE_NEWUSER) != 0,
		.new_cgroupns = cgroupns, .no_pivot = o->no_pivot,
		.no_new_keyring = o->no_new_keyring,
		.preserve_fds = o->preserve_fds,
	};
	/* clone without a new stack behaves like fork, with namespaces. */
	j->pid = (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL,
				NULL, NULL, NULL);
	if (j->pid < 0) {
		j->pid = 0;
		r = gerr_errno(err, errno, "clone with namespaces 0x%x", flags);
		goto out;
	}
	if (j->pid == 0) {
		close(j->sync[0]);
		oci_init_main(&a);
	}
	close(j->sync[1]);
	j->sync[1] = -1;
out:
	/* Hooks and LeakSanitizer's tracer run in the runtime's namespaces. */
	if ((oci_spec_namespace(s, CLONE_NEWPID) &&
	     oci_spec_namespace(s, CLONE_NEWPID)->path &&
	     setns(home[0], CLONE_NEWPID)) ||
	    (oci_spec_namespace(s, CLONE_NEWTIME) && setns(home[1], CLONE_NEWTIME)))
		r = r ? r : gerr_errno(err, errno, "return to the runtime's "
				       "pid/time namespace");
	for (int i = 0; i < 2; i++)
		if (home[i] >= 0)
			close(home[i]);
	return r;
}

static int job_setup_child(struct create_job *j, struct gerr *err)
{
	const struct oci_spec *s = j->spec;
	char oom[16];

	if (oci_spec_namespace(s, CLONE_NEWUSER) &&
	    !oci_spec_namespace(s, CLONE_NEWUSER)->path &&
	    setup_userns(s, j->pid, err))
		return -1;
	if (j->st.has_cgroup &&
	    (j->cg->ops->enter(j->cg, j->st.cgroup_path, j->pid, err) ||
	     (s->has_resources &&
	      j->cg->ops->apply(j->cg, j->st.cgroup_path, &s->resources, err))))
		return -1;
	if (s->process.has_oom_score_adj) {
		snprintf(oom, sizeof(oom), "%d", s->process.oom_score_adj);
		if (write_proc(j->pid, "oom_score_adj", oom, err))
			return -1;
	}
	return 0;
}

/* Serves init until it reports READY (or fails). */
static int job_converse(struct create_job *j, struct gerr *err)
{
	static struct oci_sync_msg msg;
	char *json = oci_create_state_json(&j->st, "creating");
	int r = -1;

	if (!json)
		return gerr_set(err, "out of memory");
	if (oci_sync_send(j->sync[0], OCI_SYNC_GO, json)) {
		gerr_errno(err, errno, "sync with container init");
		goto out;
	}
	for (;;) {
		if (oci_sync_recv(j->sync[0], &msg, err))
			goto out;
		if (msg.type == OCI_SYNC_READY)
			break;
		if (msg.type == OCI_SYNC_ERROR) {
			gerr_set(err, "%s", msg.text);
			goto out;
		}
		if (msg.type != OCI_SYNC_HOOKS) {
			gerr_set(err, "sync: unexpected message %u", msg.type);
			goto out;
		}
		if (oci_hooks_run(j->spec, OCI_HOOK_PRESTART, json, err) ||
		    oci_hooks_run(j->spec, OCI_HOOK_CREATE_RUNTIME, json, err) ||
		    oci_sync_send(j->sync[0], OCI_SYNC_HOOKS_DONE, json))
			goto out;
	}
	r = 0;
out:
	free(json);
	return r;
}

int oci_create_container(const char *root, const char *id,
			 const struct oci_create_opts *o,
			 const struct oci_spec *spec, pid_t *pid,
			 struct gerr *err)
{
	struct create_job j = { .spec = spec, .sync = { -1, -1 }, .fifo_fd = -1,
				.console_fd = -1 };
	const char *bundle = o->bundle ? o->bundle : ".";

	if (oci_state_path(&j.st, root, id, err))
		return -1;
	if (!realpath(bundle, j.st.bundle)) {
		return gerr_errno(err, errno, "bundle %s", bundle);
	}
	j.st.owner = geteuid();
	j.st.annotations_json = annotations_json(spec);
	oci_now_rfc3339(j.st.created, sizeof(j.st.created));
	if (job_prepare(&j, root, o, err) || job_spawn(&j, o, err) ||
	    job_setup_child(&j, err))
		goto fail;
	j.st.start_time = oci_pid_start_time(j.pid);
	j.st.pid = j.pid;
	if (oci_state_save(&j.st, err) || job_converse(&j, err))
		goto fail;
	if (o->pid_file && oci_write_pid_file(o->pid_file, j.pid)) {
		gerr_errno(err, errno, "pid file %s", o->pid_file);
		goto fail;
	}
	*pid = j.pid;
	job_close(&j);
	return 0;
fail:
	job_abort(&j);
	job_close(&j);
	return -1;
}

int oci_create(const char *root, const char *id,
	       const struct oci_create_opts *o, pid_t *pid, struct gerr *err)
{
	struct oci_spec spec;
	struct oci_state probe;
	int r;

	/* An existing id is refused before the bundle is even read. */
	if (oci_state_path(&probe, root, id, err))
		return -1;
	if (!access(probe.dir, F_OK))
		return gerr_set(err, "container \"%s\" already exists", id);
	if (oci_spec_load(&spec, o->bundle ? o->bundle : ".", err))
		return -1;
	r = oci_create_container(root, id, o, &spec, pid, err);
	oci_spec_free(&spec);
	return r;
}
