/* The one memory map both loaders use. */
#include "../harness.h"
#include "boot/e820.h"
#include "core/layout.h"

TEST(boot_e820_low_only)
{
	struct guest_mem m;
	struct gerr err;
	struct e820_entry e[E820_MAX_ENTRIES];
	unsigned n;

	CHECK(gmem_init(&m, 256ull << 20, false, &err) == 0);
	n = e820_build(&m, e);
	CHECK_EQ(n, 4);
	CHECK(e[0].addr == 0 && e[0].size == 0x9fc00 && e[0].type == E820_RAM);
	CHECK(e[1].addr == 0x9fc00 && e[1].addr + e[1].size == LAYOUT_ACPI && e[1].type == E820_RESERVED);
	CHECK(e[2].addr == LAYOUT_ACPI && e[2].addr + e[2].size == 0x100000 && e[2].type == E820_ACPI);
	CHECK(e[3].addr == 0x100000 && e[3].addr + e[3].size == 256ull << 20 && e[3].type == E820_RAM);
	CHECK_EQ(e820_low_ram_end(&m), 256ull << 20);
	for (unsigned i = 1; i < n; i++)
		CHECK(e[i].addr >= e[i - 1].addr + e[i - 1].size);
	gmem_destroy(&m);
}

TEST(boot_e820_high_ram)
{
	struct guest_mem m;
	struct gerr err;
	struct e820_entry e[E820_MAX_ENTRIES];
	unsigned n;

	/* 4 GiB: 3 GiB low, 1 GiB at 4 GiB (the mapping is lazily backed). */
	CHECK(gmem_init(&m, 4ull << 30, false, &err) == 0);
	n = e820_build(&m, e);
	CHECK_EQ(n, 5);
	CHECK_EQ(e[3].addr + e[3].size, GMEM_LOW_LIMIT);
	CHECK(e[4].addr == GMEM_HIGH_BASE && e[4].size == 1ull << 30 && e[4].type == E820_RAM);
	/* No RAM entry covers the MMIO hole. */
	for (unsigned i = 0; i < n; i++)
		CHECK(e[i].addr >= GMEM_HIGH_BASE || e[i].addr + e[i].size <= LAYOUT_VIRTIO_MMIO_BASE);
	gmem_destroy(&m);
}
