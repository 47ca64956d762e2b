/* The modern virtio-pci transport (virtio 1.x spec 4.1), for PLATFORM_PC
 * machines whose mode puts virtio on PCI (hvm-pv, pvhvm).
 *
 * Each device is one PCI function 1AF4:(1040 + device id), revision 1,
 * with:
 *   BAR 1  MSI-X table and PBA (nr_queues + 1 vectors)
 *   BAR 4  64-bit memory, 16 KiB: common config at 0x0000, ISR at 0x1000,
 *          device config at 0x2000, notifications at 0x3000 (queue q at
 *          0x3000 + 4 * q: notify_off_multiplier 4, queue_notify_off q)
 * and one vendor capability (0x09) per region.  The optional PCI_CFG access
 * capability is not offered (Linux does not use it).
 *
 * Interrupts: with MSI-X on, queue q signals its queue_msix_vector and
 * config changes config_msix_vector (NO_VECTOR: none); with MSI-X off the
 * ISR bits drive the function's INTx pin, level, until the driver reads the
 * ISR.  Notifications arrive through the bus handler (the BAR may move, so
 * no ioeventfd is bound to it). */
#ifndef GAMUT_VIRTIO_PCI_H
#define GAMUT_VIRTIO_PCI_H

#include "core/err.h"

struct vm;
struct virtio_dev;

#define VIRTIO_PCI_VENDOR	0x1af4
#define VIRTIO_PCI_DEVICE_BASE	0x1040
#define VIRTIO_PCI_BAR		4
#define VIRTIO_PCI_MSIX_BAR	1
#define VIRTIO_PCI_BAR_SIZE	0x4000
#define VIRTIO_PCI_COMMON_OFF	0x0000
#define VIRTIO_PCI_ISR_OFF	0x1000
#define VIRTIO_PCI_DEVICE_OFF	0x2000
#define VIRTIO_PCI_NOTIFY_OFF	0x3000
#define VIRTIO_PCI_NOTIFY_MULT	4
#define VIRTIO_PCI_NO_VECTOR	0xffff

/* Capability cfg_type values. */
#define VIRTIO_PCI_CAP_COMMON 1
#define VIRTIO_PCI_CAP_NOTIFY 2
#define VIRTIO_PCI_CAP_ISR    3
#define VIRTIO_PCI_CAP_DEVICE 4

/* Common configuration offsets. */
enum {
	VPCI_DFSELECT = 0x00, VPCI_DF = 0x04, VPCI_GFSELECT = 0x08,
	VPCI_GF = 0x0c, VPCI_MSIX_CONFIG = 0x10, VPCI_NUM_QUEUES = 0x12,
	VPCI_STATUS = 0x14, VPCI_CFG_GENERATION = 0x15, VPCI_Q_SELECT = 0x16,
	VPCI_Q_SIZE = 0x18, VPCI_Q_MSIX = 0x1a, VPCI_Q_ENABLE = 0x1c,
	VPCI_Q_NOFF = 0x1e, VPCI_Q_DESC = 0x20, VPCI_Q_DRIVER = 0x28,
	VPCI_Q_DEVICE = 0x30, VPCI_COMMON_SIZE = 0x38,
};

/* Puts d on the vm's PCI bus (called by virtio_attach). */
int virtio_pci_attach(struct vm *vm, struct virtio_dev *d, struct gerr *err);

#endif
