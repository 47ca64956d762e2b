/* The PCI bus of the legacy PC: a host bridge with configuration mechanism
 * #1 (ports 0xCF8/0xCFC), a registry of functions, BAR decoding and INTx.
 *
 * Order of calls:
 *   - the host bridge ("pci" device class, stage PLATFORM) exists on
 *     PLATFORM_PC machines; IO-stage devices find it with pci_bus_find();
 *   - a device fills a struct pci_dev: pci_dev_init(), pci_bar_add() for
 *     each BAR, pci_cap_add() / pci_msix_init() for capabilities, then
 *     pci_register(), which gives it a slot, assigns its BARs in the PCI
 *     windows, turns decoding on and maps the BARs on the vm's buses (gamut
 *     does the firmware's BAR assignment before boot; the guest may move
 *     BARs later and the mappings follow);
 *   - at run time config accesses arrive through the ports (any vCPU
 *     thread); pci_irq_set() may be called from any thread.
 *
 * BAR sizing follows the spec: the writable bits of a BAR are its address
 * bits above the size, so a write of all ones reads back ~(size-1) with the
 * type bits, and odd values are masked the same way. */
#ifndef GAMUT_PCI_PCI_H
#define GAMUT_PCI_PCI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/bus.h"
#include "core/err.h"

struct vm;

#define PCI_CFG_SIZE	256
#define PCI_NUM_BARS	6
#define PCI_MAX_DEVFN	256 /* bus 0 only: 32 slots x 8 functions */
#define PCI_DEVFN(slot, fn) (((slot) << 3) | (fn))

/* Ports of configuration mechanism #1, and the PIIX reset control register
 * that shares the CF8 dword (a byte write of bit 2 resets the machine). */
#define PCI_PORT_ADDR	0xcf8
#define PCI_PORT_DATA	0xcfc
#define PCI_PORT_RESET	0xcf9

/* Windows gamut assigns BARs from (below the IOAPIC, above guest RAM,
 * clear of the virtio-mmio area that only microvm machines use). */
#define PCI_MMIO_BASE	0xe0000000ull
#define PCI_MMIO_END	0xfe000000ull
#define PCI_IO_BASE	0xc000u
#define PCI_IO_END	0x10000u

/* INTx routing: the pin of the function in `slot` reaches ISA line
 * pci_intx_lines[(slot + pin - 1) & 3] (the usual swizzle); lines are
 * level-triggered and shared, asserted while any function drives them. */
#define PCI_INTX_LINES { 10, 11, 10, 11 }

/* Configuration-space offsets and bits. */
#define PCI_VENDOR_ID	   0x00
#define PCI_DEVICE_ID	   0x02
#define PCI_COMMAND	   0x04
#define PCI_STATUS	   0x06
#define PCI_REVISION	   0x08
#define PCI_CLASS_PROG	   0x09
#define PCI_HEADER_TYPE	   0x0e
#define PCI_BAR0	   0x10
#define PCI_SUBSYS_VENDOR  0x2c
#define PCI_SUBSYS_ID	   0x2e
#define PCI_ROM_ADDRESS	   0x30
#define PCI_CAP_PTR	   0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN  0x3d

#define PCI_CMD_IO	     0x0001
#define PCI_CMD_MEM	     0x0002
#define PCI_CMD_MASTER	     0x0004
#define PCI_CMD_INTX_DISABLE 0x0400
#define PCI_STATUS_INTX	     0x0008
#define PCI_STATUS_CAPS	     0x0010

#define PCI_CAP_ID_VENDOR 0x09
#define PCI_CAP_ID_MSIX	  0x11

enum pci_bar_kind { PCI_BAR_NONE, PCI_BAR_IO, PCI_BAR_MEM32, PCI_BAR_MEM64 };

struct pci_bar {
	enum pci_bar_kind kind;
	uint64_t size;	     /* power of two; 16 or more for memory, 4 for I/O */
	bus_io_fn fn;	     /* serves accesses at offsets inside the BAR */
	void *opaque;
	bool mapped;	     /* registered on a bus at `mapped_at` */
	uint64_t mapped_at;
};

struct pci_bus;
struct pci_msix;

