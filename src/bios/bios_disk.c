/* The paravirtual BIOS disk port (see bios_disk.h). */
#include "bios/bios_disk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/device.h"
#include "core/vm.h"

#define SECTOR 512u

/* pread/pwrite of the whole range; false on error or a short transfer. */
static bool bdisk_io(int fd, void *buf, size_t len, uint64_t off, bool write)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write ? pwrite(fd, (char *)buf + done, len - done,
					   (off_t)(off + done))
				  : pread(fd, (char *)buf + done, len - done,
					  (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		done += (size_t)n;
	}
	return true;
}

static uint32_t bdisk_run(struct bios_disk *b, uint32_t cmd)
{
	struct bios_disk_file *f;
	uint64_t lba = (uint64_t)b->lba_hi << 32 | b->lba_lo;
	uint64_t n = b->nsect, len = n * SECTOR;
	void *p;

	if (b->select >= b->nr || (cmd != 1 && cmd != 2) || n == 0 || n > 65536)
		return BDISK_EBAD;
	f = &b->disk[b->select];
	if (lba >= f->sectors || n > f->sectors - lba)
		return BDISK_ERANGE;
	if (cmd == 2 && f->readonly)
		return BDISK_ERO;
	p = cmd == 1 ? gmem_ptr_w(&b->vm->mem, b->addr, len)
		     : (void *)gmem_ptr(&b->vm->mem, b->addr, len);
	if (!p)
		return BDISK_EMEM;
	return bdisk_io(f->fd, p, len, lba * SECTOR, cmd == 2) ? BDISK_OK : BDISK_EIO;
}

static uint32_t bdisk_read(struct bios_disk *b, unsigned reg)
{
	const struct bios_disk_file *f = b->select < b->nr ? &b->disk[b->select] : NULL;

	switch (reg) {
	case BDISK_MAGIC: return BIOS_DISK_MAGIC;
	case BDISK_COUNT_DISKS: return b->nr;
	case BDISK_SELECT: return b->select;
	case BDISK_SECTORS_LO: return f ? (uint32_t)f->sectors : 0;
	case BDISK_SECTORS_HI: return f ? (uint32_t)(f->sectors >> 32) : 0;
	case BDISK_LBA_LO: return b->lba_lo;
	case BDISK_LBA_HI: return b->lba_hi;
	case BDISK_NSECT: return b->nsect;
	case BDISK_ADDR: return b->addr;
	default: return b->status;
	}
}

static void bdisk_io_fn(void *opaque, uint64_t off, void *data, unsigned len,
			bool is_write, int cpu)
{
	struct bios_disk *b = opaque;
	uint32_t v = 0;

	(void)cpu;
	if (len != 4 || (off & 3)) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	if (!is_write) {
		v = bdisk_read(b, (unsigned)off);
		memcpy(data, &v, 4);
		return;
	}
	memcpy(&v, data, 4);
	switch (off) {
	case BDISK_SELECT: b->select = v; break;
	case BDISK_LBA_LO: b->lba_lo = v; break;
	case BDISK_LBA_HI: b->lba_hi = v; break;
	case BDISK_NSECT: b->nsect = v; break;
	case BDISK_ADDR: b->addr = v; break;
	case BDISK_CMD: b->status = bdisk_run(b, v); break;
	default: break;
	}
}

void bios_disk_destroy(struct bios_disk *b)
{
	if (!b)
		return;
	for (unsigned i = 0; i < b->nr; i++)
		close(b->disk[i].fd);
	free(b);
}

struct bios_disk *bios_disk_create(struct vm *vm, struct gerr *err)
{
	struct bios_disk *b = calloc(1, sizeof(*b));

	if (!b) {
		gerr_set(err, "bios-disk: out of memory");
		return NULL;
	}
	b->vm = vm;
	for (unsigned i = 0; i < vm->cfg.nr_disks && i < CONFIG_MAX_DISKS; i++) {
		const struct disk_config *c = &vm->cfg.disk[i];
		struct stat st;
		int fd = open(c->path, (c->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);

		if (fd < 0) {
			gerr_errno(err, errno, "--disk %s: cannot open", c->path);
			goto fail;
		}
		b->disk[b->nr++] = (struct bios_disk_file){ fd, 0, c->readonly };
		if (fstat(fd, &st) < 0 || st.st_size < (off_t)SECTOR) {
			gerr_set(err, "--disk %s: empty or smaller than one sector",
				 c->path);
			goto fail;
		}
		b->disk[b->nr - 1].sectors = (uint64_t)st.st_size / SECTOR;
	}
	if (bus_register(&vm->pio, BIOS_DISK_PORT, BIOS_DISK_LEN, bdisk_io_fn, b,
			 "bios-disk", err) < 0)
		goto fail;
	return b;
fail:
	bios_disk_destroy(b);
	return NULL;
}

/* Present in BIOS modes whose disks are not on an emulated controller. */
static int bios_disk_class_create(struct vm *vm, void **state, struct gerr *err)
{
	const struct mode_preset *m = vm->cfg.mode;

	if (!m || !(m->boot & BOOT_BIOS) || m->platform != PLATFORM_PC ||
	    m->io == IO_EMULATED || !vm->cfg.nr_disks)
		return 0;
	*state = bios_disk_create(vm, err);
	return *state ? 0 : -1;
}

static void bios_disk_class_destroy(void *state)
{
	bios_disk_destroy(state);
}

static const struct device_class bios_disk_class = {
	.name = "bios-disk",
	.stage = DEVICE_STAGE_IO,
	.create = bios_disk_class_create,
	.destroy = bios_disk_class_destroy,
};
DEVICE_CLASS(bios_disk_class);
