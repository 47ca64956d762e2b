/* PCI configuration space, BAR decoding and INTx (see pci.h). */
#include "pci/pci.h"

#include <string.h>

#include "core/vm.h"
#include "pci/msix.h"

static const unsigned pci_intx_lines[4] = PCI_INTX_LINES;

static void pci_intx_refresh(struct pci_bus *bus, unsigned line);

void pci_cfg_set16(struct pci_dev *d, unsigned off, uint16_t v)
{
	d->cfg[off] = (uint8_t)v;
	d->cfg[off + 1] = (uint8_t)(v >> 8);
}

void pci_cfg_set32(struct pci_dev *d, unsigned off, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		d->cfg[off + i] = (uint8_t)(v >> (8 * i));
}

static uint32_t cfg_get32(const struct pci_dev *d, unsigned off)
{
	return (uint32_t)d->cfg[off] | (uint32_t)d->cfg[off + 1] << 8 |
	       (uint32_t)d->cfg[off + 2] << 16 | (uint32_t)d->cfg[off + 3] << 24;
}

static void mask_set16(uint8_t *mask, unsigned off, uint16_t v)
{
	mask[off] = (uint8_t)v;
	mask[off + 1] = (uint8_t)(v >> 8);
}

void pci_dev_init(struct pci_dev *d, const char *name, uint16_t vendor,
		  uint16_t device, uint32_t class_code, uint8_t revision,
		  uint8_t intx_pin)
{
	memset(d, 0, sizeof(*d));
	d->name = name;
	pci_cfg_set16(d, PCI_VENDOR_ID, vendor);
	pci_cfg_set16(d, PCI_DEVICE_ID, device);
	d->cfg[PCI_REVISION] = revision;
	d->cfg[PCI_CLASS_PROG] = (uint8_t)class_code;
	d->cfg[PCI_CLASS_PROG + 1] = (uint8_t)(class_code >> 8);
	d->cfg[PCI_CLASS_PROG + 2] = (uint8_t)(class_code >> 16);
	d->cfg[PCI_INTERRUPT_PIN] = intx_pin;
	/* I/O, memory, bus master, SERR, INTx disable are the guest's. */
	mask_set16(d->wmask, PCI_COMMAND, 0x0547);
	/* Error bits of the status register are write-one-to-clear. */
	mask_set16(d->w1cmask, PCI_STATUS, 0xf900);
	d->wmask[PCI_INTERRUPT_LINE] = 0xff;
	d->wmask[0x0c] = 0xff; /* cache line size */
	d->wmask[0x0d] = 0xff; /* latency timer */
	d->next_cap = 0x40;
}

static uint32_t bar_flags(enum pci_bar_kind kind)
{
	switch (kind) {
	case PCI_BAR_IO:
		return 0x1;
	case PCI_BAR_MEM64:
		return 0x4;
	default:
		return 0x0;
	}
}

int pci_bar_add(struct pci_dev *d, unsigned idx, enum pci_bar_kind kind,
		uint64_t size, bus_io_fn fn, void *opaque, struct gerr *err)
{
	unsigned nslots = kind == PCI_BAR_MEM64 ? 2 : 1;
	uint64_t min = kind == PCI_BAR_IO ? 4 : 16;
	uint64_t addr_mask;

	if (idx + nslots > PCI_NUM_BARS || d->bar[idx].kind != PCI_BAR_NONE ||
	    (nslots == 2 && d->bar[idx + 1].kind != PCI_BAR_NONE))
		return gerr_set(err, "%s: BAR %u is taken or out of range",
				d->name, idx);
	if (size < min || (size & (size - 1)) ||
	    (kind != PCI_BAR_MEM64 && size > 0x80000000ull) ||
	    (kind == PCI_BAR_IO && size > 256))
		return gerr_set(err, "%s: BAR %u: bad size %#llx", d->name, idx,
				(unsigned long long)size);
	d->bar[idx] = (struct pci_bar){ .kind = kind, .size = size, .fn = fn,
					.opaque = opaque };
	addr_mask = ~(size - 1) & ~(uint64_t)(kind == PCI_BAR_IO ? 0x3 : 0xf);
	pci_cfg_set32(d, PCI_BAR0 + 4 * idx, bar_flags(kind));
	for (unsigned i = 0; i < 4; i++)
		d->wmask[PCI_BAR0 + 4 * idx + i] = (uint8_t)(addr_mask >> (8 * i));
	if (nslots == 2) {
		/* The upper half only holds address bits. */
		d->bar[idx + 1].kind = PCI_BAR_MEM64; /* marks the slot used */
		d->bar[idx + 1].size = 0;
		for (unsigned i = 0; i < 4; i++)
			d->wmask[PCI_BAR0 + 4 * idx + 4 + i] =
				(uint8_t)(addr_mask >> (32 + 8 * i));
	}
	return 0;
}

