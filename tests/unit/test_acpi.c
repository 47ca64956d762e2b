/* ACPI tables built by acpi_build(), parsed back: every checksum, the
 * pointers between tables, the FADT registers, the MADT and the DSDT. */
#include "../harness.h"
#include "boot/acpi.h"
#include "boot/aml.h"
#include "core/layout.h"
#include "core/vm.h"
#include "test_boot_fixture.h"

#define BASE 0xe0000ull
static uint8_t tbl[LAYOUT_ACPI_SIZE];

static const uint8_t *at(uint64_t gpa)
{
	return gpa >= BASE && gpa < BASE + sizeof(tbl) ? tbl + (gpa - BASE) : NULL;
}

static int sum_ok(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s == 0;
}

/* The table with signature `sig` reachable from the RSDP, or NULL. */
static const uint8_t *find(const char *sig)
{
	const uint8_t *xsdt = at(fx_get64(tbl + 24)), *fadt;
	uint32_t n;

	if (!xsdt)
		return NULL;
	n = (fx_get32(xsdt + 4) - 36) / 8;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *t = at(fx_get64(xsdt + 36 + 8 * i));

		if (t && !memcmp(t, sig, 4))
			return t;
	}
	fadt = find("FACP");
	if (!strcmp(sig, "DSDT") && fadt)
		return at(fx_get64(fadt + 140));
	return NULL;
}

static const struct vm_mmio_desc mmio[3] = {
	{ "LNRO0005", 0xd0000000, 0x1000, 16 },
	{ "LNRO0005", 0xd0001000, 0x1000, 17 },
	{ "LNRO0005", 0xd0002000, 0x1000, 18 },
};

static int build(unsigned ncpus, unsigned nr_mmio, bool pc)
{
	/* A PC has the legacy devices; the microvm variant here has none. */
	struct acpi_config cfg = { ncpus, mmio, nr_mmio, pc, pc, pc, true, false };
	struct gerr err;
	size_t used;

	return acpi_build(&cfg, BASE, tbl, sizeof(tbl), &used, &err);
}

static const uint8_t *memfind(const uint8_t *h, size_t hl, const void *n, size_t nl)
{
	for (size_t i = 0; i + nl <= hl; i++)
		if (!memcmp(h + i, n, nl))
			return h + i;
	return NULL;
}

TEST(acpi_checksums_and_links)
{
	const char *sigs[] = { "XSDT", "FACP", "APIC", "DSDT" };

	CHECK(build(2, 3, false) == 0);
	CHECK(!memcmp(tbl, "RSD PTR ", 8));
	CHECK_EQ(tbl[15], 2);
	CHECK(sum_ok(tbl, 20));
	CHECK(sum_ok(tbl, 36));
	CHECK_EQ(fx_get32(tbl + 20), 36);
	for (size_t i = 0; i < 4; i++) {
		const uint8_t *t = !strcmp(sigs[i], "XSDT") ? at(fx_get64(tbl + 24)) : find(sigs[i]);

		CHECK(t != NULL);
		CHECK(!memcmp(t, sigs[i], 4));
		CHECK(sum_ok(t, fx_get32(t + 4)));
		CHECK(!memcmp(t + 10, "GAMUT ", 6));
	}
	/* Corrupting any byte breaks the checksum it is covered by. */
	tbl[fx_get64(tbl + 24) - BASE + 40] ^= 1;
	CHECK(!sum_ok(at(fx_get64(tbl + 24)), fx_get32(at(fx_get64(tbl + 24)) + 4)));
}

TEST(acpi_rsdp_in_scan_area)
{
	CHECK(build(1, 0, false) == 0);
	/* The E0000-FFFFF scan looks at 16-byte boundaries. */
	CHECK_EQ(LAYOUT_ACPI % 16, 0);
	CHECK(LAYOUT_ACPI >= 0xe0000 && LAYOUT_ACPI < 0x100000);
}

