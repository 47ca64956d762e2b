/* The Xen PV memory model (src/xenpv/xen_mm.h): types and counts, entry
 * checks, and every hostile argument we could think of. */
#include <pthread.h>
#include <string.h>

#include "../harness.h"
#include "xenpv/xen_mm_priv.h"

#define NR	 1024ull		 /* guest frames: 4 MiB */
#define M2P	 (NR << XEN_PAGE_SHIFT) /* gamut's M2P just above them */
#define HV_FRAME 0x600ull		 /* a gamut frame the hv slots point at */

/* A hand-built hierarchy mapping VA (L4 slot 0, L3 slot 1, L2 slot 2, L1
 * slot 3) to DATA, and the L3 frame read-only at VA + 4 KiB. */
#define F_L4   10ull
#define F_L3   11ull
#define F_L2   12ull
#define F_L1   13ull
#define F_DATA 20ull
#define F_ALT  21ull
#define VA     ((1ull << 30) | (2ull << 21) | (3ull << 12))
#define TBL    (XPTE_P | XPTE_RW | XPTE_A)
#define RWU    (XPTE_P | XPTE_RW | XPTE_US)

static struct guest_mem mem;
static struct xen_mm mm;
static uint64_t hv[16];

static uint64_t pa(uint64_t mfn, unsigned slot)
{
	return (mfn << XEN_PAGE_SHIFT) + slot * 8ull;
}

static uint64_t rd(uint64_t mfn, unsigned slot)
{
	uint64_t v = 0xdeadbeef;

	gmem_read_u64(&mem, pa(mfn, slot), &v);
	return v;
}

static void wr(uint64_t mfn, unsigned slot, uint64_t v)
{
	gmem_write_u64(&mem, pa(mfn, slot), v);
}

static uint32_t cnt(uint64_t mfn)
{
	uint32_t c = 0xffff;

	xen_mm_type(&mm, mfn, &c, NULL);
	return c;
}

static int setup(void)
{
	struct gerr err;

	if (gmem_init(&mem, 8ull << 20, false, &err) < 0)
		return -1;
	for (unsigned i = 0; i < 16; i++)
		hv[i] = i == 3 ? 0 : ((HV_FRAME + i) << XEN_PAGE_SHIFT) | XPTE_P | XPTE_US;
	return xen_mm_init(&mm, &mem, NR, hv, M2P, &err);
}

static void build(void)
{
	wr(F_L4, 0, (F_L3 << 12) | TBL);
	wr(F_L4, 256, (F_DATA << 12) | TBL); /* guest junk in a hv slot */
	wr(F_L3, 1, (F_L2 << 12) | TBL);
	wr(F_L2, 2, (F_L1 << 12) | TBL);
	wr(F_L1, 3, (F_DATA << 12) | XPTE_P | XPTE_RW | XPTE_G);
	wr(F_L1, 4, (F_L3 << 12) | XPTE_P); /* read-only view of a table */
}

static void teardown(void)
{
	xen_mm_destroy(&mm);
	gmem_destroy(&mem);
}

TEST(xen_mm_init_refuses_bad_layouts)
{
	struct gerr err;
	struct xen_mm m2;

	CHECK(gmem_init(&mem, 8ull << 20, false, &err) == 0);
	CHECK_EQ(xen_mm_init(&m2, &mem, 0, hv, M2P, &err), -1);
	CHECK_EQ(xen_mm_init(&m2, &mem, NR, hv, M2P - 8, &err), -1); /* overlaps */
	CHECK_EQ(xen_mm_init(&m2, &mem, NR, hv, M2P + 4, &err), -1); /* unaligned */
	CHECK_EQ(xen_mm_init(&m2, &mem, NR, hv, (8ull << 20) - 8, &err), -1);
	CHECK_EQ(xen_mm_init(&m2, &mem, ~0ull, hv, M2P, &err), -1);
	CHECK_EQ(xen_mm_init(&m2, &mem, NR, NULL, M2P, &err), -1);
	CHECK_EQ(xen_mm_init(&m2, &mem, NR, hv, M2P, &err), 0);
	xen_mm_destroy(&m2);
	xen_mm_destroy(&m2); /* twice is harmless */
	gmem_destroy(&mem);
}

TEST(xen_mm_pin_l4_validates_recursively)
{
	bool pinned;
	uint32_t c;

	CHECK(setup() == 0);
	build();
	CHECK_EQ(xen_mm_pin(&mm, 4, F_L4), 0);
	CHECK_EQ(xen_mm_type(&mm, F_L4, &c, &pinned), XEN_FT_L4);
	CHECK_EQ(c, 1);
	CHECK(pinned);
	CHECK_EQ(xen_mm_type(&mm, F_L3, &c, &pinned), XEN_FT_L3);
	CHECK_EQ(c, 1);
	CHECK(!pinned);
	CHECK_EQ(xen_mm_type(&mm, F_L2, &c, NULL), XEN_FT_L2);
	CHECK_EQ(xen_mm_type(&mm, F_L1, &c, NULL), XEN_FT_L1);
	CHECK_EQ(xen_mm_type(&mm, F_DATA, &c, NULL), XEN_FT_WRITABLE);
	CHECK_EQ(c, 1); /* the junk in slot 256 took no use */
	CHECK_EQ(mm.validations, 4);
	CHECK_EQ(mm.pins, 1);
	/* Stored with _PAGE_USER, without _PAGE_GLOBAL. */
	CHECK_EQ(rd(F_L4, 0), (F_L3 << 12) | TBL | XPTE_US);
	CHECK_EQ(rd(F_L1, 3), (F_DATA << 12) | RWU);
	CHECK_EQ(rd(F_L1, 4), (F_L3 << 12) | XPTE_P | XPTE_US);
	/* The hypervisor's slots, junk replaced; the rest untouched. */
	for (unsigned i = 0; i < 16; i++)
		CHECK_EQ(rd(F_L4, 256 + i), hv[i]);
	CHECK_EQ(rd(F_L4, 272), 0);
	/* Pinned twice, or as another level: refused, nothing changes. */
	CHECK_EQ(xen_mm_pin(&mm, 4, F_L4), -XEN_EINVAL);
	CHECK_EQ(xen_mm_pin(&mm, 3, F_L4), -XEN_EINVAL);
	CHECK_EQ(xen_mm_pin(&mm, 2, F_L1), -XEN_EINVAL);
	CHECK_EQ(xen_mm_pin(&mm, 1, F_DATA), -XEN_EINVAL); /* mapped writable */
	CHECK_EQ(cnt(F_L4), 1);
	CHECK_EQ(cnt(F_DATA), 1);
	/* Pinning an L1 that is already in use adds a use. */
	CHECK_EQ(xen_mm_pin(&mm, 1, F_L1), 0);
	CHECK_EQ(cnt(F_L1), 2);
	CHECK_EQ(mm.validations, 4);
	teardown();
}

