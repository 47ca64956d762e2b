/* virtio-console on the real console layer: stdin and stdout are pointed
 * at a pipe and a temporary file for the test. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "../harness.h"
#include "test_virtio_fixture.h"

#define TXBUF TR_BUF
#define RXBUF (TR_BUF + 0x1000)

static struct test_ring con_rx;

static bool rx_used(void *opaque)
{
	(void)opaque;
	return tr_used_idx(&con_rx) >= 1;
}

/* The console test body; fds 0 and 1 are the pipe and file meanwhile. */
static int console_scenario(struct vm *vm, int in_w, int out_fd)
{
	struct test_ring tx;
	struct virtq scratch;
	struct gerr err;
	void *st;
	uint32_t id, len;
	char got[16] = { 0 };
	uint8_t z = 'Z';

	vm->cfg.console = CONSOLE_STDIO;
	if (fx_attach(vm, "console", &st, &err) < 0 ||
	    fx_attach(vm, "virtio-console", &st, &err) < 0)
		return 1;
	if (mm_rd(vm, 0, 0x008) != VIRTIO_ID_CONSOLE)
		return 2;
	if (!(mm_negotiate(vm, 0, ~0ull) & VIRTIO_STATUS_FEATURES_OK))
		return 3;
	tr_init_at(&con_rx, &vm->mem, &scratch, 8, TR_RING2);
	mm_queue(vm, 0, 0, 8, con_rx.desc, con_rx.avail, con_rx.used);
	tr_init(&tx, &vm->mem, &scratch, 8);
	mm_queue(vm, 0, 1, 8, tx.desc, tx.avail, tx.used);
	mm_driver_ok(vm, 0);
	tr_desc(&con_rx, 0, RXBUF, 16, VIRTQ_DESC_F_WRITE, 0);
	tr_avail(&con_rx, 0);
	/* Output: two buffers of one chain, in order. */
	gmem_write(&vm->mem, TXBUF, "hello, ", 7);
	gmem_write(&vm->mem, TXBUF + 0x100, "world", 5);
	tr_desc(&tx, 0, TXBUF, 7, VIRTQ_DESC_F_NEXT, 1);
	tr_desc(&tx, 1, TXBUF + 0x100, 5, 0, 0);
	tr_avail(&tx, 0);
	mm_wr(vm, 0, 0x50, 1);
	if (tr_used_idx(&tx) != 1)
		return 4;
	/* Emergency write through config space (emerg_wr at 0x108). */
	bus_access(&vm->mmio, LAYOUT_VIRTIO_MMIO_BASE + 0x108, &z, 1, true, 0);
	if (pread(out_fd, got, sizeof(got) - 1, 0) != 13 ||
	    strcmp(got, "hello, worldZ"))
		return 5;
	/* Input now follows this device (it wrote output). */
	if (write(in_w, "ls\n", 3) != 3)
		return 6;
	fx_run_until(vm, rx_used, NULL, 2000);
	if (tr_used_idx(&con_rx) != 1)
		return 7;
	tr_used(&con_rx, 0, &id, &len);
	gmem_read(&vm->mem, RXBUF, got, 3);
	if (len != 3 || memcmp(got, "ls\n", 3))
		return 8;
	return 0;
}

TEST(virtio_console_output_input_and_emergency_write)
{
	static struct vm vm;
	char path[] = "/tmp/gamut-vcon-XXXXXX";
	int in[2], out, save_in, save_out, rc;

	CHECK(pipe(in) == 0);
	out = mkstemp(path);
	CHECK(out >= 0);
	CHECK(fx_vm_init(&vm, "pvh") == 0);
	fflush(stdout);
	save_in = dup(0);
	save_out = dup(1);
	dup2(in[0], 0);
	dup2(out, 1);
	rc = console_scenario(&vm, in[1], out);
	device_destroy_all(&vm);
	dup2(save_in, 0);
	dup2(save_out, 1);
	close(save_in);
	close(save_out);
	CHECK_EQ(rc, 0);
	fx_vm_done(&vm);
	close(in[0]);
	close(in[1]);
	close(out);
	unlink(path);
}