TEST(acpi_fadt_hw_reduced)
{
	const uint8_t *f;

	CHECK(build(1, 0, false) == 0);
	f = find("FACP");
	CHECK(f);
	CHECK_EQ(fx_get32(f + 4), 276);
	CHECK(f[8] >= 6);
	CHECK(fx_get32(f + 112) & (1u << 20)); /* HW_REDUCED_ACPI */
	CHECK(fx_get32(f + 112) & (1u << 10)); /* RESET_REG_SUP */
	/* RESET_REG, SLEEP_CONTROL_REG, SLEEP_STATUS_REG: system I/O ports. */
	CHECK(f[116] == 1 && f[117] == 8 && fx_get64(f + 120) == LAYOUT_PORT_ACPI_RESET);
	CHECK_EQ(f[128], LAYOUT_ACPI_RESET_VALUE);
	CHECK(f[244] == 1 && f[245] == 8 && fx_get64(f + 248) == LAYOUT_PORT_ACPI_SLEEP_CTL);
	CHECK(f[256] == 1 && f[257] == 8 && fx_get64(f + 260) == LAYOUT_PORT_ACPI_SLEEP_STS);
	CHECK_EQ(fx_get16(f + 109) & 0x2, 0);  /* no 8042 device: no flag */
	CHECK(fx_get16(f + 109) & (1u << 5)); /* no RTC device: "no CMOS RTC" */
	CHECK(build(1, 0, true) == 0);
	f = find("FACP");
	CHECK(fx_get16(f + 109) & 0x2); /* 8042 present */
	CHECK_EQ(fx_get16(f + 109) & (1u << 5), 0);
	CHECK(fx_get16(f + 109) & 0x1); /* PC: legacy devices */
	{
		/* An RTC is described for PNP (ISA IRQ 8 through _CRS). */
		const uint8_t *d = find("DSDT");
		const uint8_t rtc[] = { 0x47, 0x01, 0x70, 0x00, 0x70, 0x00, 1, 2, 0x22, 0x00, 0x01 };

		CHECK(memfind(d, fx_get32(d + 4), "RTC0", 4));
		CHECK(memfind(d, fx_get32(d + 4), rtc, sizeof(rtc)));
		CHECK(memfind(d, fx_get32(d + 4), "\x0c\x41\xd0\x0b\x00", 5)); /* PNP0B00 */
	}
}

TEST(acpi_madt)
{
	const uint8_t *m, *e, *end;
	unsigned lapics = 0, ioapics = 0, isos = 0;

	CHECK(build(4, 0, false) == 0);
	m = find("APIC");
	CHECK(m);
	CHECK_EQ(fx_get32(m + 36), LAYOUT_LAPIC);
	CHECK_EQ(fx_get32(m + 40) & 1, 0);
	end = m + fx_get32(m + 4);
	for (e = m + 44; e < end; e += e[1]) {
		CHECK(e[1] >= 2 && e + e[1] <= end);
		if (e[0] == 0) {
			CHECK_EQ(e[3], lapics); /* APIC ID = index */
			CHECK_EQ(fx_get32(e + 4) & 1, 1);
			lapics++;
		} else if (e[0] == 1) {
			CHECK_EQ(fx_get32(e + 4), LAYOUT_IOAPIC);
			CHECK_EQ(fx_get32(e + 8), 0);
			ioapics++;
		} else if (e[0] == 2) {
			CHECK(e[3] == 0 && fx_get32(e + 4) == 2);
			isos++;
		}
	}
	CHECK(e == end);
	CHECK_EQ(lapics, 4);
	CHECK_EQ(ioapics, 1);
	CHECK_EQ(isos, 1);
	CHECK(build(1, 0, true) == 0);
	CHECK_EQ(fx_get32(find("APIC") + 40) & 1, 1); /* PC: PCAT_COMPAT */
}

TEST(acpi_dsdt_devices)
{
	const uint8_t *d;
	size_t len;
	const uint8_t *p;
	uint8_t mem[12] = { 0x86, 9, 0, 1 };
	uint8_t irq[9] = { 0x89, 6, 0, 0x01, 1 };
	const uint8_t s5[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12 };
	const uint8_t com1[] = { 0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 1, 8, 0x22, 0x10, 0x00 };

	CHECK(build(1, 3, false) == 0);
	d = find("DSDT");
	CHECK(d);
	len = fx_get32(d + 4);
	CHECK(memfind(d, len, s5, sizeof(s5)));
	CHECK(memfind(d, len, com1, sizeof(com1)));
	CHECK(memfind(d, len, "\x0c\x41\xd0\x05\x01", 5)); /* EisaId PNP0501 */
	CHECK(!memfind(d, len, "RTC0", 4)); /* no RTC in this configuration */
	for (unsigned i = 0; i < 3; i++) {
		fx_put32(mem + 4, (uint32_t)mmio[i].base);
		fx_put32(mem + 8, (uint32_t)mmio[i].size);
		CHECK(memfind(d, len, mem, sizeof(mem)));
		fx_put32(irq + 5, mmio[i].gsi); /* level, active high, exclusive */
		CHECK(memfind(d, len, irq, sizeof(irq)));
	}
	p = d + 36;
	/* Scope(\_SB) spans the devices: its PkgLength covers up to \_S5. */
	CHECK_EQ(p[0], 0x10);
	{
		unsigned nb = (p[1] >> 6) + 1;
		size_t pl = nb == 1 ? (p[1] & 0x3f) : (p[1] & 0xf);

		for (unsigned i = 1; i < nb; i++)
			pl |= (size_t)p[1 + i] << (4 + 8 * (i - 1));
		CHECK(!memcmp(p + 1 + pl, s5, sizeof(s5)));
	}
	CHECK(memfind(d, len, "VR02", 4));
	CHECK(memfind(d, len, "LNRO0005", 9));
}

