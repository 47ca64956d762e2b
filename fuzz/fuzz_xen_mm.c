/* libFuzzer target: the Xen PV memory model (src/xenpv/xen_mm.h) driven by a
 * hostile guest.  The input is a sequence of operations on a small guest
 * (32 frames): the guest's own writes to frames it could map writable,
 * the CPU setting A/D bits, and every call of the interface with
 * arbitrary arguments.  After each operation a checker recounts, from the
 * tables in memory, every use the model should hold, and stops on
 *   - a present entry of a table in use that maps a frame outside the
 *     guest's, has a refused bit, lacks _PAGE_USER or keeps _PAGE_GLOBAL,
 *   - an L1 entry of a table in use mapping a table or descriptor page
 *     writable (or any entry whose target has the wrong type),
 *   - a count that differs from the recount, a frame left validated,
 *     pinned or typed with no use, an L4 without the hypervisor's slots,
 *   - a translation outside the guest's frames. */
#include <stdlib.h>
#include <string.h>

#include "xenpv/xen_mm_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NR	64u		/* guest frames */
#define M2P_GPA (0x80ull << 12) /* gamut's, above them */
#define MAX_OPS 256

struct fz {
	const uint8_t *p, *end;
	struct guest_mem mem;
	struct xen_mm mm;
	uint64_t base[2];    /* kernel, user */
	uint32_t seg[NR];    /* descriptor uses the "hypercall layer" holds */
	uint64_t last_va, last_l4; /* of the last chain() */
};

static uint64_t get(struct fz *z, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n && z->p < z->end; i++, z->p++)
		v |= (uint64_t)*z->p << (8 * i);
	return v;
}

/* A frame number: mostly one of the first 16 (so that tables share
 * frames), sometimes any of the guest's or just past them, or wild. */
static uint64_t frame(struct fz *z)
{
	uint8_t b = (uint8_t)get(z, 1);

	if (b == 0xff)
		return get(z, 8);
	if (b & 0x80)
		return (b & 0x7f) % (NR + 8);
	return b % 16;
}

/* An entry value: mostly plausible flags, sometimes anything. */
static uint64_t entry(struct fz *z)
{
	uint8_t kind = (uint8_t)get(z, 1);
	uint64_t mfn = frame(z) & 0xffffffffffull, flags;

	switch (kind & 3) {
	case 0:
		flags = XPTE_P | XPTE_A | (kind & 4 ? XPTE_RW : 0) |
			(kind & 8 ? XPTE_US : 0) | (kind & 16 ? XPTE_D : 0);
		break;
	case 1:
		flags = get(z, 2) & 0xfff;
		break;
	case 2:
		flags = (get(z, 2) & 0xfff) | (get(z, 2) << 52);
		break;
	default:
		return get(z, 8);
	}
	return (mfn << XEN_PAGE_SHIFT) | flags;
}

/* A VA near the entries the input is likely to have filled. */
static uint64_t vaddr(struct fz *z)
{
	static const unsigned l4s[] = { 0, 1, 255, 256, 271, 272, 300, 511 };
	uint64_t b = get(z, 2), va;

	va = (uint64_t)l4s[b & 7] << 39 | ((b >> 3) & 3) << 30 |
	     ((b >> 5) & 3) << 21 | ((b >> 7) & 3) << 12 | ((b >> 9) & 0x7f) << 5;
	if ((b & 0xc000) == 0xc000)
		return get(z, 8); /* anything, non-canonical included */
	return (uint64_t)((int64_t)(va << 16) >> 16);
}

static uint64_t *slot_ptr(struct fz *z, uint64_t mfn, unsigned slot)
{
	return gmem_ptr_w(&z->mem, (mfn << XEN_PAGE_SHIFT) + slot * 8ull, 8);
}

static bool guest_may_write(struct fz *z, uint64_t f)
{
	return f < NR && (!z->mm.frame[f].count ||
			  z->mm.frame[f].type == XEN_FT_WRITABLE);
}

