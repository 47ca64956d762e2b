/* Mounts, devices and pivot_root for the container's init process. */
#include "oci/rootfs.h"
#include "oci/inroot.h"
#include "oci/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

const struct oci_default_device oci_default_devices[] = {
	{ "/dev/null", 1, 3 },	  { "/dev/zero", 1, 5 },
	{ "/dev/full", 1, 7 },	  { "/dev/random", 1, 8 },
	{ "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
};
const size_t oci_default_devices_n =
	sizeof(oci_default_devices) / sizeof(oci_default_devices[0]);

const char *const oci_default_cgroup_rules[] = {
	"c *:* m",  "b *:* m",	"c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm",
	"c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm",
	"c 136:* rwm",
};
const size_t oci_default_cgroup_rules_n =
	sizeof(oci_default_cgroup_rules) / sizeof(oci_default_cgroup_rules[0]);

/* MS_* flags of a bind mount as mount_setattr(2) attributes. */
static void bind_attrs(unsigned long ms, struct mount_attr *a)
{
	if (ms & MS_RDONLY)
		a->attr_set |= MOUNT_ATTR_RDONLY;
	if (ms & MS_NOSUID)
		a->attr_set |= MOUNT_ATTR_NOSUID;
	if (ms & MS_NODEV)
		a->attr_set |= MOUNT_ATTR_NODEV;
	if (ms & MS_NOEXEC)
		a->attr_set |= MOUNT_ATTR_NOEXEC;
	if (ms & MS_NODIRATIME)
		a->attr_set |= MOUNT_ATTR_NODIRATIME;
	if (ms & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)) {
		a->attr_clr |= MOUNT_ATTR__ATIME;
		a->attr_set |= (ms & MS_NOATIME)	 ? MOUNT_ATTR_NOATIME
			       : (ms & MS_STRICTATIME) ? MOUNT_ATTR_STRICTATIME
						       : MOUNT_ATTR_RELATIME;
	}
}

/* Attaches a copy of the host's `src` on the mount point `target` (an fd
 * from oci_inroot_target), with `set` applied and `clear` ("rw", "suid")
 * removed before it becomes visible: no window in which it is writable, and
 * no path to re-resolve for a remount.  Returns an fd of the new mount (for
 * its propagation) or -1.  Flags the kernel locks on mounts from a more
 * privileged namespace are never cleared. */
static int bind_fd_onto(int sdir, const char *src, int target,
			unsigned long set, unsigned long clear, bool rec,
			const char *what, struct gerr *err)
{
	struct mount_attr a = { 0 }, locked = { 0 };
	unsigned int r = rec ? AT_RECURSIVE : 0;
	int tree = open_tree(sdir, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | r |
					(*src ? 0 : AT_EMPTY_PATH));

	if (tree < 0)
		return gerr_errno(err, errno, "bind %s on %s", src, what);
	bind_attrs(set, &a);
	bind_attrs(clear & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC), &locked);
	a.attr_clr |= locked.attr_set;
	if ((a.attr_set || a.attr_clr) &&
	    mount_setattr(tree, "", AT_EMPTY_PATH | r, &a, sizeof(a))) {
		a.attr_clr &= MOUNT_ATTR__ATIME; /* EPERM: a locked flag */
		if (errno != EPERM ||
		    mount_setattr(tree, "", AT_EMPTY_PATH | r, &a, sizeof(a))) {
			gerr_errno(err, errno, "flags of bind %s on %s", src, what);
			close(tree);
			return -1;
		}
	}
	if (move_mount(tree, "", target, "",
		       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)) {
		gerr_errno(err, errno, "bind %s on %s", src, what);
		close(tree);
		return -1;
	}
	return tree;
}

/* bind_fd_onto for a host path (a bind mount's source, a host device). */
static int bind_onto(const char *src, int target, unsigned long set,
		     unsigned long clear, bool rec, const char *what,
		     struct gerr *err)
{
	return bind_fd_onto(AT_FDCWD, src, target, set, clear, rec, what, err);
}

