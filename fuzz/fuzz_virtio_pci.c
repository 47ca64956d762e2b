/* libFuzzer target for the modern virtio-pci transport (src/virtio/pci.c,
 * with the PCI bus and MSI-X code under it): configuration space through
 * ports CF8/CFC (the vendor capabilities, the MSI-X capability, BAR sizing
 * and moving, the command register), the common configuration, ISR, device
 * config and notification regions of BAR 4, and the MSI-X table and PBA in
 * BAR 1, on four devices at once (blk, net, console, rng), with guest RAM
 * written from the input.  No access may crash gamut, touch memory outside
 * guest RAM, hang or leak.
 *
 * Input: operations, one byte each and its operands (u8 dev picks one of
 * the four functions; widths are 1, 2, 4 or 8 from a u8):
 *   op % 12: 0 config write: u8 dev (4: the host bridge), u8 register,
 *              u8 width (1, 2, 4), u32 value
 *            1 config read: u8 dev, u8 register, u8 width
 *            2 BAR 4 write: u8 dev, u16 offset, u8 width, u64 value
 *            3 BAR 4 read: u8 dev, u16 offset, u8 width
 *            4 MSI-X BAR write: u8 dev, u16 offset, u8 width, u64 value
 *            5 MSI-X BAR read: u8 dev, u16 offset, u8 width
 *            6 RAM write (fz_ram_write)
 *            7 the Linux bring-up: u8 dev, u8 features, u8 queue size,
 *              u8 flags (bit 0 MSI-X on with a vector per queue, bit 1 ring
 *              addresses as 8-byte writes)
 *            8 notify: u8 dev, u8 queue
 *            9 ISR read (which clears it): u8 dev
 *            10 a host event: a frame from the network to virtio-net or
 *               console input to virtio-console (fz_host_event)
 *            11 offer a chain (fz_offer): u8 dev, u8 queue */
#include "fuzz_virtio.h"
#include "pci/msix.h"
#include "pci/pci.h"
#include "virtio/pci.h"

static struct pci_dev *fz_fn[FZ_NDEV + 1];

/* The functions in attach order (blk, net, console, rng), then 00.0;
 * found anew for each input's VM. */
static void fz_find_functions(struct fz_virtio *f, const uint8_t **p,
			      const uint8_t *end)
{
	struct pci_bus *bus = pci_bus_find(&f->vm);
	unsigned n = 0;

	(void)p;
	(void)end;
	for (unsigned devfn = 1; bus && devfn < PCI_MAX_DEVFN && n < FZ_NDEV; devfn++)
		if (bus->dev[devfn])
			fz_fn[n++] = bus->dev[devfn];
	if (!bus || n != FZ_NDEV) {
		fprintf(stderr, "fuzz: %u virtio-pci functions, not %d\n", n, FZ_NDEV);
		abort();
	}
	fz_fn[FZ_NDEV] = &bus->host;
}

/* A configuration access the way a guest makes it: address to CF8, data
 * at CFC plus the register's low bits. */
static uint32_t fz_cfg(struct vm *vm, struct pci_dev *d, unsigned reg,
		       unsigned w, uint32_t v, bool write)
{
	uint32_t a = 0x80000000u | d->devfn << 8 | (reg & 0xfc);

	bus_access(&vm->pio, PCI_PORT_ADDR, &a, 4, true, 0);
	bus_access(&vm->pio, PCI_PORT_DATA + (reg & 3), &v, w, write, 0);
	return v;
}

static uint64_t fz_bar(struct vm *vm, struct pci_dev *d, unsigned bar,
		       uint64_t off, unsigned w, uint64_t v, bool write)
{
	bus_access(&vm->mmio, pci_bar_address(d, bar) + off, &v, w, write, 0);
	return v;
}

static void fz_common_wr(struct vm *vm, struct pci_dev *d, unsigned off,
			 unsigned w, uint64_t v)
{
	fz_bar(vm, d, VIRTIO_PCI_BAR, VIRTIO_PCI_COMMON_OFF + off, w, v, true);
}

/* Queue setup of the bring-up; vectors 1.. for the queues with MSI-X. */
static void fz_vp_queues(struct fz_virtio *f, struct pci_dev *d, unsigned dev,
			 uint16_t size, uint8_t flags)
{
	struct vm *vm = &f->vm;

	for (unsigned q = 0; q < fz_vdev_queues[dev]; q++) {
		uint64_t ring[3];

		fz_queue_layout(f, dev, q, size, ring);
		fz_common_wr(vm, d, VPCI_Q_SELECT, 2, q);
		fz_common_wr(vm, d, VPCI_Q_SIZE, 2, size);
		for (unsigned i = 0; i < 3; i++) {
			unsigned off = VPCI_Q_DESC + 8 * i;

			if (flags & 2) {
				fz_common_wr(vm, d, off, 8, ring[i]);
			} else {
				fz_common_wr(vm, d, off, 4, (uint32_t)ring[i]);
				fz_common_wr(vm, d, off + 4, 4, ring[i] >> 32);
			}
		}
		if (flags & 1)
			fz_common_wr(vm, d, VPCI_Q_MSIX, 2, q + 1);
		fz_common_wr(vm, d, VPCI_Q_ENABLE, 2, 1);
	}
}

