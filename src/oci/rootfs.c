/* Mounts, devices and pivot_root for the container's init process. */
#include "oci/rootfs.h"
#include "oci/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
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

/* Resolves `path` inside `root` the way the container will see it: symlinks
 * are followed relative to root and ".." never climbs above it, so an image
 * cannot redirect a mount onto the host.  Missing components are kept. */
static int secure_join(const char *root, const char *path, char *out,
		       size_t outlen, struct gerr *err)
{
	char rest[PATH_MAX], cur[PATH_MAX] = "", full[PATH_MAX * 2];
	char link[PATH_MAX];
	int links = 0;

	snprintf(rest, sizeof(rest), "%s", path);
	while (rest[0]) {
		char *comp = rest, *slash;
		char next[PATH_MAX];
		ssize_t n;

		while (*comp == '/')
			comp++;
		slash = strchr(comp, '/');
		if (slash)
			*slash = '\0';
		snprintf(next, sizeof(next), "%s", slash ? slash + 1 : "");
		if (!*comp || !strcmp(comp, ".")) {
			snprintf(rest, sizeof(rest), "%s", next);
			continue;
		}
		if (!strcmp(comp, "..")) {
			char *p = strrchr(cur, '/');

			if (p)
				*p = '\0';
			snprintf(rest, sizeof(rest), "%s", next);
			continue;
		}
		if (oci_fmt(full, sizeof(full), "%s%s/%s", root, cur, comp))
			return gerr_set(err, "%s: path too long", path);
		n = readlink(full, link, sizeof(link) - 1);
		if (n < 0) {
			size_t l = strlen(cur);

			if (oci_fmt(cur + l, sizeof(cur) - l, "/%s", comp))
				return gerr_set(err, "%s: path too long", path);
			snprintf(rest, sizeof(rest), "%s", next);
			continue;
		}
		if (++links > 40)
			return gerr_set(err, "%s: too many symbolic links", path);
		link[n] = '\0';
		if (link[0] == '/')
			cur[0] = '\0';
		if (oci_fmt(rest, sizeof(rest), "%s/%s", link, next))
			return gerr_set(err, "%s: path too long", path);
	}
	if (oci_fmt(out, outlen, "%s%s", root, cur[0] ? cur : "/"))
		return gerr_set(err, "%s: path too long", path);
	return 0;
}

/* Creates the mount point: a directory, or an empty file when the source
 * of a bind mount is not a directory. */
static int make_target(const char *target, bool as_file, struct gerr *err)
{
	char parent[PATH_MAX], *slash;
	int fd;

	if (!as_file) {
		if (oci_mkdir_p(target, 0755))
			return gerr_errno(err, errno, "mkdir %s", target);
		return 0;
	}
	snprintf(parent, sizeof(parent), "%s", target);
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		if (oci_mkdir_p(parent, 0755))
			return gerr_errno(err, errno, "mkdir %s", parent);
	}
	fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 && errno != EISDIR)
		return gerr_errno(err, errno, "create %s", target);
	if (fd >= 0)
		close(fd);
	return 0;
}

/* Flags the kernel locks on a mount made in another user namespace:
 * a remount must keep them or it fails with EPERM. */
static unsigned long locked_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (statvfs(path, &sv))
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_RDONLY)
		f |= MS_RDONLY;
	return f;
}

static int remount_bind(const char *target, unsigned long flags, bool keep,
			struct gerr *err)
{
	unsigned long f = MS_BIND | MS_REMOUNT | flags;

	if (keep)
		f |= locked_flags(target) & ~MS_RDONLY;
	if (mount(NULL, target, NULL, f, NULL))
		return gerr_errno(err, errno, "remount %s", target);
	return 0;
}

#define BIND_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | \
		    MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)

static int mount_bind(const struct oci_rootfs_ctx *c, const struct oci_mount *m,
		      const char *target, struct gerr *err)
{
	struct stat st;

	if (stat(m->source, &st))
		return gerr_errno(err, errno, "bind mount source %s", m->source);
	if (make_target(target, !S_ISDIR(st.st_mode), err))
		return -1;
	if (mount(m->source, target, NULL, MS_BIND | (m->recursive ? MS_REC : 0),
		  NULL))
		return gerr_errno(err, errno, "bind %s on %s", m->source,
				  m->destination);
	if (m->flags & BIND_FLAGS)
		return remount_bind(target, m->flags & BIND_FLAGS, c->in_userns,
				    err);
	return 0;
}

/* v1: a tmpfs holding one bind mount per hierarchy of the container's own
 * cgroup; v2: a cgroup2 mount (which a cgroup namespace roots at its cgroup). */
