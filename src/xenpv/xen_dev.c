/* The "xen" device class: in --mode pv, when --kernel is a kernel for
 * Xen's PV ABI (its ELF notes say so), the Xen platform replaces gamut's
 * own PV ABI; xen_boot_load() then builds the domain.  The "pv" class
 * (src/pv/pv_dev.c) stands aside for such kernels. */
#include "xenpv/xen_dev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/bzimage.h"
#include "core/device.h"
#include "core/vm.h"
#include "xenpv/xen.h"

#define KERNEL_MAX (512ull << 20)

struct mapped {
	uint8_t *p;
	size_t len;
	uint8_t *unpacked; /* the vmlinux out of a bzImage, or NULL */
};

static int map_kernel(const char *path, struct mapped *m, struct gerr *err)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	m->p = NULL;
	if (fd < 0)
		return gerr_errno(err, errno, "--kernel %s: cannot open", path);
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size <= 0 ||
	    (uint64_t)sb.st_size > KERNEL_MAX) {
		close(fd);
		return gerr_set(err, "--kernel %s: not a regular file of at most 512 MiB", path);
	}
	m->len = (size_t)sb.st_size;
	m->unpacked = NULL;
	m->p = mmap(NULL, m->len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m->p == MAP_FAILED) {
		m->p = NULL;
		return gerr_errno(err, errno, "--kernel %s: cannot map", path);
	}
	/* A kernel as distributions ship it: the ELF is the bzImage's
	 * compressed payload. */
	if (bzimage_is_bzimage(m->p, m->len)) {
		uint8_t *elf;
		size_t n;

		if (bzimage_vmlinux(m->p, m->len, &elf, &n, err) < 0) {
			munmap(m->p, m->len);
			m->p = NULL;
			return gerr_prefix(err, "--kernel %s: ", path);
		}
		munmap(m->p, m->len);
		m->p = m->unpacked = elf;
		m->len = n;
	}
	return 0;
}

static void unmap_kernel(struct mapped *m)
{
	if (m->unpacked)
		free(m->unpacked);
	else if (m->p)
		munmap(m->p, m->len);
	m->p = m->unpacked = NULL;
}

bool xen_kernel_file_detect(const char *path)
{
	struct mapped m;
	struct gerr err;
	bool yes;

	if (!path || map_kernel(path, &m, &err) < 0)
		return false;
	yes = xen_kernel_detect(m.p, m.len);
	unmap_kernel(&m);
	return yes;
}

static bool wanted(const struct vm *vm)
{
	return vm->cfg.mode && vm->cfg.mode->io == IO_PV_RINGS &&
	       xen_kernel_file_detect(vm->cfg.kernel);
}

static int xen_dev_create(struct vm *vm, void **state, struct gerr *err)
{
	*state = NULL;
	if (!wanted(vm))
		return 0;
	return xen_create(vm, (struct xen **)state, err);
}

static void xen_dev_destroy(void *state)
{
	xen_destroy(state);
}

static const struct device_class xen_device = {
	.name = "xen",
	.stage = DEVICE_STAGE_IO,
	.create = xen_dev_create,
	.destroy = xen_dev_destroy,
};
DEVICE_CLASS(xen_device);

int xen_platform_start(struct xen *x, struct gerr *err);

bool xen_boot_wanted(struct vm *vm)
{
	return device_state(vm, "xen") != NULL;
}

int xen_boot_load(struct vm *vm, struct x86_state *bsp, struct gerr *err)
{
	struct xen *x = device_state(vm, "xen");
	struct mapped m;
	int rc;

	if (!x)
		return gerr_set(err, "--kernel: not a Xen PV kernel");
	if (map_kernel(vm->cfg.kernel, &m, err) < 0)
		return -1;
	rc = xen_build(x, m.p, m.len, bsp, err);
	unmap_kernel(&m);
	if (rc < 0)
		return gerr_prefix(err, "--kernel %s: ", vm->cfg.kernel);
	return xen_platform_start(x, err);
}
