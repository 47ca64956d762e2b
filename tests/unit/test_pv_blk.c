/* PV block rings and device attachment, with a real temporary disk file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness.h"
#include "test_pv_fixture.h"

#define RING	 0x220000ull
#define ORDER	 3
#define DISK_SZ	 (64 * 1024)

static struct pvt t;
static char disk_path[64];
static uint8_t img[PVT_IMG_SIZE];

static int make_disk(void)
{
	uint8_t buf[DISK_SZ];
	int fd;

	strcpy(disk_path, "/tmp/gamut-pvblk-XXXXXX");
	fd = mkstemp(disk_path);
	if (fd < 0)
		return -1;
	for (int i = 0; i < DISK_SZ; i++)
		buf[i] = (uint8_t)(i / 512);
	if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
		return -1;
	close(fd);
	return 0;
}

static int boot_with_disk(bool ro)
{
	static const struct pvt_dev devs[] = { { PV_DEV_BLOCK, "data" } };

	if (make_disk() < 0 || pvt_init(&t) < 0)
		return -1;
	t.vm->cfg.disk[0] = (struct disk_config){ .path = disk_path, .name = "data", .readonly = ro };
	t.vm->cfg.nr_disks = 1;
	return pvt_load(&t, img, pvt_image(img, devs, 1));
}

static void done(void)
{
	pvt_fini(&t);
	unlink(disk_path);
}

static int64_t call(unsigned nr, const void *blk, size_t len, void *out)
{
	int64_t ret;

	gmem_write(&t.vm->mem, PVT_ARG, blk, len);
	pvt_call(&t, nr, PVT_ARG);
	gmem_read(&t.vm->mem, PVT_ARG, out ? out : &ret, out ? len : sizeof(ret));
	return out ? *(int64_t *)out : ret;
}

static int64_t setup_ring(void)
{
	struct pv_hc_ring_setup rs = { 0, 0, PV_QUEUE_BLK, RING, ORDER, 0 };

	return call(PV_HC_RING_SETUP, &rs, sizeof(rs), NULL);
}

/* Puts requests in slots 0..n-1, publishes them and notifies. */
static int64_t submit(const struct pv_blk_req *r, unsigned n, uint32_t prod)
{
	struct pv_hc_ring_notify nt = { 0, 0, PV_QUEUE_BLK };

	for (unsigned i = 0; i < n; i++)
		gmem_write(&t.vm->mem, RING + 64 + 64 * ((prod - n + i) & 7), &r[i],
			   sizeof(r[i]));
	gmem_write_u32(&t.vm->mem, RING, prod);
	return call(PV_HC_RING_NOTIFY, &nt, sizeof(nt), NULL);
}

static struct pv_blk_rsp response(uint32_t idx)
{
	struct pv_blk_rsp r;

	gmem_read(&t.vm->mem, RING + 64 + 64 * (idx & 7), &r, sizeof(r));
	return r;
}

TEST(pv_blk_device_info_and_read_write_flush)
{
	struct pv_hc_device_info di = { 0 };
	struct pv_blk_req rq[3] = {
		{ 1, PV_BLK_READ, 1024, 3, PVT_BUF },
		{ 2, PV_BLK_WRITE, 512, 200, PVT_BUF + 512 },
		{ 3, PV_BLK_FLUSH, 0, 0, 0 },
	};
	uint8_t buf[1024];
	uint32_t rsp_prod;

	CHECK(boot_with_disk(false) == 0);
	CHECK_EQ(call(PV_HC_DEVICE_INFO, &di, sizeof(di), &di), 0);
	CHECK_EQ(di.type, PV_DEV_BLOCK);
	CHECK_EQ(di.capacity, DISK_SZ / 512);
	CHECK(!strcmp(di.name, "data"));
	di.index = 1;
	CHECK_EQ(call(PV_HC_DEVICE_INFO, &di, sizeof(di), &di), -PV_ENOENT);
	CHECK_EQ(setup_ring(), 0);
	CHECK_EQ(submit(rq, 3, 3), 0);
	gmem_read_u32(&t.vm->mem, RING + 8, &rsp_prod);
	CHECK_EQ(rsp_prod, 3);
	CHECK_EQ(response(0).id, 1);
	CHECK_EQ(response(0).status, 0);
	CHECK_EQ(response(0).len, 1024);
	CHECK_EQ(response(1).status, -PV_EINVAL); /* sector 200 is past the end */
	CHECK_EQ(response(2).status, 0);
	gmem_read(&t.vm->mem, PVT_BUF, buf, sizeof(buf));
	CHECK(buf[0] == 3 && buf[511] == 3 && buf[512] == 4);
	rq[0] = (struct pv_blk_req){ 4, PV_BLK_WRITE, 512, 7, PVT_BUF };
	rq[1] = (struct pv_blk_req){ 5, PV_BLK_READ, 512, 7, PVT_BUF + 4096 };
	CHECK_EQ(submit(rq, 2, 5), 0);
	CHECK_EQ(response(3).status, 0);
	CHECK_EQ(response(4).status, 0);
	gmem_read(&t.vm->mem, PVT_BUF + 4096, buf, 512);
	CHECK(buf[0] == 3); /* sector 7 now holds what sector 3 held */
	done();
}

