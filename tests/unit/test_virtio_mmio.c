/* The virtio-mmio transport, driven the way a guest driver drives it,
 * with a small echo device behind it (copies each chain's readable bytes
 * into its writable part). */
#include "../harness.h"
#include "test_virtio_fixture.h"

static uint8_t echo_config[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static int echo_resets, echo_starts;

static void echo_notify(struct virtio_dev *d, unsigned q)
{
	static struct virtq_chain c;
	uint8_t buf[256];

	while (virtq_pop(&d->vq[q], &c) == 1) {
		size_t n = virtq_copy_from(&c, 0, buf, sizeof(buf));

		virtq_push(&d->vq[q], &c, (uint32_t)virtq_copy_to(&c, 0, buf, n));
	}
	virtio_used(d, q);
}

static void echo_reset(struct virtio_dev *d)
{
	(void)d;
	echo_resets++;
}

static void echo_start(struct virtio_dev *d)
{
	(void)d;
	echo_starts++;
}

static const struct virtio_dev_ops echo_ops = {
	.notify = echo_notify,
	.reset = echo_reset,
	.start = echo_start,
};

static int echo_attach(struct vm *vm, struct virtio_dev *d)
{
	struct gerr err;

	memset(d, 0, sizeof(*d));
	strcpy(d->name, "echo");
	d->device_id = 0x7f;
	d->host_features = VIRTIO_BIT(5);
	d->nr_queues = 2;
	d->config = echo_config;
	d->config_len = sizeof(echo_config);
	d->ops = &echo_ops;
	echo_resets = echo_starts = 0;
	return virtio_attach(vm, d, &err);
}

TEST(virtio_mmio_identity_and_acpi)
{
	static struct vm vm;
	static struct virtio_dev d1, d2;
	uint16_t cfg16 = 0;

	CHECK(fx_vm_init(&vm, "pvh") == 0);
	CHECK(echo_attach(&vm, &d1) == 0);
	CHECK(echo_attach(&vm, &d2) == 0);
	CHECK_EQ(mm_rd(&vm, 0, 0x000), 0x74726976);
	CHECK_EQ(mm_rd(&vm, 0, 0x004), 2);
	CHECK_EQ(mm_rd(&vm, 1, 0x008), 0x7f);
	CHECK_EQ(vm.nr_mmio_desc, 2);
	CHECK(!strcmp(vm.mmio_desc[1].hid, "LNRO0005"));
	CHECK_EQ(vm.mmio_desc[1].base, LAYOUT_VIRTIO_MMIO_BASE + LAYOUT_VIRTIO_MMIO_SIZE);
	CHECK_EQ(vm.mmio_desc[1].gsi, LAYOUT_IRQ_VIRTIO_BASE + 1);
	/* Features: device bit 5 plus the ring bits and VERSION_1. */
	mm_wr(&vm, 0, 0x14, 0);
	CHECK_EQ(mm_rd(&vm, 0, 0x10), (1u << 5) | (1u << 28) | (1u << 29));
	mm_wr(&vm, 0, 0x14, 1);
	CHECK_EQ(mm_rd(&vm, 0, 0x10), 1);
	mm_wr(&vm, 0, 0x30, 0);
	CHECK_EQ(mm_rd(&vm, 0, 0x34), VIRTQ_MAX_SIZE);
	mm_wr(&vm, 0, 0x30, 2); /* no third queue */
	CHECK_EQ(mm_rd(&vm, 0, 0x34), 0);
	/* Config space at 0x100, any width; outside it reads zero. */
	bus_access(&vm.mmio, LAYOUT_VIRTIO_MMIO_BASE + 0x102, &cfg16, 2, false, 0);
	CHECK_EQ(cfg16, 0x0403);
	bus_access(&vm.mmio, LAYOUT_VIRTIO_MMIO_BASE + 0x107, &cfg16, 2, false, 0);
	CHECK_EQ(cfg16, 0);
	/* Config writes to a device without config_write are dropped. */
	cfg16 = 0xffff;
	bus_access(&vm.mmio, LAYOUT_VIRTIO_MMIO_BASE + 0x100, &cfg16, 2, true, 0);
	CHECK_EQ(echo_config[0], 1);
	virtio_detach(&d1);
	virtio_detach(&d2);
	CHECK_EQ(mm_rd(&vm, 0, 0x000), 0xffffffff); /* unregistered */
	fx_vm_done(&vm);
}

TEST(virtio_mmio_refuses_legacy_and_unknown_features)
{
	static struct vm vm;
	static struct virtio_dev d;

	CHECK(fx_vm_init(&vm, "pvh") == 0);
	CHECK(echo_attach(&vm, &d) == 0);
	/* No VERSION_1: FEATURES_OK does not stick. */
	CHECK(!(mm_negotiate(&vm, 0, 0xffffffffull) & VIRTIO_STATUS_FEATURES_OK));
	/* A bit the device never offered. */
	mm_wr(&vm, 0, 0x70, 0);
	mm_wr(&vm, 0, 0x24, 0);
	mm_wr(&vm, 0, 0x20, 1u << 7);
	mm_wr(&vm, 0, 0x24, 1);
	mm_wr(&vm, 0, 0x20, 1);
	mm_wr(&vm, 0, 0x70, VIRTIO_STATUS_FEATURES_OK);
	CHECK(!(mm_rd(&vm, 0, 0x70) & VIRTIO_STATUS_FEATURES_OK));
	/* The full set is accepted. */
	CHECK(mm_negotiate(&vm, 0, ~0ull) & VIRTIO_STATUS_FEATURES_OK);
	CHECK(virtio_has(&d, 5) && virtio_has(&d, VIRTIO_F_VERSION_1));
	virtio_detach(&d);
	fx_vm_done(&vm);
}

TEST(virtio_mmio_queue_roundtrip_and_interrupt)
{
	static struct vm vm;
	static struct virtio_dev d;
	struct test_ring r;
	struct virtq scratch;
	unsigned line = LAYOUT_IRQ_VIRTIO_BASE;
	uint32_t id, len;
	char out[6] = "";

	CHECK(fx_vm_init(&vm, "pvh") == 0);
	CHECK(echo_attach(&vm, &d) == 0);
	CHECK(mm_negotiate(&vm, 0, ~0ull & ~VIRTIO_BIT(VIRTIO_F_RING_EVENT_IDX)) &
	      VIRTIO_STATUS_FEATURES_OK);
	tr_init(&r, &vm.mem, &scratch, 16);
	mm_queue(&vm, 0, 1, 16, TR_DESC, TR_AVAIL, TR_USED);
	CHECK_EQ(mm_rd(&vm, 0, 0x44), 1);
	mm_driver_ok(&vm, 0);
	CHECK_EQ(echo_starts, 1);
	/* Queue registers of a live queue are not changed. */
	mm_wr(&vm, 0, 0x38, 4);
	CHECK_EQ(d.vq[1].size, 16);
	gmem_write(&vm.mem, TR_BUF, "hello", 5);
	tr_desc(&r, 0, TR_BUF, 5, VIRTQ_DESC_F_NEXT, 1);
	tr_desc(&r, 1, TR_BUF + 0x100, 8, VIRTQ_DESC_F_WRITE, 0);
	tr_avail(&r, 0);
	CHECK_EQ(fx_line[line], 0);
	mm_wr(&vm, 0, 0x50, 1); /* QueueNotify */
	CHECK_EQ(tr_used_idx(&r), 1);
	tr_used(&r, 0, &id, &len);
	CHECK_EQ(id, 0);
	CHECK_EQ(len, 5);
	gmem_read(&vm.mem, TR_BUF + 0x100, out, 5);
	CHECK(!memcmp(out, "hello", 5));
	/* Level-triggered: high until the driver acknowledges. */
	CHECK_EQ(mm_rd(&vm, 0, 0x60), VIRTIO_INT_USED);
	CHECK_EQ(fx_line[line], 1);
	mm_wr(&vm, 0, 0x64, VIRTIO_INT_USED);
	CHECK_EQ(mm_rd(&vm, 0, 0x60), 0);
	CHECK_EQ(fx_line[line], 0);
	/* Notify of a queue that does not exist is ignored. */
	mm_wr(&vm, 0, 0x50, 9);
	/* Reset clears everything and the device hears of it. */
	mm_wr(&vm, 0, 0x70, 0);
	CHECK_EQ(mm_rd(&vm, 0, 0x70), 0);
	CHECK_EQ(echo_resets, 2); /* mm_negotiate reset once too */
	mm_wr(&vm, 0, 0x30, 1);
	CHECK_EQ(mm_rd(&vm, 0, 0x44), 0);
	virtio_detach(&d);
	fx_vm_done(&vm);
}

TEST(virtio_mmio_broken_queue_sets_needs_reset)
{
	static struct vm vm;
	static struct virtio_dev d;
	struct test_ring r;
	struct virtq scratch;
	unsigned line = LAYOUT_IRQ_VIRTIO_BASE;

	CHECK(fx_vm_init(&vm, "pvh") == 0);
	CHECK(echo_attach(&vm, &d) == 0);
	CHECK(mm_negotiate(&vm, 0, ~0ull) & VIRTIO_STATUS_FEATURES_OK);
	tr_init(&r, &vm.mem, &scratch, 16);
	mm_queue(&vm, 0, 0, 16, TR_DESC, TR_AVAIL, TR_USED);
	mm_driver_ok(&vm, 0);
	tr_desc(&r, 0, TR_BUF, 5, VIRTQ_DESC_F_NEXT, 0); /* loops on itself */
	tr_avail(&r, 0);
	mm_wr(&vm, 0, 0x50, 0);
	CHECK(mm_rd(&vm, 0, 0x70) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	CHECK(mm_rd(&vm, 0, 0x60) & VIRTIO_INT_CONFIG);
	CHECK_EQ(fx_line[line], 1);
	CHECK(strstr(d.why, "loop") != NULL);
	CHECK_EQ(tr_used_idx(&r), 0);
	/* The driver cannot clear NEEDS_RESET except by a reset. */
	mm_driver_ok(&vm, 0);
	CHECK(mm_rd(&vm, 0, 0x70) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	mm_wr(&vm, 0, 0x70, 0);
	CHECK_EQ(mm_rd(&vm, 0, 0x70), 0);
	CHECK_EQ(fx_line[line], 0);
	/* A ring placed outside RAM breaks the queue at QueueReady. */
	CHECK(mm_negotiate(&vm, 0, ~0ull) & VIRTIO_STATUS_FEATURES_OK);
	mm_driver_ok(&vm, 0);
	mm_queue(&vm, 0, 0, 16, 0xfee00000ull, TR_AVAIL, TR_USED);
	CHECK(mm_rd(&vm, 0, 0x70) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	virtio_detach(&d);
	fx_vm_done(&vm);
}

TEST(virtio_mmio_odd_accesses_are_harmless)
{
	static struct vm vm;
	static struct virtio_dev d;
	uint8_t b = 0xaa;
	uint64_t q = ~0ull;

	CHECK(fx_vm_init(&vm, "pvh") == 0);
	CHECK(echo_attach(&vm, &d) == 0);
	/* Sub-word register accesses read zero and write nothing. */
	bus_access(&vm.mmio, LAYOUT_VIRTIO_MMIO_BASE + 0x70, &b, 1, true, 0);
	CHECK_EQ(mm_rd(&vm, 0, 0x70), 0);
	bus_access(&vm.mmio, LAYOUT_VIRTIO_MMIO_BASE + 0x1, &b, 1, false, 0);
	CHECK_EQ(b, 0);
	bus_access(&vm.mmio, LAYOUT_VIRTIO_MMIO_BASE + 0x0, &q, 8, false, 0);
	CHECK_EQ(q, 0);
	/* Config reads that run past the end of the window. */
	bus_access(&vm.mmio, LAYOUT_VIRTIO_MMIO_BASE + 0xffc, &q, 8, false, 0);
	/* Huge QueueNum breaks the queue instead of being trusted. */
	CHECK(mm_negotiate(&vm, 0, ~0ull) & VIRTIO_STATUS_FEATURES_OK);
	mm_driver_ok(&vm, 0);
	mm_queue(&vm, 0, 0, 0xffff, TR_DESC, TR_AVAIL, TR_USED);
	CHECK(mm_rd(&vm, 0, 0x70) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	virtio_detach(&d);
	fx_vm_done(&vm);
}

/* virtio-pci itself is tested in test_pci_virtio.c; without a PCI bus
 * (this bare vm has none) attaching fails with a message. */
TEST(virtio_pci_transport_needs_a_pci_bus)
{
	static struct vm vm;
	static struct virtio_dev d;
	struct gerr err;

	CHECK(fx_vm_init(&vm, "hvm-pv") == 0);
	CHECK(vm.cfg.mode && vm.cfg.mode->io == IO_VIRTIO_PCI);
	memset(&d, 0, sizeof(d));
	strcpy(d.name, "echo");
	d.nr_queues = 1;
	d.ops = &echo_ops;
	CHECK(virtio_attach(&vm, &d, &err) == -1);
	CHECK(strstr(err.msg, "needs a PC platform") != NULL);
	fx_vm_done(&vm);
}

TEST(virtio_mmio_slots_share_lines_wired_or)
{
	static struct vm vm;
	static struct virtio_dev d[10];
	unsigned line = LAYOUT_IRQ_VIRTIO_BASE;

	CHECK(fx_vm_init(&vm, "pvh") == 0);
	for (int i = 0; i < 10; i++)
		CHECK(echo_attach(&vm, &d[i]) == 0);
	/* Lines 16-23 only: the ninth device shares the first one's. */
	CHECK_EQ(vm.mmio_desc[7].gsi, line + 7);
	CHECK_EQ(vm.mmio_desc[8].gsi, line);
	CHECK_EQ(vm.mmio_desc[9].gsi, line + 1);
	virtio_config_changed(&d[0]);
	virtio_config_changed(&d[8]);
	CHECK_EQ(fx_line[line], 1);
	mm_wr(&vm, 0, 0x64, VIRTIO_INT_CONFIG);
	CHECK_EQ(fx_line[line], 1); /* slot 8 still asserts it */
	mm_wr(&vm, 8, 0x64, VIRTIO_INT_CONFIG);
	CHECK_EQ(fx_line[line], 0);
	/* A detached device lets go of the line. */
	virtio_config_changed(&d[9]);
	CHECK_EQ(fx_line[line + 1], 1);
	virtio_detach(&d[9]);
	CHECK_EQ(fx_line[line + 1], 0);
	for (int i = 0; i < 9; i++)
		virtio_detach(&d[i]);
	fx_vm_done(&vm);
}

/* A backend with an ioeventfd fast path, as KVM has: it records what the
 * transport registered, and the test signals the eventfd the way KVM
 * would on the guest's QueueNotify write. */
struct ioev_reg {
	uint64_t addr, datamatch;
	unsigned len;
	int fd;
};
static struct ioev_reg ioev[4];
static unsigned nr_ioev;

static int ioev_register(struct vm *vm, uint64_t addr, unsigned len,
			 uint64_t datamatch, int fd, struct gerr *err)
{
	(void)vm;
	(void)err;
	if (nr_ioev < 4)
		ioev[nr_ioev++] = (struct ioev_reg){ addr, datamatch, len, fd };
	return 0;
}

static const struct cpu_backend ioev_backend = {
	.name = "test-ioeventfd",
	.irq_set = fx_irq_set,
	.ioeventfd = ioev_register,
};

static struct test_ring ioev_ring;

static bool ioev_used(void *opaque)
{
	(void)opaque;
	return tr_used_idx(&ioev_ring) >= 1;
}

TEST(virtio_mmio_ioeventfd_kick_reaches_device)
{
	static struct vm vm;
	static struct virtio_dev d;
	struct virtq scratch;
	uint64_t one = 1;

	CHECK(fx_vm_init(&vm, "pvh") == 0);
	vm.backend = &ioev_backend;
	nr_ioev = 0;
	CHECK(echo_attach(&vm, &d) == 0);
	CHECK_EQ(nr_ioev, 2);
	CHECK_EQ(ioev[1].addr, LAYOUT_VIRTIO_MMIO_BASE + 0x50);
	CHECK_EQ(ioev[1].len, 4);
	CHECK_EQ(ioev[1].datamatch, 1);
	CHECK(mm_negotiate(&vm, 0, ~0ull) & VIRTIO_STATUS_FEATURES_OK);
	tr_init(&ioev_ring, &vm.mem, &scratch, 8);
	mm_queue(&vm, 0, 1, 8, TR_DESC, TR_AVAIL, TR_USED);
	mm_driver_ok(&vm, 0);
	tr_desc(&ioev_ring, 0, TR_BUF, 8, VIRTQ_DESC_F_WRITE, 0);
	tr_avail(&ioev_ring, 0);
	CHECK(write(ioev[1].fd, &one, sizeof(one)) == sizeof(one));
	fx_run_until(&vm, ioev_used, NULL, 2000);
	CHECK_EQ(tr_used_idx(&ioev_ring), 1);
	virtio_detach(&d);
	fx_vm_done(&vm);
}