struct pci_dev {
	const char *name;
	struct pci_bus *bus;
	unsigned devfn;
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE];   /* bits a guest write may change */
	uint8_t w1cmask[PCI_CFG_SIZE]; /* bits a guest write of 1 clears */
	struct pci_bar bar[PCI_NUM_BARS];
	uint8_t next_cap;	       /* where pci_cap_add puts the next one */
	unsigned intx_line;	       /* vm interrupt line of INTx */
	bool intx_level;
	struct pci_msix *msix;
	/* Optional: runs after a guest config write of `len` bytes at `reg`
	 * (with the bus lock held: do not call pci_conf_* from it). */
	void (*config_written)(struct pci_dev *d, unsigned reg, unsigned len);
	void *opaque;
};

/* Fills the header: ids, class (base<<16 | sub<<8 | prog-if), revision,
 * INTx pin (0: none, 1: INTA...) and the writable command bits. */
void pci_dev_init(struct pci_dev *d, const char *name, uint16_t vendor,
		  uint16_t device, uint32_t class_code, uint8_t revision,
		  uint8_t intx_pin);
/* Declares BAR `idx` (a 64-bit BAR also takes idx+1). */
int pci_bar_add(struct pci_dev *d, unsigned idx, enum pci_bar_kind kind,
		uint64_t size, bus_io_fn fn, void *opaque, struct gerr *err);
/* Appends a capability of `len` bytes (id and next pointer included) to
 * the list; returns its config offset, or -1 when space runs out. */
int pci_cap_add(struct pci_dev *d, uint8_t id, unsigned len, struct gerr *err);
/* Adds d at `devfn` (or the first free slot's function 0 when devfn < 0),
 * assigns and maps its BARs. */
int pci_register(struct pci_bus *bus, struct pci_dev *d, int devfn,
		 struct gerr *err);
/* Takes d off the bus: unmaps its BARs and drops its INTx level.  For a
 * device's destroy(), when no vCPU runs any more. */
void pci_unregister(struct pci_dev *d);
/* Drives the function's INTx pin (level; ignored while INTx is disabled
 * in the command register). */
void pci_irq_set(struct pci_dev *d, bool level);
/* The BAR's current guest address (decoded or not). */
uint64_t pci_bar_address(const struct pci_dev *d, unsigned idx);

/* Config helpers for device code (host-side, no masks applied). */
static inline uint16_t pci_cfg_get16(const struct pci_dev *d, unsigned off)
{
	return (uint16_t)(d->cfg[off] | d->cfg[off + 1] << 8);
}
void pci_cfg_set16(struct pci_dev *d, unsigned off, uint16_t v);
void pci_cfg_set32(struct pci_dev *d, unsigned off, uint32_t v);

/* The bus and its host bridge. */
struct pci_bus {
	struct vm *vm;
	pthread_mutex_t lock;	 /* config space, BAR maps, INTx levels */
	uint32_t cf8;		 /* configuration address latch */
	struct pci_dev *dev[PCI_MAX_DEVFN];
	struct pci_dev host;	 /* 00.0: the host bridge itself */
	uint64_t next_mmio;
	uint32_t next_io;
};

/* Creates the bus with its host bridge and registers the ports. */
struct pci_bus *pci_bus_create(struct vm *vm, struct gerr *err);
void pci_bus_destroy(struct pci_bus *bus);
/* The bus of a PLATFORM_PC vm (the "pci" device's state), or NULL. */
struct pci_bus *pci_bus_find(struct vm *vm);

/* Configuration access as the guest makes it through CF8/CFC: bus 0,
 * `devfn`, byte offset `reg` (len 1, 2 or 4, not crossing a dword).  A
 * missing function reads as all ones and ignores writes. */
uint32_t pci_conf_read(struct pci_bus *bus, unsigned devfn, unsigned reg,
		       unsigned len);
void pci_conf_write(struct pci_bus *bus, unsigned devfn, unsigned reg,
		    unsigned len, uint32_t val);

/* Calls fn for every registered function (for MP/ACPI tables, `gamut`
 * introspection). */
void pci_for_each(struct pci_bus *bus, void (*fn)(struct pci_dev *d, void *arg),
		  void *arg);

#endif
