/* The PV domain builder: what Xen's toolstack does before a PV kernel's
 * first instruction (docs/xen-pv.md, "Boot").
 *
 * Guest frames (MFN = PFN, the identity physical-to-machine map):
 *   [0, nr_pages)          RAM, laid out from the kernel's load address up
 *                          as the kernel expects of a Xen domain builder:
 *                          kernel, initrd, P2M list, start_info, xenstore
 *                          page, console page, initial page tables, boot
 *                          stack, then 512 KiB of spare mapped room; all of
 *                          it mapped at virt_base + PFN * 4 KiB.
 *   shared_info_mfn        the shared-info page (owned, not RAM)
 *   gnttab_mfn ...         the grant-table frames (owned, not RAM)
 *   hv_gpa ..              gamut's frames (xen_hv.h): never the guest's. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "boot/loader.h"
#include "core/vm.h"
#include "xenpv/xen.h"
#include "xenpv/xen_hv.h"

#define PTE_P 0x001ull
#define PTE_W 0x002ull
#define PTE_U 0x004ull
#define PTE_A 0x020ull
#define PTE_D 0x040ull

#define PAGE_UP(v) (((v) + XEN_PAGE_SIZE - 1) & ~(XEN_PAGE_SIZE - 1))
#define BOOTSTRAP_ROOM (512ull << 10)

struct layout {
	uint64_t kernel_end;	 /* PFN after the image */
	uint64_t initrd_pfn, initrd_len;
	uint64_t p2m_pfn, p2m_pages;
	uint64_t start_info_pfn, store_pfn, console_pfn;
	uint64_t pt_pfn, nr_l4, nr_l3, nr_l2, nr_l1;
	uint64_t stack_pfn;
	uint64_t mapped_end;	 /* PFN: [0, mapped_end) mapped at virt_base */
};

static uint64_t va_of(const struct xen *x, uint64_t pfn)
{
	return x->kern.virt_base + pfn * XEN_PAGE_SIZE;
}

/* Page tables needed to map [virt_base, virt_base + pages): one L4, one L3
 * per 512 GiB, one L2 per GiB, one L1 per 2 MiB (spans may straddle). */
static void count_tables(const struct xen *x, uint64_t pages, struct layout *l)
{
	uint64_t lo = x->kern.virt_base, hi = lo + pages * XEN_PAGE_SIZE - 1;

	l->nr_l4 = 1;
	l->nr_l3 = (hi >> 39) - (lo >> 39) + 1;
	l->nr_l2 = (hi >> 30) - (lo >> 30) + 1;
	l->nr_l1 = (hi >> 21) - (lo >> 21) + 1;
}

static int plan(struct xen *x, uint64_t initrd_len, struct layout *l,
		struct gerr *err)
{
	uint64_t pfn;

	memset(l, 0, sizeof(*l));
	l->kernel_end = PAGE_UP(x->kern.virt_end - x->kern.virt_base) / XEN_PAGE_SIZE;
	pfn = l->kernel_end;
	if (initrd_len) {
		l->initrd_pfn = pfn;
		l->initrd_len = initrd_len;
		pfn += PAGE_UP(initrd_len) / XEN_PAGE_SIZE;
	}
	l->p2m_pfn = pfn;
	l->p2m_pages = PAGE_UP(x->nr_pages * 8) / XEN_PAGE_SIZE;
	pfn += l->p2m_pages;
	l->start_info_pfn = pfn++;
	l->store_pfn = pfn++;
	l->console_pfn = pfn++;
	l->pt_pfn = pfn;
	/* The tables map themselves: grow the estimate until it holds. */
	for (uint64_t tables = 0;;) {
		uint64_t end = pfn + tables + 1 + BOOTSTRAP_ROOM / XEN_PAGE_SIZE;

		end = (end + 511) & ~511ull; /* whole L1 tables */
		count_tables(x, end, l);
		if (l->nr_l4 + l->nr_l3 + l->nr_l2 + l->nr_l1 <= tables) {
			l->mapped_end = end;
			break;
		}
		tables = l->nr_l4 + l->nr_l3 + l->nr_l2 + l->nr_l1;
	}
	l->stack_pfn = l->pt_pfn + l->nr_l4 + l->nr_l3 + l->nr_l2 + l->nr_l1;
	if (l->mapped_end > x->nr_pages)
		return gerr_set(err, "%llu MiB of guest RAM is too little for this kernel%s (it needs %llu MiB mapped at boot)",
				(unsigned long long)(x->nr_pages >> 8),
				initrd_len ? " and initrd" : "",
				(unsigned long long)(l->mapped_end >> 8) + 1);
	return 0;
}

