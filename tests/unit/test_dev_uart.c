/* The 16550A UART, driven through the port bus as Linux's 8250 driver
 * drives it. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness.h"
#include "core/layout.h"
#include "dev_fakevm.h"

#define COM1 LAYOUT_PORT_COM1

static struct fake_vm *uart_vm(void)
{
	struct fake_vm *f = fake_vm_new(PLATFORM_MICROVM, false);

	if (f && (fake_vm_attach(f, "console", NULL) < 0 ||
		  fake_vm_attach(f, "uart8250", NULL) < 0)) {
		fake_vm_free(f);
		return NULL;
	}
	return f;
}

TEST(dev_uart_linux_autoconfig)
{
	struct fake_vm *f = uart_vm();

	CHECK(f);
	/* Scratch register and IER read-back. */
	fake_outb(f, COM1 + 7, 0xa5);
	CHECK_EQ(fake_inb(f, COM1 + 7), 0xa5);
	fake_outb(f, COM1 + 1, 0);
	CHECK_EQ(fake_inb(f, COM1 + 1) & 0x0f, 0);
	fake_outb(f, COM1 + 1, 0x0f);
	CHECK_EQ(fake_inb(f, COM1 + 1) & 0x0f, 0x0f);
	fake_outb(f, COM1 + 1, 0);
	/* Loopback with RTS|OUT2 shows CTS|DCD. */
	fake_outb(f, COM1 + 4, 0x10 | 0x0a);
	CHECK_EQ(fake_inb(f, COM1 + 6) & 0xf0, 0x90);
	fake_outb(f, COM1 + 4, 0);
	/* FIFO enabled: IIR bits 7:6 set, no interrupt pending. */
	fake_outb(f, COM1 + 2, 0x01);
	CHECK_EQ(fake_inb(f, COM1 + 2), 0xc1);
	/* No EFR: offset 2 with LCR 0xbf still reads IIR, never 0. */
	fake_outb(f, COM1 + 3, 0xbf);
	CHECK(fake_inb(f, COM1 + 2) != 0);
	fake_outb(f, COM1 + 3, 0x03);
	/* LSR safety check and IER bit 6 (Xscale UUE) not writable. */
	CHECK(fake_inb(f, COM1 + 5) != 0xff);
	CHECK_EQ(fake_inb(f, COM1 + 5) & 0x60, 0x60);
	fake_outb(f, COM1 + 1, 0x40);
	CHECK_EQ(fake_inb(f, COM1 + 1), 0);
	fake_vm_free(f);
}

TEST(dev_uart_thre_interrupt)
{
	struct fake_vm *f = uart_vm();

	CHECK(f);
	CHECK_EQ(f->line[LAYOUT_IRQ_COM1], 0);
	fake_outb(f, COM1 + 1, 0x02); /* ETBEI with THR empty: at once */
	CHECK_EQ(f->line[LAYOUT_IRQ_COM1], 1);
	CHECK_EQ(fake_inb(f, COM1 + 2) & 0x0f, 0x02);
	/* Reading IIR acknowledged it. */
	CHECK_EQ(f->line[LAYOUT_IRQ_COM1], 0);
	CHECK_EQ(fake_inb(f, COM1 + 2) & 0x0f, 0x01);
	/* Each byte sent re-arms it, with a new rising edge. */
	fake_outb(f, COM1, 'a');
	CHECK_EQ(f->line[LAYOUT_IRQ_COM1], 1);
	fake_outb(f, COM1, 'b');
	CHECK_EQ(f->rises[LAYOUT_IRQ_COM1], 3);
	fake_outb(f, COM1 + 1, 0);
	CHECK_EQ(f->line[LAYOUT_IRQ_COM1], 0);
	fake_vm_free(f);
}

TEST(dev_uart_loopback_fifo_and_overrun)
{
	struct fake_vm *f = uart_vm();

	CHECK(f);
	fake_outb(f, COM1 + 2, 0x07); /* FIFO on, trigger level 1 */
	fake_outb(f, COM1 + 4, 0x10);
	fake_outb(f, COM1 + 1, 0x01); /* RX interrupt */
	fake_outb(f, COM1, 'x');
	CHECK_EQ(fake_inb(f, COM1 + 5) & 0x01, 1);
	CHECK_EQ(f->line[LAYOUT_IRQ_COM1], 1);
	CHECK_EQ(fake_inb(f, COM1 + 2), 0xc4);
	CHECK_EQ(fake_inb(f, COM1), 'x');
	CHECK_EQ(f->line[LAYOUT_IRQ_COM1], 0);
	CHECK_EQ(fake_inb(f, COM1 + 5) & 0x01, 0);
	/* 17 bytes into a 16-byte FIFO: overrun, the first 16 kept. */
	for (int i = 0; i < 17; i++)
		fake_outb(f, COM1, (uint8_t)i);
	CHECK_EQ(fake_inb(f, COM1 + 5) & 0x83, 0x83);
	CHECK_EQ(fake_inb(f, COM1 + 5) & 0x82, 0); /* cleared by the read */
	for (int i = 0; i < 16; i++)
		CHECK_EQ(fake_inb(f, COM1), i);
	CHECK_EQ(fake_inb(f, COM1 + 5) & 0x01, 0);
	/* Empty RBR reads 0, never blocks or underflows. */
	CHECK_EQ(fake_inb(f, COM1), 0);
	fake_vm_free(f);
}

