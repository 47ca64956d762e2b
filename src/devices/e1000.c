/* e1000 (82540EM): PCI function, registers, EEPROM, PHY, interrupts. */
#include "devices/e1000.h"

#include <stdlib.h>
#include <string.h>

#include "core/device.h"
#include "core/vm.h"
#include "net/net.h"

#define EECD_SK	  0x01
#define EECD_CS	  0x02
#define EECD_DI	  0x04
#define EECD_DO	  0x08
#define EECD_REQ  0x40
#define EECD_GNT  0x80
#define EECD_PRES 0x100

#define MDIC_OP_WRITE 0x04000000u
#define MDIC_OP_READ  0x08000000u
#define MDIC_READY    0x10000000u
#define MDIC_ERROR    0x40000000u

/* STATUS: link up, full duplex, 1000 Mb/s, master enable. */
#define E1000_STATUS_VALUE 0x00080683u

uint32_t e1000_reg(struct e1000 *e, unsigned off)
{
	return e->reg[off / 4];
}

void e1000_set_reg(struct e1000 *e, unsigned off, uint32_t v)
{
	e->reg[off / 4] = v;
}

static void e1000_update_irq(struct e1000 *e)
{
	pci_irq_set(&e->pci, (e1000_reg(e, E1000_ICR) & e1000_reg(e, E1000_IMS)) != 0);
}

void e1000_cause(struct e1000 *e, uint32_t bits)
{
	e->reg[E1000_ICR / 4] |= bits;
	e1000_update_irq(e);
}

/* Statistics saturate rather than wrap (as the 82540EM's do). */
void e1000_stat_add(struct e1000 *e, unsigned off, uint64_t v)
{
	uint64_t s = (uint64_t)e->reg[off / 4] + v;

	e->reg[off / 4] = s > 0xffffffffu ? 0xffffffffu : (uint32_t)s;
}

/* ---- EEPROM ---- */

static void e1000_eeprom_build(struct e1000 *e)
{
	uint16_t sum = 0;

	memset(e->eeprom, 0, sizeof(e->eeprom));
	for (unsigned i = 0; i < 3; i++)
		e->eeprom[i] = (uint16_t)(e->mac[2 * i] | e->mac[2 * i + 1] << 8);
	e->eeprom[0x04] = 0xffff;	/* LED settings: defaults */
	e->eeprom[0x0b] = 0x0000;	/* subsystem id */
	e->eeprom[0x0c] = 0x8086;	/* subsystem vendor */
	e->eeprom[0x0d] = 0x100e;	/* device id */
	e->eeprom[0x0e] = 0x8086;	/* vendor id */
	/* Words 0x00-0x3f must add up to 0xBABA. */
	for (unsigned i = 0; i < 0x3f; i++)
		sum = (uint16_t)(sum + e->eeprom[i]);
	e->eeprom[0x3f] = (uint16_t)(0xbaba - sum);
}

/* Microwire: on each rising clock edge with CS high, shift DI in (start
 * bit, 2-bit opcode, 6-bit address); after a READ the data bits of the
 * addressed word (then the next ones) come out on DO, MSB first. */
static void e1000_eecd_write(struct e1000 *e, uint32_t v)
{
	uint32_t old = e1000_reg(e, E1000_EECD);

	e1000_set_reg(e, E1000_EECD, v & (EECD_SK | EECD_CS | EECD_DI | EECD_REQ));
	if (!(v & EECD_CS)) {
		e->ee_in = 0;
		e->ee_bits_in = 0;
		e->ee_reading = false;
		return;
	}
	if ((old & EECD_SK) || !(v & EECD_SK))
		return;
	if (e->ee_reading) {
		if (++e->ee_bit_out > 16) {
			e->ee_bit_out = 1;
			e->ee_word = (uint16_t)((e->ee_word + 1) & 0x3f);
		}
		return;
	}
	e->ee_in = (e->ee_in << 1) | !!(v & EECD_DI);
	if (++e->ee_bits_in == 9) {
		if ((e->ee_in >> 6) == 0x6) { /* start bit 1, READ opcode 10 */
			e->ee_reading = true;
			e->ee_word = e->ee_in & 0x3f;
			e->ee_bit_out = 0;
		}
		e->ee_in = 0;
		e->ee_bits_in = 0;
	}
}