#define BIND_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | \
		    MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)
#define RO_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* The mount point of m: an fd pinned inside the root. */
static int open_target(const struct oci_rootfs_ctx *c, const char *dest,
		       bool as_file, struct gerr *err)
{
	int fd = oci_inroot_target(c->rootfd, dest, as_file);

	if (fd < 0)
		gerr_errno(err, errno, "mount point %s", dest);
	return fd;
}

/* A filesystem mounted on the pinned target; returns an fd of the new
 * mount (resolved again, which now lands on it) or -1 with errno. */
static int mount_fs(const struct oci_rootfs_ctx *c, const char *src,
		    int target, const char *dest, const char *type,
		    unsigned long flags, const char *data)
{
	char at[32];

	oci_fd_path(target, at);
	if (mount(src, at, type, flags & ~MS_REMOUNT, data))
		return -1;
	return oci_inroot_open(c->rootfd, dest, O_PATH | O_DIRECTORY);
}

static int mount_bind(const struct oci_mount *m, int target, struct gerr *err)
{
	return bind_onto(m->source, target, m->flags & BIND_FLAGS,
			 m->clear_flags, m->recursive, m->destination, err);
}

/* v1: a tmpfs holding one bind mount per hierarchy of the container's own
 * cgroup; v2: a cgroup2 mount (which a cgroup namespace roots at its cgroup). */
