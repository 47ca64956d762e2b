/* PCI host bridge, config space, BAR sizing/moving, INTx and MSI-X. */
#include <string.h>

#include "../harness.h"
#include "pci/msix.h"
#include "test_pci_vm.h"

static int hits;
static uint64_t hit_off;

static void bar_io(void *opaque, uint64_t off, void *data, unsigned len,
		   bool is_write, int cpu)
{
	(void)opaque;
	(void)cpu;
	hits++;
	hit_off = off;
	if (!is_write)
		memset(data, 0x5a, len);
}

static int add_test_dev(struct testvm *t, struct pci_dev *d, int devfn)
{
	struct gerr err;

	pci_dev_init(d, "testdev", 0x1234, 0x5678, 0x020000, 1, 1);
	if (pci_bar_add(d, 0, PCI_BAR_MEM32, 0x1000, bar_io, d, &err) < 0 ||
	    pci_bar_add(d, 1, PCI_BAR_IO, 0x20, bar_io, d, &err) < 0 ||
	    pci_bar_add(d, 2, PCI_BAR_MEM64, 0x10000, bar_io, d, &err) < 0)
		return -1;
	return pci_register(t->pci, d, devfn, &err);
}

TEST(pci_host_bridge_ids)
{
	struct testvm t;

	CHECK(testvm_init(&t, 1 << 20, "hvm") == 0);
	CHECK_EQ(testvm_cfg_read(&t, 0, 0, 4), 0x12378086);
	CHECK_EQ(testvm_cfg_read(&t, 0, 0x0a, 2), 0x0600);
	CHECK_EQ(testvm_cfg_read(&t, 0, 2, 2), 0x1237);
	/* An empty slot, a non-zero bus and a disabled address read all ones. */
	CHECK_EQ(testvm_cfg_read(&t, PCI_DEVFN(7, 0), 0, 4), 0xffffffff);
	testvm_out(&t, PCI_PORT_ADDR, 4, 0x80010000u);
	CHECK_EQ(testvm_in(&t, PCI_PORT_DATA, 4), 0xffffffff);
	testvm_out(&t, PCI_PORT_ADDR, 4, 0x00000000u);
	CHECK_EQ(testvm_in(&t, PCI_PORT_DATA, 4), 0xffffffff);
	/* The address latch reads back. */
	testvm_out(&t, PCI_PORT_ADDR, 4, 0x80000804u);
	CHECK_EQ(testvm_in(&t, PCI_PORT_ADDR, 4), 0x80000804u);
	/* Read-only ids ignore writes. */
	testvm_cfg_write(&t, 0, 0, 4, 0);
	CHECK_EQ(testvm_cfg_read(&t, 0, 0, 4), 0x12378086);
	testvm_destroy(&t);
}

TEST(pci_bar_assignment_and_decode)
{
	struct testvm t;
	struct pci_dev d;
	uint64_t m0, m2;
	uint32_t io;

	CHECK(testvm_init(&t, 1 << 20, "hvm") == 0);
	CHECK(add_test_dev(&t, &d, PCI_DEVFN(3, 0)) == 0);
	m0 = pci_bar_address(&d, 0);
	io = (uint32_t)pci_bar_address(&d, 1);
	m2 = pci_bar_address(&d, 2);
	CHECK(m0 >= PCI_MMIO_BASE && m0 + 0x1000 <= PCI_MMIO_END && !(m0 & 0xfff));
	CHECK(m2 >= PCI_MMIO_BASE && !(m2 & 0xffff));
	CHECK(io >= PCI_IO_BASE && !(io & 0x1f));
	CHECK_EQ(testvm_cfg_read(&t, PCI_DEVFN(3, 0), PCI_BAR0 + 4, 4), io | 1);
	CHECK_EQ(testvm_cfg_read(&t, PCI_DEVFN(3, 0), PCI_BAR0 + 8, 4) & 0xf, 0x4);
	CHECK_EQ(testvm_cfg_read(&t, PCI_DEVFN(3, 0), PCI_COMMAND, 2) & 3, 3);
	hits = 0;
	CHECK_EQ(testvm_mmio_read(&t, m0 + 0x10, 4), 0x5a5a5a5a);
	CHECK_EQ(hit_off, 0x10);
	CHECK_EQ(testvm_in(&t, (uint16_t)(io + 4), 2), 0x5a5a);
	CHECK_EQ(testvm_mmio_read(&t, m2 + 0xfff0, 8), 0x5a5a5a5a5a5a5a5aull);
	CHECK_EQ(hits, 3);
	/* Decoding off: the BARs vanish from the buses. */
	testvm_cfg_write(&t, PCI_DEVFN(3, 0), PCI_COMMAND, 2, 0);
	CHECK_EQ(testvm_mmio_read(&t, m0, 4), 0xffffffff);
	CHECK_EQ(testvm_in(&t, (uint16_t)io, 4), 0xffffffff);
	CHECK_EQ(hits, 3);
	testvm_destroy(&t);
}

