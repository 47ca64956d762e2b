/* Loading a PV guest: read and check the image, attach the manifest's
 * devices, lay out guest memory (docs/pv-abi.md section 2), build the page
 * tables and ring-0 scaffolding, and describe the entry state. */
#include "pv/pv_boot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/device.h"
#include "core/vm.h"
#include "pv/pv.h"
#include "pv/pv_layout.h"
#include "pv/pv_sys.h"

#define PV_IMAGE_MAX_FILE (256ull << 20)
/* The CLI's default Linux command line means "none given" to a PV guest. */
#define LINUX_DEFAULT_CMDLINE "console=ttyS0 reboot=k panic=-1 quiet"

static uint64_t page_up(uint64_t v)
{
	return (v + PV_PAGE_SIZE - 1) & ~(PV_PAGE_SIZE - 1);
}

static int read_file(const char *path, uint8_t **buf, size_t *len,
		     struct gerr *err)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t off = 0;

	if (fd < 0)
		return gerr_errno(err, errno, "--kernel %s: cannot open", path);
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    (uint64_t)sb.st_size > PV_IMAGE_MAX_FILE) {
		close(fd);
		return gerr_set(err, "--kernel %s: not a regular file of at most 256 MiB",
				path);
	}
	*len = (size_t)sb.st_size;
	*buf = malloc(*len ? *len : 1);
	if (!*buf) {
		close(fd);
		return gerr_set(err, "--kernel %s: out of memory", path);
	}
	while (off < *len) {
		ssize_t n = read(fd, *buf + off, *len - off);

		if (n <= 0) {
			close(fd);
			free(*buf);
			return gerr_errno(err, n < 0 ? errno : EIO,
					  "--kernel %s: cannot read", path);
		}
		off += (size_t)n;
	}
	close(fd);
	return 0;
}

static const char *type_name(uint32_t type)
{
	return type == PV_DEV_BLOCK ? "block" : "net";
}

/* Every --disk/--net must name a manifest device of its type, and every
 * manifest device must be attached (docs/pv-abi.md section 1). */
static int attach_devices(struct pv *pv, struct gerr *err)
{
	const struct vm_config *cfg = &pv->vm->cfg;
	const struct pv_manifest *m = &pv->img.manifest;
	bool attached[PV_MAX_DEVICES] = { false };

	for (unsigned i = 0; i < cfg->nr_nets; i++) {
		const struct net_config *nc = &cfg->net[i];
		int d = nc->name ? pv_manifest_find(m, PV_DEV_NET, nc->name) : -1;

		if (!nc->name)
			return gerr_set(err, "--net: PV mode needs NAME=tap:IFNAME or NAME=user, NAME a net device the guest declares");
		if (d < 0)
			return gerr_set(err, "--net %s=...: the guest image declares no net device named '%s'",
					nc->name, nc->name);
		if (attached[d])
			return gerr_set(err, "--net %s: given twice", nc->name);
		if (pv_net_open(pv, (unsigned)d, nc, err) < 0)
			return gerr_prefix(err, "--net %s: ", nc->name);
		attached[d] = true;
	}
	for (unsigned i = 0; i < cfg->nr_disks; i++) {
		const struct disk_config *dc = &cfg->disk[i];
		int d = dc->name ? pv_manifest_find(m, PV_DEV_BLOCK, dc->name) : -1;

		if (!dc->name)
			return gerr_set(err, "--disk %s: PV mode needs NAME=PATH, NAME a block device the guest declares",
					dc->path);
		if (d < 0)
			return gerr_set(err, "--disk %s=%s: the guest image declares no block device named '%s'",
					dc->name, dc->path, dc->name);
		if (attached[d])
			return gerr_set(err, "--disk %s: given twice", dc->name);
		if (pv_blk_open(pv, (unsigned)d, dc, err) < 0)
			return -1;
		attached[d] = true;
	}
	pv->nr_devices = m->nr_devices;
	for (unsigned d = 0; d < m->nr_devices; d++) {
		pv->dev[d].type = m->dev[d].type;
		memcpy(pv->dev[d].name, m->dev[d].name, PV_NAME_MAX);
		pv->dev[d].name[PV_NAME_MAX - 1] = '\0';
		if (!attached[d])
			return gerr_set(err, "the guest declares %s device '%s': attach it with --%s %s=...",
					type_name(m->dev[d].type), pv->dev[d].name,
					m->dev[d].type == PV_DEV_BLOCK ? "disk" : "net",
					pv->dev[d].name);
	}
	return 0;
}

