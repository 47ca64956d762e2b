/* The PC's FADT (fixed ACPI hardware, not hardware-reduced) and its FACS,
 * parsed back, next to the microvm's hardware-reduced FADT, which must not
 * change. */
#include "../harness.h"
#include "boot/acpi.h"
#include "core/layout.h"
#include "test_boot_fixture.h"

#define FBASE 0xe0000ull
static uint8_t ft[LAYOUT_ACPI_SIZE];

static const uint8_t *f_at(uint64_t gpa)
{
	return gpa >= FBASE && gpa < FBASE + sizeof(ft) ? ft + (gpa - FBASE) : NULL;
}

static const uint8_t *f_fadt(void)
{
	const uint8_t *xsdt = f_at(fx_get64(ft + 24));

	for (uint32_t i = 0; xsdt && i < (fx_get32(xsdt + 4) - 36) / 8; i++) {
		const uint8_t *t = f_at(fx_get64(xsdt + 36 + 8 * i));

		if (t && !memcmp(t, "FACP", 4))
			return t;
	}
	return NULL;
}

static int f_build(bool pc, unsigned ncpus)
{
	struct acpi_config cfg = { ncpus, NULL, 0, pc, pc, true, true, false };
	struct gerr err;
	size_t used;

	return acpi_build(&cfg, FBASE, ft, sizeof(ft), &used, &err);
}

static int f_sum_ok(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s == 0;
}

/* A GAS for `bits` of system I/O at `port`. */
static int gas_is(const uint8_t *g, unsigned bits, uint64_t port)
{
	return g[0] == 1 && g[1] == bits && g[2] == 0 && fx_get64(g + 4) == port;
}

TEST(acpi_fadt_pc_fixed_hardware)
{
	const uint8_t *f;
	uint32_t flags;

	CHECK(f_build(true, 2) == 0);
	f = f_fadt();
	CHECK(f);
	CHECK_EQ(fx_get32(f + 4), 276);
	CHECK(f_sum_ok(f, 276));
	flags = fx_get32(f + 112);
	CHECK_EQ(flags & (1u << 20), 0);	     /* not HW_REDUCED_ACPI */
	CHECK(flags & (1u << 8));		     /* TMR_VAL_EXT: 32-bit timer */
	CHECK(flags & (1u << 10));		     /* RESET_REG_SUP */
	CHECK(flags & (1u << 4) && flags & (1u << 5)); /* no fixed buttons */
	/* SCI on ISA 9; no SMI command port: always in ACPI mode. */
	CHECK_EQ(fx_get16(f + 46), LAYOUT_IRQ_ACPI);
	CHECK_EQ(fx_get32(f + 48), 0);
	CHECK(f[52] == 0 && f[53] == 0);
	/* PM1a event and control blocks and the PM timer, legacy fields ... */
	CHECK_EQ(fx_get32(f + 56), LAYOUT_PORT_ACPI_PM1A_EVT);
	CHECK_EQ(fx_get32(f + 60), 0); /* no PM1b */
	CHECK_EQ(fx_get32(f + 64), LAYOUT_PORT_ACPI_PM1A_CNT);
	CHECK_EQ(fx_get32(f + 68), 0);
	CHECK_EQ(fx_get32(f + 72), 0); /* no PM2 */
	CHECK_EQ(fx_get32(f + 76), LAYOUT_PORT_ACPI_PM_TMR);
	CHECK_EQ(fx_get32(f + 80), 0); /* no GPE blocks */
	CHECK(f[88] == 4 && f[89] == 2 && f[90] == 0 && f[91] == 4 && f[92] == 0);
	/* ... and the extended ones, which agree (ACPICA prefers these). */
	CHECK(gas_is(f + 148, 32, LAYOUT_PORT_ACPI_PM1A_EVT));
	CHECK(gas_is(f + 172, 16, LAYOUT_PORT_ACPI_PM1A_CNT));
	CHECK(gas_is(f + 208, 32, LAYOUT_PORT_ACPI_PM_TMR));
	CHECK_EQ(fx_get64(f + 160 + 4), 0);
	CHECK_EQ(fx_get64(f + 220 + 4), 0);
	/* C2/C3 absent (latencies over 100 and 1000 us). */
	CHECK(fx_get16(f + 96) > 100 && fx_get16(f + 98) > 1000);
	/* The RTC's century register. */
	CHECK_EQ(f[108], 0x32);
	/* The reset register, as on the microvm. */
	CHECK(gas_is(f + 116, 8, LAYOUT_PORT_ACPI_RESET));
	CHECK_EQ(f[128], LAYOUT_ACPI_RESET_VALUE);
	/* The hardware-reduced sleep registers are not described. */
	CHECK_EQ(fx_get64(f + 248), 0);
	CHECK_EQ(fx_get64(f + 260), 0);
	/* PC: legacy devices and an 8042. */
	CHECK_EQ(fx_get16(f + 109) & 0x3, 0x3);
}

