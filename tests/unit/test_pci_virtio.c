/* The virtio-pci transport: capability layout, negotiation, a queue round
 * trip, INTx through the ISR and MSI-X vectors, driven as a guest would. */
#include <string.h>

#include "../harness.h"
#include "pci/msix.h"
#include "test_pci_vm.h"
#include "virtio/pci.h"
#include "virtio/transport.h"

static uint8_t vp_config[6] = { 0xa, 0xb, 0xc, 0xd, 0xe, 0xf };

/* Copies each chain's readable bytes into its writable part. */
static void vp_notify(struct virtio_dev *d, unsigned q)
{
	static struct virtq_chain c;
	uint8_t buf[256];

	while (virtq_pop(&d->vq[q], &c) == 1) {
		size_t n = virtq_copy_from(&c, 0, buf, sizeof(buf));

		virtq_push(&d->vq[q], &c, (uint32_t)virtq_copy_to(&c, 0, buf, n));
	}
	virtio_used(d, q);
}

static const struct virtio_dev_ops vp_ops = { .notify = vp_notify };

struct vpt {
	struct testvm t;
	struct virtio_dev d;
	unsigned devfn;
	uint64_t bar;
	unsigned cap[5]; /* config offset of each cfg_type's capability */
	unsigned msix_cap;
};

static int vpt_init(struct vpt *v)
{
	struct gerr err;

	memset(v, 0, sizeof(*v));
	if (testvm_init(&v->t, 1 << 20, "hvm-pv") < 0)
		return -1;
	strcpy(v->d.name, "virtio-test");
	v->d.device_id = VIRTIO_ID_RNG;
	v->d.nr_queues = 2;
	v->d.config = vp_config;
	v->d.config_len = sizeof(vp_config);
	v->d.ops = &vp_ops;
	if (virtio_attach(&v->t.vm, &v->d, &err) < 0)
		return -1;
	v->devfn = PCI_DEVFN(1, 0);
	v->bar = (testvm_cfg_read(&v->t, v->devfn, PCI_BAR0 + 16, 4) & ~0xfu) |
		 (uint64_t)testvm_cfg_read(&v->t, v->devfn, PCI_BAR0 + 20, 4) << 32;
	return 0;
}

static void vpt_destroy(struct vpt *v)
{
	virtio_detach(&v->d);
	testvm_destroy(&v->t);
}

static uint64_t crd(struct vpt *v, unsigned off, unsigned len)
{
	return testvm_mmio_read(&v->t, v->bar + off, len);
}

static void cwr(struct vpt *v, unsigned off, unsigned len, uint64_t val)
{
	testvm_mmio_write(&v->t, v->bar + off, len, val);
}

TEST(pci_virtio_capability_layout)
{
	struct vpt v;
	unsigned c, n = 0;

	CHECK(vpt_init(&v) == 0);
	CHECK_EQ(testvm_cfg_read(&v.t, v.devfn, 0, 4), 0x1044u << 16 | 0x1af4);
	CHECK_EQ(testvm_cfg_read(&v.t, v.devfn, PCI_REVISION, 1), 1);
	CHECK_EQ(testvm_cfg_read(&v.t, v.devfn, PCI_SUBSYS_ID, 2), 0x40);
	CHECK(testvm_cfg_read(&v.t, v.devfn, PCI_STATUS, 2) & PCI_STATUS_CAPS);
	CHECK(v.bar >= PCI_MMIO_BASE);
	for (c = testvm_cfg_read(&v.t, v.devfn, PCI_CAP_PTR, 1); c && n < 16;
	     c = testvm_cfg_read(&v.t, v.devfn, c + 1, 1), n++) {
		unsigned id = testvm_cfg_read(&v.t, v.devfn, c, 1);

		CHECK(c >= 0x40 && !(c & 3));
		if (id == PCI_CAP_ID_MSIX) {
			v.msix_cap = c;
			continue;
		}
		CHECK_EQ(id, PCI_CAP_ID_VENDOR);
		unsigned type = testvm_cfg_read(&v.t, v.devfn, c + 3, 1);

		CHECK(type >= 1 && type <= 4);
		v.cap[type] = c;
		CHECK_EQ(testvm_cfg_read(&v.t, v.devfn, c + 4, 1), VIRTIO_PCI_BAR);
		CHECK_EQ(testvm_cfg_read(&v.t, v.devfn, c + 2, 1), type == 2 ? 20 : 16);
	}
	CHECK_EQ(n, 5);
	CHECK(v.msix_cap);
	CHECK_EQ(testvm_cfg_read(&v.t, v.devfn, v.msix_cap + 2, 2), 2); /* 3 vectors */
	CHECK_EQ(testvm_cfg_read(&v.t, v.devfn, v.cap[1] + 8, 4), VIRTIO_PCI_COMMON_OFF);
	CHECK(testvm_cfg_read(&v.t, v.devfn, v.cap[1] + 12, 4) >= VPCI_COMMON_SIZE);
	CHECK_EQ(testvm_cfg_read(&v.t, v.devfn, v.cap[3] + 8, 4), VIRTIO_PCI_ISR_OFF);
	CHECK_EQ(testvm_cfg_read(&v.t, v.devfn, v.cap[4] + 8, 4), VIRTIO_PCI_DEVICE_OFF);
	CHECK_EQ(testvm_cfg_read(&v.t, v.devfn, v.cap[4] + 12, 4), sizeof(vp_config));
	CHECK_EQ(testvm_cfg_read(&v.t, v.devfn, v.cap[2] + 8, 4), VIRTIO_PCI_NOTIFY_OFF);
	CHECK_EQ(testvm_cfg_read(&v.t, v.devfn, v.cap[2] + 16, 4), VIRTIO_PCI_NOTIFY_MULT);
	/* Device config through the BAR. */
	CHECK_EQ(crd(&v, VIRTIO_PCI_DEVICE_OFF + 2, 2), 0x0d0c);
	CHECK_EQ(crd(&v, VIRTIO_PCI_DEVICE_OFF + 6, 2), 0);
	CHECK_EQ(crd(&v, VPCI_NUM_QUEUES, 2), 2);
	vpt_destroy(&v);
}