static int mount_cgroup(const struct oci_rootfs_ctx *c, const struct oci_mount *m,
			int target, struct gerr *err)
{
	const struct oci_cgroup_mgr *cg = c->cgroups;
	unsigned long ro = m->flags & MS_RDONLY;
	char src[PATH_MAX], at[32];
	int mnt;

	if (!cg || !c->cgroup_path)
		return gerr_set(err, "%s: no cgroup to mount", m->destination);
	if (cg->version == 2) {
		mnt = mount_fs(c, "cgroup2", target, m->destination, "cgroup2",
			       m->flags, NULL);
		if (mnt >= 0)
			return mnt;
		snprintf(src, sizeof(src), "%s%s", cg->v2_mount, c->cgroup_path);
		return bind_onto(src, target, ro ? RO_FLAGS : 0, 0, true,
				 m->destination, err);
	}
	mnt = mount_fs(c, "tmpfs", target, m->destination, "tmpfs",
		       MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755");
	if (mnt < 0)
		return gerr_errno(err, errno, "tmpfs on %s", m->destination);
	for (size_t i = 0; i < cg->n_hier; i++) {
		const char *name = cg->hier[i].controllers;
		int dir, b;

		if (!strncmp(name, "name=", 5))
			name += 5;
		snprintf(src, sizeof(src), "%s%s", cg->hier[i].mount,
			 c->cgroup_path);
		if (mkdirat(mnt, name, 0755) && errno != EEXIST)
			goto fail;
		dir = openat(mnt, name, O_PATH | O_DIRECTORY | O_NOFOLLOW |
						O_CLOEXEC);
		if (dir < 0)
			goto fail;
		b = bind_onto(src, dir, ro ? RO_FLAGS : 0, 0, false,
			      m->destination, err);
		close(dir);
		if (b < 0) {
			close(mnt);
			return -1;
		}
		close(b);
	}
	oci_fd_path(mnt, at);
	if (ro && mount(NULL, at, NULL, MS_REMOUNT | RO_FLAGS, "mode=755"))
		goto fail;
	return mnt;
fail:
	gerr_errno(err, errno, "cgroup hierarchies on %s", m->destination);
	close(mnt);
	return -1;
}

/* In a user namespace without its own network namespace sysfs cannot be
 * mounted, and mqueue needs an owned IPC namespace: bind the host's. */
static int mount_fallback(const struct oci_mount *m, int target, int e,
			  struct gerr *err)
{
	const char *host = !strcmp(m->type, "sysfs")    ? "/sys"
			   : !strcmp(m->type, "mqueue") ? "/dev/mqueue"
							 : NULL;

	if (!host || (e != EPERM && e != EACCES))
		return gerr_errno(err, e, "mount %s on %s", m->type,
				  m->destination);
	return bind_onto(host, target, m->flags & BIND_FLAGS, 0, true,
			 m->destination, err);
}

/* Files of /proc that container engines may replace with a bind mount
 * (lxcfs and the like); runc allows the same list. */
static const char *const proc_mountable[] = {
	"/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat",
	"/proc/swaps",	 "/proc/uptime",    "/proc/loadavg", "/proc/slabinfo",
	"/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
};

/* /proc and /sys hold what keeps a container in (masked and read-only
 * paths, /proc/sys): an image must not be able to move them.  proc and
 * sysfs are mounted only where no component of the destination is a
 * symlink (else /proc could land in a directory the image controls and
 * every mask miss), and nothing lands inside a procfs but the files of
 * proc_mountable, reached without symlinks too (else a bind over
 * /proc/sys/kernel fakes what the kernel reports).  May replace *target
 * with an fd opened without symlinks. */
static int check_target(const struct oci_rootfs_ctx *c,
			const struct oci_mount *m, int *target, struct gerr *err)
{
	bool strict = !m->bind && (!strcmp(m->type, "proc") ||
				   !strcmp(m->type, "sysfs"));
	char clean[PATH_MAX];
	struct stat a, b;
	struct statfs sf;
	int fd;

	if (fstatfs(*target, &sf))
		return gerr_errno(err, errno, "%s", m->destination);
	oci_clean_path(m->destination, clean, sizeof(clean));
	if (sf.f_type == PROC_SUPER_MAGIC) {
		for (size_t i = 0; i < sizeof(proc_mountable) / sizeof(proc_mountable[0]); i++)
			strict |= !strcmp(clean, proc_mountable[i]);
		if (!strict)
			return gerr_set(err, "%s lies inside /proc: refused (only "
					"/proc/cpuinfo, meminfo, stat and the like "
					"may be mounted over)", m->destination);
	}
	if (!strict)
		return 0;
	fd = oci_inroot_open_nolinks(c->rootfd, clean, O_PATH);
	if (fd < 0)
		return gerr_errno(err, errno, "%s: a %s mount's destination may "
				  "not go through a symlink", m->destination,
				  m->bind ? "bind" : m->type);
	if (fstat(fd, &a) || fstat(*target, &b) || a.st_ino != b.st_ino ||
	    a.st_dev != b.st_dev) {
		close(fd);
		return gerr_set(err, "%s changed while it was being mounted",
				m->destination);
	}
	close(*target);
	*target = fd;
	return 0;
}

static int do_mount(const struct oci_rootfs_ctx *c, const struct oci_mount *m,
		    struct gerr *err)
{
	bool as_file = false;
	struct stat st;
	char at[32];
	int target, mnt;

	if (m->bind) {
		if (stat(m->source, &st))
			return gerr_errno(err, errno, "bind mount source %s",
					  m->source);
		as_file = !S_ISDIR(st.st_mode);
	}
	target = open_target(c, m->destination, as_file, err);
	if (target < 0)
		return -1;
	if (check_target(c, m, &target, err)) {
		close(target);
		return -1;
	}
	if (m->bind) {
		mnt = mount_bind(m, target, err);
	} else if (!strcmp(m->type, "cgroup") || !strcmp(m->type, "cgroup2")) {
		mnt = mount_cgroup(c, m, target, err);
	} else {
		mnt = mount_fs(c, m->source, target, m->destination, m->type,
			       m->flags, m->data[0] ? m->data : NULL);
		if (mnt < 0)
			mnt = mount_fallback(m, target, errno, err);
	}
	close(target);
	if (mnt < 0)
		return -1;
	oci_fd_path(mnt, at);
	if (m->propagation && mount(NULL, at, NULL, m->propagation, NULL)) {
		close(mnt);
		return gerr_errno(err, errno, "propagation of %s", m->destination);
	}
	close(mnt);
	return 0;
}

/* The node `base` in `dir` is the device wanted: nothing to do. */
static bool is_device(int dir, const char *base, mode_t fmt, dev_t dev)
{
	struct stat st;

	return !fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) &&
	       (st.st_mode & S_IFMT) == fmt && st.st_rdev == dev;
}