TEST(acpi_fadt_pc_facs)
{
	const uint8_t *f, *facs;
	uint64_t a;

	CHECK(f_build(true, 3) == 0);
	f = f_fadt();
	CHECK(f);
	a = fx_get64(f + 132);
	CHECK_EQ(fx_get32(f + 36), a); /* FIRMWARE_CTRL = X_FIRMWARE_CTRL */
	CHECK_EQ(a % 64, 0);
	facs = f_at(a);
	CHECK(facs);
	CHECK(!memcmp(facs, "FACS", 4));
	CHECK_EQ(fx_get32(facs + 4), 64);
	CHECK_EQ(fx_get32(facs + 12), 0); /* no waking vector: no S3 */
	CHECK_EQ(fx_get32(facs + 16), 0); /* global lock free */
	CHECK_EQ(facs[32], 2);
	/* Nothing overlaps it: the DSDT lies after it and the MADT before. */
	CHECK(fx_get64(f + 140) >= a + 64);
	/* With 255 CPUs (the longest MADT) it still fits and stays aligned. */
	CHECK(f_build(true, 255) == 0);
	f = f_fadt();
	CHECK(f && fx_get64(f + 132) % 64 == 0);
	CHECK(!memcmp(f_at(fx_get64(f + 132)), "FACS", 4));
	CHECK(fx_get64(f + 140) >= fx_get64(f + 132) + 64);
}

TEST(acpi_fadt_microvm_stays_reduced)
{
	const uint8_t *f;

	CHECK(f_build(false, 1) == 0);
	f = f_fadt();
	CHECK(f);
	CHECK(fx_get32(f + 112) & (1u << 20));
	/* No FACS, no fixed blocks, no timer. */
	CHECK_EQ(fx_get32(f + 36), 0);
	CHECK_EQ(fx_get64(f + 132), 0);
	for (unsigned off = 56; off < 96; off += 4)
		CHECK_EQ(fx_get32(f + off), 0);
	for (unsigned off = 148; off < 244; off++)
		CHECK_EQ(f[off], 0);
	CHECK(gas_is(f + 244, 8, LAYOUT_PORT_ACPI_SLEEP_CTL));
	CHECK(gas_is(f + 256, 8, LAYOUT_PORT_ACPI_SLEEP_STS));
}

TEST(acpi_fadt_s5_matches_pm1_cnt)
{
	/* \_S5 = Package(4) { 5, 5, 0, 0 }: the SLP_TYP acpi_pm.c powers off
	 * on, in PM1_CNT as in the hardware-reduced control register. */
	const uint8_t s5[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04,
			       0x0a, LAYOUT_ACPI_S5_SLP_TYP, 0x0a, LAYOUT_ACPI_S5_SLP_TYP,
			       0x00, 0x00 };
	const uint8_t *d;
	int found = 0;

	CHECK(f_build(true, 1) == 0);
	d = f_at(fx_get64(f_fadt() + 140));
	CHECK(d && !memcmp(d, "DSDT", 4));
	CHECK(f_sum_ok(d, fx_get32(d + 4)));
	for (size_t i = 0; i + sizeof(s5) <= fx_get32(d + 4); i++)
		found |= !memcmp(d + i, s5, sizeof(s5));
	CHECK(found);
}

TEST(acpi_build_refuses_unaligned_base)
{
	struct acpi_config cfg = { 1, NULL, 0, true, true, true, true, false };
	struct gerr err;
	size_t used;

	CHECK(acpi_build(&cfg, FBASE + 8, ft, sizeof(ft), &used, &err) == -1);
	CHECK(strstr(err.msg, "aligned") != NULL);
}
