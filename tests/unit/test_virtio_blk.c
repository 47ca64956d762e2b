/* virtio-blk on a temporary raw image, driven through virtio-mmio the way
 * Linux drives it: header, data, status descriptors. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "../harness.h"
#include "core/host.h"
#include "test_virtio_fixture.h"
#include "virtio/blk.h"

#define HDR    (TR_BUF)
#define STATUS (TR_BUF + 0x100)
#define DATA   (TR_BUF + 0x1000)
#define IMG_SECTORS 128

struct blk_fx {
	struct vm vm;
	struct test_ring r;
	struct virtq scratch;
	void *state;
	char path[64];
	int fd;
};

/* The next blk_fx_init's rate limit (none unless a test sets it). */
static struct ratelimit_config blk_fx_limit;

static int blk_fx_init(struct blk_fx *f, bool ro, bool open_queue)
{
	struct gerr err;
	char zero[512] = { 0 };

	strcpy(f->path, "/tmp/gamut-blk-XXXXXX");
	f->fd = mkstemp(f->path);
	if (f->fd < 0)
		return -1;
	for (int i = 0; i < IMG_SECTORS; i++)
		if (write(f->fd, zero, sizeof(zero)) != sizeof(zero))
			return -1;
	if (fx_vm_init(&f->vm, "pvh") < 0)
		return -1;
	f->vm.cfg.disk[0].path = f->path;
	f->vm.cfg.disk[0].readonly = ro;
	f->vm.cfg.disk[0].limit = blk_fx_limit;
	f->vm.cfg.nr_disks = 1;
	if (fx_create(&f->vm, "virtio-blk", &f->state, &err) < 0)
		return -1;
	if (!open_queue)
		return 0;
	if (!(mm_negotiate(&f->vm, 0, ~0ull) & VIRTIO_STATUS_FEATURES_OK))
		return -1;
	tr_init(&f->r, &f->vm.mem, &f->scratch, 16);
	mm_queue(&f->vm, 0, 0, 16, TR_DESC, TR_AVAIL, TR_USED);
	mm_driver_ok(&f->vm, 0);
	return 0;
}

static void blk_fx_done(struct blk_fx *f)
{
	fx_destroy("virtio-blk", f->state);
	fx_vm_done(&f->vm);
	close(f->fd);
	unlink(f->path);
}

/* The disk's I/O thread answers asynchronously: returns once it has
 * served every notification made so far (virtio/blk.h). */
static void blk_wait(struct blk_fx *f)
{
	virtio_blk_wait_idle(f->state);
}

/* Submits one request through descriptors 0..2 and returns its status
 * byte (0xee if the device did not answer); *used gets the used length. */
