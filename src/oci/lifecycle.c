/* start, state, kill, delete, pause/resume, ps, update, list and run. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "oci/cgroup.h"
#include "oci/create.h"
#include "oci/hooks.h"
#include "oci/json.h"
#include "oci/oci.h"
#include "oci/util.h"

int oci_resources_parse(struct oci_resources *r, struct oci_arena *a,
			const char *buf, size_t len, struct gerr *err);

/* Runs the hooks of one kind from the config create kept; a container
 * whose copy is gone or unreadable has no hooks to run. */
static int run_bundle_hooks(const struct oci_state *st, enum oci_hook_kind k,
			    const char *status, struct gerr *err)
{
	struct oci_spec spec;
	struct gerr ignored;
	char *json;
	int r;

	if (oci_state_load_config(st, &spec, &ignored))
		return 0;
	json = oci_create_state_json(st, status);
	r = json ? oci_hooks_run(&spec, k, json, err) : 0;
	free(json);
	oci_spec_free(&spec);
	return r;
}

int oci_start(const char *root, const char *id, struct gerr *err)
{
	struct oci_state st;
	enum oci_status s;
	char fifo[PATH_MAX + 16], c;
	int fd, r = -1;

	if (oci_state_load(&st, root, id, err))
		return -1;
	s = oci_state_status(&st);
	if (s != OCI_CREATED) {
		gerr_set(err, "cannot start container \"%s\": it is %s, not "
			 "created", id, oci_status_name(s));
		goto out;
	}
	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", st.dir);
	fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		gerr_errno(err, errno, "%s", fifo);
		goto out;
	}
	/* init opens the write end as soon as we hold the read end; wait for
	 * its byte, checking that it is still alive. */
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int n = poll(&p, 1, 100);

		if (n > 0 && read(fd, &c, 1) == 1)
			break;
		if (!oci_pid_alive(st.pid, st.start_time) || (n > 0 && (p.revents & POLLHUP))) {
			close(fd);
			gerr_set(err, "container \"%s\" exited before it started",
				 id);
			goto out;
		}
	}
	close(fd);
	unlink(fifo);
	/* A failing poststart hook is reported but does not stop the
	 * container (runtime-spec). */
	r = run_bundle_hooks(&st, OCI_HOOK_POSTSTART, "running", err) ? 1 : 0;
	if (r == 1) {
		gerr_prefix(err, "warning: ");
		r = 0;
	}
out:
	oci_state_release(&st);
	return r;
}

int oci_state(const char *root, const char *id, char **json, struct gerr *err)
{
	struct oci_state st;

	if (oci_state_load(&st, root, id, err))
		return -1;
	*json = oci_state_json(&st, oci_state_status(&st));
	oci_state_release(&st);
	return *json ? 0 : gerr_set(err, "out of memory");
}

static const struct oci_cgroup_mgr *cgroups_of(const struct oci_state *st,
					       struct gerr *err)
{
	if (!st->has_cgroup) {
		gerr_set(err, "container \"%s\" has no cgroup (rootless)", st->id);
		return NULL;
	}
	return oci_cgroup_host(err);
}

int oci_kill(const char *root, const char *id, int sig, bool all,
	     struct gerr *err)
{
	struct oci_state st;
	int r = -1;

	if (oci_state_load(&st, root, id, err))
		return -1;
	if (oci_state_status(&st) == OCI_STOPPED) {
		gerr_set(err, "container \"%s\" is not running", id);
	} else if (all && st.has_cgroup) {
		const struct oci_cgroup_mgr *m = cgroups_of(&st, err);

		r = m && oci_cgroup_signal_all(m, st.cgroup_path, sig, err) >= 0
			    ? 0 : -1;
	} else if (kill(st.pid, sig)) {
		gerr_errno(err, errno, "kill container \"%s\" (pid %d)", id,
			   (int)st.pid);
	} else {
		r = 0;
	}
	oci_state_release(&st);
	return r;
}

/* Waits until pid is gone (a zombie counts as gone: its parent reaps it). */
static void wait_gone(const struct oci_state *st)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };

	for (int i = 0; i < 5000 && oci_pid_alive(st->pid, st->start_time); i++) {
		waitpid(st->pid, NULL, WNOHANG);
		nanosleep(&ts, NULL);
	}
}

