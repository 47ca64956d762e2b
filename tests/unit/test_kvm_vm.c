/* The GSI routing table and LAPIC LINT setup the KVM backend installs. */
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "core/layout.h"
#include "cpu/kvm/kvm_vm.h"

static struct kvm_irq_routing *routes(void)
{
	struct kvm_irq_routing *r =
		calloc(1, sizeof(*r) + KVM_GSI_ROUTES_MAX * sizeof(r->entries[0]));

	if (r)
		kvm_gsi_routes(r);
	return r;
}

/* Bit mask of chips reached by `gsi`; *pin gets the IOAPIC pin. */
static unsigned reach(const struct kvm_irq_routing *r, unsigned gsi, int *pic_pin,
		      int *ioapic_pin)
{
	unsigned chips = 0;

	*pic_pin = *ioapic_pin = -1;
	for (unsigned i = 0; i < r->nr; i++) {
		const struct kvm_irq_routing_entry *e = &r->entries[i];

		if (e->gsi != gsi || e->type != KVM_IRQ_ROUTING_IRQCHIP)
			continue;
		chips |= 1u << e->u.irqchip.irqchip;
		if (e->u.irqchip.irqchip == KVM_IRQCHIP_IOAPIC)
			*ioapic_pin = (int)e->u.irqchip.pin;
		else
			*pic_pin = (int)e->u.irqchip.pin;
	}
	return chips;
}

TEST(kvm_routes_follow_layout)
{
	struct kvm_irq_routing *r = routes();
	int pic, io;

	CHECK(r != NULL);
	CHECK(r->nr <= KVM_GSI_ROUTES_MAX);
	/* PIT: PIC input 0, IOAPIC pin 2 (the MADT override). */
	CHECK_EQ(reach(r, LAYOUT_IRQ_PIT, &pic, &io),
		 1u << KVM_IRQCHIP_PIC_MASTER | 1u << KVM_IRQCHIP_IOAPIC);
	CHECK_EQ(pic, 0);
	CHECK_EQ(io, LAYOUT_IOAPIC_PIN_PIT);
	/* The cascade line drives nothing. */
	CHECK_EQ(reach(r, 2, &pic, &io), 0);
	CHECK_EQ(reach(r, LAYOUT_IRQ_COM1, &pic, &io),
		 1u << KVM_IRQCHIP_PIC_MASTER | 1u << KVM_IRQCHIP_IOAPIC);
	CHECK_EQ(pic, 4);
	CHECK_EQ(io, 4);
	/* Slave PIC lines. */
	CHECK_EQ(reach(r, LAYOUT_IRQ_ACPI, &pic, &io),
		 1u << KVM_IRQCHIP_PIC_SLAVE | 1u << KVM_IRQCHIP_IOAPIC);
	CHECK_EQ(pic, 1);
	CHECK_EQ(io, 9);
	CHECK_EQ(reach(r, 15, &pic, &io), 1u << KVM_IRQCHIP_PIC_SLAVE | 1u << KVM_IRQCHIP_IOAPIC);
	CHECK_EQ(pic, 7);
	/* Lines 16-23: IOAPIC only. */
	for (unsigned l = LAYOUT_IRQ_VIRTIO_BASE; l < KVM_IOAPIC_PINS; l++) {
		CHECK_EQ(reach(r, l, &pic, &io), 1u << KVM_IRQCHIP_IOAPIC);
		CHECK_EQ(io, l);
	}
	CHECK_EQ(reach(r, KVM_IOAPIC_PINS, &pic, &io), 0);
	/* IOAPIC pin 2 is reached from line 0 only. */
	for (unsigned i = 0; i < r->nr; i++)
		if (r->entries[i].u.irqchip.irqchip == KVM_IRQCHIP_IOAPIC &&
		    r->entries[i].u.irqchip.pin == 2)
			CHECK_EQ(r->entries[i].gsi, 0);
	free(r);
}

static uint32_t reg(const struct kvm_lapic_state *s, unsigned off)
{
	uint32_t v;

	memcpy(&v, &s->regs[off], 4);
	return v;
}

TEST(kvm_lapic_lint_virtual_wire)
{
	struct kvm_lapic_state s;
	uint32_t masked_fixed = 1u << 16 | 1u << 15 | 0x30; /* masked, level, vector */

	memset(&s, 0, sizeof(s));
	memcpy(&s.regs[0x350], &masked_fixed, 4);
	memcpy(&s.regs[0x360], &masked_fixed, 4);
	s.regs[0x20] = 0x42; /* APIC ID register untouched */
	kvm_lapic_lint_setup(&s);
	CHECK_EQ(reg(&s, 0x350), 0x700u | 1u << 15 | 0x30); /* ExtINT, unmasked */
	CHECK_EQ(reg(&s, 0x360), 0x400u | 1u << 15 | 0x30); /* NMI, unmasked */
	CHECK_EQ(s.regs[0x20], 0x42);
}
