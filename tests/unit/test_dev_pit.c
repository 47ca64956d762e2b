/* The 8254 PIT: counters against a test clock, channel 2 through port
 * 0x61 as Linux's TSC calibration uses it, and channel 0's interrupt. */
#include "../harness.h"
#include "core/layout.h"
#include "dev_fakevm.h"
#include "devices/pit.h"

static uint64_t test_ns;

static uint64_t test_clock(void *opaque)
{
	(void)opaque;
	return test_ns;
}

/* ns for `ticks` PIT ticks, rounded up so the tick has surely passed. */
static uint64_t ticks_ns(uint64_t ticks)
{
	return (ticks * 1000000000ull + PIT_HZ - 1) / PIT_HZ;
}

static struct fake_vm *pit_vm(void **pit, bool fake_clock)
{
	struct fake_vm *f = fake_vm_new(PLATFORM_PC, false);

	if (f && (fake_vm_attach(f, "pit", pit) < 0 || !*pit)) {
		fake_vm_free(f);
		return NULL;
	}
	if (f && fake_clock) {
		test_ns = 1000000000ull;
		pit_set_clock(*pit, test_clock, NULL);
	}
	return f;
}

static uint16_t read_word(struct fake_vm *f, uint16_t port)
{
	uint8_t lo = fake_inb(f, port);

	return (uint16_t)(lo | fake_inb(f, port) << 8);
}

TEST(dev_pit_channel2_calibration_like_linux)
{
	void *pit;
	struct fake_vm *f = pit_vm(&pit, true);

	CHECK(f);
	fake_outb(f, 0x61, (fake_inb(f, 0x61) & ~0x02) | 0x01);
	fake_outb(f, 0x43, 0xb0); /* channel 2, word, mode 0 */
	fake_outb(f, 0x42, 0xff);
	fake_outb(f, 0x42, 0xff);
	CHECK_EQ(read_word(f, 0x42), 0xffff);
	CHECK_EQ(fake_inb(f, 0x61) & 0x20, 0); /* OUT low while counting */
	test_ns += ticks_ns(1000);
	CHECK_EQ(read_word(f, 0x42), 0xffff - 1000);
	/* The MSB sequence quick_pit_calibrate expects. */
	test_ns += ticks_ns(256);
	CHECK_EQ(read_word(f, 0x42) >> 8, 0xfb);
	/* Gate low pauses mode 0. */
	fake_outb(f, 0x61, 0x00);
	test_ns += ticks_ns(5000);
	CHECK_EQ(read_word(f, 0x42), 0xffff - 1256);
	fake_outb(f, 0x61, 0x01);
	test_ns += ticks_ns(65535 - 1256);
	CHECK_EQ(fake_inb(f, 0x61) & 0x20, 0x20); /* terminal count */
	CHECK_EQ(fake_inb(f, 0x61) & 0x03, 0x01);
	fake_vm_free(f);
}

TEST(dev_pit_latch_and_readback)
{
	void *pit;
	struct fake_vm *f = pit_vm(&pit, true);

	CHECK(f);
	fake_outb(f, 0x43, 0x34); /* channel 0, word, mode 2 */
	fake_outb(f, 0x40, 0x00);
	fake_outb(f, 0x40, 0x10); /* 0x1000 */
	test_ns += ticks_ns(0x100);
	fake_outb(f, 0x43, 0x00); /* latch channel 0 */
	test_ns += ticks_ns(0x200);
	fake_outb(f, 0x43, 0x00); /* a second latch keeps the first */
	CHECK_EQ(read_word(f, 0x40), 0x0f00);
	CHECK_EQ(read_word(f, 0x40), 0x0d00); /* live again */
	/* Read-back: status and count of channel 0. */
	fake_outb(f, 0x43, 0xc2);
	CHECK_EQ(fake_inb(f, 0x40), 0x80 | 0x30 | 0x04);
	CHECK_EQ(read_word(f, 0x40), 0x0d00);
	/* Status with null count before the count is written. */
	fake_outb(f, 0x43, 0xa0); /* channel 2, MSB only, mode 0 */
	fake_outb(f, 0x43, 0xe8);
	CHECK_EQ(fake_inb(f, 0x42), 0x40 | 0x20);
	fake_outb(f, 0x42, 0x12);
	CHECK_EQ(fake_inb(f, 0x42), 0x12);
	fake_vm_free(f);
}

