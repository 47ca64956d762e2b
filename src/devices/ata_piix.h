/* The PIIX3 IDE controller of the legacy PC (see ata.h for the drives).
 * Created by its device class on PLATFORM_PC machines whose mode uses
 * emulated I/O; piix_ide_create() is the same step for unit tests. */
#ifndef GAMUT_DEVICES_ATA_PIIX_H
#define GAMUT_DEVICES_ATA_PIIX_H

#include "devices/ata.h"
#include "pci/pci.h"

struct piix_ide {
	struct pci_dev isa; /* 01.0: PIIX3 ISA bridge (config space only) */
	struct pci_dev pci; /* 01.1: the IDE function */
	struct ata_channel ch[2];
};

/* Opens vm->cfg's disks (at most 4) and registers the PCI functions and
 * the legacy ports. */
struct piix_ide *piix_ide_create(struct vm *vm, struct pci_bus *bus,
				 struct gerr *err);
void piix_ide_destroy(struct piix_ide *p);

#endif