static int mount_cgroup(const struct oci_rootfs_ctx *c, const struct oci_mount *m,
			const char *target, struct gerr *err)
{
	const struct oci_cgroup_mgr *cg = c->cgroups;
	unsigned long ro = m->flags & MS_RDONLY;
	char src[PATH_MAX], dst[PATH_MAX * 2];

	if (make_target(target, false, err))
		return -1;
	if (!cg || !c->cgroup_path)
		return gerr_set(err, "%s: no cgroup to mount", m->destination);
	if (cg->version == 2) {
		if (!mount("cgroup2", target, "cgroup2", m->flags & ~MS_REMOUNT,
			   NULL))
			return 0;
		snprintf(src, sizeof(src), "%s%s", cg->v2_mount, c->cgroup_path);
		if (mount(src, target, NULL, MS_BIND | MS_REC, NULL))
			return gerr_errno(err, errno, "cgroup2 on %s",
					  m->destination);
		return ro ? remount_bind(target, MS_RDONLY | MS_NOSUID | MS_NODEV |
					 MS_NOEXEC, true, err) : 0;
	}
	if (mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=755"))
		return gerr_errno(err, errno, "tmpfs on %s", m->destination);
	for (size_t i = 0; i < cg->n_hier; i++) {
		const char *name = cg->hier[i].controllers;

		if (!strncmp(name, "name=", 5))
			name += 5;
		snprintf(src, sizeof(src), "%s%s", cg->hier[i].mount,
			 c->cgroup_path);
		snprintf(dst, sizeof(dst), "%s/%s", target, name);
		if (mkdir(dst, 0755) && errno != EEXIST)
			return gerr_errno(err, errno, "mkdir %s", dst);
		if (mount(src, dst, NULL, MS_BIND, NULL))
			return gerr_errno(err, errno, "bind %s", src);
		if (ro && remount_bind(dst, MS_RDONLY | MS_NOSUID | MS_NODEV |
				       MS_NOEXEC, true, err))
			return -1;
	}
	if (ro && mount(NULL, target, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID |
			MS_NODEV | MS_NOEXEC, "mode=755"))
		return gerr_errno(err, errno, "remount %s read-only",
				  m->destination);
	return 0;
}

/* In a user namespace without its own network namespace sysfs cannot be
 * mounted, and mqueue needs an owned IPC namespace: bind the host's. */
static int mount_fallback(const struct oci_mount *m, const char *target,
			  int e, struct gerr *err)
{
	const char *host = !strcmp(m->type, "sysfs")    ? "/sys"
			   : !strcmp(m->type, "mqueue") ? "/dev/mqueue"
							 : NULL;

	if (!host || (e != EPERM && e != EACCES))
		return gerr_errno(err, e, "mount %s on %s", m->type,
				  m->destination);
	if (mount(host, target, NULL, MS_BIND | MS_REC, NULL))
		return gerr_errno(err, errno, "bind %s on %s", host,
				  m->destination);
	return remount_bind(target, m->flags & BIND_FLAGS, true, err);
}

static int do_mount(const struct oci_rootfs_ctx *c, const struct oci_mount *m,
		    struct gerr *err)
{
	char target[PATH_MAX];

	if (secure_join(c->rootfs, m->destination, target, sizeof(target), err))
		return -1;
	if (m->bind) {
		if (mount_bind(c, m, target, err))
			return -1;
	} else if (!strcmp(m->type, "cgroup") || !strcmp(m->type, "cgroup2")) {
		if (mount_cgroup(c, m, target, err))
			return -1;
	} else {
		if (make_target(target, false, err))
			return -1;
		if (mount(m->source, target, m->type, m->flags & ~MS_REMOUNT,
			  m->data[0] ? m->data : NULL) &&
		    mount_fallback(m, target, errno, err))
			return -1;
	}
	if (m->propagation && mount(NULL, target, NULL, m->propagation, NULL))
		return gerr_errno(err, errno, "propagation of %s", m->destination);
	return 0;
}

static int make_device(const struct oci_rootfs_ctx *c, const char *path,
		       char type, unsigned major, unsigned minor, mode_t perm,
		       struct gerr *err)
{
	char target[PATH_MAX], host[PATH_MAX];
	mode_t fmt = type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;
	struct stat st;

	if (secure_join(c->rootfs, path, target, sizeof(target), err))
		return -1;
	if (!lstat(target, &st)) {
		if ((st.st_mode & S_IFMT) == fmt &&
		    st.st_rdev == makedev(major, minor))
			return 0;
		unlink(target);
	}
	if (make_target(target, true, err))
		return -1;
	unlink(target);
	if (!mknod(target, fmt | perm, makedev(major, minor))) {
		chmod(target, perm); /* umask must not narrow it */
		return 0;
	}
	if (errno != EPERM || fmt == S_IFIFO)
		return gerr_errno(err, errno, "mknod %s", path);
	/* No mknod in a user namespace: bind the host's node instead. */
	snprintf(host, sizeof(host), "%s", path);
	if (make_target(target, true, err))
		return -1;
	if (mount(host, target, NULL, MS_BIND, NULL))
		return gerr_errno(err, errno, "bind host device %s", path);
	return 0;
}

static int make_devices(const struct oci_rootfs_ctx *c, struct gerr *err)
{
	static const char *const links[][2] = {
		{ "/proc/self/fd", "/dev/fd" },	   { "/proc/self/fd/0", "/dev/stdin" },
		{ "/proc/self/fd/1", "/dev/stdout" }, { "/proc/self/fd/2", "/dev/stderr" },
	};
	const struct oci_spec *s = c->spec;
	char target[PATH_MAX], pts[PATH_MAX];
	struct stat st;

	for (size_t i = 0; i < oci_default_devices_n; i++)
		if (make_device(c, oci_default_devices[i].path, 'c',
				oci_default_devices[i].major,
				oci_default_devices[i].minor, 0666, err))
			return -1;
	for (size_t i = 0; i < s->n_devices; i++) {
		const struct oci_device *d = &s->devices[i];

		if (make_device(c, d->path, d->type == 'u' ? 'c' : d->type,
				(unsigned)d->major, (unsigned)d->minor,
				d->has_mode ? d->mode & 07777 : 0666, err))
			return -1;
		if (secure_join(c->rootfs, d->path, target, sizeof(target), err))
			return -1;
		if ((d->has_uid || d->has_gid) &&
		    lchown(target, d->has_uid ? d->uid : (uid_t)-1,
			   d->has_gid ? d->gid : (gid_t)-1))
			return gerr_errno(err, errno, "chown %s", d->path);
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(target, sizeof(target), "%s%s", c->rootfs, links[i][1]);
		if (symlink(links[i][0], target) && errno != EEXIST)
			return gerr_errno(err, errno, "symlink %s", links[i][1]);
	}
	/* With a devpts instance in the container, /dev/ptmx must be its. */
	snprintf(pts, sizeof(pts), "%s/dev/pts/ptmx", c->rootfs);
	if (!stat(pts, &st)) {
		snprintf(target, sizeof(target), "%s/dev/ptmx", c->rootfs);
		unlink(target);
		if (symlink("pts/ptmx", target))
			return gerr_errno(err, errno, "symlink /dev/ptmx");
	}
	return 0;
}

int oci_rootfs_prepare(const struct oci_rootfs_ctx *c, struct gerr *err)
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
		if (chdir(c->rootfs) || mount(c->rootfs, "/", NULL, MS_MOVE, NULL) ||
		    chroot(".") || chdir("/"))
			return gerr_errno(err, errno, "move rootfs to /");
		return 0;
	}
	oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	newroot = open(c->rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
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

static int mask_path(const char *p, struct gerr *err)
{
	struct stat st;

	if (stat(p, &st))
		return 0; /* nothing to hide */
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", p, "tmpfs", MS_RDONLY, "size=0"))
			return gerr_errno(err, errno, "mask %s", p);
	} else if (mount("/dev/null", p, NULL, MS_BIND, NULL)) {
		return gerr_errno(err, errno, "mask %s", p);
	}
	return 0;
}

static int readonly_path(const char *p, struct gerr *err)
{
	if (mount(p, p, NULL, MS_BIND | MS_REC, NULL)) {
		if (errno == ENOENT)
			return 0;
		return gerr_errno(err, errno, "bind %s", p);
	}
	return remount_bind(p, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			    true, err);
}

static int write_sysctl(const struct oci_kv *kv, struct gerr *err)
{
	char path[PATH_MAX];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/sys/%s", kv->key);
	for (char *p = path + 10; *p; p++)
		if (*p == '.')
			*p = '/';
	fd = open(path, O_WRONLY | O_CLOEXEC);
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
		if (mask_path(s->masked_paths[i], err))
			return -1;
	for (size_t i = 0; i < s->n_readonly_paths; i++)
		if (readonly_path(s->readonly_paths[i], err))
			return -1;
	if (s->root_readonly &&
	    remount_bind("/", MS_RDONLY, true, err))
		return -1;
	if (s->rootfs_propagation &&
	    mount(NULL, "/", NULL, s->rootfs_propagation, NULL))
		return gerr_errno(err, errno, "rootfs propagation");
	return 0;
}