TEST(dev_pit_modes_2_3_4_and_bcd)
{
	void *pit;
	struct fake_vm *f = pit_vm(&pit, true);

	CHECK(f);
	/* Mode 2 on channel 2: OUT low only at count 1, period reload. */
	fake_outb(f, 0x61, 0x01);
	fake_outb(f, 0x43, 0xb4);
	fake_outb(f, 0x42, 100);
	fake_outb(f, 0x42, 0);
	test_ns += ticks_ns(99);
	CHECK_EQ(fake_inb(f, 0x61) & 0x20, 0);
	CHECK_EQ(read_word(f, 0x42), 1);
	test_ns += ticks_ns(1);
	CHECK_EQ(fake_inb(f, 0x61) & 0x20, 0x20);
	CHECK_EQ(read_word(f, 0x42), 100);
	/* Mode 3: high for the first half, low for the second. */
	fake_outb(f, 0x43, 0xb6);
	fake_outb(f, 0x42, 100);
	fake_outb(f, 0x42, 0);
	test_ns += ticks_ns(10);
	CHECK_EQ(fake_inb(f, 0x61) & 0x20, 0x20);
	CHECK_EQ(read_word(f, 0x42), 80);
	test_ns += ticks_ns(50);
	CHECK_EQ(fake_inb(f, 0x61) & 0x20, 0);
	/* Gate low forces OUT high in mode 3. */
	fake_outb(f, 0x61, 0x00);
	CHECK_EQ(fake_inb(f, 0x61) & 0x20, 0x20);
	/* Mode 1: a rising gate triggers the one-shot. */
	fake_outb(f, 0x43, 0xb2);
	fake_outb(f, 0x42, 10);
	fake_outb(f, 0x42, 0);
	CHECK_EQ(fake_inb(f, 0x61) & 0x20, 0x20);
	fake_outb(f, 0x61, 0x01);
	CHECK_EQ(fake_inb(f, 0x61) & 0x20, 0);
	test_ns += ticks_ns(10);
	CHECK_EQ(fake_inb(f, 0x61) & 0x20, 0x20);
	/* BCD mode 0: 0x1234 counts in decimal. */
	fake_outb(f, 0x43, 0xb1);
	fake_outb(f, 0x42, 0x34);
	fake_outb(f, 0x42, 0x12);
	test_ns += ticks_ns(235);
	CHECK_EQ(read_word(f, 0x42), 0x0999);
	fake_vm_free(f);
}

TEST(dev_pit_port61_bits)
{
	void *pit;
	struct fake_vm *f = pit_vm(&pit, true);

	CHECK(f);
	fake_outb(f, 0x61, 0xff);
	CHECK_EQ(fake_inb(f, 0x61) & 0x0f, 0x0f);
	test_ns = 15085ull * 1000;
	uint8_t a = fake_inb(f, 0x61) & 0x10;
	test_ns += 15085;
	CHECK(a != (fake_inb(f, 0x61) & 0x10)); /* refresh toggles */
	fake_vm_free(f);
}

TEST(dev_pit_bad_input)
{
	void *pit;
	struct fake_vm *f = pit_vm(&pit, true);

	CHECK(f);
	CHECK_EQ(fake_inb(f, 0x43), 0xff);
	fake_outb(f, 0x43, 0xff); /* read-back of nothing */
	for (int ch = 0; ch < 3; ch++) {
		fake_outb(f, 0x43, (uint8_t)(ch << 6 | 0x3f)); /* mode 7 BCD */
		fake_outb(f, (uint16_t)(0x40 + ch), 0xff);
		fake_outb(f, (uint16_t)(0x40 + ch), 0xff); /* not BCD digits */
	}
	fake_outb(f, 0x43, 0xe2); /* read-back: status of channel 0 */
	CHECK_EQ(fake_inb(f, 0x40), 0x80 | 0x30 | 0x06 | 0x01); /* mode 3 */
	/* Count 1 in mode 2/3 would divide by zero or never toggle. */
	fake_outb(f, 0x43, 0x34);
	fake_outb(f, 0x40, 1);
	fake_outb(f, 0x40, 0);
	test_ns += ticks_ns(12345);
	CHECK(read_word(f, 0x40) <= 2);
	/* A 4-byte read is four byte reads: ch0, ch1, ch2, control. */
	CHECK_EQ(fake_in(f, 0x40, 4) >> 24, 0xff);
	fake_out(f, 0x40, 0xffffffff, 4);
	CHECK_EQ(fake_in(f, 0x61, 2), 0xffff); /* straddles: not dispatched */
	fake_vm_free(f);
}