TEST(acpi_aml_pkglength)
{
	static uint8_t buf[70000];
	static uint8_t filler[66000];
	struct aml a;

	/* 1-, 2- and 3-byte PkgLengths round-trip. */
	const size_t sizes[] = { 10, 62, 63, 100, 4000, 4095, 5000, 65000 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t body = sizes[i], total, pl;
		unsigned nb;

		aml_init(&a, buf, sizeof(buf));
		aml_package_open(&a, 1);
		aml_bytes(&a, filler, body - 1); /* NumElements byte + filler */
		aml_close(&a);
		CHECK(!a.overflow);
		nb = (buf[1] >> 6) + 1;
		pl = nb == 1 ? (buf[1] & 0x3f) : (buf[1] & 0xf);
		for (unsigned j = 1; j < nb; j++)
			pl |= (size_t)buf[1 + j] << (4 + 8 * (j - 1));
		total = nb + body;
		CHECK_EQ(pl, total);
		CHECK_EQ(a.len, 1 + total);
	}
	/* Buffers carry their size. */
	aml_init(&a, buf, sizeof(buf));
	aml_buffer_open(&a);
	aml_res_end(&a);
	aml_close(&a);
	CHECK_EQ(a.len, 6);
	CHECK(buf[0] == 0x11 && buf[1] == 5 && buf[2] == 0x0a && buf[3] == 2 && buf[4] == 0x79);
	/* Running out of room is reported, not overrun. */
	aml_init(&a, buf, 3);
	aml_string(&a, "LNRO0005");
	CHECK(a.overflow);
	CHECK_EQ(aml_eisaid_value("PNP0501"), 0x0105d041);
}

TEST(acpi_dsdt_without_uart)
{
	struct acpi_config cfg = { 1, mmio, 1, false, false, false, false, false };
	struct gerr err;
	size_t used;
	const uint8_t *d;

	CHECK(acpi_build(&cfg, BASE, tbl, sizeof(tbl), &used, &err) == 0);
	d = find("DSDT");
	CHECK(d && sum_ok(d, fx_get32(d + 4)));
	CHECK(!memfind(d, fx_get32(d + 4), "COM1", 4));
	CHECK(memfind(d, fx_get32(d + 4), "VR00", 4));
}

TEST(acpi_too_small_buffer)
{
	struct acpi_config cfg = { 1, mmio, 3, false, false, false, true, false };
	struct gerr err;
	size_t used;

	CHECK(acpi_build(&cfg, BASE, tbl, 600, &used, &err) == -1);
	CHECK(acpi_build(&cfg, BASE, tbl, 0x200, &used, &err) == -1);
	cfg.ncpus = 0;
	CHECK(acpi_build(&cfg, BASE, tbl, sizeof(tbl), &used, &err) == -1);
}

TEST(acpi_microvm_i8042_not_advertised)
{
	/* The microvm's i8042 serves the reset line; Linux is not told to
	 * probe a keyboard controller there. */
	struct acpi_config cfg = { 1, mmio, 0, false, true, true, true, false };
	struct gerr err;
	size_t used;
	const uint8_t *f;

	CHECK(acpi_build(&cfg, BASE, tbl, sizeof(tbl), &used, &err) == 0);
	f = find("FACP");
	CHECK(f);
	CHECK_EQ(fx_get16(f + 109) & 0x3, 0);
	CHECK_EQ(fx_get16(f + 109) & (1u << 5), 0); /* the RTC exists */
}

TEST(acpi_dsdt_pvpanic)
{
	/* Device PEVT: _HID "QEMU0001", _CRS one I/O port at 0x505. */
	const uint8_t hid[] = { 0x08, '_', 'H', 'I', 'D', 0x0d,
				'Q', 'E', 'M', 'U', '0', '0', '0', '1', 0 };
	const uint8_t io[] = { 0x47, 0x01, 0x05, 0x05, 0x05, 0x05, 1, 1, 0x79 };
	struct acpi_config cfg = { 1, mmio, 1, false, false, false, true, true };
	struct gerr err;
	size_t used, len;
	const uint8_t *d, *dev;

	CHECK(acpi_build(&cfg, BASE, tbl, sizeof(tbl), &used, &err) == 0);
	d = find("DSDT");
	CHECK(d && sum_ok(d, fx_get32(d + 4)));
	len = fx_get32(d + 4);
	dev = memfind(d, len, "PEVT", 4);
	CHECK(dev);
	/* The _HID and _CRS follow the name, inside the device. */
	CHECK(dev && memfind(dev, len - (size_t)(dev - d), hid, sizeof(hid)));
	CHECK(dev && memfind(dev, len - (size_t)(dev - d), io, sizeof(io)));
	/* Only where the port exists. */
	cfg.pvpanic = false;
	CHECK(acpi_build(&cfg, BASE, tbl, sizeof(tbl), &used, &err) == 0);
	d = find("DSDT");
	CHECK(d && !memfind(d, fx_get32(d + 4), "QEMU0001", 8));
}