TEST(pci_bar_sizing_all_ones_and_odd_values)
{
	struct testvm t;
	struct pci_dev d;
	unsigned f = PCI_DEVFN(3, 0);
	uint64_t m0;

	CHECK(testvm_init(&t, 1 << 20, "hvm") == 0);
	CHECK(add_test_dev(&t, &d, (int)f) == 0);
	m0 = pci_bar_address(&d, 0);
	testvm_cfg_write(&t, f, PCI_COMMAND, 2, 0);
	testvm_cfg_write(&t, f, PCI_BAR0, 4, 0xffffffff);
	CHECK_EQ(testvm_cfg_read(&t, f, PCI_BAR0, 4), 0xfffff000);
	testvm_cfg_write(&t, f, PCI_BAR0 + 4, 4, 0xffffffff);
	CHECK_EQ(testvm_cfg_read(&t, f, PCI_BAR0 + 4, 4), 0xffffffe1);
	testvm_cfg_write(&t, f, PCI_BAR0 + 8, 4, 0xffffffff);
	testvm_cfg_write(&t, f, PCI_BAR0 + 12, 4, 0xffffffff);
	CHECK_EQ(testvm_cfg_read(&t, f, PCI_BAR0 + 8, 4), 0xffff0004);
	CHECK_EQ(testvm_cfg_read(&t, f, PCI_BAR0 + 12, 4), 0xffffffff);
	/* Unused BARs and the ROM BAR size as zero. */
	testvm_cfg_write(&t, f, PCI_BAR0 + 16, 4, 0xffffffff);
	CHECK_EQ(testvm_cfg_read(&t, f, PCI_BAR0 + 16, 4), 0);
	testvm_cfg_write(&t, f, PCI_ROM_ADDRESS, 4, 0xffffffff);
	CHECK_EQ(testvm_cfg_read(&t, f, PCI_ROM_ADDRESS, 4), 0);
	/* Odd values keep only the address bits above the size. */
	testvm_cfg_write(&t, f, PCI_BAR0, 4, 0x12345678);
	CHECK_EQ(testvm_cfg_read(&t, f, PCI_BAR0, 4), 0x12345000);
	testvm_cfg_write(&t, f, PCI_BAR0 + 4, 2, 0xc0ff);
	CHECK_EQ(testvm_cfg_read(&t, f, PCI_BAR0 + 4, 4), 0xffffc0e1);
	/* A byte write into the middle of a BAR is masked the same way. */
	testvm_cfg_write(&t, f, PCI_BAR0 + 1, 1, 0xff);
	CHECK_EQ(testvm_cfg_read(&t, f, PCI_BAR0, 4), 0x1234f000);
	/* Sizing with decode on decodes at the all-ones address, as hardware
	 * does, until the BAR is written again. */
	testvm_cfg_write(&t, f, PCI_BAR0, 4, 0xffffffff);
	testvm_cfg_write(&t, f, PCI_COMMAND, 2, 3);
	CHECK_EQ(testvm_mmio_read(&t, 0xfffff000, 4), 0x5a5a5a5a);
	/* Moving a BAR moves its mapping. */
	testvm_cfg_write(&t, f, PCI_BAR0, 4, (uint32_t)m0 + 0x100000);
	hits = 0;
	CHECK_EQ(testvm_mmio_read(&t, m0 + 0x100000, 4), 0x5a5a5a5a);
	CHECK_EQ(testvm_mmio_read(&t, m0, 4), 0xffffffff);
	CHECK_EQ(hits, 1);
	/* An I/O BAR moved to overlap the host bridge ports stays unmapped. */
	testvm_cfg_write(&t, f, PCI_BAR0 + 4, 4, 0xce0);
	CHECK_EQ(testvm_cfg_read(&t, 0, 0, 4), 0x12378086);
	testvm_destroy(&t);
}

