/* `exec`: a new process in a running container's namespaces and cgroup. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci/cgroup.h"
#include "oci/console.h"
#include "oci/oci.h"
#include "oci/process.h"
#include "oci/util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* The order in which a new process joins: user first (it grants the rights
 * for the rest), mount last (it changes what paths mean). */
static const struct { int type; const char *file; } ns_order[] = {
	{ CLONE_NEWUSER, "user" }, { CLONE_NEWIPC, "ipc" },
	{ CLONE_NEWUTS, "uts" },   { CLONE_NEWNET, "net" },
	{ CLONE_NEWCGROUP, "cgroup" }, { CLONE_NEWNS, "mnt" },
};

struct exec_job {
	struct oci_state st;
	struct oci_spec spec;
	struct oci_arena arena;
	struct oci_process proc;
	int nsfd[6], pidns_fd, timens_fd, console_fd;
	int home_fd[2]; /* our own pid and time namespaces, to come back to */
	int go[2], errp[2];
};

/* One id of "uid[:gid]": digits only, at most OCI_UGID_MAX; *s moves past it. */
static int parse_id(const char **s, uint32_t *out)
{
	uint64_t v = 0;
	const char *p = *s;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++)
		if ((v = v * 10 + (uint64_t)(*p - '0')) > OCI_UGID_MAX)
			return -1;
	*out = (uint32_t)v;
	*s = p;
	return 0;
}

/* "uid[:gid]"; without ":gid" the config's gid stays (as runc). */
static int parse_user(const char *s, uint32_t *uid, uint32_t *gid)
{
	if (parse_id(&s, uid))
		return -1;
	if (*s == ':' && (s++, parse_id(&s, gid)))
		return -1;
	return *s ? -1 : 0;
}

static int build_process(struct exec_job *j, const struct oci_exec_opts *o,
			 struct gerr *err)
{
	struct oci_process *p = &j->proc;
	size_t n_env = 0, n_args = 0, len;
	const char **env;
	char *buf;

	if (o->process_file) {
		buf = oci_read_file(o->process_file, 4 << 20, &len);
		if (!buf)
			return gerr_errno(err, errno, "process file %s",
					  o->process_file);
		n_env = (size_t)oci_process_parse(p, &j->arena, buf, len,
						  o->process_file, err);
		free(buf);
		return (int)n_env;
	}
	if (!j->spec.has_process)
		return gerr_set(err, "config.json has no process to inherit");
	*p = j->spec.process;
	while (o->args && o->args[n_args])
		n_args++;
	if (!n_args)
		return gerr_set(err, "exec: no command given");
	p->args = o->args;
	p->n_args = n_args;
	while (o->env && o->env[n_env])
		n_env++;
	env = oci_arena_array(&j->arena, p->n_env + n_env + 1, sizeof(*env));
	if (!env)
		return gerr_set(err, "out of memory");
	memcpy(env, p->env, p->n_env * sizeof(*env));
	memcpy(env + p->n_env, o->env, n_env * sizeof(*env));
	p->env = env;
	p->n_env += n_env;
	if (o->cwd)
		p->cwd = o->cwd;
	if (o->user) {
		if (parse_user(o->user, &p->uid, &p->gid))
			return gerr_set(err, "--user \"%s\": want uid[:gid], each "
					"a number up to %u", o->user, OCI_UGID_MAX);
	}
	p->terminal = o->tty;
	if (o->no_new_privs)
		p->no_new_privileges = true;
	return 0;
}

static bool same_ns(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_ino == sb.st_ino &&
	       sa.st_dev == sb.st_dev;
}

static int open_namespaces(struct exec_job *j, struct gerr *err)
{
	char path[64], self[64];

	for (size_t i = 0; i < 6; i++) {
		j->nsfd[i] = -1;
		if (!oci_spec_namespace(&j->spec, ns_order[i].type))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)j->st.pid,
			 ns_order[i].file);
		snprintf(self, sizeof(self), "/proc/self/ns/%s", ns_order[i].file);
		if (ns_order[i].type == CLONE_NEWUSER && same_ns(path, self))
			continue; /* setns into one's own userns fails */
		j->nsfd[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (j->nsfd[i] < 0)
			return gerr_errno(err, errno, "%s", path);
	}
	/* pid and time namespaces apply to children: joined before fork. */
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)j->st.pid);
	j->pidns_fd = oci_spec_namespace(&j->spec, CLONE_NEWPID)
			      ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	snprintf(path, sizeof(path), "/proc/%d/ns/time", (int)j->st.pid);
	snprintf(self, sizeof(self), "/proc/self/ns/time");
	j->timens_fd = oci_spec_namespace(&j->spec, CLONE_NEWTIME) &&
				       !same_ns(path, self)
			       ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	j->home_fd[0] = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	j->home_fd[1] = open("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
	if ((j->pidns_fd >= 0 && setns(j->pidns_fd, CLONE_NEWPID)) ||
	    (j->timens_fd >= 0 && setns(j->timens_fd, CLONE_NEWTIME)))
		return gerr_errno(err, errno, "join the container's pid/time "
				  "namespace");
	return 0;
}

static _Noreturn void child_fail(struct exec_job *j, struct gerr *err)
{
	oci_write_all(j->errp[1], err->msg, strlen(err->msg));
	_exit(127);
}

