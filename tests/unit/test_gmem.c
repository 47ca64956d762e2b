#include <stdint.h>
#include <string.h>

#include "../harness.h"
#include "core/gmem.h"

TEST(gmem_bounds)
{
	struct guest_mem m;
	struct gerr err;
	uint32_t v = 0;

	CHECK(gmem_init(&m, 2 << 20, false, &err) == 0);
	CHECK(gmem_ptr(&m, 0, 1) != NULL);
	CHECK(gmem_ptr(&m, (2 << 20) - 4, 4) != NULL);
	CHECK(gmem_ptr(&m, (2 << 20) - 3, 4) == NULL);
	CHECK(gmem_ptr(&m, 2 << 20, 1) == NULL);
	CHECK(gmem_ptr(&m, 0, 0) == NULL);
	CHECK(gmem_ptr(&m, UINT64_MAX, 2) == NULL);
	CHECK(gmem_ptr(&m, 16, UINT64_MAX) == NULL);
	CHECK(gmem_ptr(&m, UINT64_MAX - 1, UINT64_MAX) == NULL);
	CHECK(gmem_write_u32(&m, 0x1000, 0xdeadbeef) == 0);
	CHECK(gmem_read_u32(&m, 0x1000, &v) == 0);
	CHECK_EQ(v, 0xdeadbeef);
	CHECK(gmem_write_u32(&m, (2 << 20) - 2, 1) == -1);
	gmem_destroy(&m);
}

TEST(gmem_high_region)
{
	struct guest_mem m;
	struct gerr err;

	CHECK(gmem_init(&m, GMEM_LOW_LIMIT + (4 << 20), false, &err) == 0);
	CHECK_EQ(m.nr_regions, 2);
	CHECK(gmem_ptr(&m, GMEM_LOW_LIMIT - 1, 1) != NULL);
	CHECK(gmem_ptr(&m, GMEM_LOW_LIMIT, 1) == NULL); /* the MMIO hole */
	CHECK(gmem_ptr(&m, GMEM_LOW_LIMIT - 1, 2) == NULL); /* straddles it */
	CHECK(gmem_ptr(&m, GMEM_HIGH_BASE, 4 << 20) != NULL);
	CHECK(gmem_ptr(&m, GMEM_HIGH_BASE, (4 << 20) + 1) == NULL);
	gmem_destroy(&m);
}

static uint64_t hook_gpa, hook_len;
static void hook(void *o, uint64_t gpa, uint64_t len)
{
	(void)o;
	hook_gpa = gpa;
	hook_len = len;
}

TEST(gmem_write_hook)
{
	struct guest_mem m;
	struct gerr err;

	CHECK(gmem_init(&m, 1 << 20, false, &err) == 0);
	m.write_hook = hook;
	CHECK(gmem_write_u64(&m, 0x2000, 1) == 0);
	CHECK_EQ(hook_gpa, 0x2000);
	CHECK_EQ(hook_len, 8);
	gmem_destroy(&m);
}

TEST(gmem_rejects_bad_sizes)
{
	struct guest_mem m;
	struct gerr err;

	CHECK(gmem_init(&m, 12345, false, &err) == -1);
	CHECK(strstr(err.msg, "12345") != NULL);
}