TEST(dev_uart_divisor_latch_and_msr_deltas)
{
	struct fake_vm *f = uart_vm();

	CHECK(f);
	fake_outb(f, COM1 + 1, 0x05);
	fake_outb(f, COM1 + 3, 0x83);
	fake_outb(f, COM1, 0x01);
	fake_outb(f, COM1 + 1, 0x00);
	CHECK_EQ(fake_inb(f, COM1), 0x01);
	CHECK_EQ(fake_inb(f, COM1 + 1), 0x00);
	fake_outb(f, COM1 + 3, 0x03);
	CHECK_EQ(fake_inb(f, COM1 + 1), 0x05); /* IER untouched by DLM */
	/* Modem-status interrupt on a loopback line change. */
	fake_outb(f, COM1 + 1, 0x08);
	fake_outb(f, COM1 + 4, 0x10);
	fake_inb(f, COM1 + 6);
	fake_outb(f, COM1 + 4, 0x10 | 0x01); /* DTR -> DSR */
	CHECK_EQ(f->line[LAYOUT_IRQ_COM1], 1);
	CHECK_EQ(fake_inb(f, COM1 + 2) & 0x0f, 0x00);
	CHECK_EQ(fake_inb(f, COM1 + 6), 0x20 | 0x02);
	CHECK_EQ(f->line[LAYOUT_IRQ_COM1], 0);
	fake_vm_free(f);
}

TEST(dev_uart_bad_input)
{
	struct fake_vm *f = uart_vm();

	CHECK(f);
	/* All ones everywhere (DLAB off, then on). */
	for (int r = 0; r < 8; r++)
		fake_outb(f, COM1 + r, 0xff);
	fake_outb(f, COM1 + 3, 0x03);
	CHECK_EQ(fake_inb(f, COM1 + 1), 0x0f);
	CHECK_EQ(fake_inb(f, COM1 + 4), 0x1f);
	CHECK(fake_inb(f, COM1 + 5) != 0xff);
	/* A wide access is split into bytes: SCR and MSR at once. */
	fake_outb(f, COM1 + 4, 0);
	fake_outb(f, COM1 + 7, 0x5a);
	CHECK_EQ(fake_in(f, COM1 + 6, 2) >> 8, 0x5a);
	fake_out(f, COM1 + 4, 0x11110000, 4); /* MCR, LSR(ro), MSR(ro), SCR */
	CHECK_EQ(fake_inb(f, COM1 + 4), 0);
	CHECK_EQ(fake_inb(f, COM1 + 7), 0x11);
	/* Straddling the end of the UART is not dispatched. */
	CHECK_EQ(fake_in(f, COM1 + 7, 2), 0xffff);
	fake_vm_free(f);
}

TEST(dev_uart_output_reaches_console_file)
{
	char path[] = "/tmp/gamut-uart-XXXXXX";
	int fd = mkstemp(path);
	char buf[16] = { 0 };
	struct fake_vm *f = fake_vm_new(PLATFORM_PC, false);

	CHECK(fd >= 0 && f);
	f->vm.cfg.console = CONSOLE_FILE;
	f->vm.cfg.console_path = path;
	CHECK(fake_vm_attach(f, "console", NULL) == 0);
	CHECK(fake_vm_attach(f, "uart8250", NULL) == 0);
	for (const char *s = "hello\n"; *s; s++)
		fake_outb(f, COM1, (uint8_t)*s);
	fake_vm_free(f);
	CHECK_EQ(read(fd, buf, sizeof(buf) - 1), 6);
	CHECK(!strcmp(buf, "hello\n"));
	close(fd);
	unlink(path);
}

TEST(dev_uart_absent_on_pv)
{
	struct fake_vm *f = fake_vm_new(PLATFORM_PV, false);
	void *st = (void *)1;

	CHECK(f);
	CHECK(fake_vm_attach(f, "console", NULL) == 0);
	CHECK(fake_vm_attach(f, "uart8250", &st) == 0);
	CHECK(st == NULL);
	CHECK_EQ(fake_inb(f, COM1 + 5), 0xff);
	fake_vm_free(f);
}
