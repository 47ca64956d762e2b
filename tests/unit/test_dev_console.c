/* The console: stdio input through the event loop into the UART, the
 * Ctrl-A x escape on a terminal, file output, and the terminal restored. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "../harness.h"
#include "console/console.h"
#include "core/layout.h"
#include "dev_fakevm.h"

#define COM1 LAYOUT_PORT_COM1

/* Points fd 0 and 1 at in_fd/out_fd for one test; undone by fds_restore. */
struct saved_fds {
	int in, out;
};

static struct saved_fds fds_redirect(int in_fd, int out_fd)
{
	struct saved_fds s = { dup(0), dup(1) };

	fflush(stdout);
	dup2(in_fd, 0);
	dup2(out_fd, 1);
	return s;
}

static void fds_restore(struct saved_fds s)
{
	dup2(s.in, 0);
	dup2(s.out, 1);
	close(s.in);
	close(s.out);
}

/* Waits (event loop running) until the UART has `n` bytes. */
static unsigned uart_wait_rx(struct fake_vm *f, unsigned n)
{
	unsigned got = 0;
	uint8_t buf[64];

	for (int i = 0; i < 200 && got < n; i++) {
		fake_vm_run_for(f, 5);
		while ((fake_inb(f, COM1 + 5) & 1) && got < sizeof(buf))
			buf[got++] = fake_inb(f, COM1);
	}
	return got;
}

TEST(dev_console_stdio_pipe_input_reaches_uart)
{
	int in[2], out;
	char path[] = "/tmp/gamut-con-XXXXXX";
	struct saved_fds s;
	struct fake_vm *f;
	unsigned got;

	CHECK(pipe(in) == 0);
	out = mkstemp(path);
	CHECK(out >= 0);
	s = fds_redirect(in[0], out);
	f = fake_vm_new(PLATFORM_MICROVM, false);
	if (f) {
		f->vm.cfg.console = CONSOLE_STDIO;
		if (fake_vm_attach(f, "console", NULL) < 0 ||
		    fake_vm_attach(f, "uart8250", NULL) < 0) {
			fake_vm_free(f);
			f = NULL;
		}
	}
	if (f) {
		/* A pipe is not a terminal: Ctrl-A passes through as data. */
		CHECK(write(in[1], "ab\001x", 4) == 4);
		got = uart_wait_rx(f, 4);
		fake_outb(f, COM1, 'Z');
		CHECK(!vm_should_stop(&f->vm));
		fake_vm_free(f);
	}
	fds_restore(s);
	CHECK(f != NULL);
	CHECK_EQ(got, 4);
	{
		char buf[4] = { 0 };

		CHECK_EQ(pread(out, buf, 3, 0), 1);
		CHECK_EQ(buf[0], 'Z');
	}
	close(in[0]);
	close(in[1]);
	close(out);
	unlink(path);
}

TEST(dev_console_tty_escape_quits_and_restores)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY), slave;
	struct termios before, during, after;
	struct saved_fds s;
	struct fake_vm *f;
	unsigned got = 0;
	bool stopped = false;
	int reason = 0;

	CHECK(master >= 0);
	CHECK(grantpt(master) == 0 && unlockpt(master) == 0);
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	CHECK(slave >= 0);
	CHECK(tcgetattr(slave, &before) == 0);
	s = fds_redirect(slave, slave);
	f = fake_vm_new(PLATFORM_MICROVM, false);
	if (f) {
		f->vm.cfg.console = CONSOLE_STDIO;
		if (fake_vm_attach(f, "console", NULL) < 0 ||
		    fake_vm_attach(f, "uart8250", NULL) < 0) {
			fake_vm_free(f);
			f = NULL;
		}
	}
	if (f) {
		tcgetattr(0, &during);
		/* Ctrl-A Ctrl-A is one Ctrl-A; then 'q'; then Ctrl-A x. */
		if (write(master, "\001\001q", 3) == 3)
			got = uart_wait_rx(f, 2);
		if (write(master, "\001x", 2) == 2)
			for (int i = 0; i < 200 && !vm_should_stop(&f->vm); i++)
				fake_vm_run_for(f, 5);
		stopped = vm_should_stop(&f->vm);
		reason = atomic_load(&f->vm.stop_reason);
		fake_vm_free(f);
	}
	tcgetattr(0, &after);
	fds_restore(s);
	CHECK(f != NULL);
	CHECK(!(during.c_lflag & (ICANON | ECHO)));
	CHECK_EQ(got, 2);
	CHECK(stopped);
	CHECK_EQ(reason, VM_STOP_USER);
	CHECK_EQ(after.c_lflag, before.c_lflag);
	CHECK_EQ(after.c_oflag, before.c_oflag);
	close(slave);
	close(master);
}

TEST(dev_console_bad_file_and_none)
{
	struct fake_vm *f = fake_vm_new(PLATFORM_MICROVM, false);
	struct gerr err;

	CHECK(f);
	/* Not yet created: a clear error, not a crash. */
	CHECK(console_get(&f->vm, &err) == NULL);
	CHECK(strstr(err.msg, "console") != NULL);
	f->vm.cfg.console = CONSOLE_FILE;
	f->vm.cfg.console_path = "/nonexistent-dir/console.log";
	CHECK(fake_vm_attach(f, "console", NULL) == 0);
	CHECK(console_get(&f->vm, &err) == NULL);
	CHECK(strstr(err.msg, "/nonexistent-dir/console.log") != NULL);
	CHECK(fake_vm_attach(f, "uart8250", NULL) == -1);
	fake_vm_free(f);

	f = fake_vm_new(PLATFORM_MICROVM, false);
	CHECK(f);
	CHECK(fake_vm_attach(f, "console", NULL) == 0);
	CHECK(console_get(&f->vm, &err) != NULL);
	console_write(console_get(&f->vm, &err), "dropped", 7);
	fake_vm_free(f);
}
