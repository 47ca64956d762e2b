/* gamut's ring-0 structures for PV guests: the TSS's I/O permission bitmap
 * opens exactly gamut's ports to the guest (docs/pv-abi.md section 4). */
#include <stdbool.h>
#include <string.h>

#include "../harness.h"
#include "pv/pv_layout.h"
#include "pv/pv_sys.h"

static uint8_t sys[PV_PAGE_SIZE], stub[PV_PAGE_SIZE];

/* Whether a CPL-3 access of `len` bytes to `port` passes the bitmap, as
 * Intel SDM vol. 1 19.5.2 checks it: two bytes read at base + port/8,
 * both inside the TSS limit, the bits of every byte accessed clear. */
static bool port_open(const uint8_t *tss, uint32_t limit, unsigned port, unsigned len)
{
	uint16_t base, bits;

	memcpy(&base, tss + 0x66, 2);
	if ((uint32_t)base + port / 8 + 1 > limit)
		return false;
	memcpy(&bits, tss + base + port / 8, 2);
	return !((bits >> (port % 8)) & ((1u << len) - 1));
}

TEST(pv_tss_bitmap_opens_exactly_gamuts_ports)
{
	const uint8_t *tss = sys + (PV_TSS_GPA - PV_SYS_GPA);
	struct x86_state st;
	uint64_t desc;

	memset(&st, 0, sizeof(st));
	pv_sys_build(sys, stub);
	pv_sys_state(&st);
	CHECK_EQ(st.tr.limit, PV_TSS_LIMIT);
	memcpy(&desc, sys + (PV_GDT_GPA - PV_SYS_GPA) + PV_SEL_TSS, 8);
	CHECK_EQ(desc & 0xffff, PV_TSS_LIMIT); /* the descriptor agrees */
	CHECK_EQ(tss[PV_TSS_LIMIT], 0xff);     /* the byte of ones ends it */
	/* Every hypercall port takes its 4-byte write, the trap port too
	 * (gamut refuses that one from CPL 3 itself). */
	for (unsigned nr = 0; nr < PV_PORT_COUNT; nr++)
		CHECK(port_open(tss, st.tr.limit, PV_PORT_BASE + nr, 4));
	CHECK(port_open(tss, st.tr.limit, PV_IOPB_LAST_PORT, 1));
	/* Nothing else, whatever the size: below, straddling the end,
	 * beyond the bitmap and beyond the limit. */
	for (unsigned port = 0; port < 0x10000; port++) {
		bool ours = port >= PV_PORT_BASE && port <= PV_IOPB_LAST_PORT;

		CHECK(port_open(tss, st.tr.limit, port, 1) == ours);
	}
	CHECK(!port_open(tss, st.tr.limit, PV_PORT_BASE - 1, 2));
	CHECK(!port_open(tss, st.tr.limit, PV_PORT_BASE + PV_PORT_COUNT, 4));
	CHECK(!port_open(tss, st.tr.limit, PV_IOPB_LAST_PORT, 2));
	CHECK(!port_open(tss, st.tr.limit, 0x80, 1));
	CHECK(!port_open(tss, st.tr.limit, 0xffff, 1));
}
