/* The PC's ACPI tables parsed back: the PCI host bridge \_SB.PCI0 (its _CRS
 * windows and the _PRT that must match pci.c's INTx swizzle) and the MADT
 * overrides that make the SCI and the PCI INTx lines level-triggered.  The
 * PC's FADT and FACS: test_acpi_fadt_pc.c. */
#include "../harness.h"
#include "boot/acpi.h"
#include "boot/aml.h"
#include "core/layout.h"
#include "pci/pci.h"
#include "test_boot_fixture.h"

#define BASE 0xe0000ull
static uint8_t pct[LAYOUT_ACPI_SIZE];

static const uint8_t *pc_at(uint64_t gpa)
{
	return gpa >= BASE && gpa < BASE + sizeof(pct) ? pct + (gpa - BASE) : NULL;
}

static const uint8_t *pc_find(const char *sig)
{
	const uint8_t *xsdt = pc_at(fx_get64(pct + 24)), *fadt = NULL;

	if (!xsdt)
		return NULL;
	for (uint32_t i = 0; i < (fx_get32(xsdt + 4) - 36) / 8; i++) {
		const uint8_t *t = pc_at(fx_get64(xsdt + 36 + 8 * i));

		if (t && !memcmp(t, sig, 4))
			return t;
		if (t && !memcmp(t, "FACP", 4))
			fadt = t;
	}
	return !strcmp(sig, "DSDT") && fadt ? pc_at(fx_get64(fadt + 140)) : NULL;
}

static int pc_build(bool pc)
{
	struct acpi_config cfg = { 2, NULL, 0, pc, pc, pc, true, false };
	struct gerr err;
	size_t used;

	return acpi_build(&cfg, BASE, pct, sizeof(pct), &used, &err);
}

static const uint8_t *pc_memfind(const uint8_t *h, size_t hl, const void *n, size_t nl)
{
	for (size_t i = 0; i + nl <= hl; i++)
		if (!memcmp(h + i, n, nl))
			return h + i;
	return NULL;
}

/* One PkgLength; *n gets its encoded size. */
static size_t pkglen(const uint8_t *p, unsigned *n)
{
	unsigned nb = (p[0] >> 6) + 1;
	size_t pl = nb == 1 ? (p[0] & 0x3f) : (p[0] & 0xf);

	for (unsigned i = 1; i < nb; i++)
		pl |= (size_t)p[i] << (4 + 8 * (i - 1));
	*n = nb;
	return pl;
}

/* One AML integer (Zero, One, Byte, Word, DWord); advances *p.  -1 for
 * anything else. */
static int64_t aml_int(const uint8_t **p)
{
	const uint8_t *q = *p;

	switch (q[0]) {
	case 0x00: *p += 1; return 0;
	case 0x01: *p += 1; return 1;
	case 0x0a: *p += 2; return q[1];
	case 0x0b: *p += 3; return fx_get16(q + 1);
	case 0x0c: *p += 5; return fx_get32(q + 1);
	default: return -1;
	}
}

TEST(acpi_pc_pci0_device)
{
	const uint8_t *d;
	size_t len;

	CHECK(pc_build(true) == 0);
	d = pc_find("DSDT");
	CHECK(d);
	len = fx_get32(d + 4);
	CHECK(pc_memfind(d, len, "\x5b\x82", 2)); /* DeviceOp */
	CHECK(pc_memfind(d, len, "PCI0", 4));
	CHECK(pc_memfind(d, len, "\x08_HID\x0c\x41\xd0\x0a\x03", 10)); /* PNP0A03 */
	CHECK(pc_memfind(d, len, "\x08_CID\x0c\x41\xd0\x0a\x08", 10)); /* PNP0A08 */
	CHECK(pc_memfind(d, len, "\x08_UID\x00", 6));
	CHECK(pc_memfind(d, len, "\x08_SEG\x00", 6));
	CHECK(pc_memfind(d, len, "\x08_BBN\x00", 6));
	/* The microvm has no PCI bus. */
	CHECK(pc_build(false) == 0);
	d = pc_find("DSDT");
	CHECK(!pc_memfind(d, fx_get32(d + 4), "PCI0", 4));
	CHECK(!pc_memfind(d, fx_get32(d + 4), "_PRT", 4));
}