TEST(xen_mm_refuses_writable_tables)
{
	CHECK(setup() == 0);
	build();
	CHECK_EQ(xen_mm_pin(&mm, 4, F_L4), 0);
	/* An L1 entry mapping a table of any level writable: -EBUSY (Xen). */
	for (uint64_t f = F_L4; f <= F_L1; f++)
		CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L1, 5), (f << 12) | XPTE_P | XPTE_RW,
					  false), -XEN_EBUSY);
	CHECK_EQ(rd(F_L1, 5), 0);
	/* Read-only is fine. */
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L1, 5), (F_L2 << 12) | XPTE_P, false), 0);
	CHECK_EQ(rd(F_L1, 5), (F_L2 << 12) | XPTE_P | XPTE_US);
	CHECK_EQ(cnt(F_L2), 1);
	/* Making the read-only entry writable is refused, the old one stays. */
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L1, 5), (F_L2 << 12) | XPTE_P | XPTE_RW,
				  false), -XEN_EBUSY);
	CHECK_EQ(rd(F_L1, 5), (F_L2 << 12) | XPTE_P | XPTE_US);
	/* A new L1 that maps an L1 in use writable cannot be validated. */
	wr(30, 0, (F_DATA << 12) | XPTE_P | XPTE_RW);
	wr(30, 1, (F_L1 << 12) | XPTE_P | XPTE_RW);
	CHECK_EQ(xen_mm_pin(&mm, 1, 30), -XEN_EBUSY);
	CHECK_EQ(xen_mm_type(&mm, 30, NULL, NULL), XEN_FT_NONE);
	CHECK_EQ(cnt(F_DATA), 1); /* slot 0's use was given back */
	CHECK_EQ(rd(30, 0), (F_DATA << 12) | XPTE_P | XPTE_RW); /* unchanged */
	/* A frame mapped writable cannot become a table. */
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L2, 3), (F_DATA << 12) | TBL, false),
		 -XEN_EINVAL);
	CHECK_EQ(rd(F_L2, 3), 0);
	CHECK_EQ(xen_mm_type(&mm, F_DATA, NULL, NULL), XEN_FT_WRITABLE);
	teardown();
}

TEST(xen_mm_refuses_frames_the_guest_does_not_own)
{
	static const uint64_t bad[] = { NR, NR + 1, HV_FRAME, (M2P >> 12),
					(1ull << 40) - 1, 0xfffffffffull };

	CHECK(setup() == 0);
	build();
	CHECK_EQ(xen_mm_pin(&mm, 4, F_L4), 0);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L1, 6), (bad[i] << 12) | XPTE_P,
					  false), -XEN_EPERM);
		CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L1, 6),
					  (bad[i] << 12) | XPTE_P | XPTE_RW, false),
			 -XEN_EPERM);
		CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L2, 6), (bad[i] << 12) | TBL, false),
			 -XEN_EINVAL);
		CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L3, 6), (bad[i] << 12) | TBL, false),
			 -XEN_EINVAL);
		CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L4, 6), (bad[i] << 12) | TBL, false),
			 -XEN_EINVAL);
		/* Entries held in those frames are not the guest's to change. */
		CHECK_EQ(xen_mm_pt_update(&mm, pa(bad[i], 0), 0, false), -XEN_EINVAL);
		CHECK_EQ(xen_mm_pin(&mm, 1, bad[i]), -XEN_EINVAL);
		CHECK_EQ(xen_mm_get_segdesc(&mm, bad[i]), -XEN_EINVAL);
	}
	CHECK_EQ(rd(F_L1, 6), 0);
	CHECK_EQ(rd(F_L4, 6), 0);
	/* A not-present entry holds nothing: any bits go. */
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L1, 6), ~1ull, false), 0);
	CHECK_EQ(rd(F_L1, 6), ~1ull);
	/* Nor may a table being validated point outside. */
	wr(31, 0, (NR << 12) | XPTE_P);
	CHECK_EQ(xen_mm_pin(&mm, 1, 31), -XEN_EPERM);
	teardown();
}

TEST(xen_mm_hypervisor_slots_are_not_the_guests)
{
	CHECK(setup() == 0);
	build();
	CHECK_EQ(xen_mm_pin(&mm, 4, F_L4), 0);
	for (unsigned s = 256; s < 272; s++) {
		CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L4, s), 0, false), -XEN_EINVAL);
		CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L4, s), (F_L3 << 12) | TBL, false),
			 -XEN_EINVAL);
		CHECK_EQ(rd(F_L4, s), hv[s - 256]);
	}
	CHECK_EQ(cnt(F_L3), 1);
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L4, 255), (F_L3 << 12) | TBL, false), 0);
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L4, 272), (F_L3 << 12) | TBL, false), 0);
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L4, 511), (F_L3 << 12) | TBL, false), 0);
	CHECK_EQ(cnt(F_L3), 4);
	/* Slot 256 of an L2 or L3 is an ordinary slot. */
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L3, 256), (F_L2 << 12) | TBL, false), 0);
	CHECK_EQ(cnt(F_L2), 2);
	/* update_va and translate do not reach the hypervisor's range. */
	CHECK_EQ(xen_mm_update_va(&mm, F_L4, 0xffff800000000000ull, 0), -XEN_EINVAL);
	CHECK_EQ(xen_mm_update_va(&mm, F_L4, 0xffff87ffffffffffull, 0), -XEN_EINVAL);
	CHECK_EQ(xen_mm_translate(&mm, F_L4, 0xffff800000000000ull, false, NULL),
		 -XEN_EFAULT);
	teardown();
}