static int load_kernel(struct xen *x, const uint8_t *elf, struct gerr *err)
{
	const struct elf_image *img = &x->kern.elf;

	for (unsigned i = 0; i < img->nr_seg; i++) {
		const struct elf_segment *s = &img->seg[i];
		uint64_t gpa = s->paddr - x->kern.paddr_offset;
		uint8_t *dst;

		if (gpa + s->memsz > x->nr_pages * XEN_PAGE_SIZE ||
		    !(dst = gmem_ptr_w(x->mem, gpa, s->memsz)))
			return gerr_set(err, "kernel segment 0x%llx+0x%llx does not fit in guest RAM",
					(unsigned long long)gpa, (unsigned long long)s->memsz);
		memcpy(dst, elf + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
	}
	return 0;
}

/* The initial tables: everything mapped read-write except the tables
 * themselves (read-only, as Xen requires of frames typed as tables). */
static void build_tables(struct xen *x, const struct layout *l)
{
	uint64_t base = x->kern.virt_base, t = l->pt_pfn;
	uint64_t l4 = t++, l3 = t, l2 = t + l->nr_l3, l1 = l2 + l->nr_l2;
	uint64_t pt_end = l1 + l->nr_l1, flags = PTE_P | PTE_W | PTE_U | PTE_A;

	for (uint64_t pfn = 0; pfn < l->mapped_end; pfn++) {
		uint64_t va = base + pfn * XEN_PAGE_SIZE;
		uint64_t i3 = (va >> 39) - (base >> 39), i2 = (va >> 30) - (base >> 30);
		uint64_t i1 = (va >> 21) - (base >> 21);
		uint64_t leaf = pfn << 12 | PTE_P | PTE_U | PTE_A | PTE_D;

		if (!(pfn >= l->pt_pfn && pfn < pt_end))
			leaf |= PTE_W;
		gmem_write_u64(x->mem, (l4 << 12) + ((va >> 39) & 511) * 8,
			       ((l3 + i3) << 12) | flags);
		gmem_write_u64(x->mem, ((l3 + i3) << 12) + ((va >> 30) & 511) * 8,
			       ((l2 + i2) << 12) | flags);
		gmem_write_u64(x->mem, ((l2 + i2) << 12) + ((va >> 21) & 511) * 8,
			       ((l1 + i1) << 12) | flags);
		gmem_write_u64(x->mem, ((l1 + i1) << 12) + ((va >> 12) & 511) * 8, leaf);
	}
}

static void fill_start_info(struct xen *x, const struct layout *l)
{
	start_info_t *si = gmem_ptr_w(x->mem, l->start_info_pfn << 12, sizeof(*si));
	const char *cmd = x->vm->cfg.cmdline ? x->vm->cfg.cmdline : "";

	memset(si, 0, sizeof(*si));
	snprintf(si->magic, sizeof(si->magic), "xen-3.0-x86_64");
	si->nr_pages = x->nr_pages;
	si->shared_info = x->shared_info_mfn << 12;
	si->flags = 0; /* an unprivileged domain */
	si->store_mfn = l->store_pfn;
	si->store_evtchn = x->store_port;
	si->console.domU.mfn = l->console_pfn;
	si->console.domU.evtchn = x->console_port;
	si->pt_base = va_of(x, l->pt_pfn);
	si->nr_pt_frames = l->nr_l4 + l->nr_l3 + l->nr_l2 + l->nr_l1;
	si->mfn_list = va_of(x, l->p2m_pfn);
	if (l->initrd_len) {
		si->mod_start = va_of(x, l->initrd_pfn);
		si->mod_len = l->initrd_len;
	}
	snprintf((char *)si->cmd_line, sizeof(si->cmd_line), "%s", cmd);
}

/* Events start masked on every vCPU, as a new Xen domain's do; the wall
 * clock is the boot epoch (the guest adds system time to it). */
static void init_shared_info(struct xen *x)
{
	shared_info_t *s = gmem_ptr_w(x->mem, x->shared_info_mfn << 12, XEN_PAGE_SIZE);
	struct timespec rt;
	uint64_t wall;

	memset(s, 0, XEN_PAGE_SIZE);
	for (unsigned i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
		s->vcpu_info[i].evtchn_upcall_mask = 1;
	clock_gettime(CLOCK_REALTIME, &rt);
	wall = (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec -
	       xen_system_time(x);
	s->wc_version = 2;
	s->wc_sec = (uint32_t)(wall / 1000000000ull);
	s->wc_sec_hi = (uint32_t)((wall / 1000000000ull) >> 32);
	s->wc_nsec = (uint32_t)(wall % 1000000000ull);
}

static void entry_state(struct xen *x, const struct layout *l, struct x86_state *st)
{
	struct xen_vcpu *v = &x->vcpu[0];

	memset(st, 0, sizeof(*st));
	xen_hv_sys_state(v, st);
	xen_hv_load_seg(v, FLAT_KERNEL_CS, true, &st->seg[X86_CS]);
	xen_hv_load_seg(v, FLAT_KERNEL_SS, false, &st->seg[X86_SS]);
	for (int s = 0; s < X86_NR_SREGS; s++)
		if (s != X86_CS && s != X86_SS)
			st->seg[s] = (struct x86_segment){ .unusable = 1 };
	st->cr3 = l->pt_pfn << 12;
	st->rip = x->kern.entry;
	st->gpr[X86_RSP] = va_of(x, l->stack_pfn + 1);
	st->gpr[X86_RSI] = va_of(x, l->start_info_pfn);
	st->rflags = X86_RFLAGS_FIXED | X86_RFLAGS_IF;
}

int xen_build(struct xen *x, const uint8_t *elf, size_t len,
	      struct x86_state *bsp, struct gerr *err)
{
	const struct gmem_region *r = &x->mem->region[0];
	const char *initrd = x->vm->cfg.initrd;
	uint64_t initrd_len = 0, hv_l4e[16], m2p_gpa, hv_pages, extra = 1 + XEN_GNT_FRAMES;
	int rc = 0;
	struct layout l;

	if (xen_kernel_parse(elf, len, &x->kern, err) < 0)
		return -1;
	if (x->mem->nr_regions < 1 || r->gpa != 0 || r->size < (64ull << 20))
		return gerr_set(err, "Xen PV guests need at least 64 MiB of RAM (--mem)");
	hv_pages = xen_hv_frames(x->nr_vcpus, r->size / XEN_PAGE_SIZE);
	x->hv_gpa = r->size - hv_pages * XEN_PAGE_SIZE;
	x->shared_info_mfn = x->hv_gpa / XEN_PAGE_SIZE - extra;
	x->gnttab_mfn = x->shared_info_mfn + 1;
	x->nr_pages = x->shared_info_mfn;
	if (initrd && boot_initrd_size(initrd, &initrd_len, err) < 0)
		return gerr_prefix(err, "--initrd ");
	if (plan(x, initrd_len, &l, err) < 0 || load_kernel(x, elf, err) < 0)
		return -1;
	if (initrd_len && boot_initrd_load(x->mem, initrd, l.initrd_pfn << 12,
					   initrd_len, err) < 0)
		return -1;
	if (xen_hv_build(x, hv_l4e, &m2p_gpa, err) < 0)
		return -1;
	for (uint64_t pfn = 0; pfn < x->nr_pages; pfn++)
		gmem_write_u64(x->mem, (l.p2m_pfn << 12) + pfn * 8, pfn);
	build_tables(x, &l);
	x->start_info_gpa = l.start_info_pfn << 12;
	x->store_gpa = l.store_pfn << 12;
	x->console_gpa = l.console_pfn << 12;
	memset(gmem_ptr_w(x->mem, x->store_gpa, XEN_PAGE_SIZE), 0, XEN_PAGE_SIZE);
	memset(gmem_ptr_w(x->mem, x->console_gpa, XEN_PAGE_SIZE), 0, XEN_PAGE_SIZE);
	fill_start_info(x, &l);
	init_shared_info(x);
	if (xen_mm_init(&x->mm, x->mem, x->nr_pages + extra, hv_l4e, m2p_gpa, err) < 0)
		return -1;
	x->mm_ready = true;
	/* Frames that are the domain's but not RAM have no PFN. */
	for (uint64_t m = x->nr_pages; m < x->nr_pages + extra; m++)
		gmem_write_u64(x->mem, m2p_gpa + m * 8, ~0ull);
	/* gamut writes these frames itself, outside the guest's tables: the
	 * shared-info page and grant table (xen_evtchn.c, xen_entry.c), the
	 * console and xenstore rings (xen_platform.c).  Each keeps a writable
	 * use for the domain's life, as Xen keeps on its shared pages and a
	 * backend's mapping keeps on a ring, so the guest can never make one
	 * a page table and have gamut's stores become unvalidated entries. */
	for (uint64_t m = x->shared_info_mfn; m < x->nr_pages + extra; m++)
		if ((rc = xen_mm_get_writable(&x->mm, m)) < 0)
			break;
	if (rc < 0 || (rc = xen_mm_get_writable(&x->mm, l.store_pfn)) < 0 ||
	    (rc = xen_mm_get_writable(&x->mm, l.console_pfn)) < 0)
		return gerr_set(err, "internal: gamut's shared frames cannot be held writable (Xen error %d)",
				(int)-rc);
	/* Pinned as well as loaded: the kernel unpins them once it has its
	 * own tables, as under Xen's toolstack. */
	rc = xen_mm_pin(&x->mm, 4, l.pt_pfn);
	if (rc < 0 || (rc = xen_mm_set_base(&x->mm, &x->vcpu[0].guest_table, l.pt_pfn, false)) < 0)
		return gerr_set(err, "internal: the initial page tables do not validate (Xen error %d)",
				(int)-rc);
	x->vcpu[0].kernel_mode = true;
	x->vcpu[0].up = true;
	entry_state(x, &l, bsp);
	if (xen_hv_set_msrs(&x->vcpu[0], err) < 0)
		return -1;
	x->loaded = true;
	return 0;
}