TEST(acpi_pc_pci0_crs)
{
	/* WordBusNumber 0-FF; IO CF8 x8 consumed; WordIO 0-CF7, D00-FFFF;
	 * DWordMemory A0000-BFFFF and the BAR window. */
	const uint8_t bus[] = { 0x88, 13, 0, 2, 0x0c, 0, 0, 0, 0, 0, 0xff, 0, 0, 0, 0, 1 };
	const uint8_t cf8[] = { 0x47, 1, 0xf8, 0x0c, 0xf8, 0x0c, 1, 8 };
	const uint8_t io1[] = { 0x88, 13, 0, 1, 0x0c, 3, 0, 0, 0, 0, 0xf7, 0x0c, 0, 0, 0xf8, 0x0c };
	const uint8_t io2[] = { 0x88, 13, 0, 1, 0x0c, 3, 0, 0, 0, 0x0d, 0xff, 0xff, 0, 0, 0, 0xf3 };
	uint8_t mem[26] = { 0x87, 23, 0, 0, 0x0c, 1 };
	const uint8_t *d, *crs;
	size_t len;

	CHECK(pc_build(true) == 0);
	d = pc_find("DSDT");
	len = fx_get32(d + 4);
	crs = pc_memfind(d, len, "_CRS\x11", 5);
	CHECK(crs);
	CHECK(pc_memfind(crs, len - (size_t)(crs - d), bus, sizeof(bus)));
	CHECK(pc_memfind(crs, len - (size_t)(crs - d), cf8, sizeof(cf8)));
	CHECK(pc_memfind(crs, len - (size_t)(crs - d), io1, sizeof(io1)));
	CHECK(pc_memfind(crs, len - (size_t)(crs - d), io2, sizeof(io2)));
	fx_put32(mem + 10, (uint32_t)PCI_MMIO_BASE);
	fx_put32(mem + 14, (uint32_t)PCI_MMIO_END - 1);
	fx_put32(mem + 22, (uint32_t)(PCI_MMIO_END - PCI_MMIO_BASE));
	CHECK(pc_memfind(crs, len - (size_t)(crs - d), mem, sizeof(mem)));
	/* Every BAR the PCI code places lies in a window. */
	CHECK(PCI_IO_BASE > 0xd00 && PCI_IO_END - 1 <= 0xffff);
}

TEST(acpi_pc_pci0_prt)
{
	static const unsigned lines[4] = PCI_INTX_LINES;
	uint8_t seen[32][4] = { { 0 } };
	const uint8_t *d, *p, *end;
	unsigned n;

	CHECK(pc_build(true) == 0);
	d = pc_find("DSDT");
	p = pc_memfind(d, fx_get32(d + 4), "\x08_PRT\x12", 6);
	CHECK(p);
	p += 6;
	end = p + pkglen(p, &n);
	p += n;
	CHECK_EQ(*p, 128); /* NumElements: 32 slots x 4 pins */
	p++;
	while (p < end) {
		const uint8_t *q, *e;
		int64_t addr, pin, src, gsi;

		CHECK_EQ(p[0], 0x12);
		e = p + 1 + pkglen(p + 1, &n);
		q = p + 1 + n;
		CHECK_EQ(*q, 4);
		q++;
		addr = aml_int(&q);
		pin = aml_int(&q);
		src = aml_int(&q);
		gsi = aml_int(&q);
		CHECK(q == e);
		CHECK((addr & 0xffff) == 0xffff && addr >> 16 < 32);
		CHECK(pin >= 0 && pin < 4);
		CHECK_EQ(src, 0);
		/* pci.c: slot S, pin P (1 = INTA) -> lines[(S + P - 1) & 3]; ACPI pins count from 0. */
		CHECK_EQ(gsi, lines[((unsigned)(addr >> 16) + (unsigned)pin) & 3]);
		seen[addr >> 16][pin]++;
		p = e;
	}
	CHECK(p == end);
	for (unsigned s = 0; s < 32; s++)
		for (unsigned i = 0; i < 4; i++)
			CHECK_EQ(seen[s][i], 1);
}

TEST(acpi_pc_madt_pci_overrides)
{
	const uint8_t *m, *e, *end;
	unsigned found = 0;

	CHECK(pc_build(true) == 0);
	m = pc_find("APIC");
	CHECK(m && fx_get32(m + 4) <= 0x1000);
	end = m + fx_get32(m + 4);
	for (e = m + 44; e < end; e += e[1]) {
		CHECK(e[1] >= 2);
		if (e[0] != 2 || e[3] == 0)
			continue;
		CHECK(e[3] == LAYOUT_IRQ_ACPI || e[3] == 10 || e[3] == 11);
		CHECK_EQ(fx_get32(e + 4), e[3]);  /* GSI = ISA line */
		CHECK_EQ(fx_get16(e + 8), 0x000d); /* level, active high */
		found |= 1u << e[3];
	}
	CHECK(e == end);
	CHECK_EQ(found, (1u << LAYOUT_IRQ_ACPI) | (1u << 10) | (1u << 11));
}