static _Noreturn void exec_child(struct exec_job *j,
				 const struct oci_exec_opts *o)
{
	struct gerr err;
	char exe[PATH_MAX], c;
	void *filter = NULL;
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Joining the container's pid namespace makes us visible to its
	 * processes: until the exec, none may ptrace us or open our fds. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	close(j->go[1]);
	close(j->errp[0]);
	if (read(j->go[0], &c, 1) != 1)
		_exit(127);
	for (size_t i = 0; i < 6; i++)
		if (j->nsfd[i] >= 0 && setns(j->nsfd[i], ns_order[i].type)) {
			gerr_errno(&err, errno, "join %s namespace",
				   ns_order[i].file);
			child_fail(j, &err);
		}
	if (chdir("/")) {
		gerr_errno(&err, errno, "chdir /");
		child_fail(j, &err);
	}
	if (j->proc.terminal &&
	    oci_console_setup(j->console_fd, j->proc.console_height,
			      j->proc.console_width, &err))
		child_fail(j, &err);
	if (oci_proc_rlimits(&j->proc, &err) ||
	    (chdir(j->proc.cwd) && errno != EACCES &&
	     gerr_errno(&err, errno, "chdir to cwd (\"%s\")", j->proc.cwd)) ||
	    oci_proc_find_exec(&j->proc, exe, sizeof(exe), &err) ||
	    oci_seccomp_build(j->spec.seccomp, j->proc.no_new_privileges,
			      &filter, &err) ||
	    oci_proc_finish(&j->proc, filter, j->nsfd[0] >= 0, o->preserve_fds,
			    &err))
		child_fail(j, &err);
	oci_proc_exec(&j->proc, exe, &err);
	child_fail(j, &err);
}

static void job_close(struct exec_job *j)
{
	for (size_t i = 0; i < 6; i++)
		if (j->nsfd[i] >= 0)
			close(j->nsfd[i]);
	if (j->pidns_fd >= 0)
		close(j->pidns_fd);
	if (j->timens_fd >= 0)
		close(j->timens_fd);
	for (size_t i = 0; i < 2; i++)
		if (j->home_fd[i] >= 0)
			close(j->home_fd[i]);
	if (j->console_fd >= 0)
		close(j->console_fd);
	oci_spec_free(&j->spec);
	oci_arena_free(&j->arena);
	oci_state_release(&j->st);
}

static int exec_prepare(struct exec_job *j, const char *root, const char *id,
			const struct oci_exec_opts *o, struct gerr *err)
{
	enum oci_status s;

	if (oci_state_load(&j->st, root, id, err))
		return -1;
	s = oci_state_status(&j->st);
	if (s != OCI_RUNNING && s != OCI_CREATED)
		return gerr_set(err, "cannot exec in container \"%s\": it is %s",
				id, oci_status_name(s));
	if (oci_state_load_config(&j->st, &j->spec, err) ||
	    build_process(j, o, err))
		return -1;
	if (j->proc.terminal) {
		if (!o->console_socket)
			return gerr_set(err, "--tty needs --console-socket");
		j->console_fd = oci_console_connect(o->console_socket, err);
		if (j->console_fd < 0)
			return -1;
	}
	return open_namespaces(j, err);
}

/* Waits for the child's exec: EOF on the close-on-exec pipe is success,
 * bytes are its error message. */
static int exec_result(struct exec_job *j, pid_t pid, struct gerr *err)
{
	char msg[sizeof(err->msg)];
	ssize_t n, total = 0;

	while ((n = read(j->errp[0], msg + total, sizeof(msg) - 1 - (size_t)total)) > 0)
		total += n;
	if (total > 0) {
		msg[total] = '\0';
		waitpid(pid, NULL, 0);
		return gerr_set(err, "%s", msg);
	}
	return 0;
}

int oci_exec(const char *root, const char *id, const struct oci_exec_opts *o,
	     int *exit_code, struct gerr *err)
{
	struct exec_job j = { .pidns_fd = -1, .timens_fd = -1, .console_fd = -1,
			      .go = { -1, -1 }, .errp = { -1, -1 },
			      .home_fd = { -1, -1 } };
	const struct oci_cgroup_mgr *m;
	pid_t pid = -1;
	int status, r = -1;

	for (size_t i = 0; i < 6; i++)
		j.nsfd[i] = -1;
	*exit_code = 0;
	if (exec_prepare(&j, root, id, o, err))
		goto out;
	if (pipe2(j.go, O_CLOEXEC) || pipe2(j.errp, O_CLOEXEC)) {
		gerr_errno(err, errno, "pipe");
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		gerr_errno(err, errno, "fork");
		goto out;
	}
	if (pid == 0)
		exec_child(&j, o);
	/* Our own later children (LeakSanitizer's tracer thread, for one)
	 * belong in our namespaces, not the container's. */
	if ((j.pidns_fd >= 0 && setns(j.home_fd[0], CLONE_NEWPID)) ||
	    (j.timens_fd >= 0 && setns(j.home_fd[1], CLONE_NEWTIME))) {
		gerr_errno(err, errno, "return to the runtime's pid/time namespace");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto out;
	}
	close(j.go[0]);
	close(j.errp[1]);
	j.go[0] = j.errp[1] = -1;
	if (j.st.has_cgroup && (!(m = oci_cgroup_host(err)) ||
				m->ops->enter(m, j.st.cgroup_path, pid, err))) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto out;
	}
	if (write(j.go[1], "g", 1) != 1 || exec_result(&j, pid, err))
		goto out;
	if (o->pid_file && oci_write_pid_file(o->pid_file, pid)) {
		gerr_errno(err, errno, "pid file %s", o->pid_file);
		goto out;
	}
	if (o->detach) {
		r = 0;
		goto out;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			gerr_errno(err, errno, "wait for exec'd process");
			goto out;
		}
	*exit_code = WIFEXITED(status) ? WEXITSTATUS(status)
				       : 128 + WTERMSIG(status);
	r = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (j.go[i] >= 0)
			close(j.go[i]);
		if (j.errp[i] >= 0)
			close(j.errp[i]);
	}
	job_close(&j);
	return r;
}