static int destroy(struct oci_state *st, struct gerr *err)
{
	if (st->has_cgroup) {
		const struct oci_cgroup_mgr *m = oci_cgroup_host(err);

		if (!m || oci_cgroup_remove(m, st->cgroup_path, err))
			return -1;
	}
	run_bundle_hooks(st, OCI_HOOK_POSTSTOP, "stopped", err);
	oci_state_remove_dir(st);
	return 0;
}

int oci_delete(const char *root, const char *id, bool force, struct gerr *err)
{
	struct oci_state st;
	enum oci_status s;
	int r = -1;

	if (oci_state_load(&st, root, id, err)) {
		/* A directory without state.json is a create that died half
		 * way: delete clears it. */
		if (!access(st.dir, F_OK) && strstr(err->msg, "unreadable")) {
			oci_state_remove_dir(&st);
			return 0;
		}
		return -1;
	}
	s = oci_state_status(&st);
	if (s != OCI_STOPPED && s != OCI_CREATED && !force) {
		gerr_set(err, "cannot delete container \"%s\": it is %s (use "
			 "--force)", id, oci_status_name(s));
		goto out;
	}
	if (s != OCI_STOPPED) {
		if (st.has_cgroup) {
			const struct oci_cgroup_mgr *m = oci_cgroup_host(err);

			if (m && s == OCI_PAUSED)
				m->ops->freeze(m, st.cgroup_path, false, err);
			if (m)
				oci_cgroup_signal_all(m, st.cgroup_path, SIGKILL, err);
		}
		kill(st.pid, SIGKILL);
		wait_gone(&st);
	}
	r = destroy(&st, err);
out:
	oci_state_release(&st);
	return r;
}

static int freeze(const char *root, const char *id, bool frozen,
		  struct gerr *err)
{
	struct oci_state st;
	const struct oci_cgroup_mgr *m;
	enum oci_status s;
	int r = -1;

	if (oci_state_load(&st, root, id, err))
		return -1;
	s = oci_state_status(&st);
	if (frozen && s != OCI_RUNNING && s != OCI_CREATED)
		gerr_set(err, "cannot pause container \"%s\": it is %s", id,
			 oci_status_name(s));
	else if (!frozen && s != OCI_PAUSED)
		gerr_set(err, "cannot resume container \"%s\": it is %s", id,
			 oci_status_name(s));
	else if ((m = cgroups_of(&st, err)))
		r = m->ops->freeze(m, st.cgroup_path, frozen, err);
	oci_state_release(&st);
	return r;
}

int oci_pause(const char *root, const char *id, struct gerr *err)
{
	return freeze(root, id, true, err);
}

int oci_resume(const char *root, const char *id, struct gerr *err)
{
	return freeze(root, id, false, err);
}

int oci_ps(const char *root, const char *id, pid_t **pids, size_t *n,
	   struct gerr *err)
{
	struct oci_state st;
	const struct oci_cgroup_mgr *m;
	int r = -1;

	*pids = NULL;
	*n = 0;
	if (oci_state_load(&st, root, id, err))
		return -1;
	if (oci_state_status(&st) == OCI_STOPPED) {
		r = 0;
	} else if (!st.has_cgroup) {
		*pids = malloc(sizeof(pid_t));
		if (*pids) {
			**pids = st.pid;
			*n = 1;
			r = 0;
		}
	} else if ((m = cgroups_of(&st, err))) {
		r = m->ops->pids(m, st.cgroup_path, pids, n, err);
	}
	oci_state_release(&st);
	return r;
}

int oci_update(const char *root, const char *id, const char *json, size_t len,
	       struct gerr *err)
{
	struct oci_state st;
	struct oci_resources res;
	struct oci_arena arena = { 0 };
	const struct oci_cgroup_mgr *m;
	int r = -1;

	if (oci_state_load(&st, root, id, err))
		return -1;
	if (oci_state_status(&st) == OCI_STOPPED)
		gerr_set(err, "container \"%s\" is not running", id);
	else if (!oci_resources_parse(&res, &arena, json, len, err) &&
		 (m = cgroups_of(&st, err)))
		r = m->ops->apply(m, st.cgroup_path, &res, err);
	oci_arena_free(&arena);
	oci_state_release(&st);
	return r;
}

