/* The cascaded 8259A pair, programmed as Linux's init_8259A does. */
#include "../harness.h"
#include "core/device.h"
#include "dev_fakevm.h"
#include "devices/pic.h"

static struct fake_vm *pic_vm(void **pic)
{
	struct fake_vm *f = fake_vm_new(PLATFORM_PC, false);

	if (f && (fake_vm_attach(f, "pic", pic) < 0 || !*pic)) {
		fake_vm_free(f);
		return NULL;
	}
	return f;
}

/* Linux's sequence: ICW1 0x11, ICW2 base, ICW3, ICW4 (0x01 or AEOI 0x03). */
static void pic_linux_init(struct fake_vm *f, uint8_t icw4)
{
	fake_outb(f, 0x21, 0xff);
	fake_outb(f, 0xa1, 0xff);
	fake_outb(f, 0x20, 0x11);
	fake_outb(f, 0x21, 0x30);
	fake_outb(f, 0x21, 0x04);
	fake_outb(f, 0x21, icw4);
	fake_outb(f, 0xa0, 0x11);
	fake_outb(f, 0xa1, 0x38);
	fake_outb(f, 0xa1, 0x02);
	fake_outb(f, 0xa1, icw4);
	fake_outb(f, 0x21, 0x00);
	fake_outb(f, 0xa1, 0x00);
}

static uint8_t pic_isr(struct fake_vm *f, uint16_t port)
{
	uint8_t v;

	fake_outb(f, port, 0x0b);
	v = fake_inb(f, port);
	fake_outb(f, port, 0x0a);
	return v;
}

TEST(dev_pic_found_by_name_and_absent_with_backend_irqchip)
{
	struct fake_vm *f = fake_vm_new(PLATFORM_PC, true);
	void *pic = (void *)1;

	CHECK(f);
	CHECK(fake_vm_attach(f, "pic", &pic) == 0);
	CHECK(pic == NULL);
	CHECK_EQ(fake_inb(f, 0x21), 0xff); /* nobody there */
	CHECK(!pic_pending(NULL) && pic_ack(NULL) == -1);
	fake_vm_free(f);
	f = pic_vm(&pic);
	CHECK(f);
	CHECK(device_state(&f->vm, "pic") == pic);
	/* Masked until programmed. */
	pic_set_irq(pic, 0, 1);
	CHECK(!pic_pending(pic));
	fake_vm_free(f);
}

TEST(dev_pic_priority_and_eoi)
{
	void *pic;
	struct fake_vm *f = pic_vm(&pic);

	CHECK(f);
	pic_linux_init(f, 0x01);
	CHECK(!pic_pending(pic));
	pic_set_irq(pic, 1, 1);
	CHECK(pic_pending(pic));
	CHECK(f->kicks >= 1);
	pic_set_irq(pic, 0, 1);
	CHECK_EQ(fake_inb(f, 0x20), 0x03); /* IRR */
	CHECK_EQ(pic_ack(pic), 0x30);
	CHECK_EQ(pic_isr(f, 0x20), 0x01);
	/* IRQ 1 waits for IRQ 0's EOI. */
	CHECK(!pic_pending(pic));
	fake_outb(f, 0x20, 0x20);
	CHECK(pic_pending(pic));
	CHECK_EQ(pic_ack(pic), 0x31);
	fake_outb(f, 0x20, 0x61); /* specific EOI for IRQ 1 */
	CHECK_EQ(pic_isr(f, 0x20), 0);
	/* Edge: a line held high does not request again. */
	CHECK(!pic_pending(pic));
	CHECK_EQ(pic_ack(pic), -1);
	fake_vm_free(f);
}

TEST(dev_pic_cascade)
{
	void *pic;
	struct fake_vm *f = pic_vm(&pic);

	CHECK(f);
	pic_linux_init(f, 0x01);
	pic_set_irq(pic, 12, 1);
	CHECK(pic_pending(pic));
	CHECK_EQ(pic_ack(pic), 0x3c);
	CHECK_EQ(pic_isr(f, 0x20), 0x04);
	CHECK_EQ(pic_isr(f, 0xa0), 0x10);
	fake_outb(f, 0xa0, 0x20);
	fake_outb(f, 0x20, 0x20);
	CHECK_EQ(pic_isr(f, 0xa0) | pic_isr(f, 0x20), 0);
	/* A slave request that vanishes (masked) before the INTA cycle
	 * leaves nothing to deliver and nothing in service. */
	pic_set_irq(pic, 10, 1);
	CHECK(pic_pending(pic));
	fake_outb(f, 0xa1, 0x04);
	CHECK(!pic_pending(pic));
	CHECK_EQ(pic_ack(pic), -1);
	CHECK_EQ(pic_isr(f, 0xa0) | pic_isr(f, 0x20), 0);
	/* Unmasked again, the latched edge is delivered. */
	fake_outb(f, 0xa1, 0x00);
	CHECK_EQ(pic_ack(pic), 0x3a);
	fake_vm_free(f);
}