/* The guest lays out a whole path L4 -> L3 -> L2 -> L1 -> page for a VA
 * in frames it can still write, as a kernel does before pinning. */
static void chain(struct fz *z)
{
	uint64_t fr[5], va, leaf_rw;

	for (unsigned i = 0; i < 5; i++)
		fr[i] = get(z, 1) % 16;
	va = vaddr(z);
	leaf_rw = get(z, 1) & 1 ? XPTE_RW : 0;
	z->last_va = va;
	z->last_l4 = fr[0];
	for (unsigned level = 4; level >= 1; level--) {
		uint64_t f = fr[4 - level];
		unsigned slot = (unsigned)(va >> (12 + 9 * (level - 1))) & 511;

		if (guest_may_write(z, f))
			*slot_ptr(z, f, slot) = (fr[5 - level] << XEN_PAGE_SHIFT) |
						XPTE_P | XPTE_A | XPTE_US |
						(level > 1 ? XPTE_RW : leaf_rw);
	}
}

static void check(struct fz *z)
{
	struct xen_mm *mm = &z->mm;
	uint32_t want[NR] = { 0 };
	uint8_t want_type[NR] = { 0 };

#define DEMAND(f, t)                                                           \
	do {                                                                   \
		if ((f) >= NR)                                                 \
			abort();                                               \
		if (want[f] && want_type[f] != (t))                            \
			abort();                                               \
		want[f]++;                                                     \
		want_type[f] = (uint8_t)(t);                                   \
	} while (0)

	for (uint64_t f = 0; f < NR; f++) {
		const struct xen_frame *fr = &mm->frame[f];
		const uint64_t *t;

		if (fr->pinned)
			DEMAND(f, fr->type);
		if (z->seg[f])
			for (uint32_t i = 0; i < z->seg[f]; i++)
				DEMAND(f, XEN_FT_SEGDESC);
		if (!fr->count || !xmm_is_table(fr->type))
			continue;
		if (!fr->validated)
			abort();
		t = gmem_ptr(&z->mem, f << XEN_PAGE_SHIFT, XEN_PAGE_SIZE);
		for (unsigned i = 0; i < XEN_PT_ENTRIES; i++) {
			uint64_t e = t[i], to = (e & XPTE_ADDR) >> XEN_PAGE_SHIFT;

			if (xmm_hv_slot(fr->type, i)) {
				/* The CPU may have set A/D there. */
				if ((e ^ mm->hv_l4e[i - XEN_HV_L4_FIRST]) &
				    ~(XPTE_A | XPTE_D))
					abort();
				continue;
			}
			if (!(e & XPTE_P))
				continue;
			if ((e & xmm_disallowed(fr->type)) || !(e & XPTE_US) ||
			    (e & XPTE_G) || to >= NR)
				abort();
			if (fr->type > 1)
				DEMAND(to, fr->type - 1);
			else if (e & XPTE_RW)
				DEMAND(to, XEN_FT_WRITABLE);
		}
	}
	for (unsigned i = 0; i < 2; i++)
		if (z->base[i])
			DEMAND(z->base[i], XEN_FT_L4);
	for (unsigned f = 0; f < NR; f++) {
		const struct xen_frame *fr = &mm->frame[f];

		if (fr->count != want[f])
			abort();
		if (fr->count && fr->type != want_type[f])
			abort();
		if (!fr->count && (fr->validated || fr->pinned))
			abort();
	}
#undef DEMAND
}