static uint32_t e1000_eecd_read(struct e1000 *e)
{
	uint32_t v = e1000_reg(e, E1000_EECD) | EECD_PRES;

	if (v & EECD_REQ)
		v |= EECD_GNT;
	if (e->ee_reading && e->ee_bit_out >= 1 &&
	    ((e->eeprom[e->ee_word] >> (16 - e->ee_bit_out)) & 1))
		v |= EECD_DO;
	return v;
}

static void e1000_eerd_write(struct e1000 *e, uint32_t v)
{
	unsigned addr = (v >> 8) & 0xff;

	if (!(v & 1))
		return;
	e1000_set_reg(e, E1000_EERD, (addr < 64 ? (uint32_t)e->eeprom[addr] << 16 : 0) |
				      addr << 8 | 0x10);
}

/* ---- PHY (Marvell 88E1011 as the 82540EM carries) ---- */

static void e1000_phy_reset(struct e1000 *e)
{
	memset(e->phy, 0, sizeof(e->phy));
	e->phy[0] = 0x1140;  /* autoneg on, full duplex, 1000 Mb/s */
	e->phy[1] = 0x796d;  /* link up, autoneg complete */
	e->phy[2] = 0x0141;
	e->phy[3] = 0x0c20;
	e->phy[4] = 0x0de1;
	e->phy[5] = 0x45e1;  /* link partner abilities */
	e->phy[6] = 0x0001;
	e->phy[9] = 0x0e00;
	e->phy[10] = 0x3c00; /* link partner 1000BASE-T capable, receivers OK */
	e->phy[15] = 0x3000;
	e->phy[16] = 0x0068;
	e->phy[17] = 0xac00; /* 1000 Mb/s, full duplex, resolved, link */
}

static void e1000_mdic_write(struct e1000 *e, uint32_t v)
{
	unsigned phyaddr = (v >> 21) & 0x1f, r = (v >> 16) & 0x1f;
	uint32_t res = v & ~(MDIC_READY | MDIC_ERROR);

	if (phyaddr != 1) {
		res |= MDIC_ERROR;
	} else if (v & MDIC_OP_READ) {
		res = (res & ~0xffffu) | e->phy[r];
	} else if (v & MDIC_OP_WRITE) {
		/* Identity and status registers are read-only; reset and
		 * restart-autoneg bits complete at once. */
		if (r != 1 && r != 2 && r != 3 && r != 5 && r != 10 && r != 17)
			e->phy[r] = (uint16_t)v;
		if (r == 0)
			e->phy[0] &= (uint16_t)~0x8200;
	}
	e1000_set_reg(e, E1000_MDIC, res | MDIC_READY);
}

/* ---- reset and register access ---- */

static void e1000_reset(struct e1000 *e)
{
	memset(e->reg, 0, E1000_MMIO_SIZE);
	e1000_set_reg(e, E1000_CTRL, 0x00000240u); /* SLU, full duplex */
	e1000_set_reg(e, E1000_STATUS, E1000_STATUS_VALUE);
	e1000_set_reg(e, E1000_RAL0, (uint32_t)(e->mac[0] | e->mac[1] << 8 |
						  e->mac[2] << 16 | (uint32_t)e->mac[3] << 24));
	e1000_set_reg(e, E1000_RAH0, (uint32_t)(e->mac[4] | e->mac[5] << 8) |
					  0x80000000u); /* address valid */
	e1000_phy_reset(e);
	e->ee_reading = false;
	e->ee_bits_in = 0;
	e->txlen = 0;
	e->tx_drop = false;
	memset(&e->ctx, 0, sizeof(e->ctx));
	pci_irq_set(&e->pci, false);
}

static bool is_stat(unsigned off)
{
	return off >= 0x4000 && off < 0x4100;
}

static uint32_t e1000_read(struct e1000 *e, unsigned off)
{
	uint32_t v;

	switch (off) {
	case E1000_EECD:
		return e1000_eecd_read(e);
	case E1000_ICR:
		/* Reading the cause register acknowledges every cause. */
		v = e1000_reg(e, E1000_ICR);
		e1000_set_reg(e, E1000_ICR, 0);
		e1000_update_irq(e);
		return v;
	case E1000_STATUS:
		return E1000_STATUS_VALUE;
	default:
		v = e1000_reg(e, off);
		if (is_stat(off))
			e1000_set_reg(e, off, 0);
		return v;
	}
}

