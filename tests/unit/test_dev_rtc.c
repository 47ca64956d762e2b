/* The CMOS RTC: time formats against a test clock, setting the time,
 * update-in-progress, interrupts, and the BIOS memory-size bytes. */
#include <time.h>

#include "../harness.h"
#include "core/layout.h"
#include "dev_fakevm.h"
#include "devices/rtc.h"

static uint64_t test_ns;

static uint64_t test_clock(void *opaque)
{
	(void)opaque;
	return test_ns;
}

static void clock_at(int y, int mon, int d, int h, int min, int s, uint64_t frac)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mon - 1, .tm_mday = d,
			 .tm_hour = h, .tm_min = min, .tm_sec = s };

	test_ns = (uint64_t)timegm(&tm) * 1000000000ull + frac;
}

static struct fake_vm *rtc_vm(void **rtc, uint64_t mem, bool fake_clock)
{
	struct fake_vm *f = fake_vm_new(PLATFORM_PC, false);

	if (!f)
		return NULL;
	f->vm.cfg.mem_bytes = mem;
	if (fake_vm_attach(f, "rtc", rtc) < 0 || !*rtc) {
		fake_vm_free(f);
		return NULL;
	}
	if (fake_clock) {
		clock_at(2026, 11, 22, 11, 38, 45, 0);
		rtc_set_clock(*rtc, test_clock, NULL);
	}
	return f;
}

static uint8_t cmos_read(struct fake_vm *f, uint8_t reg)
{
	fake_outb(f, 0x70, reg);
	return fake_inb(f, 0x71);
}

static void cmos_write(struct fake_vm *f, uint8_t reg, uint8_t v)
{
	fake_outb(f, 0x70, reg);
	fake_outb(f, 0x71, v);
}

TEST(dev_rtc_time_bcd_binary_12h)
{
	void *rtc;
	struct fake_vm *f = rtc_vm(&rtc, 256 << 20, true);

	CHECK(f);
	CHECK_EQ(cmos_read(f, 0x00), 0x45);
	CHECK_EQ(cmos_read(f, 0x02), 0x38);
	CHECK_EQ(cmos_read(f, 0x04), 0x11);
	CHECK_EQ(cmos_read(f, 0x06), 1); /* Sunday */
	CHECK_EQ(cmos_read(f, 0x07), 0x22);
	CHECK_EQ(cmos_read(f, 0x08), 0x11);
	CHECK_EQ(cmos_read(f, 0x09), 0x26);
	CHECK_EQ(cmos_read(f, 0x32), 0x20);
	CHECK_EQ(cmos_read(f, 0x0a), 0x26);
	CHECK_EQ(cmos_read(f, 0x0d), 0x80);
	/* Binary, 12-hour. */
	cmos_write(f, 0x0b, 0x04);
	CHECK_EQ(cmos_read(f, 0x00), 45);
	CHECK_EQ(cmos_read(f, 0x04), 11);
	clock_at(2026, 11, 22, 13, 0, 0, 0);
	CHECK_EQ(cmos_read(f, 0x04), 0x80 | 1);
	clock_at(2026, 11, 22, 0, 30, 0, 0);
	CHECK_EQ(cmos_read(f, 0x04), 12); /* 12 AM */
	fake_vm_free(f);
}

TEST(dev_rtc_set_time_and_uip)
{
	void *rtc;
	struct fake_vm *f = rtc_vm(&rtc, 256 << 20, true);

	CHECK(f);
	/* As Linux's mc146818_set_time: SET, the fields, release. */
	cmos_write(f, 0x0b, 0x82);
	cmos_write(f, 0x09, 0x30);
	cmos_write(f, 0x08, 0x01);
	cmos_write(f, 0x07, 0x31);
	cmos_write(f, 0x04, 0x23);
	cmos_write(f, 0x02, 0x59);
	cmos_write(f, 0x00, 0x58);
	test_ns += 5000000000ull; /* frozen while SET is held */
	CHECK_EQ(cmos_read(f, 0x00), 0x58);
	cmos_write(f, 0x0b, 0x02);
	test_ns += 3000000000ull;
	CHECK_EQ(cmos_read(f, 0x00), 0x01);
	CHECK_EQ(cmos_read(f, 0x02), 0x00);
	CHECK_EQ(cmos_read(f, 0x04), 0x00);
	CHECK_EQ(cmos_read(f, 0x07), 0x01);
	CHECK_EQ(cmos_read(f, 0x08), 0x02);
	CHECK_EQ(cmos_read(f, 0x09), 0x30);
	/* A single write without SET applies at once. */
	cmos_write(f, 0x09, 0x99);
	CHECK_EQ(cmos_read(f, 0x09), 0x99);
	CHECK_EQ(cmos_read(f, 0x32), 0x20);
	/* Update in progress only in the last 244 us of a second. */
	test_ns = test_ns / 1000000000ull * 1000000000ull + 999800000ull;
	CHECK_EQ(cmos_read(f, 0x0a) & 0x80, 0x80);
	test_ns += 300000;
	CHECK_EQ(cmos_read(f, 0x0a) & 0x80, 0);
	fake_vm_free(f);
}