TEST(dev_pic_level_via_elcr_and_masks)
{
	void *pic;
	struct fake_vm *f = pic_vm(&pic);

	CHECK(f);
	pic_linux_init(f, 0x01);
	fake_outb(f, 0x4d0, 0xff);
	fake_outb(f, 0x4d1, 0xff);
	CHECK_EQ(fake_inb(f, 0x4d0), 0xf8); /* IRQ 0-2 are never level */
	CHECK_EQ(fake_inb(f, 0x4d1), 0xde); /* nor 8 and 13 */
	fake_out(f, 0x4d0, 0x0200, 2);	    /* ELCR: only IRQ 9 level */
	CHECK_EQ(fake_in(f, 0x4d0, 2), 0x0200);
	pic_set_irq(pic, 9, 1);
	CHECK_EQ(pic_ack(pic), 0x39);
	fake_outb(f, 0xa0, 0x20);
	fake_outb(f, 0x20, 0x20);
	/* Still asserted: requests again; deasserted: gone. */
	CHECK(pic_pending(pic));
	pic_set_irq(pic, 9, 0);
	CHECK(!pic_pending(pic));
	CHECK_EQ(pic_ack(pic), -1);
	/* IMR blocks, and unmasking a latched edge delivers it. */
	fake_outb(f, 0x21, 0x10);
	CHECK_EQ(fake_inb(f, 0x21), 0x10);
	pic_set_irq(pic, 4, 1);
	CHECK(!pic_pending(pic));
	fake_outb(f, 0x21, 0x00);
	CHECK(pic_pending(pic));
	CHECK_EQ(pic_ack(pic), 0x34);
	fake_vm_free(f);
}

TEST(dev_pic_auto_eoi_rotation_and_poll)
{
	void *pic;
	struct fake_vm *f = pic_vm(&pic);

	CHECK(f);
	pic_linux_init(f, 0x03); /* auto-EOI */
	pic_set_irq(pic, 3, 1);
	CHECK_EQ(pic_ack(pic), 0x33);
	CHECK_EQ(pic_isr(f, 0x20), 0);
	/* Set priority: IRQ 3 lowest, so 4 outranks 1. */
	fake_outb(f, 0x20, 0xc3);
	pic_set_irq(pic, 1, 1);
	pic_set_irq(pic, 5, 1);
	pic_set_irq(pic, 4, 1);
	CHECK_EQ(pic_ack(pic), 0x34);
	CHECK_EQ(pic_ack(pic), 0x35);
	/* Poll mode: read reports and acknowledges the request. */
	fake_outb(f, 0x20, 0x0c);
	CHECK_EQ(fake_inb(f, 0x20), 0x81);
	fake_outb(f, 0x20, 0x0c);
	CHECK_EQ(fake_inb(f, 0x20), 0x00);
	fake_vm_free(f);
}

TEST(dev_pic_bad_input)
{
	void *pic;
	struct fake_vm *f = pic_vm(&pic);

	CHECK(f);
	/* All ones to every port, in every state: never an IRQ out of range. */
	for (int i = 0; i < 8; i++) {
		fake_outb(f, 0x20, 0xff);
		fake_outb(f, 0x21, 0xff);
		fake_outb(f, 0xa0, 0xff);
		fake_outb(f, 0xa1, 0xff);
	}
	fake_out(f, 0x20, 0xffffffff, 4); /* straddles: not dispatched */
	CHECK_EQ(fake_in(f, 0x20, 4), 0xffffffff);
	pic_set_irq(pic, 16, 1);
	pic_set_irq(pic, ~0u, 1);
	pic_linux_init(f, 0x01);
	for (unsigned irq = 0; irq < 16; irq++)
		pic_set_irq(pic, irq, 1);
	for (int n = 0; n < 20; n++) {
		int v = pic_ack(pic);

		CHECK(v == -1 || (v >= 0x30 && v < 0x40));
		fake_outb(f, 0xa0, 0x20);
		fake_outb(f, 0x20, 0x20);
	}
	CHECK(!pic_pending(pic));
	fake_vm_free(f);
}