TEST(xen_mm_unpin_releases_everything)
{
	CHECK(setup() == 0);
	build();
	CHECK_EQ(xen_mm_pin(&mm, 4, F_L4), 0);
	CHECK_EQ(xen_mm_unpin(&mm, F_L4), 0);
	for (uint64_t f = F_L4; f <= F_DATA; f++) {
		CHECK_EQ(xen_mm_type(&mm, f, NULL, NULL), XEN_FT_NONE);
		CHECK_EQ(cnt(f), 0);
	}
	CHECK_EQ(xen_mm_unpin(&mm, F_L4), -XEN_EINVAL);
	CHECK_EQ(xen_mm_unpin(&mm, F_L3), -XEN_EINVAL);
	CHECK_EQ(xen_mm_unpin(&mm, ~0ull), -XEN_EINVAL);
	/* The old tables may now be mapped writable from another L1 ... */
	CHECK_EQ(xen_mm_pin(&mm, 1, 32), 0);
	for (uint64_t f = F_L4; f <= F_L1; f++)
		CHECK_EQ(xen_mm_pt_update(&mm, pa(32, (unsigned)f), (f << 12) | RWU, false),
			 0);
	CHECK_EQ(xen_mm_type(&mm, F_L1, NULL, NULL), XEN_FT_WRITABLE);
	/* ... and then cannot be pinned again until that mapping goes. */
	CHECK_EQ(xen_mm_pin(&mm, 4, F_L4), -XEN_EINVAL);
	CHECK_EQ(xen_mm_pin(&mm, 1, F_L1), -XEN_EINVAL);
	CHECK_EQ(xen_mm_pt_update(&mm, pa(32, F_L1), 0, false), 0);
	CHECK_EQ(xen_mm_pin(&mm, 1, F_L1), 0);
	/* Unpinning a shared table only drops the pin. */
	CHECK_EQ(xen_mm_pt_update(&mm, pa(32, F_L1), (F_L1 << 12) | XPTE_P, false), 0);
	CHECK_EQ(xen_mm_unpin(&mm, 32), 0);
	CHECK_EQ(xen_mm_type(&mm, F_L4, NULL, NULL), XEN_FT_NONE);
	CHECK_EQ(xen_mm_type(&mm, F_L1, NULL, NULL), XEN_FT_L1);
	teardown();
}

TEST(xen_mm_set_base_counts_uses)
{
	uint64_t kbase = 0, ubase = 0;
	bool pinned;

	CHECK(setup() == 0);
	build();
	CHECK_EQ(xen_mm_set_base(&mm, &kbase, F_L4, false), 0);
	CHECK_EQ(kbase, F_L4);
	CHECK_EQ(xen_mm_type(&mm, F_L4, NULL, &pinned), XEN_FT_L4);
	CHECK(!pinned);
	CHECK_EQ(cnt(F_L4), 1);
	CHECK_EQ(cnt(F_DATA), 1);
	CHECK_EQ(xen_mm_set_base(&mm, &kbase, F_L4, false), 0); /* same: no-op */
	CHECK_EQ(cnt(F_L4), 1);
	CHECK_EQ(xen_mm_pin(&mm, 4, F_L4), 0);
	CHECK_EQ(cnt(F_L4), 2);
	CHECK_EQ(xen_mm_set_base(&mm, &ubase, F_L4, true), 0);
	CHECK_EQ(cnt(F_L4), 3);
	/* An empty L4 as the new kernel base: the old one loses a use. */
	CHECK_EQ(xen_mm_set_base(&mm, &kbase, 40, false), 0);
	CHECK_EQ(kbase, 40);
	CHECK_EQ(cnt(F_L4), 2);
	CHECK_EQ(xen_mm_type(&mm, 40, NULL, NULL), XEN_FT_L4);
	CHECK_EQ(rd(40, 256), hv[0]);
	/* Refused: not an L4, not the guest's, 0 without allow_none. */
	CHECK_EQ(xen_mm_set_base(&mm, &kbase, F_L1, false), -XEN_EINVAL);
	CHECK_EQ(xen_mm_set_base(&mm, &kbase, F_DATA, false), -XEN_EINVAL);
	CHECK_EQ(xen_mm_set_base(&mm, &kbase, NR, false), -XEN_EINVAL);
	CHECK_EQ(xen_mm_set_base(&mm, &kbase, ~0ull, false), -XEN_EINVAL);
	CHECK_EQ(xen_mm_set_base(&mm, &kbase, 0, false), -XEN_EINVAL);
	CHECK_EQ(xen_mm_set_base(&mm, NULL, F_L4, false), -XEN_EINVAL);
	CHECK_EQ(kbase, 40);
	CHECK_EQ(cnt(40), 1);
	/* User base to none, then unpin: the tables go. */
	CHECK_EQ(xen_mm_set_base(&mm, &ubase, 0, true), 0);
	CHECK_EQ(ubase, 0);
	CHECK_EQ(xen_mm_set_base(&mm, &ubase, 0, true), 0);
	CHECK_EQ(cnt(0), 0);
	CHECK_EQ(xen_mm_unpin(&mm, F_L4), 0);
	CHECK_EQ(cnt(F_L4), 0);
	CHECK_EQ(cnt(F_DATA), 0);
	CHECK_EQ(xen_mm_set_base(&mm, &kbase, F_L4, false), 0);
	CHECK_EQ(cnt(40), 0);
	CHECK_EQ(cnt(F_DATA), 1);
	teardown();
}

