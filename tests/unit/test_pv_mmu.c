/* The PV MMU: what the guest may and may not map. */
#include <string.h>

#include "../harness.h"
#include "pv/pv_mmu.h"
#include "test_pv_fixture.h"

#define FRAMES_START PV_IMAGE_BASE
#define FRAMES_END   (8ull << 20)
#define POOL_START   FRAMES_END
#define POOL_END     (FRAMES_END + 16 * PV_PAGE_SIZE)

static struct guest_mem mem;
static struct pv_mmu m;

static int setup(void)
{
	struct gerr err;

	if (gmem_init(&mem, 16ull << 20, false, &err) < 0)
		return -1;
	return pv_mmu_init(&m, &mem, POOL_START, POOL_END, FRAMES_START,
			   FRAMES_END, &err);
}

static void teardown(void)
{
	pv_mmu_destroy(&m);
	gmem_destroy(&mem);
}

TEST(pv_mmu_maps_and_translates)
{
	uint64_t gpa;

	CHECK(setup() == 0);
	CHECK_EQ(pv_mmu_map(&m, 0x40000000, 0x200000, 2, PV_MMU_W), 0);
	CHECK(pv_mmu_translate(&m, 0x40001234, true, &gpa) == 0);
	CHECK_EQ(gpa, 0x201234);
	CHECK(pv_mmu_translate(&m, 0x40002000, false, &gpa) < 0);
	CHECK_EQ(pv_mmu_map(&m, 0x40001000, 0x300000, 1, 0), -PV_EEXIST);
	CHECK_EQ(pv_mmu_protect(&m, 0x40000000, 2, 0), 0);
	CHECK(pv_mmu_translate(&m, 0x40000000, true, &gpa) < 0);
	CHECK(pv_mmu_translate(&m, 0x40000000, false, &gpa) == 0);
	CHECK_EQ(pv_mmu_unmap(&m, 0x40000000, 2), 0);
	CHECK(pv_mmu_translate(&m, 0x40000000, false, &gpa) < 0);
	CHECK_EQ(pv_mmu_unmap(&m, 0x40000000, 1), -PV_ENOENT);
	teardown();
}

TEST(pv_mmu_refuses_foreign_frames_and_addresses)
{
	CHECK(setup() == 0);
	CHECK_EQ(pv_mmu_map(&m, 0x40000000, POOL_START, 1, 0), -PV_EPERM);
	CHECK_EQ(pv_mmu_map(&m, 0x40000000, PV_SYS_GPA, 1, 0), -PV_EPERM);
	CHECK_EQ(pv_mmu_map(&m, 0x40000000, FRAMES_END - PV_PAGE_SIZE, 2, 0),
		 -PV_EPERM);
	CHECK_EQ(pv_mmu_map(&m, 0x40000000, 1ull << 40, 1, 0), -PV_EPERM);
	CHECK_EQ(pv_mmu_map(&m, PV_STUB_GPA, 0x200000, 1, 0), -PV_EPERM);
	CHECK_EQ(pv_mmu_map(&m, PV_VA_MAX, 0x200000, 1, 0), -PV_EPERM);
	CHECK_EQ(pv_mmu_map(&m, PV_VA_MAX - PV_PAGE_SIZE, 0x200000, 2, 0), -PV_EPERM);
	CHECK_EQ(pv_mmu_map(&m, 0x40000010, 0x200000, 1, 0), -PV_EINVAL);
	CHECK_EQ(pv_mmu_map(&m, 0x40000000, 0x200010, 1, 0), -PV_EPERM);
	CHECK_EQ(pv_mmu_map(&m, 0x40000000, 0x200000, 0, 0), -PV_EINVAL);
	CHECK_EQ(pv_mmu_map(&m, 0x40000000, 0x200000, ~0ull, 0), -PV_EINVAL);
	CHECK_EQ(pv_mmu_map(&m, 0x40000000, 0x200000, 1, 0x80), -PV_EINVAL);
	CHECK_EQ(pv_mmu_unmap(&m, PV_SYS_GPA, 1), -PV_EPERM);
	CHECK_EQ(pv_mmu_protect(&m, PV_STUB_GPA, 1, PV_MMU_W), -PV_EPERM);
	teardown();
}

TEST(pv_mmu_enforces_w_xor_x_across_aliases)
{
	CHECK(setup() == 0);
	CHECK_EQ(pv_mmu_map(&m, 0x40000000, 0x200000, 1, PV_MMU_W | PV_MMU_X),
		 -PV_EPERM);
	CHECK_EQ(pv_mmu_map(&m, 0x40000000, 0x200000, 1, PV_MMU_W), 0);
	/* The same frame executable elsewhere would defeat W^X. */
	CHECK_EQ(pv_mmu_map(&m, 0x50000000, 0x200000, 1, PV_MMU_X), -PV_EPERM);
	CHECK_EQ(pv_mmu_protect(&m, 0x40000000, 1, PV_MMU_X), 0);
	CHECK_EQ(pv_mmu_map(&m, 0x50000000, 0x200000, 1, PV_MMU_W), -PV_EPERM);
	CHECK_EQ(pv_mmu_map(&m, 0x50000000, 0x200000, 1, PV_MMU_X), 0);
	/* Asked for explicitly, W+X is allowed (a JIT). */
	CHECK_EQ(pv_mmu_map(&m, 0x60000000, 0x300000, 1,
			    PV_MMU_W | PV_MMU_X | PV_MMU_WX_OK), 0);
	teardown();
}

TEST(pv_mmu_pool_exhaustion_is_an_error_not_a_crash)
{
	int rc = 0;

	CHECK(setup() == 0);
	/* Each map at a new 512 GiB slot needs three new tables. */
	for (uint64_t i = 1; i < 64 && rc == 0; i++)
		rc = pv_mmu_map(&m, i << 39, 0x200000, 1, 0);
	CHECK_EQ(rc, -PV_ENOMEM);
	teardown();
}

TEST(pv_mmu_flush_switches_cr3_after_unmap)
{
	bool changed;
	uint64_t cr3a, cr3b;

	CHECK(setup() == 0);
	cr3a = pv_mmu_cr3(&m, &changed);
	CHECK(pv_mmu_map(&m, 0x40000000, 0x200000, 1, 0) == 0);
	CHECK_EQ(pv_mmu_cr3(&m, &changed), cr3a);
	CHECK(!changed);
	CHECK(pv_mmu_unmap(&m, 0x40000000, 1) == 0);
	cr3b = pv_mmu_cr3(&m, &changed);
	CHECK(changed);
	CHECK(cr3b != cr3a);
	teardown();
}