TEST(dev_rtc_cmos_memory_size)
{
	void *rtc;
	struct fake_vm *f = rtc_vm(&rtc, 5ull << 30, true);
	unsigned sum = 0;

	CHECK(f);
	CHECK_EQ(cmos_read(f, 0x15) | cmos_read(f, 0x16) << 8, 640);
	CHECK_EQ(cmos_read(f, 0x17) | cmos_read(f, 0x18) << 8, 0xffff);
	CHECK_EQ(cmos_read(f, 0x30) | cmos_read(f, 0x31) << 8, 0xffff);
	CHECK_EQ(cmos_read(f, 0x34) | cmos_read(f, 0x35) << 8, (3072 - 16) * 16);
	CHECK_EQ(cmos_read(f, 0x5b) | cmos_read(f, 0x5c) << 8 | cmos_read(f, 0x5d) << 16,
		 2 * 1024 * 16);
	for (uint8_t i = 0x10; i <= 0x2d; i++)
		sum += cmos_read(f, i);
	CHECK_EQ(cmos_read(f, 0x2e) << 8 | cmos_read(f, 0x2f), sum);
	fake_vm_free(f);

	f = rtc_vm(&rtc, 32 << 20, true);
	CHECK(f);
	CHECK_EQ(cmos_read(f, 0x17) | cmos_read(f, 0x18) << 8, 31 * 1024);
	CHECK_EQ(cmos_read(f, 0x34) | cmos_read(f, 0x35) << 8, 16 * 16);
	CHECK_EQ(cmos_read(f, 0x5b) | cmos_read(f, 0x5c) | cmos_read(f, 0x5d), 0);
	fake_vm_free(f);
}

TEST(dev_rtc_periodic_and_update_interrupts)
{
	void *rtc;
	struct fake_vm *f = rtc_vm(&rtc, 64 << 20, false);

	CHECK(f);
	CHECK_EQ(cmos_read(f, 0x0c), 0);
	/* Periodic at 1024 Hz. */
	cmos_write(f, 0x0b, 0x02 | 0x40);
	for (int i = 0; i < 400 && !f->line[LAYOUT_IRQ_RTC]; i++)
		fake_vm_run_for(f, 5);
	CHECK_EQ(f->line[LAYOUT_IRQ_RTC], 1);
	CHECK_EQ(cmos_read(f, 0x0c) & 0xc0, 0xc0);
	CHECK_EQ(f->line[LAYOUT_IRQ_RTC], 0); /* reading C acknowledges */
	cmos_write(f, 0x0b, 0x02);
	cmos_read(f, 0x0c);
	/* Update-ended: at the next second boundary. */
	cmos_write(f, 0x0b, 0x02 | 0x10);
	for (int i = 0; i < 300 && !f->line[LAYOUT_IRQ_RTC]; i++)
		fake_vm_run_for(f, 10);
	CHECK_EQ(f->line[LAYOUT_IRQ_RTC], 1);
	CHECK_EQ(cmos_read(f, 0x0c) & 0x90, 0x90);
	/* SET clears UIE. */
	cmos_write(f, 0x0b, 0x82 | 0x10);
	CHECK_EQ(cmos_read(f, 0x0b), 0x82);
	fake_vm_free(f);
}

TEST(dev_rtc_bad_input)
{
	void *rtc;
	struct fake_vm *f = rtc_vm(&rtc, 64 << 20, true);

	CHECK(f);
	CHECK_EQ(fake_inb(f, 0x70), 0xff); /* write-only index */
	/* NMI-mask bit is not part of the index. */
	cmos_write(f, 0x80 | 0x40, 0x5a);
	CHECK_EQ(cmos_read(f, 0x40), 0x5a);
	/* All ones everywhere (time fields with invalid BCD included). */
	for (int reg = 0; reg < 128; reg++)
		cmos_write(f, (uint8_t)reg, 0xff);
	CHECK_EQ(cmos_read(f, 0x0d), 0x80);
	CHECK_EQ(cmos_read(f, 0x0a) & 0x7f, 0x7f);
	cmos_write(f, 0x0b, 0x02);
	CHECK(cmos_read(f, 0x00) <= 0x59);
	CHECK(cmos_read(f, 0x08) >= 0x01 && cmos_read(f, 0x08) <= 0x12);
	/* A 16-bit write is index then data. */
	fake_out(f, 0x70, 0x7700 | 0x41, 2);
	CHECK_EQ(cmos_read(f, 0x41), 0x77);
	CHECK_EQ(fake_in(f, 0x71, 2), 0xffff); /* straddles: not dispatched */
	fake_vm_free(f);
}

TEST(dev_rtc_platforms)
{
	struct fake_vm *f = fake_vm_new(PLATFORM_PV, false);
	void *rtc = (void *)1;

	CHECK(f);
	CHECK(fake_vm_attach(f, "rtc", &rtc) == 0);
	CHECK(rtc == NULL);
	fake_vm_free(f);
	/* KVM has no RTC of its own: it is there with a backend irqchip. */
	f = fake_vm_new(PLATFORM_MICROVM, true);
	CHECK(f);
	CHECK(fake_vm_attach(f, "rtc", &rtc) == 0);
	CHECK(rtc != NULL);
	fake_vm_free(f);
}