TEST(dev_pit_channel0_interrupts_then_stops)
{
	void *pit;
	struct fake_vm *f = pit_vm(&pit, false);
	unsigned seen;

	CHECK(f);
	/* Periodic at 1 kHz: pulses line 0. */
	fake_outb(f, 0x43, 0x34);
	fake_outb(f, 0x40, 1193 & 0xff);
	fake_outb(f, 0x40, 1193 >> 8);
	for (int i = 0; i < 400 && f->rises[LAYOUT_IRQ_PIT] < 3; i++)
		fake_vm_run_for(f, 5);
	CHECK(f->rises[LAYOUT_IRQ_PIT] >= 3);
	CHECK_EQ(f->line[LAYOUT_IRQ_PIT], 0); /* pulses, not a stuck level */
	/* Linux's shutdown: mode 0, count 0: one last interrupt, then none. */
	fake_outb(f, 0x43, 0x30);
	fake_outb(f, 0x40, 0);
	fake_outb(f, 0x40, 0);
	seen = f->rises[LAYOUT_IRQ_PIT];
	for (int i = 0; i < 400 && f->rises[LAYOUT_IRQ_PIT] == seen; i++)
		fake_vm_run_for(f, 5);
	CHECK_EQ(f->rises[LAYOUT_IRQ_PIT], seen + 1);
	fake_vm_run_for(f, 150);
	CHECK_EQ(f->rises[LAYOUT_IRQ_PIT], seen + 1);
	/* A new control word alone stops the channel. */
	fake_outb(f, 0x43, 0x34);
	fake_vm_run_for(f, 20);
	CHECK_EQ(f->rises[LAYOUT_IRQ_PIT], seen + 1);
	fake_vm_free(f);
}

TEST(dev_pit_absent_with_backend_irqchip)
{
	struct fake_vm *f = fake_vm_new(PLATFORM_PC, true);
	void *pit = (void *)1;

	CHECK(f);
	CHECK(fake_vm_attach(f, "pit", &pit) == 0);
	CHECK(pit == NULL);
	CHECK_EQ(fake_inb(f, 0x61), 0xff);
	fake_vm_free(f);
}

TEST(dev_pit_mode0_lsb_write_stops_counting)
{
	void *pit;
	struct fake_vm *f = pit_vm(&pit, true);

	CHECK(f);
	fake_outb(f, 0x61, 0x01);
	fake_outb(f, 0x43, 0xb0);
	fake_outb(f, 0x42, 10);
	fake_outb(f, 0x42, 0);
	test_ns += ticks_ns(20);
	CHECK_EQ(fake_inb(f, 0x61) & 0x20, 0x20);
	fake_outb(f, 0x42, 0x00); /* LSB of a new count: OUT low, stopped */
	CHECK_EQ(fake_inb(f, 0x61) & 0x20, 0);
	test_ns += ticks_ns(1000);
	CHECK_EQ(fake_inb(f, 0x61) & 0x20, 0);
	fake_outb(f, 0x42, 0x01); /* MSB: 0x100 from now */
	test_ns += ticks_ns(0xff);
	CHECK_EQ(fake_inb(f, 0x61) & 0x20, 0);
	test_ns += ticks_ns(1);
	CHECK_EQ(fake_inb(f, 0x61) & 0x20, 0x20);
	fake_vm_free(f);
}