static void step(struct fz *z)
{
	struct xen_mm *mm = &z->mm;
	uint8_t op = (uint8_t)get(z, 1);
	uint64_t f, v, gpa;
	unsigned slot;
	int rc;

	switch (op % 13) {
	case 0: /* the guest writes a frame it could map writable */
		f = get(z, 1) % NR;
		slot = get(z, 2) % XEN_PT_ENTRIES;
		v = entry(z);
		if (guest_may_write(z, f))
			*slot_ptr(z, f, slot) = v;
		break;
	case 12:
		chain(z);
		break;
	case 1: /* the CPU sets A and D in any present entry */
		f = get(z, 1) % NR;
		slot = get(z, 2) % XEN_PT_ENTRIES;
		if (*slot_ptr(z, f, slot) & XPTE_P)
			*slot_ptr(z, f, slot) |= XPTE_A | XPTE_D;
		break;
	case 2:
		f = frame(z);
		v = get(z, 2);
		xen_mm_pt_update(mm, (f << XEN_PAGE_SHIFT) + (v & 0xfff), entry(z),
				 v & 0x1000);
		break;
	case 3:
		xen_mm_pin(mm, (unsigned)get(z, 1) % 6, frame(z));
		break;
	case 4:
		xen_mm_unpin(mm, frame(z));
		break;
	case 5: {
		unsigned which = (unsigned)get(z, 1) & 1;

		f = frame(z);
		xen_mm_set_base(mm, &z->base[which], f, which == 1);
		break;
	}
	case 6:
		f = frame(z);
		if (!xen_mm_get_segdesc(mm, f)) {
			if (f >= NR)
				abort();
			z->seg[f]++;
		}
		break;
	case 7:
		f = frame(z);
		/* Only a held use is given back (a stray put is the caller's
		 * bug); on other frames the put must change nothing. */
		if (f < NR && z->seg[f])
			z->seg[f]--;
		else if (f < NR && mm->frame[f].count &&
			 mm->frame[f].type == XEN_FT_SEGDESC)
			break;
		xen_mm_put_segdesc(mm, f);
		break;
	case 8:
		v = get(z, 1);
		f = v & 1 ? z->base[0] : v & 2 ? z->last_l4 : frame(z);
		v = v & 4 ? z->last_va : vaddr(z);
		xen_mm_update_va(mm, f, v, entry(z));
		break;
	case 9:
		v = get(z, 1);
		f = v & 1 ? z->base[0] : v & 2 ? z->last_l4 : frame(z);
		v = v & 4 ? z->last_va + (v >> 3) * 8 : vaddr(z);
		rc = xen_mm_translate(mm, f, v, get(z, 1) & 1, &gpa);
		if (rc == 0 && gpa >= (uint64_t)NR << XEN_PAGE_SHIFT)
			abort();
		if (rc != 0 && rc != -XEN_EFAULT)
			abort();
		break;
	case 10:
		f = frame(z);
		rc = xen_mm_m2p_update(mm, f, get(z, 8));
		if ((rc == 0) != (f < NR))
			abort();
		break;
	default:
		(void)xen_mm_take_flush(mm);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz z;
	struct gerr err;
	uint64_t hv[16];

	memset(&z, 0, sizeof(z));
	z.p = data;
	z.end = data + size;
	for (unsigned i = 0; i < 16; i++)
		hv[i] = ((0x90ull + i) << XEN_PAGE_SHIFT) | XPTE_P | XPTE_US;
	if (gmem_init(&z.mem, 1u << 20, false, &err) < 0)
		abort();
	if (xen_mm_init(&z.mm, &z.mem, NR, hv, M2P_GPA, &err) < 0)
		abort();
	for (unsigned n = 0; n < MAX_OPS && z.p < z.end; n++) {
		step(&z);
		check(&z);
	}
	/* Giving everything back must leave every frame without a use. */
	for (unsigned i = 0; i < 2; i++)
		if (z.base[i])
			xen_mm_set_base(&z.mm, &z.base[i], 0, true);
	z.base[0] = z.base[1] = 0;
	for (unsigned f = 0; f < NR; f++) {
		while (z.seg[f]) {
			xen_mm_put_segdesc(&z.mm, f);
			z.seg[f]--;
		}
		if (z.mm.frame[f].pinned)
			xen_mm_unpin(&z.mm, f);
	}
	check(&z);
	for (unsigned f = 0; f < NR; f++)
		if (z.mm.frame[f].count)
			abort();
	xen_mm_destroy(&z.mm);
	gmem_destroy(&z.mem);
	return 0;
}