TEST(pv_blk_refuses_bad_requests)
{
	struct pv_blk_req rq[5] = {
		{ 1, PV_BLK_READ, 512, 0, PVT_MEM - 0x1000 },  /* page tables */
		{ 2, PV_BLK_READ, 512, 0, PV_SYS_GPA },	       /* gamut's GDT */
		{ 3, PV_BLK_READ, 100, 0, PVT_BUF },	       /* not sectors */
		{ 4, PV_BLK_READ, 512, ~0ull, PVT_BUF },       /* sector wraps */
		{ 5, 77, 512, 0, PVT_BUF },		       /* unknown op */
	};

	CHECK(boot_with_disk(false) == 0);
	CHECK_EQ(setup_ring(), 0);
	CHECK_EQ(submit(rq, 5, 5), 0);
	CHECK_EQ(response(0).status, -PV_EFAULT);
	CHECK_EQ(response(1).status, -PV_EFAULT);
	CHECK_EQ(response(2).status, -PV_EINVAL);
	CHECK_EQ(response(3).status, -PV_EINVAL);
	CHECK_EQ(response(4).status, -PV_EINVAL);
	CHECK_EQ(pvt_stop_reason(&t), VM_RUNNING);
	done();
}

TEST(pv_blk_read_only_disk_refuses_writes)
{
	struct pv_blk_req rq = { 1, PV_BLK_WRITE, 512, 0, PVT_BUF };
	struct pv_hc_device_info di = { 0 };

	CHECK(boot_with_disk(true) == 0);
	CHECK_EQ(call(PV_HC_DEVICE_INFO, &di, sizeof(di), &di), 0);
	CHECK(di.flags & PV_DEVF_READONLY);
	CHECK_EQ(setup_ring(), 0);
	CHECK_EQ(submit(&rq, 1, 1), 0);
	CHECK_EQ(response(0).status, -PV_EPERM);
	done();
}

TEST(pv_blk_runaway_index_stops_the_guest)
{
	struct pv_hc_ring_notify nt = { 0, 0, PV_QUEUE_BLK };

	CHECK(boot_with_disk(false) == 0);
	CHECK_EQ(setup_ring(), 0);
	gmem_write_u32(&t.vm->mem, RING, 1000); /* 1000 requests in 8 slots */
	call(PV_HC_RING_NOTIFY, &nt, sizeof(nt), NULL);
	CHECK_EQ(pvt_stop_reason(&t), VM_STOP_CRASH);
	CHECK(strstr(t.vm->stop_msg, "ran away"));
	done();
}

TEST(pv_blk_ring_setup_validates)
{
	struct pv_hc_ring_setup rs[] = {
		{ 0, 0, 0, RING + 8, ORDER, 0 },		/* unaligned */
		{ 0, 0, 0, RING, 0, 0 },			/* order 0 */
		{ 0, 0, 0, RING, PV_RING_ORDER_MAX + 1, 0 },
		{ 0, 0, 1, RING, ORDER, 0 },			/* no queue 1 */
		{ 0, 0, 0, PVT_MEM - 0x1000, ORDER, 0 },	/* page tables */
		{ 0, 5, 0, RING, ORDER, 0 },			/* no device 5 */
	};
	static const int64_t want[] = { -PV_EINVAL, -PV_EINVAL, -PV_EINVAL,
					-PV_EINVAL, -PV_EFAULT, -PV_ENOENT };
	struct pv_hc_ring_notify nt = { 0, 0, PV_QUEUE_BLK };

	CHECK(boot_with_disk(false) == 0);
	CHECK_EQ(call(PV_HC_RING_NOTIFY, &nt, sizeof(nt), NULL), -PV_EINVAL);
	for (size_t i = 0; i < sizeof(rs) / sizeof(rs[0]); i++)
		CHECK_EQ(call(PV_HC_RING_SETUP, &rs[i], sizeof(rs[i]), NULL), want[i]);
	done();
}