int pci_cap_add(struct pci_dev *d, uint8_t id, unsigned len, struct gerr *err)
{
	unsigned off = d->next_cap;
	unsigned prev;

	if (len < 2 || off + len > PCI_CFG_SIZE)
		return gerr_set(err, "%s: no room for capability %#x", d->name, id);
	d->cfg[off] = id;
	d->cfg[off + 1] = 0;
	if (!d->cfg[PCI_CAP_PTR]) {
		d->cfg[PCI_CAP_PTR] = (uint8_t)off;
	} else {
		for (prev = d->cfg[PCI_CAP_PTR]; d->cfg[prev + 1];
		     prev = d->cfg[prev + 1])
			;
		d->cfg[prev + 1] = (uint8_t)off;
	}
	d->cfg[PCI_STATUS] |= PCI_STATUS_CAPS;
	d->next_cap = (uint8_t)((off + len + 3) & ~3u);
	return (int)off;
}

uint64_t pci_bar_address(const struct pci_dev *d, unsigned idx)
{
	const struct pci_bar *b = &d->bar[idx];
	uint64_t a = cfg_get32(d, PCI_BAR0 + 4 * idx);

	if (b->kind == PCI_BAR_IO)
		return a & ~3ull;
	if (b->kind == PCI_BAR_MEM64 && idx + 1 < PCI_NUM_BARS)
		a |= (uint64_t)cfg_get32(d, PCI_BAR0 + 4 * (idx + 1)) << 32;
	return a & ~0xfull;
}

static struct bus *bar_bus(struct pci_dev *d, const struct pci_bar *b)
{
	return b->kind == PCI_BAR_IO ? &d->bus->vm->pio : &d->bus->vm->mmio;
}

/* Makes the bus registration of BAR idx match the config space: mapped
 * at its address while the command register decodes its kind.  An address
 * that collides with another range, or the all-ones left by sizing, stays
 * unmapped (the guest sees a dead BAR, as on hardware with a bad setup). */
static void pci_bar_update(struct pci_dev *d, unsigned idx)
{
	struct pci_bar *b = &d->bar[idx];
	uint16_t cmd = pci_cfg_get16(d, PCI_COMMAND);
	bool on = b->kind == PCI_BAR_IO ? (cmd & PCI_CMD_IO) : (cmd & PCI_CMD_MEM);
	uint64_t addr = pci_bar_address(d, idx);
	uint64_t limit = b->kind == PCI_BAR_IO ? 0x10000 : UINT64_MAX;
	struct gerr err;

	if (!b->fn || !b->size)
		return;
	if (addr == 0 || addr > limit - b->size)
		on = false;
	if (b->mapped && (!on || b->mapped_at != addr)) {
		bus_unregister(bar_bus(d, b), b->mapped_at);
		b->mapped = false;
	}
	if (on && !b->mapped &&
	    bus_register(bar_bus(d, b), addr, b->size, b->fn, b->opaque,
			 d->name, &err) == 0) {
		b->mapped = true;
		b->mapped_at = addr;
	}
}

static void pci_bars_update(struct pci_dev *d)
{
	for (unsigned i = 0; i < PCI_NUM_BARS; i++)
		pci_bar_update(d, i);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Firmware's job, done by gamut: give every BAR an address in the windows. */
static int pci_assign_bars(struct pci_bus *bus, struct pci_dev *d,
			   struct gerr *err)
{
	uint16_t cmd = pci_cfg_get16(d, PCI_COMMAND);

	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		struct pci_bar *b = &d->bar[i];
		uint64_t a;

		if (!b->size)
			continue;
		if (b->kind == PCI_BAR_IO) {
			a = align_up(bus->next_io, b->size);
			if (a + b->size > PCI_IO_END)
				return gerr_set(err, "%s: PCI I/O window full", d->name);
			bus->next_io = (uint32_t)(a + b->size);
			cmd |= PCI_CMD_IO;
		} else {
			a = align_up(bus->next_mmio, b->size);
			if (a + b->size > PCI_MMIO_END)
				return gerr_set(err, "%s: PCI memory window full",
						d->name);
			bus->next_mmio = a + b->size;
			cmd |= PCI_CMD_MEM;
		}
		pci_cfg_set32(d, PCI_BAR0 + 4 * i, (uint32_t)a | bar_flags(b->kind));
		if (b->kind == PCI_BAR_MEM64)
			pci_cfg_set32(d, PCI_BAR0 + 4 * (i + 1), (uint32_t)(a >> 32));
	}
	pci_cfg_set16(d, PCI_COMMAND, cmd);
	return 0;
}

int pci_register(struct pci_bus *bus, struct pci_dev *d, int devfn,
		 struct gerr *err)
{
	unsigned pin = d->cfg[PCI_INTERRUPT_PIN];

	if (devfn < 0) {
		for (devfn = 0; devfn < PCI_MAX_DEVFN && bus->dev[devfn]; devfn += 8)
			;
	}
	if (devfn >= PCI_MAX_DEVFN)
		return gerr_set(err, "%s: no free PCI slot", d->name);
	if (bus->dev[devfn])
		return gerr_set(err, "%s: PCI %02x.%x is taken by %s", d->name,
				devfn >> 3, devfn & 7, bus->dev[devfn]->name);
	d->bus = bus;
	d->devfn = (unsigned)devfn;
	if (pin >= 1 && pin <= 4) {
		d->intx_line = pci_intx_lines[((unsigned)devfn / 8 + pin - 1) & 3];
		d->cfg[PCI_INTERRUPT_LINE] = (uint8_t)d->intx_line;
	}
	if (pci_assign_bars(bus, d, err) < 0)
		return -1;
	pthread_mutex_lock(&bus->lock);
	bus->dev[devfn] = d;
	pci_bars_update(d);
	pthread_mutex_unlock(&bus->lock);
	return 0;
}