int oci_list(const char *root, bool json, bool quiet, FILE *f, struct gerr *err)
{
	DIR *d = opendir(root);
	json_object *arr = json_object_new_array();
	struct dirent *e;

	if (!d && errno != ENOENT) {
		json_object_put(arr);
		return gerr_errno(err, errno, "%s", root);
	}
	if (!json && !quiet)
		fprintf(f, "%-24s %-8s %-10s %-40s %-32s %s\n", "ID", "PID",
			"STATUS", "BUNDLE", "CREATED", "OWNER");
	while (d && (e = readdir(d))) {
		struct oci_state st;
		struct gerr ignored;
		enum oci_status s;
		json_object *o;

		if (e->d_name[0] == '.' ||
		    oci_state_load(&st, root, e->d_name, &ignored))
			continue;
		s = oci_state_status(&st);
		if (quiet) {
			fprintf(f, "%s\n", st.id);
		} else if (!json) {
			fprintf(f, "%-24s %-8d %-10s %-40s %-32s %s\n", st.id,
				s == OCI_STOPPED ? 0 : (int)st.pid,
				oci_status_name(s), st.bundle, st.created,
				st.owner ? "" : "root");
		} else {
			o = json_object_new_object();
			json_object_object_add(o, "ociVersion",
					       json_object_new_string(OCI_SPEC_VERSION));
			json_object_object_add(o, "id", json_object_new_string(st.id));
			json_object_object_add(o, "pid", json_object_new_int(
				s == OCI_STOPPED ? 0 : st.pid));
			json_object_object_add(o, "status", json_object_new_string(
				oci_status_name(s)));
			json_object_object_add(o, "bundle",
					       json_object_new_string(st.bundle));
			json_object_object_add(o, "rootfs",
					       json_object_new_string(st.rootfs));
			json_object_object_add(o, "created",
					       json_object_new_string(st.created));
			json_object_object_add(o, "owner", json_object_new_string(
				st.owner ? "" : "root"));
			json_object_array_add(arr, o);
		}
		oci_state_release(&st);
	}
	if (d)
		closedir(d);
	if (json)
		fprintf(f, "%s\n", json_object_to_json_string_ext(
					   arr, JSON_C_TO_STRING_PLAIN));
	json_object_put(arr);
	return 0;
}

/* Foreground run: the runtime stays the container init's parent, forwards
 * the signals it receives, and reaps it. */
static int supervise(pid_t pid, int *exit_code, struct gerr *err)
{
	sigset_t all, old;
	int status;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		pid_t w;

		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(pid, sig);
			continue;
		}
		while ((w = waitpid(-1, &status, WNOHANG)) > 0)
			if (w == pid) {
				sigprocmask(SIG_SETMASK, &old, NULL);
				*exit_code = WIFEXITED(status)
						     ? WEXITSTATUS(status)
						     : 128 + WTERMSIG(status);
				return 0;
			}
		if (w < 0 && errno == ECHILD) {
			sigprocmask(SIG_SETMASK, &old, NULL);
			return gerr_set(err, "lost the container process");
		}
	}
}

int oci_run(const char *root, const char *id, const struct oci_create_opts *o,
	    bool detach, int *exit_code, struct gerr *err)
{
	struct gerr e2;
	pid_t pid;
	sigset_t chld, old;
	int r;

	*exit_code = 0;
	/* SIGCHLD stays blocked from create on, so that an early exit is
	 * still seen by sigwaitinfo. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	r = oci_create(root, id, o, &pid, err);
	if (!r && oci_start(root, id, err)) {
		oci_delete(root, id, true, &e2);
		r = -1;
	}
	if (r || detach) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return r;
	}
	r = supervise(pid, exit_code, err);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (oci_delete(root, id, true, r ? &e2 : err))
		return -1;
	return r;
}

const char *oci_default_root(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (geteuid() == 0)
		snprintf(buf, len, "%s", OCI_DEFAULT_ROOT);
	else if (xdg && *xdg)
		snprintf(buf, len, "%s/gamut-oci", xdg);
	else
		snprintf(buf, len, "/tmp/gamut-oci-%u", (unsigned)geteuid());
	return buf;
}