/* The Linux driver's order: reset, features, (MSI-X), queues, DRIVER_OK. */
static void fz_vp_bringup(struct fz_virtio *fv, unsigned dev, uint8_t fb,
			  uint8_t qsz, uint8_t flags)
{
	struct vm *vm = &fv->vm;
	struct pci_dev *d = fz_fn[dev];
	unsigned s = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
	uint64_t f = 0, want;

	fz_common_wr(vm, d, VPCI_STATUS, 1, 0);
	fz_common_wr(vm, d, VPCI_STATUS, 1, s);
	for (unsigned sel = 0; sel < 2; sel++) {
		fz_common_wr(vm, d, VPCI_DFSELECT, 4, sel);
		f |= fz_bar(vm, d, VIRTIO_PCI_BAR, VPCI_DF, 4, 0, false) << (32 * sel);
	}
	want = fz_want(f, fb);
	for (unsigned sel = 0; sel < 2; sel++) {
		fz_common_wr(vm, d, VPCI_GFSELECT, 4, sel);
		fz_common_wr(vm, d, VPCI_GF, 4, (uint32_t)(want >> (32 * sel)));
	}
	s |= VIRTIO_STATUS_FEATURES_OK;
	fz_common_wr(vm, d, VPCI_STATUS, 1, s);
	if ((flags & 1) && d->msix) {
		fz_cfg(vm, d, d->msix->cap + 2, 2, PCI_MSIX_CTRL_ENABLE, true);
		for (unsigned i = 0; i < d->msix->nvec; i++) {
			uint64_t e = (uint64_t)i * PCI_MSIX_ENTRY_SIZE;

			fz_bar(vm, d, VIRTIO_PCI_MSIX_BAR, e, 8, 0xfee00000u, true);
			fz_bar(vm, d, VIRTIO_PCI_MSIX_BAR, e + 8, 4, 0x30 + i, true);
			fz_bar(vm, d, VIRTIO_PCI_MSIX_BAR, e + 12, 4, 0, true);
		}
		fz_common_wr(vm, d, VPCI_MSIX_CONFIG, 2, 0);
	}
	fz_vp_queues(fv, d, dev, (uint16_t)(1u << (qsz % 9)), flags);
	fz_common_wr(vm, d, VPCI_STATUS, 1, s | VIRTIO_STATUS_DRIVER_OK);
}

static unsigned fz_width(uint32_t v, unsigned max)
{
	return 1u << (v % (max == 8 ? 4 : 3));
}

static void fz_pci_step(struct fz_virtio *f, unsigned op, const uint8_t **p,
			const uint8_t *end)
{
	unsigned dev, reg, w, a, b;
	uint64_t v = 0;

	switch (op %= 12) {
	case 0:
	case 1:
		dev = fz_get(p, end, 1) % (FZ_NDEV + 1);
		reg = fz_get(p, end, 1);
		w = fz_width(fz_get(p, end, 1), 4);
		v = op == 0 ? fz_get(p, end, 4) : 0;
		fz_cfg(&f->vm, fz_fn[dev], reg, w, (uint32_t)v, op == 0);
		break;
	case 2:
	case 3:
	case 4:
	case 5:
		dev = fz_get(p, end, 1) % FZ_NDEV;
		reg = fz_get(p, end, 2) % (op < 4 ? VIRTIO_PCI_BAR_SIZE : PCI_MSIX_BAR_SIZE);
		w = fz_width(fz_get(p, end, 1), 8);
		if (op % 2 == 0)
			v = fz_get(p, end, 4) | (uint64_t)fz_get(p, end, 4) << 32;
		fz_bar(&f->vm, fz_fn[dev], op < 4 ? VIRTIO_PCI_BAR : VIRTIO_PCI_MSIX_BAR,
		       reg, w, v, op % 2 == 0);
		break;
	case 6:
		fz_ram_write(&f->vm, p, end);
		break;
	case 7:
		dev = fz_get(p, end, 1) % FZ_NDEV;
		a = fz_get(p, end, 1);
		b = fz_get(p, end, 1);
		fz_vp_bringup(f, dev, (uint8_t)a, (uint8_t)b,
			      (uint8_t)fz_get(p, end, 1));
		break;
	case 8:
		dev = fz_get(p, end, 1) % FZ_NDEV;
		reg = fz_get(p, end, 1);
		fz_bar(&f->vm, fz_fn[dev], VIRTIO_PCI_BAR,
		       VIRTIO_PCI_NOTIFY_OFF + VIRTIO_PCI_NOTIFY_MULT * (reg % 8), 2,
		       reg, true);
		break;
	case 9:
		dev = fz_get(p, end, 1) % FZ_NDEV;
		fz_bar(&f->vm, fz_fn[dev], VIRTIO_PCI_BAR, VIRTIO_PCI_ISR_OFF, 1, 0,
		       false);
		break;
	case 10:
		fz_host_event(p, end);
		break;
	default:
		dev = fz_get(p, end, 1) % FZ_NDEV;
		fz_offer(f, dev, fz_get(p, end, 1), p, end);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_virtio_run("hvm-pv", FZ_ALL, data, size, fz_find_functions,
			     fz_pci_step);
}
