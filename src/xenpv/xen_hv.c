/* Building the hypervisor's part of the address space (xen_hv.h) and the
 * ring-0 state every vCPU runs with. */
#include "xenpv/xen_hv.h"

#include <string.h>

#include "core/vm.h"
#include "xenpv/xen.h"

#define PTE_P  0x001ull
#define PTE_W  0x002ull
#define PTE_U  0x004ull
#define PTE_A  0x020ull
#define PTE_D  0x040ull
#define PTE_NX (1ull << 63)

#define PAGES(bytes) (((bytes) + XEN_PAGE_SIZE - 1) / XEN_PAGE_SIZE)
#define VCPU_PAGES   (XEN_GDT_GUEST_PAGES + 1 + 1 + 1) /* GDT, reserved, TSS, stack */

static uint64_t m2p_pages(uint64_t nr_frames)
{
	return PAGES(nr_frames * 8);
}

static uint64_t priv_bytes(unsigned ncpus)
{
	return XEN_HV_VCPU_VA(ncpus) - XEN_HV_PRIV_VA;
}

uint64_t xen_hv_frames(unsigned ncpus, uint64_t nr_frames)
{
	uint64_t m2p = m2p_pages(nr_frames);

	return m2p + 2 + PAGES(m2p * XEN_PAGE_SIZE / 512) + /* M2P, L3, L2, L1s */
	       2 + PAGES(priv_bytes(ncpus) / 512 + XEN_PAGE_SIZE) + /* private tables */
	       3 + (uint64_t)ncpus * VCPU_PAGES;
}

struct alloc {
	struct guest_mem *mem;
	uint64_t next;
};

static uint64_t take(struct alloc *a, uint64_t pages)
{
	uint64_t gpa = a->next;

	a->next += pages * XEN_PAGE_SIZE;
	return gpa;
}

static void put64(struct guest_mem *mem, uint64_t gpa, uint64_t v)
{
	gmem_write_u64(mem, gpa, v);
}

/* Maps [va, va + pages) to frames starting at gpa through L2 `l2` (which
 * covers the 1 GiB around va), taking L1 tables from the allocator. */
static void map_range(struct alloc *a, uint64_t l2, uint64_t va, uint64_t gpa,
		      uint64_t pages, uint64_t flags, uint64_t *l1_cache)
{
	for (uint64_t i = 0; i < pages; i++, va += XEN_PAGE_SIZE, gpa += XEN_PAGE_SIZE) {
		unsigned l2i = (unsigned)(va >> 21) & 511;
		uint64_t l2e;

		gmem_read_u64(a->mem, l2 + l2i * 8, &l2e);
		if (!(l2e & PTE_P)) {
			uint64_t l1 = take(a, 1);

			l2e = l1 | PTE_P | PTE_W | PTE_A | (flags & PTE_U);
			put64(a->mem, l2 + l2i * 8, l2e);
		}
		*l1_cache = l2e & 0x000ffffffffff000ull;
		put64(a->mem, *l1_cache + ((va >> 12) & 511) * 8,
		      gpa | flags | PTE_P | PTE_A | ((flags & PTE_W) ? PTE_D : 0));
	}
}

static uint64_t seg_desc(uint64_t attrs)
{
	return 0xffffull | (0xfull << 48) | attrs; /* base 0, limit 4 GiB (G) */
}

static void build_gdt_reserved(struct guest_mem *mem, uint64_t page, uint64_t tss_va)
{
	uint64_t tss_lo = 0x67 | ((tss_va & 0xffffff) << 16) | (0x8bull << 40) |
			  (((tss_va >> 24) & 0xff) << 56);

	/* Accessed bits preset: the CPU never writes this read-only page. */
	put64(mem, page + 0x08, seg_desc(0x00a09b0000000000ull)); /* ring-0 code64 */
	put64(mem, page + 0x10, seg_desc(0x00c0930000000000ull)); /* ring-0 data */
	put64(mem, page + 0x20, seg_desc(0x00c0fb0000000000ull)); /* FLAT_RING3_CS32 */
	put64(mem, page + 0x28, seg_desc(0x00c0f30000000000ull)); /* FLAT_RING3_DS32/SS */
	put64(mem, page + 0x30, seg_desc(0x00a0fb0000000000ull)); /* FLAT_RING3_CS64 */
	put64(mem, page + 0x40, tss_lo);
	put64(mem, page + 0x48, tss_va >> 32);
}

