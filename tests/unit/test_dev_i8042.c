/* The i8042 keyboard controller, as Linux's i8042 and atkbd drivers and
 * `reboot=k` use it. */
#include "../harness.h"
#include "core/layout.h"
#include "dev_fakevm.h"

#define DATA 0x60
#define STS  0x64

static struct fake_vm *kbc_vm(void)
{
	struct fake_vm *f = fake_vm_new(PLATFORM_PC, false);

	if (f && fake_vm_attach(f, "i8042", NULL) < 0) {
		fake_vm_free(f);
		return NULL;
	}
	return f;
}

TEST(dev_i8042_selftest_and_command_byte)
{
	struct fake_vm *f = kbc_vm();

	CHECK(f);
	CHECK_EQ(fake_inb(f, STS) & 0x03, 0); /* nothing to read, ready */
	fake_outb(f, STS, 0xaa);
	CHECK_EQ(fake_inb(f, STS) & 0x05, 0x05); /* OBF and SYS */
	CHECK_EQ(fake_inb(f, DATA), 0x55);
	CHECK_EQ(fake_inb(f, STS) & 0x01, 0);
	fake_outb(f, STS, 0xab);
	CHECK_EQ(fake_inb(f, DATA), 0x00);
	/* Write then read the command byte; the AUX-disable bit sticks. */
	fake_outb(f, STS, 0x60);
	fake_outb(f, DATA, 0x45);
	fake_outb(f, STS, 0x20);
	CHECK_EQ(fake_inb(f, DATA), 0x65);
	/* AUX loop test echoes with the AUX bit, AUX enable does not stick. */
	fake_outb(f, STS, 0xd3);
	fake_outb(f, DATA, 0x5a);
	CHECK_EQ(fake_inb(f, STS) & 0x21, 0x21);
	CHECK_EQ(fake_inb(f, DATA), 0x5a);
	fake_outb(f, STS, 0xa8);
	fake_outb(f, STS, 0x20);
	CHECK_EQ(fake_inb(f, DATA) & 0x20, 0x20);
	fake_vm_free(f);
}

TEST(dev_i8042_keyboard_answers_with_interrupts)
{
	struct fake_vm *f = kbc_vm();

	CHECK(f);
	fake_outb(f, STS, 0x60);
	fake_outb(f, DATA, 0x01); /* keyboard interrupt on, no translation */
	fake_outb(f, DATA, 0xf2); /* identify */
	CHECK_EQ(f->line[LAYOUT_IRQ_KBD], 1);
	CHECK_EQ(fake_inb(f, DATA), 0xfa);
	CHECK_EQ(fake_inb(f, DATA), 0xab);
	CHECK_EQ(fake_inb(f, DATA), 0x83);
	CHECK_EQ(f->line[LAYOUT_IRQ_KBD], 0);
	/* One edge per byte, so an edge-triggered PIC sees each one. */
	CHECK_EQ(f->rises[LAYOUT_IRQ_KBD], 3);
	fake_outb(f, DATA, 0xed); /* LEDs: ACK, then ACK for the argument */
	CHECK_EQ(fake_inb(f, DATA), 0xfa);
	fake_outb(f, DATA, 0x07);
	CHECK_EQ(fake_inb(f, DATA), 0xfa);
	fake_outb(f, DATA, 0x42); /* not a command: resend */
	CHECK_EQ(fake_inb(f, DATA), 0xfe);
	/* An empty buffer reads the last byte again. */
	CHECK_EQ(fake_inb(f, DATA), 0xfe);
	fake_vm_free(f);
}

TEST(dev_i8042_pulse_reset)
{
	struct fake_vm *f = kbc_vm();

	CHECK(f);
	fake_outb(f, STS, 0xff); /* pulses nothing */
	fake_outb(f, STS, 0xdd);
	CHECK(!vm_should_stop(&f->vm));
	fake_outb(f, STS, 0xfe);
	CHECK_EQ(atomic_load(&f->vm.stop_reason), VM_STOP_RESET);
	CHECK_EQ(f->vm.exit_status, 0);
	fake_vm_free(f);

	f = kbc_vm();
	CHECK(f);
	fake_outb(f, STS, 0xd1); /* write output port with reset low */
	fake_outb(f, DATA, 0x02);
	CHECK_EQ(atomic_load(&f->vm.stop_reason), VM_STOP_RESET);
	fake_vm_free(f);
}

TEST(dev_i8042_bad_input)
{
	struct fake_vm *f = kbc_vm();

	CHECK(f);
	/* Unknown commands, all ones, a flood nobody reads: no crash. */
	for (int c = 0; c < 0xf0; c++)
		if (c != 0xd1)
			fake_outb(f, STS, (uint8_t)c);
	for (int i = 0; i < 100; i++)
		fake_outb(f, DATA, 0xff);
	CHECK(!vm_should_stop(&f->vm));
	fake_out(f, STS, 0xffffffff, 4); /* low byte 0xff: no reset */
	CHECK(!vm_should_stop(&f->vm));
	CHECK_EQ(fake_in(f, 0x61, 1), 0xff); /* not ours */
	for (int i = 0; i < 40; i++)
		fake_inb(f, DATA);
	CHECK_EQ(fake_inb(f, STS) & 0x01, 0);
	fake_vm_free(f);
}
