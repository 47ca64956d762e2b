/* The jailer (see jail.h). */
#include "jail/jail.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oci/cgroup.h"
#include "oci/util.h"

#define JAIL_MAX_FILES (CONFIG_MAX_DISKS + 10)

/* One file the VM uses, seen at the same absolute path inside the jail. */
struct jail_file {
	char *path; /* absolute, resolved; lives as long as the process */
	bool writable;
};

struct jail {
	struct vm_config *cfg;
	struct jail_file files[JAIL_MAX_FILES];
	size_t n_files;
	char dir[PATH_MAX];
	char cgroup[64];
	const struct oci_cgroup_mgr *cg;
};

/* The resolved paths must outlive jail_enter(): cfg points at them. */
static char *kept[JAIL_MAX_FILES];
static size_t n_kept;

static int add_file(struct jail *j, const char **path, bool writable,
		    struct gerr *err)
{
	char real[PATH_MAX];

	if (!*path)
		return 0;
	if (!realpath(*path, real))
		return gerr_errno(err, errno, "--jail: %s", *path);
	/* The same file twice (--kernel X --initrd X): one bind, writable
	 * if either use needs it. */
	for (size_t i = 0; i < j->n_files; i++)
		if (!strcmp(j->files[i].path, real)) {
			j->files[i].writable |= writable;
			*path = j->files[i].path;
			return 0;
		}
	if (j->n_files == JAIL_MAX_FILES || n_kept == JAIL_MAX_FILES)
		return gerr_set(err, "--jail: too many files");
	kept[n_kept] = strdup(real);
	if (!kept[n_kept])
		return gerr_set(err, "out of memory");
	j->files[j->n_files++] = (struct jail_file){ kept[n_kept], writable };
	*path = kept[n_kept++];
	return 0;
}

/* The files and device nodes the VM will open, from cfg. */
static int collect(struct jail *j, struct gerr *err)
{
	struct vm_config *c = j->cfg;
	bool user_net = false, tap = false;
	const char *dev;

	if (add_file(j, &c->kernel, false, err) || add_file(j, &c->initrd, false, err))
		return -1;
	for (unsigned i = 0; i < c->nr_disks; i++)
		if (add_file(j, &c->disk[i].path, !c->disk[i].readonly, err))
			return -1;
	if (c->console == CONSOLE_FILE) {
		/* Created now, so that there is something to bind. */
		int fd = open(c->console_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		if (fd < 0)
			return gerr_errno(err, errno, "--console %s", c->console_path);
		close(fd);
		if (add_file(j, &c->console_path, true, err))
			return -1;
	}
	for (unsigned i = 0; i < c->nr_nets; i++) {
		user_net |= c->net[i].kind == NET_USER;
		tap |= c->net[i].kind == NET_TAP;
	}
	static const char *const always[] = { "/dev/null", "/dev/zero",
					      "/dev/urandom" };
	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++) {
		dev = always[i];
		if (add_file(j, &dev, true, err))
			return -1;
	}
	dev = "/dev/kvm";
	if (!strcmp(c->cpu, "kvm") && add_file(j, &dev, true, err))
		return -1;
	dev = "/dev/net/tun";
	if (tap && add_file(j, &dev, true, err))
		return -1;
	/* libslirp reads the host's resolvers for its DNS forwarder. */
	dev = "/etc/resolv.conf";
	if (user_net && !access(dev, R_OK) && add_file(j, &dev, false, err))
		return -1;
	return 0;
}

/* In the jailed process: DIR/<path> made (parents too) and the host's file
 * bound on it, read-only unless writable. */
static int bind_file(const struct jail *j, const struct jail_file *f,
		     struct gerr *err)
{
	char target[PATH_MAX * 2], *slash;
	struct stat st;
	int fd;

	if (oci_fmt(target, sizeof(target), "%s%s", j->dir, f->path))
		return gerr_set(err, "--jail: %s: path too long", f->path);
	slash = strrchr(target, '/');
	*slash = '\0';
	if (oci_mkdir_p(target, 0755))
		return gerr_errno(err, errno, "--jail: mkdir %s", target);
	*slash = '/';
	if (stat(f->path, &st))
		return gerr_errno(err, errno, "--jail: %s", f->path);
	fd = S_ISDIR(st.st_mode) ? mkdir(target, 0755)
				 : open(target, O_WRONLY | O_CREAT | O_EXCL |
						O_CLOEXEC, 0600);
	if (fd < 0)
		return gerr_errno(err, errno, "--jail: create %s", target);
	if (!S_ISDIR(st.st_mode))
		close(fd);
	if (mount(f->path, target, NULL, MS_BIND, NULL) ||
	    mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_NOSUID |
		  (S_ISCHR(st.st_mode) ? 0 : MS_NODEV) |
		  (f->writable ? 0 : MS_RDONLY), NULL))
		return gerr_errno(err, errno, "--jail: bind %s", f->path);
	return 0;
}

/* Makes DIR the root: the host's tree is stacked under it by
 * pivot_root(".", ".") and then detached. */
static int pivot(const char *dir, struct gerr *err)
{
	int old = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC), r = -1;

	if (old < 0)
		return gerr_errno(err, errno, "--jail: open /");
	if (chdir(dir) || syscall(SYS_pivot_root, ".", ".") || fchdir(old) ||
	    umount2(".", MNT_DETACH) || chdir("/"))
		gerr_errno(err, errno, "--jail: pivot_root to %s", dir);
	else
		r = 0;
	close(old);
	return r;
}