/* SYSCALL from 64-bit and compat mode, then one stub per vector:
 * `push $vector; out %al, $XEN_PORT_TRAP`.  gamut replaces the vCPU's
 * state at the port write, so the ud2 after it never runs unless gamut
 * failed to, and then it is a fault at CPL 0 that stops the guest. */
static void build_stubs(struct guest_mem *mem, uint64_t stub, uint64_t vec)
{
	uint8_t *s = gmem_ptr_w(mem, stub, XEN_PAGE_SIZE);
	uint8_t *p = gmem_ptr_w(mem, vec, XEN_PAGE_SIZE);

	memset(s, 0xcc, XEN_PAGE_SIZE);
	memcpy(s, (const uint8_t[]){ 0xe6, XEN_PORT_SYSCALL, 0x0f, 0x0b }, 4);
	memcpy(s + 16, (const uint8_t[]){ 0xe6, XEN_PORT_SYSCALL + 2, 0x0f, 0x0b }, 4);
	memset(p, 0xcc, XEN_PAGE_SIZE);
	for (uint32_t v = 0; v < 256; v++) {
		uint8_t *e = p + v * XEN_HV_VEC_STUB;

		e[0] = 0x68; /* push $v */
		memcpy(e + 1, &v, 4);
		e[5] = 0xe6; /* out %al, $XEN_PORT_TRAP */
		e[6] = XEN_PORT_TRAP;
		e[7] = 0x0f; /* ud2 */
		e[8] = 0x0b;
	}
}

static void build_idt(struct guest_mem *mem, uint64_t idt)
{
	for (uint64_t v = 0; v < 256; v++) {
		uint64_t off = XEN_HV_VEC_VA + v * XEN_HV_VEC_STUB;
		/* Interrupt gates at DPL 0: a guest's INT n raises #GP, and
		 * gamut then consults the guest's trap table, as Xen does. */
		uint64_t lo = (off & 0xffff) | ((uint64_t)XEN_SEL_R0_CODE << 16) |
			      (0x8eull << 40) | ((off >> 16) & 0xffff) << 48;

		put64(mem, idt + v * 16, lo);
		put64(mem, idt + v * 16 + 8, off >> 32);
	}
}

int xen_hv_build(struct xen *x, uint64_t hv_l4e[16], uint64_t *m2p_gpa,
		 struct gerr *err)
{
	uint64_t nr_frames = x->nr_pages + 1 + XEN_GNT_FRAMES;
	struct alloc a = { x->mem, x->hv_gpa };
	uint64_t m2p_n = m2p_pages(nr_frames), l1;
	uint64_t m2p, m2p_l3, m2p_l2, priv_l3, priv_l2, idt, stub, vec;
	uint64_t end = x->hv_gpa + xen_hv_frames(x->nr_vcpus, nr_frames) * XEN_PAGE_SIZE;
	uint8_t *zero = gmem_ptr_w(x->mem, x->hv_gpa, end - x->hv_gpa);

