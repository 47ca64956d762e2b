#include "oci/init.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "oci/console.h"
#include "oci/hooks.h"
#include "oci/process.h"
#include "oci/rootfs.h"
#include "oci/sync.h"

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

static _Noreturn void fail(const struct oci_init_args *a, struct gerr *err)
{
	oci_sync_send(a->sync_fd, OCI_SYNC_ERROR, err->msg);
	_exit(1);
}

/* Joins the namespaces given by path; the user namespace first, so that
 * the others are joined with its credentials.  The pid namespace was
 * joined by the runtime before clone (it only applies to children). */
static int join_namespaces(const struct oci_spec *s, struct gerr *err)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < s->n_namespaces; i++) {
			const struct oci_namespace *ns = &s->namespaces[i];
			int fd;

			if (!ns->path || ns->type == CLONE_NEWPID ||
			    (pass == 0) != (ns->type == CLONE_NEWUSER))
				continue;
			fd = open(ns->path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				return gerr_errno(err, errno, "%s namespace %s",
						  oci_ns_name(ns->type), ns->path);
			if (setns(fd, ns->type)) {
				close(fd);
				return gerr_errno(err, errno, "join %s namespace %s",
						  oci_ns_name(ns->type), ns->path);
			}
			close(fd);
		}
	return 0;
}

static int set_names(const struct oci_spec *s, struct gerr *err)
{
	const struct oci_namespace *uts = oci_spec_namespace(s, CLONE_NEWUTS);

	if ((s->hostname || s->domainname) && !uts)
		return gerr_set(err, "hostname/domainname need a uts namespace");
	if (s->hostname && sethostname(s->hostname, strlen(s->hostname)))
		return gerr_errno(err, errno, "sethostname \"%s\"", s->hostname);
	if (s->domainname &&
	    setdomainname(s->domainname, strlen(s->domainname)))
		return gerr_errno(err, errno, "setdomainname \"%s\"",
				  s->domainname);
	return 0;
}

/* Blocks until `start` opens exec.fifo for reading.  The fifo lives outside
 * the new root, so it is reached through the fd opened before pivot_root
 * and the host /proc opened alongside it. */
static int wait_for_start(int proc_fd, int fifo_fd, struct gerr *err)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "self/fd/%d", fifo_fd);
	fd = openat(proc_fd, path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return gerr_errno(err, errno, "open exec fifo");
	if (write(fd, "0", 1) != 1) {
		close(fd);
		return gerr_errno(err, errno, "write exec fifo");
	}
	close(fd);
	close(fifo_fd);
	close(proc_fd);
	return 0;
}

_Noreturn void oci_init_main(const struct oci_init_args *a)
{
	static struct oci_sync_msg msg;
	const struct oci_spec *s = a->spec;
	const struct oci_process *p = &s->process;
	struct oci_rootfs_ctx rc = { s, a->rootfs, a->cgroup_path, a->cgroups,
				     a->new_userns, -1 };
	struct gerr err;
	char exe[PATH_MAX];
	void *filter = NULL;
	int proc_fd;

	sigset_t none;

	/* `run` blocks signals it forwards; the container starts clean. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Die with the runtime while it still supervises the setup. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (oci_sync_expect(a->sync_fd, OCI_SYNC_GO, &msg, &err))
		_exit(1);
	/* Until the exec, nothing in the container may ptrace us or open our
	 * /proc files (fds of the host, the runtime's memory).  Not before GO:
	 * a rootless runtime writes our uid_map, which needs us dumpable. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (a->new_userns) {
		/* Now that the maps exist, become the namespace's root. */
		setresgid(0, 0, 0);
		setresuid(0, 0, 0);
	}
	if (join_namespaces(s, &err))
		fail(a, &err);
	if (a->new_cgroupns && unshare(CLONE_NEWCGROUP))
		fail(a, (gerr_errno(&err, errno, "new cgroup namespace"), &err));
	/* A bind mount's relative source is relative to the bundle (as
	 * runc), not to wherever the runtime was started. */
	if (chdir(a->bundle))
		fail(a, (gerr_errno(&err, errno, "bundle %s", a->bundle), &err));
	if (set_names(s, &err) || oci_rootfs_prepare(&rc, &err))
		fail(a, &err);
	if ((s->hooks[OCI_HOOK_PRESTART].n || s->hooks[OCI_HOOK_CREATE_RUNTIME].n) &&
	    (oci_sync_send(a->sync_fd, OCI_SYNC_HOOKS, NULL) ||
	     oci_sync_expect(a->sync_fd, OCI_SYNC_HOOKS_DONE, &msg, &err)))
		_exit(1);
	if (oci_hooks_run(s, OCI_HOOK_CREATE_CONTAINER, msg.text, &err))
		fail(a, &err);
	proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (proc_fd < 0) {
		gerr_errno(&err, errno, "open /proc");
		fail(a, &err);
	}
	if (oci_rootfs_pivot(&rc, a->no_pivot, &err) ||
	    oci_rootfs_finish(&rc, &err))
		fail(a, &err);
	if (p->terminal &&
	    oci_console_setup(a->console_fd, p->console_height,
			      p->console_width, &err))
		fail(a, &err);
	if (a->console_fd >= 0)
		close(a->console_fd);
	if (!a->no_new_keyring)
		syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL);
	if (oci_proc_rlimits(p, &err) ||
	    (chdir(p->cwd) && errno != EACCES &&
	     gerr_errno(&err, errno, "chdir to cwd (\"%s\") set in config.json",
			p->cwd)) ||
	    oci_proc_find_exec(p, exe, sizeof(exe), &err) ||
	    oci_seccomp_build(s->seccomp, p->no_new_privileges, &filter, &err))
		fail(a, &err);
	/* `create` exits as soon as it reads READY: stop tying our life to
	 * it first. */
	prctl(PR_SET_PDEATHSIG, 0);
	if (oci_sync_send(a->sync_fd, OCI_SYNC_READY, NULL))
		_exit(1);
	close(a->sync_fd);
	/* From here on errors go to the container's stderr. */
	if (wait_for_start(proc_fd, a->fifo_fd, &err) ||
	    oci_hooks_run(s, OCI_HOOK_START_CONTAINER, msg.text, &err) ||
	    oci_proc_finish(p, filter, a->new_userns, a->preserve_fds, &err) ||
	    oci_proc_exec(p, exe, &err)) {
		fprintf(stderr, "gamut-oci: %s\n", err.msg);
		_exit(127);
	}
	_exit(127);
}
