/* Resolution inside the container's root (see inroot.h). */
#include "oci/inroot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int open_how(int root, const char *path, int flags,
		    unsigned long long resolve)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | resolve,
	};

	while (*path == '/')
		path++;
	return (int)syscall(SYS_openat2, root, *path ? path : ".", &how,
			    sizeof(how));
}

int oci_inroot_open(int root, const char *path, int flags)
{
	return open_how(root, path, flags, 0);
}

int oci_inroot_open_nolinks(int root, const char *path, int flags)
{
	return open_how(root, path, flags, RESOLVE_NO_SYMLINKS);
}

/* mkdirat(parent, comp), where comp may be a dangling symlink: then its
 * target (resolved in the root) is made instead, followed by `rest`, as
 * mkdir -p through a symlink would.  Returns 0, 1 after recursing into the
 * link (*fd set), or -1. */
static int mkdir_p_depth(int root, const char *path, mode_t mode, int depth);

static int make_component(int root, int parent, const char *prefix,
			  const char *comp, const char *rest, mode_t mode,
			  int depth, int *fd)
{
	char link[PATH_MAX], next[PATH_MAX * 2 + 2];
	ssize_t n;

	if (!mkdirat(parent, comp, mode))
		return 0;
	if (errno != EEXIST)
		return -1;
	n = readlinkat(parent, comp, link, sizeof(link) - 1);
	if (n < 0)
		return 0; /* exists, and not a symlink */
	link[n] = '\0';
	if (snprintf(next, sizeof(next), "%s/%s%s", link[0] == '/' ? "" : prefix,
		     link, rest) >= (int)sizeof(next)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	*fd = mkdir_p_depth(root, next, mode, depth + 1);
	return *fd < 0 ? -1 : 1;
}

int oci_inroot_mkdir_p(int root, const char *path, mode_t mode)
{
	return mkdir_p_depth(root, path, mode, 0);
}

static int mkdir_p_depth(int root, const char *path, mode_t mode, int depth)
{
	char prefix[PATH_MAX];
	size_t len = strlen(path);
	int fd = oci_inroot_open(root, path, O_PATH | O_DIRECTORY);

	if (fd >= 0 || errno != ENOENT)
		return fd;
	if (depth > 40) {
		errno = ELOOP;
		return -1;
	}
	if (len >= sizeof(prefix)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* Walk the prefixes: each is resolved afresh in the root, so a
	 * symlink or ".." among the components cannot lead outside it. */
	for (size_t i = 0, start = 0; i <= len; i++) {
		char comp[NAME_MAX + 1];
		int parent;

		if (i < len && path[i] != '/')
			continue;
		/* path[start, i) is the component, path[0, start) its parent */
		if (i - start > NAME_MAX) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(comp, path + start, i - start);
		comp[i - start] = '\0';
		memcpy(prefix, path, start);
		prefix[start] = '\0';
		start = i + 1;
		if (!*comp || !strcmp(comp, ".") || !strcmp(comp, ".."))
			continue;
		parent = oci_inroot_open(root, prefix, O_PATH | O_DIRECTORY);
		if (parent < 0)
			return -1;
		switch (make_component(root, parent, prefix, comp, path + i,
				       mode, depth, &fd)) {
		case 1:
			close(parent);
			return fd;
		case -1: {
			int e = errno;

			close(parent);
			errno = e;
			return -1;
		}
		}
		close(parent);
	}
	return oci_inroot_open(root, path, O_PATH | O_DIRECTORY);
}

int oci_inroot_parent(int root, const char *path, char *base, size_t len)
{
	char dir[PATH_MAX];
	const char *slash;
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, n);
	dir[n] = '\0';
	slash = strrchr(dir, '/');
	if (snprintf(base, len, "%s", slash ? slash + 1 : dir) >= (int)len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
		errno = EINVAL;
		return -1;
	}
	dir[slash ? (size_t)(slash - dir) : 0] = '\0';
	return oci_inroot_mkdir_p(root, dir, 0755);
}

int oci_inroot_target(int root, const char *path, int as_file)
{
	char base[NAME_MAX + 1];
	int parent, fd;

	if (!as_file)
		return oci_inroot_mkdir_p(root, path, 0755);
	parent = oci_inroot_parent(root, path, base, sizeof(base));
	if (parent < 0)
		return -1;
	/* O_NOFOLLOW|O_EXCL: never create through a symlink; whatever is
	 * there already is resolved below like any other path. */
	fd = openat(parent, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				   O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	close(parent);
	if (fd < 0 && errno != EEXIST)
		return -1;
	return oci_inroot_open(root, path, O_PATH);
}

void oci_fd_path(int fd, char out[32])
{
	snprintf(out, 32, "/proc/self/fd/%d", fd);
}