static int blk_req(struct blk_fx *f, uint32_t type, uint64_t sector,
		   uint32_t data_len, uint32_t *used)
{
	uint16_t before = tr_used_idx(&f->r);
	uint8_t st = 0xee;
	uint32_t id;
	bool in = type == 0 || type == 8;

	gmem_write_u32(&f->vm.mem, HDR, type);
	gmem_write_u32(&f->vm.mem, HDR + 4, 0);
	gmem_write_u64(&f->vm.mem, HDR + 8, sector);
	gmem_write(&f->vm.mem, STATUS, &st, 1);
	tr_desc(&f->r, 0, HDR, 16, VIRTQ_DESC_F_NEXT, data_len ? 1 : 2);
	tr_desc(&f->r, 1, DATA, data_len,
		VIRTQ_DESC_F_NEXT | (in ? VIRTQ_DESC_F_WRITE : 0), 2);
	tr_desc(&f->r, 2, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	tr_avail(&f->r, 0);
	mm_wr(&f->vm, 0, 0x50, 0);
	blk_wait(f);
	if (tr_used_idx(&f->r) != (uint16_t)(before + 1))
		return 0xee;
	tr_used(&f->r, before, &id, used);
	gmem_read(&f->vm.mem, STATUS, &st, 1);
	return st;
}

TEST(virtio_blk_write_read_flush_roundtrip)
{
	static struct blk_fx f;
	char buf[1024], back[1024];
	uint32_t used;
	uint64_t cap = 0;

	CHECK(blk_fx_init(&f, false, true) == 0);
	CHECK_EQ(mm_rd(&f.vm, 0, 0x008), VIRTIO_ID_BLOCK);
	bus_access(&f.vm.mmio, LAYOUT_VIRTIO_MMIO_BASE + 0x100, &cap, 8, false, 0);
	CHECK_EQ(cap, IMG_SECTORS);
	for (int i = 0; i < 1024; i++)
		buf[i] = (char)(i * 7);
	gmem_write(&f.vm.mem, DATA, buf, sizeof(buf));
	CHECK_EQ(blk_req(&f, 1, 5, 1024, &used), 0); /* OUT sectors 5-6 */
	CHECK_EQ(used, 1);
	CHECK_EQ(blk_req(&f, 4, 0, 0, &used), 0); /* FLUSH */
	/* The bytes are in the image file itself. */
	CHECK(pread(f.fd, back, sizeof(back), 5 * 512) == sizeof(back));
	CHECK(!memcmp(buf, back, sizeof(buf)));
	memset(back, 0, sizeof(back));
	gmem_write(&f.vm.mem, DATA, back, sizeof(back));
	CHECK_EQ(blk_req(&f, 0, 5, 1024, &used), 0); /* IN */
	CHECK_EQ(used, 1025);
	gmem_read(&f.vm.mem, DATA, back, sizeof(back));
	CHECK(!memcmp(buf, back, sizeof(buf)));
	/* Last sector is fine, one past it is not. */
	CHECK_EQ(blk_req(&f, 0, IMG_SECTORS - 1, 512, &used), 0);
	CHECK_EQ(blk_req(&f, 0, IMG_SECTORS, 512, &used), 1);
	CHECK_EQ(blk_req(&f, 1, IMG_SECTORS - 1, 1024, &used), 1);
	CHECK_EQ(blk_req(&f, 0, ~0ull, 512, &used), 1); /* no wrap-around */
	/* Not whole sectors. */
	CHECK_EQ(blk_req(&f, 0, 0, 100, &used), 1);
	/* GET_ID and an unknown type. */
	CHECK_EQ(blk_req(&f, 8, 0, 20, &used), 0);
	gmem_read(&f.vm.mem, DATA, back, 20);
	CHECK(!strncmp(back, "gamut-disk0", 20));
	CHECK_EQ(blk_req(&f, 99, 0, 0, &used), 2);
	blk_fx_done(&f);
}

TEST(virtio_blk_readonly_refuses_writes)
{
	static struct blk_fx f;
	uint32_t used;
	char back[512];

	CHECK(blk_fx_init(&f, true, true) == 0);
	mm_wr(&f.vm, 0, 0x14, 0);
	CHECK(mm_rd(&f.vm, 0, 0x10) & (1u << 5)); /* VIRTIO_BLK_F_RO */
	gmem_write(&f.vm.mem, DATA, "XXXX", 4);
	CHECK_EQ(blk_req(&f, 1, 0, 512, &used), 1);
	CHECK(pread(f.fd, back, 4, 0) == 4 && back[0] == 0);
	CHECK_EQ(blk_req(&f, 0, 0, 512, &used), 0);
	blk_fx_done(&f);
}

TEST(virtio_blk_missing_disk_is_one_line_error)
{
	static struct vm vm;
	struct gerr err;
	void *state = (void *)1;

	CHECK(fx_vm_init(&vm, "pvh") == 0);
	vm.cfg.disk[0].path = "/nonexistent/x.img";
	vm.cfg.nr_disks = 1;
	CHECK(fx_create(&vm, "virtio-blk", &state, &err) == -1);
	CHECK(!strcmp(err.msg, "--disk /nonexistent/x.img: cannot open: No such file or directory"));
	CHECK(state == NULL);
	CHECK_EQ(vm.nr_mmio_desc, 0);
	fx_vm_done(&vm);
}

TEST(virtio_blk_second_writer_refused)
{
	static struct blk_fx f;
	static struct vm vm2;
	struct gerr err;
	void *state;

	CHECK(blk_fx_init(&f, false, false) == 0);
	CHECK(fx_vm_init(&vm2, "pvh") == 0);
	vm2.cfg.disk[0].path = f.path;
	vm2.cfg.nr_disks = 1;
	CHECK(fx_create(&vm2, "virtio-blk", &state, &err) == -1);
	CHECK(strstr(err.msg, "cannot lock") != NULL);
	fx_vm_done(&vm2);
	blk_fx_done(&f);
}

TEST(virtio_blk_hostile_requests)
{
	static struct blk_fx f;
	uint32_t used;

	/* No status byte: the device cannot answer, so it asks for a reset. */
	CHECK(blk_fx_init(&f, false, true) == 0);
	tr_desc(&f.r, 3, HDR, 16, 0, 0);
	tr_avail(&f.r, 3);
	mm_wr(&f.vm, 0, 0x50, 0);
	blk_wait(&f);
	CHECK(mm_rd(&f.vm, 0, 0x70) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	CHECK_EQ(tr_used_idx(&f.r), 0);
	blk_fx_done(&f);
	/* Header shorter than 16 bytes. */
	CHECK(blk_fx_init(&f, false, true) == 0);
	tr_desc(&f.r, 3, HDR, 8, VIRTQ_DESC_F_NEXT, 4);
	tr_desc(&f.r, 4, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	tr_avail(&f.r, 3);
	mm_wr(&f.vm, 0, 0x50, 0);
	blk_wait(&f);
	CHECK(mm_rd(&f.vm, 0, 0x70) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	blk_fx_done(&f);
	/* Data buffer outside RAM: the queue breaks, the file is untouched. */
	CHECK(blk_fx_init(&f, false, true) == 0);
	gmem_write_u32(&f.vm.mem, HDR, 0);
	gmem_write_u64(&f.vm.mem, HDR + 8, 0);
	tr_desc(&f.r, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	tr_desc(&f.r, 1, TR_RAM - 512, 4096, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	tr_desc(&f.r, 2, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	tr_avail(&f.r, 0);
	mm_wr(&f.vm, 0, 0x50, 0);
	blk_wait(&f);
	CHECK(mm_rd(&f.vm, 0, 0x70) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	/* After the driver resets and sets up again, requests work. */
	CHECK(mm_negotiate(&f.vm, 0, ~0ull) & VIRTIO_STATUS_FEATURES_OK);
	tr_init(&f.r, &f.vm.mem, &f.scratch, 16);
	mm_queue(&f.vm, 0, 0, 16, TR_DESC, TR_AVAIL, TR_USED);
	mm_driver_ok(&f.vm, 0);
	CHECK_EQ(blk_req(&f, 0, 0, 512, &used), 0);
	blk_fx_done(&f);
}

/* The wait is exact: each kick's request has its used entry by the time
 * virtio_blk_wait_idle returns, with no polling, however fast the kicks
 * come; a VM without disks has nothing to wait for. */
TEST(virtio_blk_wait_idle_means_served)
{
	static struct blk_fx f;

	virtio_blk_wait_idle(NULL);
	CHECK(blk_fx_init(&f, false, true) == 0);
	gmem_write_u32(&f.vm.mem, HDR, 4); /* FLUSH */
	gmem_write_u64(&f.vm.mem, HDR + 8, 0);
	tr_desc(&f.r, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	tr_desc(&f.r, 1, STATUS, 1, VIRTQ_DESC_F_WRITE, 0);
	for (uint16_t i = 1; i <= 40; i++) {
		tr_avail(&f.r, 0);
		mm_wr(&f.vm, 0, 0x50, 0);
		virtio_blk_wait_idle(f.state);
		CHECK_EQ(tr_used_idx(&f.r), i);
	}
	blk_fx_done(&f);
}

static bool blk_used_reached(void *opaque)
{
	struct blk_fx *f = opaque;

	return tr_used_idx(&f->r) == 2;
}

/* iops=10 with a burst of 1: the second request waits on the ring for the
 * gate's timer on the event loop; the I/O thread does not spin for it. */
TEST(virtio_blk_rate_limit_waits_for_the_timer)
{
	static struct blk_fx f;
	uint32_t used;
	uint8_t st = 0xee;
	uint64_t t0;

	blk_fx_limit = (struct ratelimit_config){ .ops = 10, .ops_burst = 1 };
	CHECK(blk_fx_init(&f, false, true) == 0);
	blk_fx_limit = (struct ratelimit_config){ 0 };
	t0 = host_now_ns();
	CHECK_EQ(blk_req(&f, 0, 0, 512, &used), 0); /* the burst */
	gmem_write(&f.vm.mem, STATUS, &st, 1);
	tr_avail(&f.r, 0);
	mm_wr(&f.vm, 0, 0x50, 0);
	usleep(150000);
	CHECK_EQ(tr_used_idx(&f.r), 1); /* held: the loop is not running */
	fx_run_until(&f.vm, blk_used_reached, &f, 2000);
	CHECK_EQ(tr_used_idx(&f.r), 2);
	CHECK(host_now_ns() - t0 >= 100000000ull);
	gmem_read(&f.vm.mem, STATUS, &st, 1);
	CHECK_EQ(st, 0);
	blk_fx_done(&f);
}