static void e1000_write(struct e1000 *e, unsigned off, uint32_t v)
{
	switch (off) {
	case E1000_CTRL:
		if (v & E1000_CTRL_RST) {
			e1000_reset(e);
			return;
		}
		e1000_set_reg(e, off, v);
		break;
	case E1000_STATUS:
		break;
	case E1000_EECD:
		e1000_eecd_write(e, v);
		break;
	case E1000_EERD:
		e1000_eerd_write(e, v);
		break;
	case E1000_MDIC:
		e1000_mdic_write(e, v);
		break;
	case E1000_ICR:
		e->reg[E1000_ICR / 4] &= ~v;
		e1000_update_irq(e);
		break;
	case E1000_ICS:
		e1000_cause(e, v);
		break;
	case E1000_IMS:
		e->reg[E1000_IMS / 4] |= v;
		e1000_update_irq(e);
		break;
	case E1000_IMC:
		e->reg[E1000_IMS / 4] &= ~v;
		e1000_update_irq(e);
		break;
	case E1000_RDH: case E1000_RDT: case E1000_TDH: case E1000_TDT:
		e1000_set_reg(e, off, v & 0xffff);
		if (off == E1000_TDT)
			e1000_tx_doorbell(e);
		if (off == E1000_RDT && e->rx_ready)
			e->rx_ready(e->rx_ready_opaque); /* buffers: retry held frames */
		break;
	case E1000_RDLEN: case E1000_TDLEN:
		e1000_set_reg(e, off, v & 0xfff80);
		break;
	case E1000_RDBAL: case E1000_TDBAL:
		e1000_set_reg(e, off, v & ~0xfu);
		break;
	default:
		if (!is_stat(off))
			e1000_set_reg(e, off, v);
		break;
	}
}

static void e1000_mmio(void *opaque, uint64_t off, void *data, unsigned len,
		       bool is_write, int cpu)
{
	struct e1000 *e = opaque;
	uint32_t v = 0;

	(void)cpu;
	/* Registers are dwords; other widths act on the containing dword. */
	off &= ~3ull;
	pthread_mutex_lock(&e->lock);
	if (is_write) {
		memcpy(&v, data, len < 4 ? len : 4);
		e1000_write(e, (unsigned)off, v);
	} else {
		v = e1000_read(e, (unsigned)off);
		memset(data, 0, len);
		memcpy(data, &v, len < 4 ? len : 4);
	}
	pthread_mutex_unlock(&e->lock);
}

/* BAR 1: IOADDR (offset 0) selects a register, IODATA (offset 4) reaches it. */
static void e1000_io(void *opaque, uint64_t off, void *data, unsigned len,
		     bool is_write, int cpu)
{
	struct e1000 *e = opaque;

	if (off == 0 && len == 4) {
		if (is_write)
			memcpy(&e->ioaddr, data, 4);
		else
			memcpy(data, &e->ioaddr, 4);
	} else if (off == 4 && len == 4 && e->ioaddr < E1000_MMIO_SIZE) {
		e1000_mmio(e, e->ioaddr, data, len, is_write, cpu);
	} else if (!is_write) {
		memset(data, 0xff, len);
	}
}

struct e1000 *e1000_create(struct vm *vm, struct pci_bus *bus,
			   const uint8_t mac[6], e1000_tx_fn tx, void *opaque,
			   struct gerr *err)
{
	struct e1000 *e = calloc(1, sizeof(*e));