TEST(xen_mm_update_va_walks_to_the_l1)
{
	CHECK(setup() == 0);
	build();
	CHECK_EQ(xen_mm_pin(&mm, 4, F_L4), 0);
	CHECK_EQ(xen_mm_update_va(&mm, F_L4, VA, (F_ALT << 12) | XPTE_P | XPTE_RW), 0);
	CHECK_EQ(rd(F_L1, 3), (F_ALT << 12) | RWU);
	CHECK_EQ(cnt(F_DATA), 0);
	CHECK_EQ(xen_mm_type(&mm, F_ALT, NULL, NULL), XEN_FT_WRITABLE);
	/* The same L1 checks. */
	CHECK_EQ(xen_mm_update_va(&mm, F_L4, VA, (F_L2 << 12) | XPTE_P | XPTE_RW),
		 -XEN_EBUSY);
	CHECK_EQ(xen_mm_update_va(&mm, F_L4, VA, (NR << 12) | XPTE_P), -XEN_EPERM);
	CHECK_EQ(xen_mm_update_va(&mm, F_L4, VA, (F_ALT << 12) | XPTE_P | XPTE_PCD),
		 -XEN_EINVAL);
	CHECK_EQ(rd(F_L1, 3), (F_ALT << 12) | RWU);
	/* No L1 there: a missing L4, L3 or L2 entry. */
	CHECK_EQ(xen_mm_update_va(&mm, F_L4, 1ull << 39, 0), -XEN_EINVAL);
	CHECK_EQ(xen_mm_update_va(&mm, F_L4, 2ull << 30, 0), -XEN_EINVAL);
	CHECK_EQ(xen_mm_update_va(&mm, F_L4, VA + (1ull << 21), 0), -XEN_EINVAL);
	/* Not an L4 in use, non-canonical. */
	CHECK_EQ(xen_mm_update_va(&mm, F_L1, VA, 0), -XEN_EINVAL);
	CHECK_EQ(xen_mm_update_va(&mm, 40, VA, 0), -XEN_EINVAL);
	CHECK_EQ(xen_mm_update_va(&mm, ~0ull, VA, 0), -XEN_EINVAL);
	CHECK_EQ(xen_mm_update_va(&mm, F_L4, 1ull << 47, 0), -XEN_EINVAL);
	/* Unmapping gives the frame back. */
	CHECK_EQ(xen_mm_update_va(&mm, F_L4, VA, 0), 0);
	CHECK_EQ(cnt(F_ALT), 0);
	CHECK_EQ(rd(F_L1, 3), 0);
	teardown();
}

TEST(xen_mm_translate_follows_the_guest_tables)
{
	uint64_t gpa = 0;

	CHECK(setup() == 0);
	build();
	CHECK_EQ(xen_mm_pin(&mm, 4, F_L4), 0);
	CHECK_EQ(xen_mm_translate(&mm, F_L4, VA + 0x123, true, &gpa), 0);
	CHECK_EQ(gpa, (F_DATA << 12) + 0x123);
	CHECK_EQ(xen_mm_translate(&mm, F_L4, VA + 0x1ff8, false, &gpa), 0);
	CHECK_EQ(gpa, (F_L3 << 12) + 0xff8);
	CHECK_EQ(xen_mm_translate(&mm, F_L4, VA + 0x1000, true, &gpa), -XEN_EFAULT);
	CHECK_EQ(xen_mm_translate(&mm, F_L4, VA + 0x2000, false, &gpa), -XEN_EFAULT);
	CHECK_EQ(xen_mm_translate(&mm, F_L4, 1ull << 39, false, &gpa), -XEN_EFAULT);
	CHECK_EQ(xen_mm_translate(&mm, F_L4, 0x800000000000ull, false, &gpa),
		 -XEN_EFAULT);
	CHECK_EQ(xen_mm_translate(&mm, ~0ull, VA, false, &gpa), -XEN_EFAULT);
	CHECK_EQ(xen_mm_translate(&mm, NR, VA, false, &gpa), -XEN_EFAULT);
	CHECK_EQ(gpa, (F_L3 << 12) + 0xff8); /* untouched on failure */
	/* A read-only L2 entry makes the whole 2 MiB read-only. */
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L2, 2), (F_L1 << 12) | XPTE_P, false), 0);
	CHECK_EQ(xen_mm_translate(&mm, F_L4, VA, true, &gpa), -XEN_EFAULT);
	CHECK_EQ(xen_mm_translate(&mm, F_L4, VA, false, &gpa), 0);
	/* Large pages in tables gamut never validated (translate reads what
	 * is there): 2 MiB at L2 slot 0, 1 GiB at L3 slot 0 of frame 50. */
	wr(50, 0, (51ull << 12) | RWU);
	wr(50, 1, (0ull << 30) | RWU | XPTE_PS);	 /* 1 GiB at 0: in part ours */
	wr(51, 0, (0x200000ull) | RWU | XPTE_PS);	 /* 2 MiB at 2 MiB */
	wr(51, 1, (0x200000ull) | RWU | XPTE_PS | (1ull << 13)); /* reserved */
	wr(51, 2, (0x400000ull) | RWU | XPTE_PS);	 /* beyond the guest */
	wr(51, 3, (0x200000ull) | XPTE_P | XPTE_RW | XPTE_PS); /* no user */
	wr(52, 0, (50ull << 12) | RWU);
	CHECK_EQ(xen_mm_translate(&mm, 52, 0x12345, true, &gpa), 0);
	CHECK_EQ(gpa, 0x212345);
	CHECK_EQ(xen_mm_translate(&mm, 52, (1ull << 30) + 0x3ff000, false, &gpa), 0);
	CHECK_EQ(gpa, 0x3ff000);
	CHECK_EQ(xen_mm_translate(&mm, 52, (1ull << 30) + (NR << 12), false, &gpa),
		 -XEN_EFAULT);
	CHECK_EQ(xen_mm_translate(&mm, 52, 1ull << 21, false, &gpa), -XEN_EFAULT);
	CHECK_EQ(xen_mm_translate(&mm, 52, 2ull << 21, false, &gpa), -XEN_EFAULT);
	CHECK_EQ(xen_mm_translate(&mm, 52, 3ull << 21, false, &gpa), -XEN_EFAULT);
	wr(52, 0, (50ull << 12) | RWU | XPTE_PS); /* PS in an L4: reserved */
	CHECK_EQ(xen_mm_translate(&mm, 52, 0x12345, false, &gpa), -XEN_EFAULT);
	teardown();
}

