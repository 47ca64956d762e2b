/* Every platform device at once under a long run of random port, MMIO
 * and interrupt-line traffic from a fixed seed: nothing may crash (the
 * ASan build checks memory), every vector and MSI must stay well formed. */
#include <stdlib.h>

#include "../harness.h"
#include "core/layout.h"
#include "core/device.h"
#include "dev_fakevm.h"
#include "devices/ioapic.h"
#include "devices/pic.h"

static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

static const uint16_t ports[] = {
	0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1, 0x40, 0x41, 0x42, 0x43, 0x61,
	0x60, 0x64, 0x70, 0x71, 0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd,
	0x3fe, 0x3ff, 0x600, 0x601, 0x602,
};

static const uint64_t ioapic_offs[8] = { 0x00, 0x00, 0x10, 0x10, 0x10, 0x40, 0x04, 0x11 };

TEST(dev_random_io_all_devices)
{
	static const char *const classes[] = {
		"console", "pic", "ioapic", "uart8250", "i8042", "acpi-pm", "pit", "rtc",
	};
	struct fake_vm *f = fake_vm_new(PLATFORM_PC, false);
	void *pic = NULL, *io = NULL;

	CHECK(f);
	f->vm.cfg.mem_bytes = 128 << 20;
	for (unsigned i = 0; i < sizeof(classes) / sizeof(*classes); i++)
		CHECK(fake_vm_attach(f, classes[i], NULL) == 0);
	pic = device_state(&f->vm, "pic");
	io = device_state(&f->vm, "ioapic");
	CHECK(pic && io);
	for (int n = 0; n < 200000; n++) {
		uint32_t r = rnd(), v = rnd();
		unsigned len = 1u << (r & 3);
		int vec;

		switch ((r >> 2) & 7) {
		case 0: case 1: case 2:
			fake_out(f, ports[(r >> 5) % (sizeof(ports) / 2)], v, len > 4 ? 4 : len);
			break;
		case 3:
			fake_in(f, ports[(r >> 5) % (sizeof(ports) / 2)], len > 4 ? 4 : len);
			break;
		case 4:
			/* Mostly IOREGSEL, IOWIN and EOI; sometimes elsewhere. */
			fake_mmio_write(f, LAYOUT_IOAPIC + ioapic_offs[(r >> 5) & 7] +
					   ((r >> 8) & 1 ? 0 : (r >> 9) & 0x7ff),
					v, len > 4 ? 4 : len);
			break;
		case 5:
			pic_set_irq(pic, (r >> 5) & 31, v & 1);
			ioapic_set_irq(io, (r >> 5) & 31, v & 1);
			break;
		case 6:
			vec = pic_ack(pic);
			CHECK(vec >= -1 && vec <= 0xff);
			break;
		default:
			ioapic_eoi(io, (uint8_t)v);
			fake_mmio_read(f, LAYOUT_IOAPIC + ((r >> 5) & 0x1f), len > 4 ? 4 : len);
			break;
		}
	}
	CHECK(f->nmsi > 0); /* the traffic did reach delivery */
	for (unsigned i = 0; i < f->nmsi && i < FAKE_MSI_MAX; i++) {
		CHECK_EQ(f->msi_addr[i] & 0xfff00ff3, 0xfee00000);
		CHECK_EQ(f->msi_data[i] & ~0xc7ffu, 0);
	}
	fake_vm_free(f);
}
