/* Re-execution from a sealed memfd copy: see sealed_exe.h for why. */
#include "oci/sealed_exe.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux 6.3: executable even if memfd_noexec=1 */
#endif

#define SEALS_NEEDED (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

bool oci_exe_is_sealed(void)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	int seals = fd >= 0 ? fcntl(fd, F_GET_SEALS) : -1;

	if (fd >= 0)
		close(fd);
	return seals >= 0 && (seals & SEALS_NEEDED) == SEALS_NEEDED;
}

static int make_memfd(void)
{
	int fd = memfd_create("gamut", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);

	/* Before 6.3 the kernel does not know MFD_EXEC and every memfd is
	 * executable anyway. */
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("gamut", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	return fd;
}

/* Copies all of `src` into `dst`; 0 or -1 with errno. */
static int copy_all(int dst, int src, off_t size)
{
	off_t off = 0;

	while (off < size) {
		ssize_t n = sendfile(dst, src, &off, (size_t)(size - off));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO; /* the file shrank under us */
			return -1;
		}
	}
	return 0;
}

int oci_exe_ensure_sealed(char *const argv[], struct gerr *err)
{
	struct stat st;
	int src, dst, e;

	if (oci_exe_is_sealed())
		return 0;
	src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (src < 0)
		return gerr_errno(err, errno, "open /proc/self/exe to copy the "
				  "runtime");
	dst = make_memfd();
	if (dst < 0) {
		e = errno;
		close(src);
		return gerr_errno(err, e, "memfd for a sealed copy of the runtime");
	}
	if (fstat(src, &st) || copy_all(dst, src, st.st_size) ||
	    fcntl(dst, F_ADD_SEALS, SEALS_NEEDED)) {
		e = errno;
		close(src);
		close(dst);
		return gerr_errno(err, e, "sealed copy of the runtime");
	}
	close(src);
	/* The fd is close-on-exec: the new image holds the memfd through its
	 * mapping and /proc/self/exe, not through an fd a container could
	 * inherit. */
	syscall(SYS_execveat, dst, "", argv, environ, AT_EMPTY_PATH);
	e = errno;
	close(dst);
	return gerr_errno(err, e, "re-execute the runtime from its sealed copy");
}