TEST(pv_blk_event_only_when_asked)
{
	struct pv_blk_req rq = { 1, PV_BLK_READ, 512, 0, PVT_BUF };
	uint64_t word;

	CHECK(boot_with_disk(false) == 0);
	CHECK_EQ(setup_ring(), 0);
	CHECK_EQ(submit(&rq, 1, 1), 0); /* rsp_event 0: no event wanted */
	gmem_read_u64(&t.vm->mem, PV_SHARED_GPA, &word);
	CHECK_EQ(word, 0);
	gmem_write_u32(&t.vm->mem, RING + 12, 2); /* wake me for response 2 */
	CHECK_EQ(submit(&rq, 1, 2), 0);
	gmem_read_u64(&t.vm->mem, PV_SHARED_GPA, &word);
	CHECK_EQ(word, PV_EVENT_DEVICE(0));
	done();
}

TEST(pv_blk_attachment_follows_the_manifest)
{
	static const struct pvt_dev devs[] = { { PV_DEV_BLOCK, "data" } };
	size_t len = pvt_image(img, devs, 1);

	CHECK(make_disk() == 0);
	CHECK(pvt_init(&t) == 0); /* declared, not attached */
	CHECK(pvt_load(&t, img, len) < 0);
	CHECK(strstr(t.err.msg, "attach it with --disk data="));
	pvt_fini(&t);
	CHECK(pvt_init(&t) == 0); /* attached under an undeclared name */
	t.vm->cfg.disk[0] = (struct disk_config){ .path = disk_path, .name = "logs", .readonly = false };
	t.vm->cfg.nr_disks = 1;
	CHECK(pvt_load(&t, img, len) < 0);
	CHECK(strstr(t.err.msg, "no block device named 'logs'"));
	pvt_fini(&t);
	CHECK(pvt_init(&t) == 0); /* no name at all */
	t.vm->cfg.disk[0] = (struct disk_config){ .path = disk_path, .name = NULL, .readonly = false };
	t.vm->cfg.nr_disks = 1;
	CHECK(pvt_load(&t, img, len) < 0);
	CHECK(strstr(t.err.msg, "NAME=PATH"));
	pvt_fini(&t);
	CHECK(pvt_init(&t) == 0); /* a file that is not there */
	t.vm->cfg.disk[0] = (struct disk_config){ .path = "/nonexistent/x.img", .name = "data", .readonly = false };
	t.vm->cfg.nr_disks = 1;
	CHECK(pvt_load(&t, img, len) < 0);
	CHECK(!strcmp(t.err.msg, "--disk data=/nonexistent/x.img: cannot open: No such file or directory"));
	pvt_fini(&t);
	CHECK(pvt_init(&t) == 0); /* a net device the image does not declare */
	t.vm->cfg.net[0] = (struct net_config){ .kind = NET_TAP, .ifname = "pvt0", .name = "lan" };
	t.vm->cfg.nr_nets = 1;
	CHECK(pvt_load(&t, img, len) < 0);
	CHECK(strstr(t.err.msg, "no net device named 'lan'"));
	pvt_fini(&t);
	{
		static const struct pvt_dev net[] = { { PV_DEV_NET, "lan" } };

		len = pvt_image(img, net, 1);
	}
	CHECK(pvt_init(&t) == 0); /* a declared net device on user-mode networking */
	t.vm->cfg.net[0] = (struct net_config){ .kind = NET_USER, .name = "lan" };
	t.vm->cfg.nr_nets = 1;
	CHECK(pvt_load(&t, img, len) == 0);
	CHECK_EQ(t.pv->dev[0].type, PV_DEV_NET);
	CHECK(t.pv->dev[0].nb != NULL);
	done();
}
