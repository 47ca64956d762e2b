/* Paths inside the container's root filesystem, resolved by the kernel as
 * the container will see them: openat2(2) with RESOLVE_IN_ROOT makes "/"
 * and ".." stop at the root and makes every symlink (absolute or not)
 * resolve inside it; RESOLVE_NO_MAGICLINKS refuses /proc/PID/fd-style
 * links.  The runtime then works through the fds these return (mknodat,
 * symlinkat, mounts onto /proc/self/fd/N or with move_mount), so an image
 * whose /dev is a symlink to the host's, or a symlink swapped in during
 * setup, cannot make the runtime create, delete or mount anything outside
 * the rootfs.
 *
 * Every function takes `root`, a directory fd of the rootfs (O_PATH is
 * enough) and a path inside it ("/dev/null" and "dev/null" alike), returns
 * a new O_CLOEXEC fd or -1 with errno set, and leaves errno alone on
 * success.  The caller closes what it gets. */
#ifndef GAMUT_OCI_INROOT_H
#define GAMUT_OCI_INROOT_H

#include <stddef.h>
#include <sys/types.h>

/* openat2(root, path, flags) resolved in the root. */
int oci_inroot_open(int root, const char *path, int flags);
/* The same, but no component may be a symlink (ELOOP otherwise). */
int oci_inroot_open_nolinks(int root, const char *path, int flags);

/* An O_PATH fd of directory `path`, creating it and its missing parents
 * (mode `mode`) as mkdir -p would.  A component that exists and is not a
 * directory, or a dangling symlink, is an error (ENOTDIR / ENOENT). */
int oci_inroot_mkdir_p(int root, const char *path, mode_t mode);

/* An O_PATH fd of the directory that holds `path`'s last component
 * (created like oci_inroot_mkdir_p), and that component in base[len].
 * The component is never "", "." or "..": those give EINVAL. */
int oci_inroot_parent(int root, const char *path, char *base, size_t len);

/* An O_PATH fd of `path` as a mount target: a directory (created if
 * missing), or, with as_file, a regular file (an empty one created if
 * nothing is there).  An existing symlink is followed inside the root. */
int oci_inroot_target(int root, const char *path, int as_file);

/* "/proc/self/fd/N" for fd, for the system calls that take only a path
 * (mount(2), chmod(2)): the kernel follows it to the file fd pins. */
void oci_fd_path(int fd, char out[32]);

#endif
