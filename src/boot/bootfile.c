/* Files the loaders read: the kernel (whole, mapped into host memory), the initrd
 * (straight into guest memory) and the command line. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/loader.h"
#include "core/gmem.h"
#include "core/layout.h"

static int read_all(int fd, uint8_t *dst, size_t len)
{
	while (len) {
		ssize_t n = read(fd, dst, len > (1u << 30) ? (1u << 30) : len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO; /* the file shrank under us */
			return -1;
		}
		dst += n;
		len -= (size_t)n;
	}
	return 0;
}

static int open_regular(const char *path, struct stat *st, struct gerr *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return gerr_errno(err, errno, "%s: cannot open", path);
	if (fstat(fd, st) < 0) {
		gerr_errno(err, errno, "%s: cannot stat", path);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return gerr_set(err, "%s: not a regular file", path);
	}
	return fd;
}

int boot_file_read(struct boot_file *f, const char *path, uint64_t max,
		   struct gerr *err)
{
	struct stat st;
	int fd;

	memset(f, 0, sizeof(*f));
	f->path = path;
	fd = open_regular(path, &st, err);
	if (fd < 0)
		return -1;
	if (st.st_size == 0 || (uint64_t)st.st_size > max) {
		close(fd);
		return st.st_size == 0
			       ? gerr_set(err, "%s: empty file", path)
			       : gerr_set(err, "%s: %lld bytes is larger than guest memory allows",
					  path, (long long)st.st_size);
	}
	f->len = (size_t)st.st_size;
	/* Mapped, not read: a 50 MB vmlinux read into fresh heap took a
	 * quarter of a second of page faults here, and the loaders copy
	 * only the parts they load.  Private, so nothing reaches the file. */
	f->data = mmap(NULL, f->len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	if (f->data == MAP_FAILED) {
		f->data = NULL;
		return gerr_errno(err, errno, "%s: cannot map %zu bytes", path, f->len);
	}
	return 0;
}

void boot_file_free(struct boot_file *f)
{
	if (f->data)
		munmap(f->data, f->len);
	f->data = NULL;
	f->len = 0;
}

int boot_initrd_size(const char *path, uint64_t *size, struct gerr *err)
{
	struct stat st;
	int fd = open_regular(path, &st, err);

	if (fd < 0)
		return gerr_prefix(err, "initrd ");
	close(fd);
	if (st.st_size == 0)
		return gerr_set(err, "initrd %s: empty file", path);
	*size = (uint64_t)st.st_size;
	return 0;
}

int boot_initrd_place(const char *path, uint64_t size, uint64_t floor,
		      uint64_t ceiling, uint64_t align, uint64_t *addr,
		      struct gerr *err)
{
	uint64_t a;

	if (size > ceiling || ceiling - size < floor)
		goto nofit;
	a = (ceiling - size) & ~(align - 1);
	if (a < floor)
		goto nofit;
	*addr = a;
	return 0;
nofit:
	return gerr_set(err, "initrd %s: %llu bytes do not fit in guest memory between the kernel's end 0x%llx and 0x%llx",
			path, (unsigned long long)size, (unsigned long long)floor,
			(unsigned long long)ceiling);
}

int boot_initrd_load(struct guest_mem *mem, const char *path, uint64_t addr,
		     uint64_t size, struct gerr *err)
{
	struct stat st;
	uint8_t *dst = gmem_ptr_w(mem, addr, size);
	int fd;

	if (!dst)
		return gerr_set(err, "initrd %s: 0x%llx+0x%llx is outside guest RAM",
				path, (unsigned long long)addr,
				(unsigned long long)size);
	fd = open_regular(path, &st, err);
	if (fd < 0)
		return gerr_prefix(err, "initrd ");
	if ((uint64_t)st.st_size != size) {
		close(fd);
		return gerr_set(err, "initrd %s: file changed size while loading", path);
	}
	if (read_all(fd, dst, size) < 0) {
		gerr_errno(err, errno, "initrd %s: cannot read", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int boot_cmdline_check(const char *cmdline, uint64_t max, struct gerr *err)
{
	size_t len = strlen(cmdline);

	if (max > LAYOUT_CMDLINE_MAX - 1)
		max = LAYOUT_CMDLINE_MAX - 1;
	if (len > max)
		return gerr_set(err, "--cmdline: %zu bytes is longer than the %llu the kernel accepts",
				len, (unsigned long long)max);
	return 0;
}

int boot_cmdline_write(struct guest_mem *mem, const char *cmdline,
		       struct gerr *err)
{
	if (gmem_write(mem, LAYOUT_CMDLINE, cmdline, strlen(cmdline) + 1) < 0)
		return gerr_set(err, "command line: 0x%llx is outside guest RAM",
				(unsigned long long)LAYOUT_CMDLINE);
	return 0;
}