/* mknod in a user namespace is refused: bind the host's node instead. */
static int bind_host_device(const char *path, int dir, const char *base,
			    struct gerr *err)
{
	int fd = openat(dir, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				   O_CLOEXEC, 0644);
	int node, b;

	if (fd < 0)
		return gerr_errno(err, errno, "create %s", path);
	close(fd);
	node = openat(dir, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (node < 0)
		return gerr_errno(err, errno, "open %s", path);
	b = bind_onto(path, node, 0, 0, false, path, err);
	close(node);
	if (b < 0)
		return -1;
	close(b);
	return 0;
}

/* Sets mode and owner on the node just made, through an fd of it: the
 * name cannot be swapped for a symlink in between. */
static int own_device(int dir, const char *base, const struct oci_device *d,
		      mode_t perm, struct gerr *err)
{
	int fd = openat(dir, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	char at[32];
	int r = 0;

	if (fd < 0)
		return gerr_errno(err, errno, "open %s", base);
	oci_fd_path(fd, at);
	if (chmod(at, perm)) /* umask must not narrow it */
		r = gerr_errno(err, errno, "chmod %s", base);
	else if (d && (d->has_uid || d->has_gid) &&
		 fchownat(fd, "", d->has_uid ? d->uid : (uid_t)-1,
			  d->has_gid ? d->gid : (gid_t)-1, AT_EMPTY_PATH))
		r = gerr_errno(err, errno, "chown %s", d->path);
	close(fd);
	return r;
}

static int make_device(const struct oci_rootfs_ctx *c, const char *path,
		       char type, unsigned major, unsigned minor, mode_t perm,
		       const struct oci_device *d, struct gerr *err)
{
	mode_t fmt = type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;
	char base[NAME_MAX + 1];
	int dir, r = 0;

	dir = oci_inroot_parent(c->rootfd, path, base, sizeof(base));
	if (dir < 0)
		return gerr_errno(err, errno, "directory of %s", path);
	if (is_device(dir, base, fmt, makedev(major, minor)))
		goto out;
	unlinkat(dir, base, 0);
	if (!mknodat(dir, base, fmt | perm, makedev(major, minor)))
		r = own_device(dir, base, d, perm, err);
	else if (errno != EPERM || fmt == S_IFIFO)
		r = gerr_errno(err, errno, "mknod %s", path);
	else
		r = bind_host_device(path, dir, base, err);
out:
	close(dir);
	return r;
}

static int make_devices(const struct oci_rootfs_ctx *c, struct gerr *err)
{
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" },	   { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
	};
	const struct oci_spec *s = c->spec;
	int dev, pts;

	for (size_t i = 0; i < oci_default_devices_n; i++)
		if (make_device(c, oci_default_devices[i].path, 'c',
				oci_default_devices[i].major,
				oci_default_devices[i].minor, 0666, NULL, err))
			return -1;
	for (size_t i = 0; i < s->n_devices; i++) {
		const struct oci_device *d = &s->devices[i];

		if (make_device(c, d->path, d->type == 'u' ? 'c' : d->type,
				(unsigned)d->major, (unsigned)d->minor,
				d->has_mode ? d->mode & 07777 : 0666, d, err))
			return -1;
	}
	dev = oci_inroot_mkdir_p(c->rootfd, "/dev", 0755);
	if (dev < 0)
		return gerr_errno(err, errno, "/dev");
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlinkat(links[i][0], dev, links[i][1]) && errno != EEXIST) {
			gerr_errno(err, errno, "symlink /dev/%s", links[i][1]);
			close(dev);
			return -1;
		}
	/* With a devpts instance in the container, /dev/ptmx must be its. */
	pts = oci_inroot_open(c->rootfd, "/dev/pts/ptmx", O_PATH);
	if (pts >= 0) {
		close(pts);
		unlinkat(dev, "ptmx", 0);
		if (symlinkat("pts/ptmx", dev, "ptmx")) {
			gerr_errno(err, errno, "symlink /dev/ptmx");
			close(dev);
			return -1;
		}
	}
	close(dev);
	return 0;
}