TEST(xen_mm_pt_update_on_frames_that_are_not_tables)
{
	uint64_t v = (5ull << 12) | XPTE_P | XPTE_RW | XPTE_PS | XPTE_PCD;

	CHECK(setup() == 0);
	build();
	CHECK_EQ(xen_mm_pin(&mm, 4, F_L4), 0);
	/* Untyped and writable frames: a plain store of exactly `val`. */
	CHECK_EQ(xen_mm_pt_update(&mm, pa(60, 7), v, false), 0);
	CHECK_EQ(rd(60, 7), v);
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_DATA, 511), v, true), 0);
	CHECK_EQ(rd(F_DATA, 511), v);
	CHECK_EQ(xen_mm_type(&mm, 60, NULL, NULL), XEN_FT_NONE);
	/* A descriptor page in use is not writable by anyone. */
	CHECK_EQ(xen_mm_get_segdesc(&mm, 61), 0);
	CHECK_EQ(xen_mm_pt_update(&mm, pa(61, 0), v, false), -XEN_EINVAL);
	CHECK_EQ(rd(61, 0), 0);
	/* Unaligned entry addresses. */
	for (unsigned m = 1; m < 8; m++)
		CHECK_EQ(xen_mm_pt_update(&mm, pa(60, 0) + m, 0, false), -XEN_EINVAL);
	CHECK_EQ(xen_mm_pt_update(&mm, ~0ull, 0, false), -XEN_EINVAL);
	CHECK_EQ(xen_mm_pt_update(&mm, ~7ull, 0, false), -XEN_EINVAL);
	CHECK_EQ(mm.updates, 2);
	teardown();
}

TEST(xen_mm_preserve_ad_keeps_the_cpu_bits)
{
	uint64_t e;

	CHECK(setup() == 0);
	build();
	CHECK_EQ(xen_mm_pin(&mm, 4, F_L4), 0);
	/* The CPU set A and D in the entry. */
	wr(F_L1, 3, rd(F_L1, 3) | XPTE_A | XPTE_D);
	e = (F_ALT << 12) | XPTE_P | XPTE_RW;
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L1, 3), e, true), 0);
	CHECK_EQ(rd(F_L1, 3), e | XPTE_US | XPTE_A | XPTE_D);
	CHECK_EQ(cnt(F_DATA), 0);
	CHECK_EQ(cnt(F_ALT), 1);
	/* Without it, the guest's value is stored as is. */
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L1, 3), e, false), 0);
	CHECK_EQ(rd(F_L1, 3), e | XPTE_US);
	/* A set in the new value stays set either way. */
	wr(F_L1, 3, rd(F_L1, 3) | XPTE_D);
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L1, 3), e | XPTE_A, true), 0);
	CHECK_EQ(rd(F_L1, 3), e | XPTE_US | XPTE_A | XPTE_D);
	CHECK_EQ(cnt(F_ALT), 1);
	teardown();
}

TEST(xen_mm_refuses_superpages_and_bad_bits)
{
	CHECK(setup() == 0);
	build();
	CHECK_EQ(xen_mm_pin(&mm, 4, F_L4), 0);
	/* PS in L2 and L3 entries: no superpages for a PV guest. */
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L2, 7), 0x200000 | TBL | XPTE_PS, false),
		 -XEN_EINVAL);
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L3, 7), 0x0 | TBL | XPTE_PS, false),
		 -XEN_EINVAL);
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L4, 7), (40ull << 12) | TBL | XPTE_PS,
				  false), -XEN_EINVAL);
	wr(70, 0, 0x200000 | TBL | XPTE_PS);
	CHECK_EQ(xen_mm_pin(&mm, 2, 70), -XEN_EINVAL);
	/* Cache attributes at every level, G above L1. */
	static const uint64_t l1bad[] = { XPTE_PWT, XPTE_PCD, XPTE_PS };
	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L1, 7),
					  (F_ALT << 12) | XPTE_P | l1bad[i], false),
			 -XEN_EINVAL);
	static const uint64_t upbad[] = { XPTE_PWT, XPTE_PCD, XPTE_G };
	for (unsigned i = 0; i < 3; i++) {
		CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L2, 7), (71ull << 12) | TBL | upbad[i],
					  false), -XEN_EINVAL);
		CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L3, 7), (71ull << 12) | TBL | upbad[i],
					  false), -XEN_EINVAL);
		CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L4, 7), (71ull << 12) | TBL | upbad[i],
					  false), -XEN_EINVAL);
	}
	CHECK_EQ(xen_mm_type(&mm, 71, NULL, NULL), XEN_FT_NONE);
	CHECK_EQ(rd(F_L1, 7), 0);
	CHECK_EQ(rd(F_L2, 7), 0);
	/* Allowed: G in an L1 (dropped), NX and the software bits anywhere. */
	uint64_t sw = XPTE_NX | (0x7ffull << 52) | (7ull << 9);
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L1, 7), (F_ALT << 12) | XPTE_P | XPTE_G | sw,
				  false), 0);
	CHECK_EQ(rd(F_L1, 7), (F_ALT << 12) | XPTE_P | XPTE_US | sw);
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L4, 7), (71ull << 12) | TBL | sw, false), 0);
	CHECK_EQ(rd(F_L4, 7), (71ull << 12) | TBL | XPTE_US | sw);
	CHECK_EQ(xen_mm_type(&mm, 71, NULL, NULL), XEN_FT_L3);
	teardown();
}