/* Maps [gpa, gpa+len) identity with guest permissions. */
static int map_guest(struct pv *pv, uint64_t gpa, uint64_t len, uint32_t flags,
		     struct gerr *err)
{
	int rc = pv_mmu_map(&pv->mmu, gpa, gpa, len / PV_PAGE_SIZE, flags);

	if (rc < 0)
		return gerr_set(err, "cannot map guest range 0x%llx..0x%llx (error %d)",
				(unsigned long long)gpa,
				(unsigned long long)(gpa + len), -rc);
	return 0;
}

static int map_sys(struct pv *pv, struct gerr *err)
{
	static const struct { uint64_t gpa; unsigned flags; } pages[] = {
		{ PV_START_INFO_GPA, PV_MAP_USER },
		{ PV_SHARED_GPA, PV_MAP_USER | PV_MAP_W },
		{ PV_SYS_GPA, 0 },
		{ PV_STUB_GPA, PV_MAP_X },
		{ PV_STACK0_GPA, PV_MAP_W },
	};
	uint8_t *sys = gmem_ptr_w(pv->mem, PV_SYS_GPA, PV_PAGE_SIZE);
	uint8_t *stub = gmem_ptr_w(pv->mem, PV_STUB_GPA, PV_PAGE_SIZE);

	if (!sys || !stub)
		return gerr_set(err, "guest RAM too small for PV mode");
	pv_sys_build(sys, stub);
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
		if (pv_mmu_map_sys(&pv->mmu, pages[i].gpa, pages[i].gpa,
				   pages[i].flags) < 0)
			return gerr_set(err, "cannot map gamut's PV system pages");
	return 0;
}

/* The union of the permissions of every segment touching page p (the
 * parser already refused a union that is writable and executable). */
static uint32_t page_flags(const struct pv_image *img, uint64_t p)
{
	uint32_t flags = 0;

	for (unsigned i = 0; i < img->nr_segments; i++) {
		const struct pv_segment *s = &img->seg[i];

		if (s->vaddr < p + PV_PAGE_SIZE && p < s->vaddr + s->memsz)
			flags |= (s->write ? PV_MMU_W : 0) | (s->exec ? PV_MMU_X : 0);
	}
	return flags;
}