int oci_rootfs_prepare(struct oci_rootfs_ctx *c, struct gerr *err)
{
	const struct oci_spec *s = c->spec;
	unsigned long prop = s->rootfs_propagation ? s->rootfs_propagation
						   : MS_SLAVE | MS_REC;

	/* Nothing we mount may propagate back to the host. */
	if (mount(NULL, "/", NULL, (prop & MS_SHARED) ? MS_SLAVE | MS_REC : prop,
		  NULL))
		return gerr_errno(err, errno, "make / %s",
				  (prop & MS_SLAVE) ? "rslave" : "private");
	if (mount(c->rootfs, c->rootfs, NULL, MS_BIND | MS_REC, NULL))
		return gerr_errno(err, errno, "bind rootfs %s", c->rootfs);
	/* Opened after the bind: paths resolved from it land in the bind
	 * mount, which is what pivot_root makes the container's "/". */
	c->rootfd = open(c->rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c->rootfd < 0)
		return gerr_errno(err, errno, "rootfs %s", c->rootfs);
	for (size_t i = 0; i < s->n_mounts; i++)
		if (do_mount(c, &s->mounts[i], err))
			return gerr_prefix(err, "mounts[%zu]: ", i);
	return make_devices(c, err);
}

int oci_rootfs_pivot(const struct oci_rootfs_ctx *c, bool no_pivot,
		     struct gerr *err)
{
	int oldroot, newroot, r = -1;

	if (no_pivot) {
		if (fchdir(c->rootfd) || mount(c->rootfs, "/", NULL, MS_MOVE, NULL) ||
		    chroot(".") || chdir("/"))
			return gerr_errno(err, errno, "move rootfs to /");
		return 0;
	}
	oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	newroot = dup(c->rootfd);
	if (oldroot < 0 || newroot < 0) {
		gerr_errno(err, errno, "open rootfs");
		goto out;
	}
	/* pivot_root(".", ".") stacks the old root on the new one; detaching
	 * it then leaves only the container's tree, with no temporary dir. */
	if (fchdir(newroot) || syscall(SYS_pivot_root, ".", ".")) {
		gerr_errno(err, errno, "pivot_root to %s", c->rootfs);
		goto out;
	}
	if (fchdir(oldroot) || mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) ||
	    umount2(".", MNT_DETACH) || chdir("/")) {
		gerr_errno(err, errno, "detach the old root");
		goto out;
	}
	r = 0;
out:
	if (oldroot >= 0)
		close(oldroot);
	if (newroot >= 0)
		close(newroot);
	return r;
}

/* Masked and read-only paths are applied after pivot_root, still
 * through fds resolved in the root, as everything else. */
/* An empty read-only tmpfs, detached (fsopen(2)/fsmount(2)): attached
 * with move_mount, it needs no path, so nothing in the container's own
 * /proc is trusted to reach the target.  Returns the mount fd or -1. */
static int empty_tmpfs(void)
{
	int fs = fsopen("tmpfs", FSOPEN_CLOEXEC), mnt = -1;

	if (fs < 0)
		return -1;
	if (!fsconfig(fs, FSCONFIG_SET_STRING, "size", "0", 0) &&
	    !fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0555", 0) &&
	    !fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0))
		mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY |
			      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			      MOUNT_ATTR_NOEXEC);
	close(fs);
	return mnt;
}