TEST(pci_bar_add_rejects_bad_sizes)
{
	struct pci_dev d;
	struct gerr err;

	pci_dev_init(&d, "bad", 1, 2, 0, 0, 0);
	CHECK(pci_bar_add(&d, 0, PCI_BAR_MEM32, 0x1800, bar_io, NULL, &err) == -1);
	CHECK(pci_bar_add(&d, 0, PCI_BAR_IO, 2, bar_io, NULL, &err) == -1);
	CHECK(pci_bar_add(&d, 5, PCI_BAR_MEM64, 0x1000, bar_io, NULL, &err) == -1);
	CHECK(pci_bar_add(&d, 6, PCI_BAR_IO, 4, bar_io, NULL, &err) == -1);
	CHECK(pci_bar_add(&d, 0, PCI_BAR_MEM64, 0x1000, bar_io, NULL, &err) == 0);
	CHECK(pci_bar_add(&d, 1, PCI_BAR_IO, 4, bar_io, NULL, &err) == -1);
}

TEST(pci_intx_shared_line)
{
	struct testvm t;
	struct pci_dev a, b;
	unsigned line;

	CHECK(testvm_init(&t, 1 << 20, "hvm") == 0);
	/* Slots 3 and 5 with INTA share a line after the swizzle. */
	CHECK(add_test_dev(&t, &a, PCI_DEVFN(3, 0)) == 0);
	CHECK(add_test_dev(&t, &b, PCI_DEVFN(5, 0)) == 0);
	line = a.intx_line;
	CHECK_EQ(line, b.intx_line);
	CHECK_EQ(testvm_cfg_read(&t, PCI_DEVFN(3, 0), PCI_INTERRUPT_LINE, 1), line);
	CHECK_EQ(testvm_cfg_read(&t, PCI_DEVFN(3, 0), PCI_INTERRUPT_PIN, 1), 1);
	pci_irq_set(&a, true);
	pci_irq_set(&b, true);
	CHECK_EQ(testvm_irq_level[line], 1);
	CHECK(testvm_cfg_read(&t, PCI_DEVFN(3, 0), PCI_STATUS, 2) & PCI_STATUS_INTX);
	pci_irq_set(&a, false);
	CHECK_EQ(testvm_irq_level[line], 1);
	pci_irq_set(&b, false);
	CHECK_EQ(testvm_irq_level[line], 0);
	/* INTx disable in the command register silences the pin. */
	testvm_cfg_write(&t, PCI_DEVFN(3, 0), PCI_COMMAND, 2, 3 | PCI_CMD_INTX_DISABLE);
	pci_irq_set(&a, true);
	CHECK_EQ(testvm_irq_level[line], 0);
	testvm_cfg_write(&t, PCI_DEVFN(3, 0), PCI_COMMAND, 2, 3);
	CHECK_EQ(testvm_irq_level[line], 1);
	testvm_destroy(&t);
}

TEST(pci_slot_conflicts_and_reset_port)
{
	struct testvm t;
	struct pci_dev a, b;
	struct gerr err;

	CHECK(testvm_init(&t, 1 << 20, "hvm") == 0);
	CHECK(add_test_dev(&t, &a, PCI_DEVFN(3, 0)) == 0);
	pci_dev_init(&b, "b", 1, 2, 0, 0, 0);
	CHECK(pci_register(t.pci, &b, PCI_DEVFN(3, 0), &err) == -1);
	CHECK(strstr(err.msg, "taken by testdev") != NULL);
	CHECK(pci_register(t.pci, &b, -1, &err) == 0);
	CHECK_EQ(b.devfn, PCI_DEVFN(1, 0));
	testvm_out(&t, PCI_PORT_RESET, 1, 0x02);
	CHECK(!vm_should_stop(&t.vm));
	testvm_out(&t, PCI_PORT_RESET, 1, 0x06);
	CHECK_EQ(atomic_load(&t.vm.stop_reason), VM_STOP_RESET);
	testvm_destroy(&t);
}