static int load_segments(struct pv *pv, const uint8_t *buf, struct gerr *err)
{
	const struct pv_image *img = &pv->img;

	for (unsigned i = 0; i < img->nr_segments; i++) {
		const struct pv_segment *s = &img->seg[i];
		uint64_t end = page_up(s->vaddr + s->memsz);
		uint8_t *dst = gmem_ptr_w(pv->mem, s->vaddr, s->memsz);

		if (!dst)
			return gerr_set(err, "segment at 0x%llx is outside guest RAM",
					(unsigned long long)s->vaddr);
		memcpy(dst, buf + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
		for (uint64_t p = s->vaddr & ~(PV_PAGE_SIZE - 1); p < end;
		     p += PV_PAGE_SIZE) {
			uint64_t gpa;

			if (pv_mmu_translate(&pv->mmu, p, false, &gpa) == 0)
				continue; /* shared with an earlier segment */
			if (map_guest(pv, p, PV_PAGE_SIZE, page_flags(img, p), err) < 0)
				return -1;
		}
	}
	return 0;
}

/* Splits the command line off the CLI default: PV guests get only what
 * the user gave with --cmdline. */
static void fill_start_info(struct pv *pv, struct pv_start_info *si,
			    uint64_t heap_start, uint64_t stack_bottom,
			    uint64_t stack_top, uint64_t ram)
{
	const char *cmd = pv->vm->cfg.cmdline;

	memset(si, 0, sizeof(*si));
	si->magic = PV_START_MAGIC;
	si->abi_version = PV_ABI_VERSION;
	si->ram_bytes = ram;
	si->frames_start = pv->frames_start;
	si->frames_end = pv->frames_end;
	si->image_start = pv->img.lowest & ~(PV_PAGE_SIZE - 1);
	si->image_end = page_up(pv->img.highest);
	si->heap_start = heap_start;
	si->heap_end = stack_bottom;
	si->stack_bottom = stack_bottom;
	si->stack_top = stack_top;
	si->nr_devices = pv->nr_devices;
	if (cmd && strcmp(cmd, LINUX_DEFAULT_CMDLINE))
		strncpy(si->cmdline, cmd, sizeof(si->cmdline) - 1);
}

static void entry_state(struct pv *pv, struct x86_state *st, uint64_t rsp)
{
	bool changed;

	memset(st, 0, sizeof(*st));
	pv_sys_state(st);
	pv_user_segments(st);
	st->cr3 = pv_mmu_cr3(&pv->mmu, &changed);
	st->rip = pv->img.entry;
	st->rflags = PV_RFLAGS_FIXED;
	st->gpr[X86_RSP] = rsp;
	st->gpr[X86_RDI] = PV_START_INFO_GPA;
}

/* What is wrong with the image itself is said of --kernel; a --disk or
 * --net that cannot be attached names its own option instead. */
static int image_error(const struct pv *pv, struct gerr *err)
{
	const char *kernel = pv->vm->cfg.kernel;

	return kernel ? gerr_prefix(err, "--kernel %s: ", kernel) : -1;
}

int pv_load(struct pv *pv, const void *buf, size_t len, struct x86_state *bsp,
	    struct gerr *err)
{
	const struct gmem_region *r = &pv->mem->region[0];
	uint64_t ram = r->size, pool, stack_top, stack_bottom, heap;
	struct pv_start_info *si;

	if (pv_image_parse(buf, len, &pv->img, err) < 0)
		return image_error(pv, err);
	if (pv->vm->ncpus != 1)
		return gerr_set(err, "PV mode runs one vCPU (--cpus 1)");
	if (pv->mem->nr_regions < 1 || r->gpa != 0 || ram < 8ull << 20)
		return gerr_set(err, "PV mode needs at least 8 MiB of guest RAM");
	pool = (ram - pv_mmu_pool_frames(ram) * PV_PAGE_SIZE) & ~(PV_PAGE_SIZE - 1);
	stack_top = pool;
	stack_bottom = stack_top - PV_STACK_SIZE;
	heap = page_up(pv->img.highest);
	if (heap + PV_PAGE_SIZE > stack_bottom) {
		gerr_set(err, "the image (up to 0x%llx) does not fit in %llu MiB of guest RAM",
			 (unsigned long long)pv->img.highest,
			 (unsigned long long)(ram >> 20));
		return image_error(pv, err);
	}
	pv->frames_start = PV_IMAGE_BASE;
	pv->frames_end = pool;
	if (pv_mmu_init(&pv->mmu, pv->mem, pool, ram, PV_IMAGE_BASE, pool, err) < 0 ||
	    attach_devices(pv, err) < 0 || map_sys(pv, err) < 0)
		return -1;
	if (load_segments(pv, buf, err) < 0)
		return image_error(pv, err);
	if (map_guest(pv, heap, stack_top - heap, PV_MMU_W, err) < 0)
		return -1;
	si = gmem_ptr_w(pv->mem, PV_START_INFO_GPA, sizeof(*si));
	fill_start_info(pv, si, heap, stack_bottom, stack_top, ram);
	memset(gmem_ptr_w(pv->mem, PV_SHARED_GPA, PV_PAGE_SIZE), 0, PV_PAGE_SIZE);
	entry_state(pv, bsp, stack_top);
	pv->loaded = true;
	return 0;
}

int pv_boot_load(struct vm *vm, struct x86_state *bsp, struct gerr *err)
{
	struct pv *pv = device_state(vm, "pv");
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	if (!pv)
		return gerr_set(err, "--mode %s: the PV platform is missing (mode preset io must be PV rings)",
				vm->cfg.mode ? vm->cfg.mode->name : "?");
	if (!vm->cfg.kernel)
		return gerr_set(err, "--kernel: a PV image is required");
	if (read_file(vm->cfg.kernel, &buf, &len, err) < 0)
		return -1;
	rc = pv_load(pv, buf, len, bsp, err);
	free(buf);
	return rc;
}
