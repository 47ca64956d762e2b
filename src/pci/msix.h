/* MSI-X for PCI functions: the capability, the vector table and the
 * pending-bit array, kept in one memory BAR of the function.
 *
 * Order: pci_msix_init() after pci_dev_init() and before pci_register()
 * (it adds the capability and the BAR).  pci_msix_notify() may then be
 * called from any thread. */
#ifndef GAMUT_PCI_MSIX_H
#define GAMUT_PCI_MSIX_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

struct pci_dev;

#define PCI_MSIX_MAX_VECTORS 64
#define PCI_MSIX_ENTRY_SIZE  16
#define PCI_MSIX_PBA_OFFSET  0x800 /* in the BAR, after the table */
#define PCI_MSIX_BAR_SIZE    0x1000

/* Message control bits (capability offset + 2). */
#define PCI_MSIX_CTRL_ENABLE 0x8000
#define PCI_MSIX_CTRL_MASKALL 0x4000

struct pci_msix_entry {
	uint64_t addr;
	uint32_t data;
	uint32_t ctrl; /* bit 0: masked */
};

struct pci_msix {
	struct pci_dev *dev;
	unsigned cap;	   /* config offset of the capability */
	unsigned nvec;
	unsigned bar;
	pthread_mutex_t lock;
	struct pci_msix_entry entry[PCI_MSIX_MAX_VECTORS];
	uint64_t pending;  /* one bit per vector */
};

/* Adds an MSI-X capability with `nvec` vectors whose table and PBA live in
 * memory BAR `bar` (a 4 KiB BAR this call declares). */
int pci_msix_init(struct pci_dev *d, struct pci_msix *m, unsigned nvec,
		  unsigned bar, struct gerr *err);
/* True when the guest turned MSI-X on (then INTx must stay quiet). */
bool pci_msix_enabled(const struct pci_dev *d);
/* Signals vector `vec`: sent now, or left pending while masked (sent when
 * unmasked).  Returns false when MSI-X is off or vec is out of range. */
bool pci_msix_notify(struct pci_dev *d, unsigned vec);
/* Called by the PCI core after a config write touching the function. */
void pci_msix_config_written(struct pci_dev *d, unsigned reg, unsigned len);

#endif