	if (!zero)
		return gerr_set(err, "guest RAM too small for gamut's hypervisor frames");
	memset(zero, 0, end - x->hv_gpa);
	m2p = take(&a, m2p_n);
	m2p_l3 = take(&a, 1);
	m2p_l2 = take(&a, 1);
	priv_l3 = take(&a, 1);
	priv_l2 = take(&a, 1);
	idt = take(&a, 1);
	stub = take(&a, 1);
	vec = take(&a, 1);
	/* The M2P: user-readable (the guest kernel reads it at CPL 3), never
	 * writable or executable. */
	put64(x->mem, m2p_l3, m2p_l2 | PTE_P | PTE_W | PTE_U | PTE_A);
	map_range(&a, m2p_l2, __MACH2PHYS_VIRT_START, m2p, m2p_n, PTE_U | PTE_NX, &l1);
	put64(x->mem, priv_l3 + ((XEN_HV_PRIV_VA >> 30) & 511) * 8,
	      priv_l2 | PTE_P | PTE_W | PTE_A);
	map_range(&a, priv_l2, XEN_HV_IDT_VA, idt, 1, PTE_NX, &l1);
	map_range(&a, priv_l2, XEN_HV_STUB_VA, stub, 2, 0, &l1);
	build_idt(x->mem, idt);
	build_stubs(x->mem, stub, vec);
	for (unsigned i = 0; i < x->nr_vcpus; i++) {
		struct xen_vcpu *v = &x->vcpu[i];
		uint64_t win = XEN_HV_VCPU_VA(i), gdt = take(&a, XEN_GDT_GUEST_PAGES + 1);
		uint64_t tss = take(&a, 1), stack = take(&a, 1);

		v->gdt_gpa = gdt;
		v->gdt_va = win + XEN_HV_GDT_OFF;
		v->tss_va = win + XEN_HV_TSS_OFF;
		v->stack0_va = win + XEN_HV_STACK_OFF + XEN_PAGE_SIZE;
		map_range(&a, priv_l2, v->gdt_va, gdt, XEN_GDT_GUEST_PAGES + 1, PTE_NX, &l1);
		map_range(&a, priv_l2, v->tss_va, tss, 1, PTE_NX, &l1);
		map_range(&a, priv_l2, v->stack0_va - XEN_PAGE_SIZE, stack, 1, PTE_W | PTE_NX, &l1);
		build_gdt_reserved(x->mem, gdt + XEN_GDT_GUEST_PAGES * XEN_PAGE_SIZE, v->tss_va);
		put64(x->mem, tss + 4, v->stack0_va); /* RSP0 */
		gmem_write_u16(x->mem, tss + 0x66, 0x68); /* no I/O bitmap */
	}
	if (a.next > end)
		return gerr_set(err, "internal: hypervisor frames overflow (%llu > %llu)",
				(unsigned long long)a.next, (unsigned long long)end);
	memset(hv_l4e, 0, 16 * sizeof(hv_l4e[0]));
	hv_l4e[0] = m2p_l3 | PTE_P | PTE_W | PTE_U | PTE_A;  /* slot 256 */
	hv_l4e[1] = priv_l3 | PTE_P | PTE_W | PTE_A;	      /* slot 257 */
	*m2p_gpa = m2p;
	return 0;
}

uint64_t xen_hv_stack0_gpa(const struct xen_vcpu *v)
{
	/* The stack frame is the one taken right after the TSS. */
	return v->gdt_gpa + (XEN_GDT_GUEST_PAGES + 1 + 1 + 1) * XEN_PAGE_SIZE;
}

void xen_hv_sys_state(const struct xen_vcpu *v, struct x86_state *st)
{
	st->gdt = (struct x86_dtable){ v->gdt_va, XEN_GDT_LIMIT };
	st->idt = (struct x86_dtable){ XEN_HV_IDT_VA, 256 * 16 - 1 };
	st->tr = (struct x86_segment){ .base = v->tss_va, .limit = 0x67,
				       .selector = XEN_SEL_TSS, .type = 0xb,
				       .present = 1 };
	st->ldt = (struct x86_segment){ .unusable = 1 };
	st->cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE |
		  X86_CR0_WP | X86_CR0_PG | (st->cr0 & X86_CR0_TS);
	st->cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	st->efer = X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE;
	st->apic_base = 0xfee00000ull | (v->index == 0 ? 1ull << 8 : 0) | (1ull << 11);
}

