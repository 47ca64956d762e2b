/* The I/O APIC through its MMIO window, checking the MSIs it sends. */
#include "../harness.h"
#include "core/layout.h"
#include "dev_fakevm.h"
#include "devices/ioapic.h"

#define SEL (LAYOUT_IOAPIC + 0x00)
#define WIN (LAYOUT_IOAPIC + 0x10)

static struct fake_vm *ioapic_vm(void **io)
{
	struct fake_vm *f = fake_vm_new(PLATFORM_MICROVM, false);

	if (f && (fake_vm_attach(f, "ioapic", io) < 0 || !*io)) {
		fake_vm_free(f);
		return NULL;
	}
	return f;
}

static uint32_t reg_read(struct fake_vm *f, uint8_t reg)
{
	fake_mmio_write(f, SEL, reg, 4);
	return fake_mmio_read(f, WIN, 4);
}

static void reg_write(struct fake_vm *f, uint8_t reg, uint32_t v)
{
	fake_mmio_write(f, SEL, reg, 4);
	fake_mmio_write(f, WIN, v, 4);
}

static void rte_write(struct fake_vm *f, unsigned pin, uint64_t e)
{
	reg_write(f, (uint8_t)(0x10 + 2 * pin + 1), (uint32_t)(e >> 32));
	reg_write(f, (uint8_t)(0x10 + 2 * pin), (uint32_t)e);
}

TEST(dev_ioapic_identity_registers)
{
	void *io;
	struct fake_vm *f = ioapic_vm(&io);

	CHECK(f);
	CHECK_EQ(reg_read(f, 0x01), 0x00170011);
	reg_write(f, 0x00, 0xffffffff);
	CHECK_EQ(reg_read(f, 0x00), 0x0f000000);
	CHECK_EQ(reg_read(f, 0x02), 0x0f000000);
	reg_write(f, 0x01, 0); /* read-only */
	CHECK_EQ(reg_read(f, 0x01), 0x00170011);
	/* Every pin starts masked. */
	for (unsigned pin = 0; pin < IOAPIC_NR_PINS; pin++)
		CHECK_EQ(reg_read(f, (uint8_t)(0x10 + 2 * pin)), 0x10000);
	CHECK_EQ(fake_mmio_read(f, SEL, 1), 0x10 + 2 * 23);
	fake_vm_free(f);
}

TEST(dev_ioapic_edge_delivery_and_msi_format)
{
	void *io;
	struct fake_vm *f = ioapic_vm(&io);

	CHECK(f);
	rte_write(f, 4, 0x0100000000000024ull); /* fixed, physical, dest 1 */
	ioapic_set_irq(io, 4, 1);
	CHECK_EQ(f->nmsi, 1);
	CHECK_EQ(f->msi_addr[0], 0xfee01000);
	CHECK_EQ(f->msi_data[0], 0x4024);
	ioapic_set_irq(io, 4, 1); /* no new edge */
	ioapic_set_irq(io, 4, 0);
	ioapic_set_irq(io, 4, 1);
	CHECK_EQ(f->nmsi, 2);
	/* Lowest priority, logical destination 0x0f. */
	rte_write(f, 5, 0x0f00000000000935ull);
	ioapic_set_irq(io, 5, 1);
	CHECK_EQ(f->msi_addr[2], 0xfee0f00c);
	CHECK_EQ(f->msi_data[2], 0x4135);
	/* A masked edge waits and is sent on unmask. */
	rte_write(f, 6, 0x10036);
	ioapic_set_irq(io, 6, 1);
	CHECK_EQ(f->nmsi, 3);
	rte_write(f, 6, 0x00036);
	CHECK_EQ(f->nmsi, 4);
	CHECK_EQ(f->msi_data[3] & 0xff, 0x36);
	fake_vm_free(f);
}