/* Hides p: an empty tmpfs over a directory, /dev/null over anything else.
 * Only a path that does not exist is skipped; any other failure fails the
 * container rather than leave p visible. */
static int mask_path(const struct oci_rootfs_ctx *c, const char *p,
		     struct gerr *err)
{
	int fd = oci_inroot_open(c->rootfd, p, O_PATH), m, r = -1;
	struct stat st;

	if (fd < 0)
		return errno == ENOENT ? 0 : gerr_errno(err, errno, "mask %s", p);
	if (fstat(fd, &st)) {
		gerr_errno(err, errno, "mask %s", p);
	} else if (S_ISDIR(st.st_mode)) {
		m = empty_tmpfs();
		if (m >= 0 && !move_mount(m, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH |
					  MOVE_MOUNT_T_EMPTY_PATH))
			r = 0;
		else
			gerr_errno(err, errno, "mask %s", p);
		if (m >= 0)
			close(m);
	} else if ((m = bind_onto("/dev/null", fd, 0, 0, false, p, err)) >= 0) {
		close(m);
		r = 0;
	}
	close(fd);
	return r;
}

static int readonly_path(const struct oci_rootfs_ctx *c, const char *p,
			 struct gerr *err)
{
	int fd = oci_inroot_open(c->rootfd, p, O_PATH), b;

	/* As for masks: only a path that does not exist is skipped. */
	if (fd < 0)
		return errno == ENOENT ? 0 : gerr_errno(err, errno, "%s", p);
	b = bind_fd_onto(fd, "", fd, RO_FLAGS, 0, true, p, err);
	close(fd);
	if (b < 0)
		return -1;
	close(b);
	return 0;
}

/* Writes one sysctl under the container's own /proc/sys, checked to be a
 * procfs and walked without following any symlink. */
static int write_sysctl(const struct oci_kv *kv, struct gerr *err)
{
	struct open_how how = { .flags = O_WRONLY | O_CLOEXEC,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
					   RESOLVE_NO_MAGICLINKS };
	char path[PATH_MAX];
	struct statfs sf;
	int dir, fd;
	ssize_t n;

	dir = open("/proc/sys", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0 || fstatfs(dir, &sf) || sf.f_type != PROC_SUPER_MAGIC) {
		if (dir >= 0)
			close(dir);
		return gerr_set(err, "sysctl %s: /proc/sys is not procfs", kv->key);
	}
	snprintf(path, sizeof(path), "%s", kv->key);
	for (char *p = path; *p; p++)
		if (*p == '.')
			*p = '/';
	fd = (int)syscall(SYS_openat2, dir, path, &how, sizeof(how));
	close(dir);
	if (fd < 0)
		return gerr_errno(err, errno, "sysctl %s", kv->key);
	n = write(fd, kv->value, strlen(kv->value));
	close(fd);
	if (n < 0)
		return gerr_errno(err, errno, "sysctl %s=%s", kv->key, kv->value);
	return 0;
}

int oci_rootfs_finish(const struct oci_rootfs_ctx *c, struct gerr *err)
{
	const struct oci_spec *s = c->spec;

	for (size_t i = 0; i < s->n_sysctl; i++)
		if (write_sysctl(&s->sysctl[i], err))
			return -1;
	for (size_t i = 0; i < s->n_masked_paths; i++)
		if (mask_path(c, s->masked_paths[i], err))
			return -1;
	for (size_t i = 0; i < s->n_readonly_paths; i++)
		if (readonly_path(c, s->readonly_paths[i], err))
			return -1;
	if (s->root_readonly) {
		struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };

		if (mount_setattr(c->rootfd, "", AT_EMPTY_PATH, &a, sizeof(a)))
			return gerr_errno(err, errno, "make the root read-only");
	}
	if (s->rootfs_propagation &&
	    mount(NULL, "/", NULL, s->rootfs_propagation, NULL))
		return gerr_errno(err, errno, "rootfs propagation");
	return 0;
}