TEST(xen_mm_refuses_linear_page_tables)
{
	CHECK(setup() == 0);
	build();
	CHECK_EQ(xen_mm_pin(&mm, 4, F_L4), 0);
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L4, 1), (F_L4 << 12) | XPTE_P, false),
		 -XEN_EINVAL);
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L3, 2), (F_L3 << 12) | XPTE_P, false),
		 -XEN_EINVAL);
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L2, 4), (F_L2 << 12) | XPTE_P, false),
		 -XEN_EINVAL);
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L4, 1), (F_L2 << 12) | XPTE_P, false),
		 -XEN_EINVAL);
	/* An L4 that points at itself cannot be validated either. */
	wr(72, 0, (72ull << 12) | XPTE_P);
	CHECK_EQ(xen_mm_pin(&mm, 4, 72), -XEN_EINVAL);
	CHECK_EQ(xen_mm_type(&mm, 72, NULL, NULL), XEN_FT_NONE);
	CHECK_EQ(cnt(F_L4), 1);
	teardown();
}

TEST(xen_mm_failed_validation_changes_nothing)
{
	CHECK(setup() == 0);
	/* L2 80 -> L1 81 (fine: maps 82 writable), L1 83 (a PCD entry). */
	wr(80, 0, (81ull << 12) | TBL);
	wr(80, 1, (83ull << 12) | TBL);
	wr(81, 0, (82ull << 12) | XPTE_P | XPTE_RW);
	wr(83, 0, (82ull << 12) | XPTE_P | XPTE_PCD);
	CHECK_EQ(xen_mm_pin(&mm, 2, 80), -XEN_EINVAL);
	for (uint64_t f = 80; f <= 83; f++)
		CHECK_EQ(cnt(f), 0);
	CHECK_EQ(rd(80, 0), (81ull << 12) | TBL);
	CHECK_EQ(rd(83, 0), (82ull << 12) | XPTE_P | XPTE_PCD);
	/* 81 was validated on the way and released: its entry keeps the
	 * form gamut stores (USER), which changes nothing for the guest. */
	CHECK_EQ(rd(81, 0), (82ull << 12) | RWU);
	CHECK_EQ(mm.validations, 1);
	/* Fixed, it validates; the guest's junk would have been kept out. */
	wr(83, 0, (82ull << 12) | XPTE_P);
	CHECK_EQ(xen_mm_pin(&mm, 2, 80), 0);
	CHECK_EQ(cnt(82), 1);
	CHECK_EQ(rd(83, 0), (82ull << 12) | XPTE_P | XPTE_US);
	/* Replacing an entry with itself keeps every count. */
	CHECK_EQ(xen_mm_pt_update(&mm, pa(80, 0), (81ull << 12) | TBL, false), 0);
	CHECK_EQ(cnt(81), 1);
	CHECK_EQ(cnt(82), 1);
	CHECK_EQ(mm.validations, 4);
	/* Replacing the L2 entry with one for the other L1 drops 81 and
	 * with it the writable use of 82. */
	CHECK_EQ(xen_mm_pt_update(&mm, pa(80, 0), (83ull << 12) | TBL, false), 0);
	CHECK_EQ(cnt(81), 0);
	CHECK_EQ(cnt(83), 2);
	CHECK_EQ(cnt(82), 0);
	teardown();
}

TEST(xen_mm_descriptor_pages)
{
	CHECK(setup() == 0);
	build();
	CHECK_EQ(xen_mm_pin(&mm, 4, F_L4), 0);
	CHECK_EQ(xen_mm_get_segdesc(&mm, 90), 0);
	CHECK_EQ(xen_mm_get_segdesc(&mm, 90), 0);
	CHECK_EQ(xen_mm_type(&mm, 90, NULL, NULL), XEN_FT_SEGDESC);
	CHECK_EQ(cnt(90), 2);
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L1, 8), (90ull << 12) | XPTE_P | XPTE_RW,
				  false), -XEN_EBUSY);
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L1, 8), (90ull << 12) | XPTE_P, false), 0);
	CHECK_EQ(xen_mm_pin(&mm, 1, 90), -XEN_EINVAL);
	/* Mapped writable, or a table: no descriptor use. */
	CHECK_EQ(xen_mm_get_segdesc(&mm, F_DATA), -XEN_EINVAL);
	CHECK_EQ(xen_mm_get_segdesc(&mm, F_L1), -XEN_EINVAL);
	xen_mm_put_segdesc(&mm, 90);
	xen_mm_put_segdesc(&mm, 90);
	CHECK_EQ(cnt(90), 0);
	/* Puts without a get change nothing. */
	xen_mm_put_segdesc(&mm, 90);
	xen_mm_put_segdesc(&mm, F_DATA);
	xen_mm_put_segdesc(&mm, F_L1);
	xen_mm_put_segdesc(&mm, ~0ull);
	CHECK_EQ(cnt(F_DATA), 1);
	CHECK_EQ(cnt(F_L1), 1);
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L1, 8), (90ull << 12) | XPTE_P | XPTE_RW,
				  false), 0);
	teardown();
}

/* gamut's own writable use (shared frames it writes into): while held,
 * the frame cannot become a table or descriptor page, even with no guest
 * mapping of it left. */
