/* libFuzzer target for the legacy PC's guest-facing devices: the PCI host
 * bridge (config space, BAR sizing and moving), the PIIX3 IDE controller
 * with an ATA disk (task file, PIO, bus-master DMA with PRD tables) and the
 * e1000 (registers, EEPROM, TX/RX descriptor rings).  The input is an
 * operation stream; guest RAM is part of the input, so descriptors and PRD
 * tables point wherever the bytes say.  No access may crash gamut, touch
 * memory outside guest RAM or loop without bound.
 *
 * Each operation: 1 byte kind, then its operands:
 *   0 port write   u16 port (from a table of the PC's ports), u32 value, u8 len
 *   1 port read    u16 port, u8 len
 *   2 e1000 write  u16 register/4, u32 value
 *   3 e1000 read   u16 register/4
 *   4 RAM write    u16 page (of 256), 16 bytes
 *   5 frame in     u8 length/4, bytes follow (up to the input's end) */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdio.h>

#include "core/vm.h"
#include "devices/ata_piix.h"
#include "devices/e1000.h"
#include "pci/pci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_RAM (1u << 20)

static void fz_irq(struct vm *vm, unsigned gsi, int level)
{
	(void)vm;
	(void)gsi;
	(void)level;
}

static void fz_msi(struct vm *vm, uint64_t addr, uint32_t d)
{
	(void)vm;
	(void)addr;
	(void)d;
}

static const struct cpu_backend fz_backend = { .name = "fuzz", .irq_set = fz_irq,
					       .msi = fz_msi };

static void fz_tx(void *opaque, const uint8_t *f, size_t len)
{
	(void)opaque;
	(void)f;
	(void)len;
}

static struct vm vm;
static struct pci_bus *bus;
static struct piix_ide *ide;
static struct e1000 *nic;
static uint16_t bm;

static const uint16_t ports[] = { 0xcf8, 0xcf9, 0xcfc, 0xcfd, 0xcfe, 0x1f0,
				  0x1f1, 0x1f2, 0x1f3, 0x1f4, 0x1f5, 0x1f6,
				  0x1f7, 0x3f6, 0x170, 0x177, 0x376 };

static int fz_setup(void)
{
	static char path[64];
	struct gerr err;
	uint8_t mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
	int fd = memfd_create("fuzz-disk", 0);

	if (fd < 0 || ftruncate(fd, 64 * 512) < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	vm.cfg.mode = mode_find("hvm");
	vm.cfg.nr_disks = 1;
	vm.cfg.disk[0].path = path;
	vm.backend = &fz_backend;
	bus_init(&vm.pio, "pio");
	bus_init(&vm.mmio, "mmio");
	if (gmem_init(&vm.mem, FZ_RAM, false, &err) < 0)
		return -1;
	bus = pci_bus_create(&vm, &err);
	if (!bus)
		return -1;
	ide = piix_ide_create(&vm, bus, &err);
	nic = e1000_create(&vm, bus, mac, fz_tx, NULL, &err);
	if (!ide || !nic)
		return -1;
	bm = (uint16_t)pci_bar_address(&ide->pci, 4);
	return 0;
}

static uint32_t get(const uint8_t **p, const uint8_t *end, unsigned n)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < n && *p < end; i++, (*p)++)
		v |= (uint32_t)**p << (8 * i);
	return v;
}

static uint16_t pick_port(uint32_t v)
{
	unsigned n = sizeof(ports) / sizeof(ports[0]);

	/* The bus-master block sits at a BAR the guest may have moved. */
	return v % (n + 16) < n ? ports[v % (n + 16)] : (uint16_t)(bm + v % 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	static int ready;

	if (!ready) {
		if (fz_setup() < 0)
			return 0;
		ready = 1;
	}
	memset(vm.mem.region[0].host, 0, FZ_RAM);
	for (unsigned ops = 0; p < end && ops < 4096; ops++) {
		unsigned kind = get(&p, end, 1) % 6;
		uint64_t nicbar = pci_bar_address(&nic->pci, 0);
		uint32_t a, v, len;
		uint8_t buf[E1000_MAX_FRAME < 1024 ? E1000_MAX_FRAME : 1024];

		switch (kind) {
		case 0:
			a = pick_port(get(&p, end, 2));
			v = get(&p, end, 4);
			len = 1u << (get(&p, end, 1) % 3);
			bus_access(&vm.pio, a, &v, len, true, 0);
			break;
		case 1:
			a = pick_port(get(&p, end, 2));
			len = 1u << (get(&p, end, 1) % 3);
			bus_access(&vm.pio, a, &v, len, false, 0);
			break;
		case 2:
			a = (get(&p, end, 2) * 4u) % E1000_MMIO_SIZE;
			v = get(&p, end, 4);
			bus_access(&vm.mmio, nicbar + a, &v, 4, true, 0);
			break;
		case 3:
			a = (get(&p, end, 2) * 4u) % E1000_MMIO_SIZE;
			bus_access(&vm.mmio, nicbar + a, &v, 4, false, 0);
			break;
		case 4:
			a = (get(&p, end, 2) % 256u) * 4096u;
			len = (uint32_t)(end - p < 16 ? end - p : 16);
			gmem_write(&vm.mem, a + (a >> 12) % 4080, p, len);
			p += len;
			break;
		default:
			len = get(&p, end, 1) * 4u;
			if (len > (uint32_t)(end - p))
				len = (uint32_t)(end - p);
			if (len > sizeof(buf))
				len = sizeof(buf);
			memcpy(buf, p, len);
			p += len;
			e1000_receive(nic, buf, len);
			break;
		}
	}
	return 0;
}