	if (!e || !(e->reg = calloc(1, E1000_MMIO_SIZE)) ||
	    !(e->txbuf = malloc(E1000_MAX_FRAME))) {
		e1000_destroy(e);
		gerr_set(err, "e1000: out of memory");
		return NULL;
	}
	e->vm = vm;
	memcpy(e->mac, mac, 6);
	e->tx_fn = tx;
	e->tx_opaque = opaque;
	pthread_mutex_init(&e->lock, NULL);
	e1000_eeprom_build(e);
	pci_dev_init(&e->pci, "e1000", 0x8086, 0x100e, 0x020000, 0x03, 1);
	pci_cfg_set16(&e->pci, PCI_SUBSYS_VENDOR, 0x8086);
	pci_cfg_set16(&e->pci, PCI_SUBSYS_ID, 0x001e);
	e->pci.opaque = e;
	e1000_reset(e);
	if (pci_bar_add(&e->pci, 0, PCI_BAR_MEM32, E1000_MMIO_SIZE, e1000_mmio, e,
			err) < 0 ||
	    pci_bar_add(&e->pci, 1, PCI_BAR_IO, E1000_IO_SIZE, e1000_io, e, err) < 0 ||
	    pci_register(bus, &e->pci, -1, err) < 0) {
		e1000_destroy(e);
		return NULL;
	}
	return e;
}

void e1000_destroy(struct e1000 *e)
{
	if (!e)
		return;
	free(e->reg);
	free(e->txbuf);
	free(e);
}

/* The device class: one e1000 per --net on machines with emulated I/O,
 * each on its net backend (src/net: TAP or user-mode). */
struct e1000_nic {
	struct e1000 *e;
	struct net_backend *nb;
};

struct e1000_set {
	struct e1000_nic nic[CONFIG_MAX_NETS];
	unsigned n;
};

static void e1000_nic_tx(void *opaque, const uint8_t *frame, size_t len)
{
	struct e1000_nic *nic = opaque;
	struct iovec iov = { (void *)frame, len };

	net_send(nic->nb, &iov, 1);
}

static bool e1000_nic_tx_admit(void *opaque, size_t len)
{
	struct e1000_nic *nic = opaque;

	return net_tx_admit(nic->nb, len);
}

static void e1000_nic_tx_resume(void *opaque)
{
	struct e1000_nic *nic = opaque;

	e1000_tx_resume(nic->e);
}

static bool e1000_nic_rx(void *opaque, const void *frame, size_t len)
{
	struct e1000_nic *nic = opaque;

	return e1000_receive(nic->e, frame, len) == 0;
}

static void e1000_nic_rx_ready(void *opaque)
{
	struct e1000_nic *nic = opaque;

	if (nic->nb)
		net_rx_ready(nic->nb);
}

static void e1000_class_destroy(void *state)
{
	struct e1000_set *set = state;

	if (!set)
		return;
	for (unsigned i = 0; i < set->n; i++) {
		if (set->nic[i].nb)
			net_close(set->nic[i].nb);
		if (set->nic[i].e)
			pci_unregister(&set->nic[i].e->pci);
		e1000_destroy(set->nic[i].e);
	}
	free(set);
}

static int e1000_class_create(struct vm *vm, void **state, struct gerr *err)
{
	const struct mode_preset *m = vm->cfg.mode;
	struct pci_bus *bus = pci_bus_find(vm);
	struct e1000_set *set;

	if (!m || m->platform != PLATFORM_PC || m->io != IO_EMULATED ||
	    !vm->cfg.nr_nets || !bus)
		return 0;
	set = calloc(1, sizeof(*set));
	if (!set)
		return gerr_set(err, "out of memory");
	*state = set;
	for (unsigned i = 0; i < vm->cfg.nr_nets; i++) {
		struct e1000_nic *nic = &set->nic[i];
		uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, (uint8_t)(0x56 + i) };

		set->n = i + 1;
		nic->e = e1000_create(vm, bus, mac, e1000_nic_tx, nic, err);
		if (!nic->e)
			return -1;
		nic->e->rx_ready = e1000_nic_rx_ready;
		nic->e->rx_ready_opaque = nic;
		nic->nb = net_open(&vm->cfg.net[i], &vm->loop, e1000_nic_rx, nic, err);
		if (!nic->nb)
			return -1;
		net_set_tx_resume(nic->nb, e1000_nic_tx_resume, nic);
		nic->e->tx_admit = e1000_nic_tx_admit;
	}
	return 0;
}

static const struct device_class e1000_class = {
	.name = "e1000",
	.stage = DEVICE_STAGE_IO,
	.create = e1000_class_create,
	.destroy = e1000_class_destroy,
};
DEVICE_CLASS(e1000_class);
