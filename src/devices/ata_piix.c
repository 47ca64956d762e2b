/* The PIIX3 IDE function (8086:7010 at PCI 01.1, with the PIIX3 ISA bridge
 * 8086:7000 at 01.0 so that function 1 is found) driving two ATA channels
 * on the legacy ports, and its bus-master block in BAR 4.  Disks 0-3 of the
 * configuration become primary master/slave, secondary master/slave. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/device.h"
#include "core/vm.h"
#include "devices/ata.h"
#include "devices/ata_piix.h"
#include "pci/pci.h"

static const struct {
	uint16_t cmd, ctl;
	unsigned irq;
} piix_legacy[2] = { { 0x1f0, 0x3f6, 14 }, { 0x170, 0x376, 15 } };

static void piix_cmd_io(void *opaque, uint64_t off, void *data, unsigned len,
			bool is_write, int cpu)
{
	struct ata_channel *ch = opaque;
	uint32_t v = 0;

	(void)cpu;
	if (off != 0)
		len = 1; /* only the data register is wider than a byte */
	if (is_write) {
		memcpy(&v, data, len);
		ata_cmd_write(ch, (unsigned)off, len, v);
	} else {
		v = ata_cmd_read(ch, (unsigned)off, len);
		memcpy(data, &v, len);
	}
}

static void piix_ctl_io(void *opaque, uint64_t off, void *data, unsigned len,
			bool is_write, int cpu)
{
	(void)off;
	(void)len;
	(void)cpu;
	if (is_write)
		ata_ctl_write(opaque, *(uint8_t *)data);
	else
		*(uint8_t *)data = ata_ctl_read(opaque);
}

static void piix_bm_io(void *opaque, uint64_t off, void *data, unsigned len,
		       bool is_write, int cpu)
{
	struct piix_ide *p = opaque;
	struct ata_channel *ch = &p->ch[(off >> 3) & 1];
	uint32_t v = 0;

	(void)cpu;
	if (len > 4)
		len = 4;
	if (is_write) {
		memcpy(&v, data, len);
		ata_bm_write(ch, (unsigned)(off & 7), len, v);
	} else {
		v = ata_bm_read(ch, (unsigned)(off & 7), len);
		memcpy(data, &v, len);
	}
}

void piix_ide_destroy(struct piix_ide *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < 2; i++)
		ata_channel_close(&p->ch[i]);
	free(p);
}

static int piix_attach_disks(struct piix_ide *p, const struct vm_config *cfg,
			     struct gerr *err)
{
	if (cfg->nr_disks > 4)
		return gerr_set(err, "the IDE controller takes at most 4 disks, "
				"%u given", cfg->nr_disks);
	for (unsigned i = 0; i < cfg->nr_disks; i++) {
		char name[16];

		snprintf(name, sizeof(name), "disk%u", i);
		if (ata_drive_open(&p->ch[i / 2], i % 2, name, &cfg->disk[i], err) < 0)
			return -1;
	}
	return 0;
}

struct piix_ide *piix_ide_create(struct vm *vm, struct pci_bus *bus,
				 struct gerr *err)
{
	struct piix_ide *p = calloc(1, sizeof(*p));

	if (!p) {
		gerr_set(err, "ide: out of memory");
		return NULL;
	}
	for (unsigned i = 0; i < 2; i++)
		ata_channel_init(&p->ch[i], vm, piix_legacy[i].irq);
	if (piix_attach_disks(p, &vm->cfg, err) < 0)
		goto fail;
	pci_dev_init(&p->isa, "piix3-isa", 0x8086, 0x7000, 0x060100, 0, 0);
	p->isa.cfg[PCI_HEADER_TYPE] = 0x80; /* multi-function: scan 01.1 */
	pci_dev_init(&p->pci, "piix3-ide", 0x8086, 0x7010, 0x010180, 0, 0);
	/* IDETIM: both channels decode (Linux's ata_piix checks bit 15). */
	p->pci.cfg[0x41] = 0x80;
	p->pci.cfg[0x43] = 0x80;
	memset(p->pci.wmask + 0x40, 0xff, 0x10);
	if (pci_bar_add(&p->pci, 4, PCI_BAR_IO, 16, piix_bm_io, p, err) < 0 ||
	    pci_register(bus, &p->isa, PCI_DEVFN(1, 0), err) < 0 ||
	    pci_register(bus, &p->pci, PCI_DEVFN(1, 1), err) < 0)
		goto fail;
	for (unsigned i = 0; i < 2; i++) {
		if (bus_register(&vm->pio, piix_legacy[i].cmd, 8, piix_cmd_io,
				 &p->ch[i], "ide-cmd", err) < 0 ||
		    bus_register(&vm->pio, piix_legacy[i].ctl, 1, piix_ctl_io,
				 &p->ch[i], "ide-ctl", err) < 0)
			goto fail;
	}
	return p;
fail:
	piix_ide_destroy(p);
	return NULL;
}

static int piix_create(struct vm *vm, void **state, struct gerr *err)
{
	const struct mode_preset *m = vm->cfg.mode;
	struct pci_bus *bus = pci_bus_find(vm);

	if (!m || m->platform != PLATFORM_PC || m->io != IO_EMULATED || !bus)
		return 0;
	*state = piix_ide_create(vm, bus, err);
	return *state ? 0 : -1;
}

static void piix_destroy(void *state)
{
	piix_ide_destroy(state);
}

const struct device_class piix_ide_class = {
	.name = "piix-ide",
	.stage = DEVICE_STAGE_IO,
	.create = piix_create,
	.destroy = piix_destroy,
};
DEVICE_CLASS(piix_ide_class);