TEST(dev_ioapic_level_remote_irr_and_eoi)
{
	void *io;
	struct fake_vm *f = ioapic_vm(&io);

	CHECK(f);
	rte_write(f, 9, 0x8029); /* level, vector 0x29 */
	ioapic_set_irq(io, 9, 1);
	CHECK_EQ(f->nmsi, 1);
	CHECK_EQ(f->msi_data[0], 0xc029);
	CHECK(reg_read(f, 0x10 + 18) & (1u << 14)); /* Remote IRR */
	ioapic_eoi(io, 0x30); /* another vector: nothing */
	CHECK_EQ(f->nmsi, 1);
	ioapic_eoi(io, 0x29); /* still asserted: sent again */
	CHECK_EQ(f->nmsi, 2);
	ioapic_set_irq(io, 9, 0);
	ioapic_eoi(io, 0x29);
	CHECK_EQ(f->nmsi, 2);
	CHECK(!(reg_read(f, 0x10 + 18) & (1u << 14)));
	/* Remote IRR is read-only, and switching to edge clears it. */
	ioapic_set_irq(io, 9, 1);
	CHECK_EQ(f->nmsi, 3);
	reg_write(f, 0x10 + 18, 0x8029 & ~(1u << 14));
	CHECK(reg_read(f, 0x10 + 18) & (1u << 14));
	reg_write(f, 0x10 + 18, 0x0029);
	CHECK(!(reg_read(f, 0x10 + 18) & (1u << 14)));
	/* The EOI register of later versions works too. */
	reg_write(f, 0x10 + 18, 0x8029);
	CHECK_EQ(f->nmsi, 4);
	fake_mmio_write(f, LAYOUT_IOAPIC + 0x40, 0x29, 4);
	CHECK_EQ(f->nmsi, 5);
	fake_vm_free(f);
}

TEST(dev_ioapic_bad_input)
{
	void *io;
	struct fake_vm *f = ioapic_vm(&io);

	CHECK(f);
	/* Reserved delivery modes 3 and 6: stored, nothing delivered. */
	rte_write(f, 10, 0x0330);
	rte_write(f, 11, 0x8631);
	CHECK_EQ(reg_read(f, 0x10 + 20), 0x0330);
	ioapic_set_irq(io, 10, 1);
	ioapic_set_irq(io, 11, 1);
	CHECK_EQ(f->nmsi, 0);
	/* All ones: read-only bits stay clear. */
	rte_write(f, 12, ~0ull);
	CHECK_EQ(reg_read(f, 0x10 + 24), 0x1afff);
	CHECK_EQ(reg_read(f, 0x10 + 25), 0xff000000);
	/* Unknown registers, past the last pin: read 0, writes dropped. */
	reg_write(f, 0x03, 0x1234);
	CHECK_EQ(reg_read(f, 0x03), 0);
	reg_write(f, 0x40, 0x1234);
	CHECK_EQ(reg_read(f, 0x40), 0);
	reg_write(f, 0xff, ~0u);
	CHECK_EQ(reg_read(f, 0xff), 0);
	/* Pins out of range, odd sizes and offsets. */
	ioapic_set_irq(io, 24, 1);
	ioapic_set_irq(io, ~0u, 1);
	ioapic_eoi(NULL, 0);
	fake_mmio_write(f, SEL, 0x01, 1);
	CHECK_EQ(fake_mmio_read(f, WIN + 2, 1), 0x17); /* VER byte 2 */
	CHECK_EQ(fake_mmio_read(f, WIN, 2), 0x0011);
	fake_mmio_write(f, WIN, 0xffff, 2); /* partial write: ignored */
	fake_mmio_write(f, SEL, 0x10 + 26, 1);
	fake_mmio_write(f, WIN, 0x1ff, 2);
	CHECK_EQ(fake_mmio_read(f, WIN, 4), 0x10000);
	CHECK_EQ(fake_mmio_read(f, LAYOUT_IOAPIC + 0x800, 4), 0);
	CHECK_EQ(f->nmsi, 0);
	fake_vm_free(f);
}

TEST(dev_ioapic_absent_with_backend_irqchip)
{
	struct fake_vm *f = fake_vm_new(PLATFORM_MICROVM, true);
	void *io = (void *)1;

	CHECK(f);
	CHECK(fake_vm_attach(f, "ioapic", &io) == 0);
	CHECK(io == NULL);
	CHECK_EQ(fake_mmio_read(f, WIN, 4), 0xffffffff);
	fake_vm_free(f);
}