static int build_root(const struct jail *j, struct gerr *err)
{
	char proc[PATH_MAX + 8];

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return gerr_errno(err, errno, "--jail: make / private");
	/* A tmpfs of our own: nothing is created in DIR on the host. */
	if (mount("tmpfs", j->dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=0755,size=1m,nr_inodes=256"))
		return gerr_errno(err, errno, "--jail: tmpfs on %s", j->dir);
	for (size_t i = 0; i < j->n_files; i++)
		if (bind_file(j, &j->files[i], err))
			return -1;
	snprintf(proc, sizeof(proc), "%s/proc", j->dir);
	/* Read-only: /proc/sys and friends check only for uid 0, which the
	 * jailed VMM still is without --user. */
	if (mkdir(proc, 0555) ||
	    mount("proc", proc, "proc", MS_RDONLY | MS_NOSUID | MS_NODEV |
		  MS_NOEXEC, NULL))
		return gerr_errno(err, errno, "--jail: /proc");
	if (pivot(j->dir, err))
		return -1;
	/* Nothing more is created: the root becomes read-only. */
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV |
		  MS_NOEXEC, NULL))
		return gerr_errno(err, errno, "--jail: read-only root");
	return 0;
}

/* The supervisor's cgroup for the jailed pid, with its limits. */
static int cgroup_place(struct jail *j, pid_t pid, struct gerr *err)
{
	const struct vm_config *c = j->cfg;
	unsigned cpus = c->jail_cpus ? c->jail_cpus : c->ncpus + 1;
	uint64_t over = c->jail_mem_overhead ? c->jail_mem_overhead : 256ull << 20;
	struct oci_resources r = {
		.has_memory_limit = true,
		.memory_limit = (int64_t)(c->mem_bytes + over),
		.has_cpu_quota = true, .cpu_quota = (int64_t)cpus * 100000,
		.has_cpu_period = true, .cpu_period = 100000,
	};

	j->cg = oci_cgroup_host(err);
	if (!j->cg)
		return -1;
	snprintf(j->cgroup, sizeof(j->cgroup), "/gamut-jail/%d", (int)pid);
	if (j->cg->ops->enter(j->cg, j->cgroup, pid, err) ||
	    j->cg->ops->apply(j->cg, j->cgroup, &r, err))
		return gerr_prefix(err, "--jail: cgroup %s: ", j->cgroup);
	return 0;
}

static volatile sig_atomic_t jailed_pid;

static void forward(int sig)
{
	/* These signals end an unjailed gamut (their default action).  The
	 * jailed gamut is PID 1 of its namespace, which the kernel shields
	 * from signals it does not handle: only SIGKILL has the same end. */
	(void)sig;
	if (jailed_pid > 0)
		kill(jailed_pid, SIGKILL);
}

/* SIGUSR1 asks for a --stats-file record (core/stats_report.h): the
 * jailed gamut takes it (or ignores it) itself. */
static void forward_usr1(int sig)
{
	(void)sig;
	if (jailed_pid > 0)
		kill(jailed_pid, SIGUSR1);
}

static int supervise(struct jail *j, pid_t pid, int go, int *status,
		     struct gerr *err)
{
	struct sigaction sa = { .sa_handler = forward };
	struct sigaction usr1 = { .sa_handler = forward_usr1 };
	struct gerr ignored;
	sigset_t set;
	int ws, r;

	jailed_pid = pid;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&usr1.sa_mask);
	sigaction(SIGUSR1, &usr1, NULL);
	/* cmd_run blocked it for --stats: here it is only passed on. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	r = cgroup_place(j, pid, err);
	if (r)
		kill(pid, SIGKILL);
	else if (write(go, "g", 1) != 1)
		kill(pid, SIGKILL);
	close(go);
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (j->cg && j->cgroup[0])
		oci_cgroup_remove(j->cg, j->cgroup, &ignored);
	if (r)
		return -1;
	*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	return 1;
}

/* In the jailed process, once the supervisor has placed it. */
static int jailed(struct jail *j, int go, struct gerr *err)
{
	char c;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (read(go, &c, 1) != 1)
		_exit(1); /* the supervisor failed and said why */
	close(go);
	if (sethostname("gamut-jail", 10))
		return gerr_errno(err, errno, "--jail: hostname");
	return build_root(j, err);
}

int jail_enter(struct vm_config *cfg, int *status, struct gerr *err)
{
	static struct jail j;
	int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;
	struct stat st;
	int go[2];
	pid_t pid;

	j = (struct jail){ .cfg = cfg };
	if (geteuid() != 0)
		return gerr_set(err, "--jail needs root (namespaces, mounts and "
				"a cgroup)");
	if (oci_mkdir_p(cfg->jail_dir, 0700) || !realpath(cfg->jail_dir, j.dir) ||
	    stat(j.dir, &st) || !S_ISDIR(st.st_mode))
		return gerr_errno(err, errno ? errno : ENOTDIR, "--jail %s",
				  cfg->jail_dir);
	if (collect(&j, err))
		return -1;
	if (!cfg->nr_nets && !cfg->gdb_port)
		flags |= CLONE_NEWNET;
	if (pipe2(go, O_CLOEXEC))
		return gerr_errno(err, errno, "pipe");
	fflush(NULL);
	/* clone without a stack behaves like fork, with namespaces */
	pid = (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, NULL,
			     NULL, NULL, NULL);
	if (pid < 0) {
		gerr_errno(err, errno, "--jail: clone into new namespaces");
		close(go[0]);
		close(go[1]);
		return -1;
	}
	if (pid == 0) {
		close(go[1]);
		return jailed(&j, go[0], err);
	}
	close(go[0]);
	return supervise(&j, pid, go[1], status, err);
}