void pci_unregister(struct pci_dev *d)
{
	struct pci_bus *bus = d->bus;

	if (!bus)
		return;
	pthread_mutex_lock(&bus->lock);
	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		if (d->bar[i].mapped)
			bus_unregister(bar_bus(d, &d->bar[i]), d->bar[i].mapped_at);
		d->bar[i].mapped = false;
	}
	if (bus->dev[d->devfn] == d)
		bus->dev[d->devfn] = NULL;
	if (d->intx_level)
		pci_intx_refresh(bus, d->intx_line);
	pthread_mutex_unlock(&bus->lock);
	d->bus = NULL;
}

/* INTx lines are shared: a line is high while any function drives it. */
static void pci_intx_refresh(struct pci_bus *bus, unsigned line)
{
	bool level = false;

	for (unsigned i = 0; i < PCI_MAX_DEVFN; i++) {
		struct pci_dev *d = bus->dev[i];

		if (d && d->intx_line == line && d->intx_level &&
		    !(pci_cfg_get16(d, PCI_COMMAND) & PCI_CMD_INTX_DISABLE))
			level = true;
	}
	vm_irq_set(bus->vm, line, level);
}

void pci_irq_set(struct pci_dev *d, bool level)
{
	struct pci_bus *bus = d->bus;

	if (!bus || !d->cfg[PCI_INTERRUPT_PIN])
		return;
	pthread_mutex_lock(&bus->lock);
	if (d->intx_level != level) {
		d->intx_level = level;
		if (level)
			d->cfg[PCI_STATUS] |= PCI_STATUS_INTX;
		else
			d->cfg[PCI_STATUS] &= (uint8_t)~PCI_STATUS_INTX;
		pci_intx_refresh(bus, d->intx_line);
	}
	pthread_mutex_unlock(&bus->lock);
}

static bool reg_ok(unsigned reg, unsigned len)
{
	return (len == 1 || len == 2 || len == 4) && reg < PCI_CFG_SIZE &&
	       (reg & 3) + len <= 4;
}

uint32_t pci_conf_read(struct pci_bus *bus, unsigned devfn, unsigned reg,
		       unsigned len)
{
	struct pci_dev *d;
	uint32_t v = 0;

	if (devfn >= PCI_MAX_DEVFN || !reg_ok(reg, len))
		return 0xffffffffu;
	pthread_mutex_lock(&bus->lock);
	d = bus->dev[devfn];
	if (!d) {
		pthread_mutex_unlock(&bus->lock);
		return len == 4 ? 0xffffffffu : (1u << (8 * len)) - 1;
	}
	for (unsigned i = 0; i < len; i++)
		v |= (uint32_t)d->cfg[reg + i] << (8 * i);
	pthread_mutex_unlock(&bus->lock);
	return v;
}

void pci_conf_write(struct pci_bus *bus, unsigned devfn, unsigned reg,
		    unsigned len, uint32_t val)
{
	struct pci_dev *d;
	uint16_t old_cmd;

	if (devfn >= PCI_MAX_DEVFN || !reg_ok(reg, len))
		return;
	pthread_mutex_lock(&bus->lock);
	d = bus->dev[devfn];
	if (!d) {
		pthread_mutex_unlock(&bus->lock);
		return;
	}
	old_cmd = pci_cfg_get16(d, PCI_COMMAND);
	for (unsigned i = 0; i < len; i++) {
		uint8_t b = (uint8_t)(val >> (8 * i));
		unsigned r = reg + i;

		d->cfg[r] = (uint8_t)((d->cfg[r] & ~d->wmask[r]) | (b & d->wmask[r]));
		d->cfg[r] &= (uint8_t)~(b & d->w1cmask[r]);
	}
	if ((reg < PCI_BAR0 + 4 * PCI_NUM_BARS && reg + len > PCI_BAR0) ||
	    (reg <= PCI_COMMAND + 1 && reg + len > PCI_COMMAND))
		pci_bars_update(d);
	if ((old_cmd ^ pci_cfg_get16(d, PCI_COMMAND)) & PCI_CMD_INTX_DISABLE &&
	    d->cfg[PCI_INTERRUPT_PIN])
		pci_intx_refresh(bus, d->intx_line);
	if (d->msix)
		pci_msix_config_written(d, reg, len);
	if (d->config_written)
		d->config_written(d, reg, len);
	pthread_mutex_unlock(&bus->lock);
}

void pci_for_each(struct pci_bus *bus, void (*fn)(struct pci_dev *d, void *arg),
		  void *arg)
{
	for (unsigned i = 0; i < PCI_MAX_DEVFN; i++)
		if (bus->dev[i])
			fn(bus->dev[i], arg);
}