/* Negotiates VERSION_1 and sets queue 0 up at 0x10000 (8 entries). */
static int vpt_setup_queue(struct vpt *v)
{
	cwr(v, VPCI_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	cwr(v, VPCI_DFSELECT, 4, 1);
	if (!(crd(v, VPCI_DF, 4) & 1))
		return -1;
	cwr(v, VPCI_GFSELECT, 4, 1);
	cwr(v, VPCI_GF, 4, 1);
	cwr(v, VPCI_GFSELECT, 4, 0);
	cwr(v, VPCI_GF, 4, 0);
	cwr(v, VPCI_STATUS, 1, 0x0b);
	if (!(crd(v, VPCI_STATUS, 1) & VIRTIO_STATUS_FEATURES_OK))
		return -1;
	cwr(v, VPCI_Q_SELECT, 2, 0);
	if (crd(v, VPCI_Q_SIZE, 2) != VIRTQ_MAX_SIZE || crd(v, VPCI_Q_NOFF, 2) != 0)
		return -1;
	cwr(v, VPCI_Q_SIZE, 2, 8);
	cwr(v, VPCI_Q_DESC, 4, 0x10000);
	cwr(v, VPCI_Q_DESC + 4, 4, 0);
	cwr(v, VPCI_Q_DRIVER, 8, 0x11000);
	cwr(v, VPCI_Q_DEVICE, 4, 0x12000);
	cwr(v, VPCI_Q_DEVICE + 4, 4, 0);
	cwr(v, VPCI_Q_ENABLE, 2, 1);
	cwr(v, VPCI_STATUS, 1, 0x0f);
	return crd(v, VPCI_Q_ENABLE, 2) == 1 && crd(v, VPCI_Q_DRIVER, 8) == 0x11000 ? 0 : -1;
}

/* Puts chain n (readable "hi!" + 16 writable bytes) on the avail ring. */
static void vpt_post(struct vpt *v, uint16_t n)
{
	struct guest_mem *m = &v->t.vm.mem;
	uint16_t d0 = (uint16_t)(2 * (n % 4)), d1 = (uint16_t)(d0 + 1);

	gmem_write(m, 0x20000, "hi!", 3);
	gmem_write_u64(m, 0x10000 + 16 * d0, 0x20000);
	gmem_write_u32(m, 0x10000 + 16 * d0 + 8, 3);
	gmem_write_u16(m, 0x10000 + 16 * d0 + 12, VIRTQ_DESC_F_NEXT);
	gmem_write_u16(m, 0x10000 + 16 * d0 + 14, d1);
	gmem_write_u64(m, 0x10000 + 16 * d1, 0x21000);
	gmem_write_u32(m, 0x10000 + 16 * d1 + 8, 16);
	gmem_write_u16(m, 0x10000 + 16 * d1 + 12, VIRTQ_DESC_F_WRITE);
	gmem_write_u16(m, 0x11000 + 4 + 2 * (n % 8), d0);
	gmem_write_u16(m, 0x11000 + 2, (uint16_t)(n + 1));
}

TEST(pci_virtio_queue_roundtrip_intx_and_msix)
{
	struct vpt v;
	uint16_t used = 0;
	uint32_t len = 0;
	char out[4] = { 0 };
	unsigned line, tbl;

	CHECK(vpt_init(&v) == 0);
	CHECK(vpt_setup_queue(&v) == 0);
	line = testvm_cfg_read(&v.t, v.devfn, PCI_INTERRUPT_LINE, 1);
	/* MSI-X off: the used buffer raises INTx until the ISR is read. */
	vpt_post(&v, 0);
	cwr(&v, VIRTIO_PCI_NOTIFY_OFF, 2, 0);
	gmem_read_u16(&v.t.vm.mem, 0x12002, &used);
	gmem_read_u32(&v.t.vm.mem, 0x12008, &len);
	gmem_read(&v.t.vm.mem, 0x21000, out, 3);
	CHECK_EQ(used, 1);
	CHECK_EQ(len, 3);
	CHECK(!strcmp(out, "hi!"));
	CHECK_EQ(testvm_irq_level[line], 1);
	CHECK_EQ(crd(&v, VIRTIO_PCI_ISR_OFF, 1), VIRTIO_INT_USED);
	CHECK_EQ(testvm_irq_level[line], 0);
	CHECK_EQ(crd(&v, VIRTIO_PCI_ISR_OFF, 1), 0);
	/* Vectors: in range kept, out of range refused (NO_VECTOR). */
	cwr(&v, VPCI_MSIX_CONFIG, 2, 7);
	CHECK_EQ(crd(&v, VPCI_MSIX_CONFIG, 2), VIRTIO_PCI_NO_VECTOR);
	cwr(&v, VPCI_MSIX_CONFIG, 2, 0);
	CHECK_EQ(crd(&v, VPCI_MSIX_CONFIG, 2), 0);
	cwr(&v, VPCI_Q_MSIX, 2, 1);
	CHECK_EQ(crd(&v, VPCI_Q_MSIX, 2), 1);
	/* MSI-X on, entry 1 programmed and unmasked: the next one is an MSI. */
	testvm_cfg_write(&v.t, v.devfn, PCI_CAP_PTR, 1, 0); /* read-only */
	tbl = testvm_cfg_read(&v.t, v.devfn, PCI_CAP_PTR, 1); /* MSI-X is first */
	CHECK_EQ(testvm_cfg_read(&v.t, v.devfn, tbl, 1), PCI_CAP_ID_MSIX);
	testvm_cfg_write(&v.t, v.devfn, tbl + 2, 2, PCI_MSIX_CTRL_ENABLE);
	{
		uint64_t mt = testvm_cfg_read(&v.t, v.devfn, PCI_BAR0 + 4, 4) & ~0xfu;

		testvm_mmio_write(&v.t, mt + 16, 4, 0xfee00000);
		testvm_mmio_write(&v.t, mt + 24, 4, 0x31);
		testvm_mmio_write(&v.t, mt + 28, 4, 0);
	}
	vpt_post(&v, 1);
	cwr(&v, VIRTIO_PCI_NOTIFY_OFF, 2, 0);
	CHECK_EQ(testvm_nr_msi, 1);
	CHECK_EQ(testvm_msi_data, 0x31);
	CHECK_EQ(testvm_irq_level[line], 0);
	/* Notifications for queues that do not exist are ignored. */
	cwr(&v, VIRTIO_PCI_NOTIFY_OFF + 4 * 9, 2, 9);
	/* Odd widths on the common config are ignored, not misparsed. */
	cwr(&v, VPCI_Q_SELECT, 1, 1);
	CHECK_EQ(crd(&v, VPCI_Q_SELECT, 2), 0);
	CHECK_EQ(crd(&v, VPCI_DF, 2), 0);
	/* A live queue's addresses cannot change. */
	cwr(&v, VPCI_Q_DESC, 4, 0x50000);
	CHECK_EQ(crd(&v, VPCI_Q_DESC, 4), 0x10000);
	/* Reset: status 0, vectors unassigned, queues off. */
	cwr(&v, VPCI_STATUS, 1, 0);
	CHECK_EQ(crd(&v, VPCI_STATUS, 1), 0);
	CHECK_EQ(crd(&v, VPCI_MSIX_CONFIG, 2), VIRTIO_PCI_NO_VECTOR);
	CHECK_EQ(crd(&v, VPCI_Q_ENABLE, 2), 0);
	vpt_destroy(&v);
}

TEST(pci_virtio_hostile_queue_needs_reset)
{
	struct vpt v;

	CHECK(vpt_init(&v) == 0);
	cwr(&v, VPCI_STATUS, 1, 3);
	cwr(&v, VPCI_GFSELECT, 4, 1);
	cwr(&v, VPCI_GF, 4, 1);
	cwr(&v, VPCI_STATUS, 1, 0x0b);
	/* Rings outside guest RAM. */
	cwr(&v, VPCI_Q_SIZE, 2, 8);
	cwr(&v, VPCI_Q_DESC, 8, 0xfffffffff000ull);
	cwr(&v, VPCI_Q_DRIVER, 8, 0x11000);
	cwr(&v, VPCI_Q_DEVICE, 8, 0x12000);
	cwr(&v, VPCI_Q_ENABLE, 2, 1);
	cwr(&v, VPCI_STATUS, 1, 0x0f);
	CHECK(crd(&v, VPCI_STATUS, 1) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	cwr(&v, VIRTIO_PCI_NOTIFY_OFF, 2, 0);
	CHECK(vm_should_stop(&v.t.vm) == false);
	vpt_destroy(&v);
}