TEST(xen_mm_gamut_writable_use_blocks_table_types)
{
	CHECK(setup() == 0);
	build();
	CHECK_EQ(xen_mm_get_writable(&mm, 91), 0);
	CHECK_EQ(xen_mm_type(&mm, 91, NULL, NULL), XEN_FT_WRITABLE);
	CHECK_EQ(xen_mm_pin(&mm, 1, 91), -XEN_EINVAL);
	CHECK_EQ(xen_mm_pin(&mm, 4, 91), -XEN_EINVAL);
	CHECK_EQ(xen_mm_get_segdesc(&mm, 91), -XEN_EINVAL);
	CHECK_EQ(cnt(91), 1);
	/* A table in use, or a frame that is not the guest's: refused. */
	CHECK_EQ(xen_mm_pin(&mm, 4, F_L4), 0);
	CHECK_EQ(xen_mm_get_writable(&mm, F_L1), -XEN_EINVAL);
	CHECK_EQ(xen_mm_get_writable(&mm, NR), -XEN_EINVAL);
	CHECK_EQ(xen_mm_get_writable(&mm, ~0ull), -XEN_EINVAL);
	/* Mapping it writable adds to the same type. */
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L1, 8), (91ull << 12) | XPTE_P | XPTE_RW,
				  false), 0);
	CHECK_EQ(cnt(91), 2);
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L1, 8), 0, false), 0);
	xen_mm_put_writable(&mm, 91);
	CHECK_EQ(cnt(91), 0);
	xen_mm_put_writable(&mm, 91); /* without a get: nothing */
	CHECK_EQ(cnt(91), 0);
	CHECK_EQ(xen_mm_pin(&mm, 1, 91), 0);
	teardown();
}

TEST(xen_mm_flush_when_a_writable_frame_changes_type)
{
	CHECK(setup() == 0);
	build();
	CHECK_EQ(xen_mm_pin(&mm, 4, F_L4), 0);
	(void)xen_mm_take_flush(&mm);
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L1, 9), (91ull << 12) | RWU, false), 0);
	CHECK(!xen_mm_take_flush(&mm));
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L1, 9), 0, false), 0);
	CHECK(!xen_mm_take_flush(&mm));
	/* The TLB may still map 91 writable: becoming an L1 needs a flush. */
	CHECK_EQ(xen_mm_pin(&mm, 1, 91), 0);
	CHECK(xen_mm_take_flush(&mm));
	CHECK(!xen_mm_take_flush(&mm));
	/* A frame never used needs none, nor a new use of the same type. */
	CHECK_EQ(xen_mm_get_segdesc(&mm, 92), 0);
	xen_mm_put_segdesc(&mm, 92);
	CHECK_EQ(xen_mm_get_segdesc(&mm, 92), 0);
	CHECK(!xen_mm_take_flush(&mm));
	/* A former table mapped writable: the CPU may still walk it. */
	CHECK_EQ(xen_mm_unpin(&mm, 91), 0);
	CHECK(!xen_mm_take_flush(&mm));
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L1, 9), (91ull << 12) | RWU, false), 0);
	CHECK(xen_mm_take_flush(&mm));
	/* So is a store into a former table through mmu_update. */
	CHECK_EQ(xen_mm_pin(&mm, 2, 93), 0);
	CHECK_EQ(xen_mm_unpin(&mm, 93), 0);
	CHECK(!xen_mm_take_flush(&mm));
	CHECK_EQ(xen_mm_pt_update(&mm, pa(93, 0), 0, false), 0);
	CHECK(xen_mm_take_flush(&mm));
	CHECK_EQ(xen_mm_pt_update(&mm, pa(93, 1), 0, false), 0);
	CHECK(!xen_mm_take_flush(&mm));
	teardown();
}

TEST(xen_mm_m2p_update_bounds)
{
	uint64_t v = 0;

	CHECK(setup() == 0);
	for (uint64_t f = 0; f < NR; f += 97) {
		CHECK_EQ(gmem_read_u64(&mem, M2P + f * 8, &v), 0);
		CHECK_EQ(v, f);
	}
	CHECK_EQ(xen_mm_m2p_update(&mm, 5, 777), 0);
	CHECK_EQ(gmem_read_u64(&mem, M2P + 5 * 8, &v), 0);
	CHECK_EQ(v, 777);
	CHECK_EQ(xen_mm_m2p_update(&mm, NR - 1, ~0ull), 0);
	CHECK_EQ(gmem_read_u64(&mem, M2P + (NR - 1) * 8, &v), 0);
	CHECK_EQ(v, ~0ull);
	CHECK_EQ(xen_mm_m2p_update(&mm, NR, 1), -XEN_EINVAL);
	CHECK_EQ(xen_mm_m2p_update(&mm, ~0ull, 1), -XEN_EINVAL);
	CHECK_EQ(xen_mm_m2p_update(&mm, 1ull << 61, 1), -XEN_EINVAL);
	CHECK_EQ(gmem_read_u64(&mem, M2P + NR * 8, &v), 0);
	CHECK_EQ(v, 0); /* nothing after the table */
	teardown();
}