/* RFLAGS bits SYSCALL clears on its way into the stub (Intel SDM vol. 2,
 * SYSCALL: RFLAGS &= ~IA32_FMASK).  TF and IF above all: the stub runs at
 * CPL 0 on the guest's RSP, so a single-step trap (a debugger in the guest
 * stepping over a system call or hypercall) or an interrupt taken before
 * its port write would push a ring-0 frame onto the guest's stack and
 * stop the guest.  DF, NT and AC have no business in ring 0 either.  The
 * guest's own RFLAGS are in R11 and are what gamut returns with. */
#define SYSCALL_MASK ((1ull << 8) | (1ull << 9) | (1ull << 10) | (1ull << 14) | (1ull << 18))

int xen_hv_set_msrs(struct xen_vcpu *v, struct gerr *err)
{
	struct vm *vm = v->x->vm;
	struct vcpu *c = &vm->vcpu[v->index];
	const struct cpu_backend *b = vm->backend;
	static const uint32_t idx[] = { 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084 };
	const uint64_t val[] = {
		(uint64_t)XEN_SEL_R0_CODE << 32, /* STAR: SYSCALL's CS and SS */
		XEN_HV_STUB_VA,			 /* LSTAR */
		XEN_HV_STUB_VA + 16,		 /* CSTAR */
		SYSCALL_MASK,			 /* SFMASK */
	};

	if (!b->vcpu_set_msr)
		return gerr_set(err, "--cpu %s cannot set MSRs: Xen PV guests need it", b->name);
	for (unsigned i = 0; i < 4; i++)
		if (b->vcpu_set_msr(c, idx[i], val[i], err) < 0)
			return -1;
	return 0;
}

int xen_hv_gdt_write(struct xen_vcpu *v, unsigned index, uint64_t desc)
{
	if (index >= XEN_GDT_GUEST_PAGES * 512)
		return -1;
	return gmem_write_u64(v->x->mem, v->gdt_gpa + index * 8ull, desc);
}

void xen_hv_gdt_clear(struct xen_vcpu *v)
{
	uint8_t *p = gmem_ptr_w(v->x->mem, v->gdt_gpa, XEN_GDT_GUEST_PAGES * XEN_PAGE_SIZE);

	if (p)
		memset(p, 0, XEN_GDT_GUEST_PAGES * XEN_PAGE_SIZE);
}

static void unpack(uint64_t d, uint16_t sel, struct x86_segment *s)
{
	uint32_t limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000));

	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = ((d >> 16) & 0xffffff) | (((d >> 56) & 0xff) << 24);
	s->type = (d >> 40) & 0xf;
	s->s = (d >> 44) & 1;
	s->dpl = (d >> 45) & 3;
	s->present = (d >> 47) & 1;
	s->avl = (d >> 52) & 1;
	s->l = (d >> 53) & 1;
	s->db = (d >> 54) & 1;
	s->g = (d >> 55) & 1;
	s->limit = s->g ? (limit << 12) | 0xfff : limit;
}

int xen_hv_load_seg(const struct xen_vcpu *v, uint16_t sel, bool code,
		    struct x86_segment *seg)
{
	uint64_t d;

	if ((sel & ~3u) == 0) {
		if (code)
			return -1;
		*seg = (struct x86_segment){ .selector = sel, .unusable = 1 };
		return 0;
	}
	if ((sel & 4) || (sel | 7u) > XEN_GDT_LIMIT ||
	    gmem_read_u64(v->x->mem, v->gdt_gpa + (sel & ~7u), &d) < 0)
		return -1; /* LDT selectors are not loaded by gamut */
	unpack(d, sel, seg);
	if (!seg->present || !seg->s || seg->dpl != 3 ||
	    (code ? !(seg->type & 8) : (seg->type & 8) && !(seg->type & 2)))
		return -1;
	seg->type |= 1; /* accessed, as the CPU would mark it */
	return 0;
}