TEST(pci_msix_capability_and_delivery)
{
	struct testvm t;
	struct pci_dev d;
	struct pci_msix m;
	struct gerr err;
	unsigned f = PCI_DEVFN(4, 0), cap;
	uint64_t tbl;

	CHECK(testvm_init(&t, 1 << 20, "hvm") == 0);
	pci_dev_init(&d, "msixdev", 0x1af4, 0x1041, 0x020000, 1, 1);
	CHECK(pci_msix_init(&d, &m, 3, 1, &err) == 0);
	CHECK(pci_register(t.pci, &d, (int)f, &err) == 0);
	CHECK(testvm_cfg_read(&t, f, PCI_STATUS, 2) & PCI_STATUS_CAPS);
	cap = testvm_cfg_read(&t, f, PCI_CAP_PTR, 1);
	CHECK_EQ(testvm_cfg_read(&t, f, cap, 1), PCI_CAP_ID_MSIX);
	CHECK_EQ(testvm_cfg_read(&t, f, cap + 2, 2), 2); /* table size - 1 */
	CHECK_EQ(testvm_cfg_read(&t, f, cap + 4, 4), 1);  /* BIR 1, offset 0 */
	CHECK_EQ(testvm_cfg_read(&t, f, cap + 8, 4), PCI_MSIX_PBA_OFFSET | 1);
	tbl = pci_bar_address(&d, 1);
	CHECK(!pci_msix_notify(&d, 0)); /* off: the caller falls back to INTx */
	testvm_cfg_write(&t, f, cap + 2, 2, PCI_MSIX_CTRL_ENABLE);
	CHECK(pci_msix_enabled(&d));
	testvm_mmio_write(&t, tbl + 16, 4, 0xfee00000);
	testvm_mmio_write(&t, tbl + 20, 4, 0);
	testvm_mmio_write(&t, tbl + 24, 4, 0x4041);
	CHECK_EQ(testvm_mmio_read(&t, tbl + 16, 8), 0xfee00000);
	/* Masked at reset: pending, then sent on unmask. */
	CHECK(pci_msix_notify(&d, 1));
	CHECK_EQ(testvm_nr_msi, 0);
	CHECK_EQ(testvm_mmio_read(&t, tbl + PCI_MSIX_PBA_OFFSET, 8), 2);
	testvm_mmio_write(&t, tbl + 28, 4, 0);
	CHECK_EQ(testvm_nr_msi, 1);
	CHECK_EQ(testvm_msi_addr, 0xfee00000);
	CHECK_EQ(testvm_msi_data, 0x4041);
	CHECK_EQ(testvm_mmio_read(&t, tbl + PCI_MSIX_PBA_OFFSET, 8), 0);
	CHECK(pci_msix_notify(&d, 1));
	CHECK_EQ(testvm_nr_msi, 2);
	/* Function mask holds it; clearing the mask releases it. */
	testvm_cfg_write(&t, f, cap + 2, 2, PCI_MSIX_CTRL_ENABLE | PCI_MSIX_CTRL_MASKALL);
	CHECK(pci_msix_notify(&d, 1));
	CHECK_EQ(testvm_nr_msi, 2);
	testvm_cfg_write(&t, f, cap + 2, 2, PCI_MSIX_CTRL_ENABLE);
	CHECK_EQ(testvm_nr_msi, 3);
	/* Out-of-range vectors and table offsets are refused quietly. */
	CHECK(!pci_msix_notify(&d, 3));
	testvm_mmio_write(&t, tbl + 0x7f0, 4, 1);
	CHECK_EQ(testvm_mmio_read(&t, tbl + 0x7f0, 4), 0);
	testvm_destroy(&t);
}