TEST(xen_mm_hostile_arguments)
{
	uint64_t base = 0, gpa = 0;
	uint32_t c = 7;
	bool p = true;

	CHECK(setup() == 0);
	build();
	static const unsigned levels[] = { 0, 5, 6, 255, ~0u };
	for (unsigned i = 0; i < 5; i++)
		CHECK_EQ(xen_mm_pin(&mm, levels[i], F_L1), -XEN_EINVAL);
	CHECK_EQ(xen_mm_pin(&mm, 4, ~0ull), -XEN_EINVAL);
	CHECK_EQ(xen_mm_pin(&mm, 4, NR), -XEN_EINVAL);
	CHECK_EQ(xen_mm_unpin(&mm, NR), -XEN_EINVAL);
	CHECK_EQ(xen_mm_pt_update(&mm, 1ull << 63, 0, false), -XEN_EINVAL);
	CHECK_EQ(xen_mm_pt_update(&mm, NR << 12, 0, false), -XEN_EINVAL);
	CHECK_EQ(xen_mm_set_base(&mm, &base, 1ull << 52, false), -XEN_EINVAL);
	CHECK_EQ(xen_mm_update_va(&mm, ~0ull, ~0ull, ~0ull), -XEN_EINVAL);
	CHECK_EQ(xen_mm_translate(&mm, ~0ull, ~0ull, true, &gpa), -XEN_EFAULT);
	CHECK_EQ(xen_mm_translate(&mm, F_L4, VA, true, NULL), -XEN_EFAULT); /* raw */
	CHECK_EQ(xen_mm_type(&mm, ~0ull, &c, &p), XEN_FT_NONE);
	CHECK_EQ(c, 0);
	CHECK(!p);
	CHECK_EQ(xen_mm_type(&mm, NR, NULL, NULL), XEN_FT_NONE);
	/* A full count refuses another use instead of wrapping. */
	CHECK_EQ(xen_mm_pin(&mm, 4, F_L4), 0);
	mm.frame[F_DATA].count = UINT32_MAX;
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L1, 10), (F_DATA << 12) | RWU, false),
		 -XEN_EBUSY);
	mm.frame[F_L1].count = UINT32_MAX;
	CHECK_EQ(xen_mm_pt_update(&mm, pa(F_L2, 10), (F_L1 << 12) | TBL, false),
		 -XEN_EINVAL);
	mm.frame[F_L1].count = 1;
	mm.frame[F_DATA].count = 1;
	/* Everything is still consistent: unpin frees it all. */
	CHECK_EQ(xen_mm_unpin(&mm, F_L4), 0);
	for (uint64_t f = 0; f < NR; f++)
		CHECK_EQ(cnt(f), 0);
	CHECK_EQ(mm.updates, 0);
	teardown();
}

/* vCPU threads updating at once: each maps and unmaps the same frame
 * writable from an L1 of its own and pins/unpins a shared L1, while one
 * more walks the tables without the lock.  The counts must come out
 * exact. */
struct race_arg {
	unsigned id;
	int bad;
};

static void *race_updates(void *p)
{
	struct race_arg *a = p;
	uint64_t l1 = 100 + a->id;

	for (unsigned i = 0; i < 20000; i++) {
		if (xen_mm_pt_update(&mm, pa(l1, i % 512), (F_DATA << 12) | RWU, false) ||
		    xen_mm_pt_update(&mm, pa(l1, i % 512), 0, i & 1))
			a->bad = 1;
		if (xen_mm_pin(&mm, 1, F_L1) == 0 && xen_mm_unpin(&mm, F_L1))
			a->bad = 1;
	}
	return NULL;
}

static void *race_walks(void *p)
{
	struct race_arg *a = p;
	uint64_t gpa;

	for (unsigned i = 0; i < 20000; i++)
		if (xen_mm_translate(&mm, F_L4, VA, true, &gpa) ||
		    gpa != F_DATA << 12)
			a->bad = 1;
	return NULL;
}

TEST(xen_mm_concurrent_updates_keep_exact_counts)
{
	pthread_t th[5];
	struct race_arg arg[5];

	CHECK(setup() == 0);
	build();
	CHECK_EQ(xen_mm_pin(&mm, 4, F_L4), 0);
	for (unsigned t = 0; t < 4; t++)
		CHECK_EQ(xen_mm_pin(&mm, 1, 100 + t), 0);
	for (unsigned t = 0; t < 5; t++) {
		arg[t] = (struct race_arg){ t, 0 };
		CHECK(pthread_create(&th[t], NULL, t < 4 ? race_updates : race_walks,
				     &arg[t]) == 0);
	}
	for (unsigned t = 0; t < 5; t++) {
		pthread_join(th[t], NULL);
		CHECK_EQ(arg[t].bad, 0);
	}
	CHECK_EQ(cnt(F_DATA), 1); /* only the hierarchy's own mapping */
	CHECK_EQ(cnt(F_L1), 1);
	for (unsigned t = 0; t < 4; t++)
		CHECK_EQ(cnt(100 + t), 1);
	CHECK_EQ(mm.updates, 4 * 2 * 20000);
	teardown();
}

/* A guest above 3 GiB: gmem leaves [3 GiB, 4 GiB) to MMIO, so the frames
 * there are below nr_frames but not RAM, and not the guest's to map. */
TEST(xen_mm_frames_in_the_mmio_hole_are_not_the_guests)
{
	const uint64_t low = GMEM_LOW_LIMIT >> 12, high = GMEM_HIGH_BASE >> 12;
	const uint64_t nr = high + 1024, m2p = (high + 1024) << 12;
	struct gerr err;
	uint64_t gpa;

	CHECK(gmem_init(&mem, GMEM_LOW_LIMIT + (16ull << 20), false, &err) == 0);
	CHECK_EQ(xen_mm_init(&mm, &mem, nr, hv, m2p, &err), 0);
	CHECK_EQ(xen_mm_pin(&mm, 1, 5), 0);
	CHECK_EQ(xen_mm_pt_update(&mm, pa(5, 0), ((low - 1) << 12) | RWU, false), 0);
	CHECK_EQ(xen_mm_pt_update(&mm, pa(5, 1), (low << 12) | XPTE_P, false),
		 -XEN_EPERM);
	CHECK_EQ(xen_mm_pt_update(&mm, pa(5, 1), ((high - 1) << 12) | XPTE_P, false),
		 -XEN_EPERM);
	CHECK_EQ(xen_mm_pt_update(&mm, pa(5, 1), (high << 12) | RWU, false), 0);
	CHECK_EQ(xen_mm_pin(&mm, 1, low + 7), -XEN_EINVAL);
	CHECK_EQ(xen_mm_pt_update(&mm, pa(low, 0), 0, false), -XEN_EINVAL);
	CHECK_EQ(xen_mm_m2p_update(&mm, low, 1), -XEN_EINVAL);
	CHECK_EQ(xen_mm_m2p_update(&mm, high, 1), 0);
	CHECK_EQ(xen_mm_translate(&mm, low, 0, false, &gpa), -XEN_EFAULT);
	CHECK_EQ(cnt(high), 1);
	teardown();
}
