/* Small helpers shared by the runtime's files. */
#ifndef GAMUT_OCI_UTIL_H
#define GAMUT_OCI_UTIL_H

#include <stddef.h>
#include <sys/types.h>

/* snprintf that returns -1 when the result did not fit (paths are built
 * with it, and a truncated path must never be used). */
int oci_fmt(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Writes all of buf to fd, retrying on EINTR and short writes. */
int oci_write_all(int fd, const void *buf, size_t len);
/* `path` cleaned without touching the filesystem, as an absolute path:
 * "//" and "." dropped, ".." removing the component before it. */
void oci_clean_path(const char *path, char *out, size_t len);
/* Reads a whole small file into a malloc'd NUL-terminated buffer. */
char *oci_read_file(const char *path, size_t max, size_t *len);
/* Writes "<pid>" to path atomically (write to a temp name, rename). */
int oci_write_pid_file(const char *path, pid_t pid);
/* mkdir -p: creates path and its missing parents; -1 with errno
 * (ENAMETOOLONG for a path that does not fit PATH_MAX). */
int oci_mkdir_p(const char *path, mode_t mode);

#endif
