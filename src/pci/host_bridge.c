/* The PCI host bridge: configuration mechanism #1 on ports 0xCF8/0xCFC, the
 * PIIX reset control register at 0xCF9, and the bridge's own function 00.0
 * (an i440FX-class host bridge, so guests recognise the machine). */
#include <stdlib.h>
#include <string.h>

#include "core/device.h"
#include "core/vm.h"
#include "pci/pci.h"

#define CF8_ENABLE (1u << 31)

static void pci_addr_io(void *opaque, uint64_t off, void *data, unsigned len,
			bool is_write, int cpu)
{
	struct pci_bus *bus = opaque;
	uint32_t v = 0;

	(void)cpu;
	if (off == 0 && len == 4) {
		if (is_write) {
			memcpy(&v, data, 4);
			bus->cf8 = v & 0x80fffffcu;
		} else {
			memcpy(data, &bus->cf8, 4);
		}
		return;
	}
	/* A byte at 0xCF9 is the reset control register: bit 2 resets. */
	if (off == 1 && len == 1) {
		if (is_write && (*(uint8_t *)data & 0x04))
			vm_stop(bus->vm, VM_STOP_RESET, 0,
				"guest reset through port 0xcf9");
		else if (!is_write)
			*(uint8_t *)data = 0;
		return;
	}
	if (!is_write)
		memset(data, 0xff, len);
}

static void pci_data_io(void *opaque, uint64_t off, void *data, unsigned len,
			bool is_write, int cpu)
{
	struct pci_bus *bus = opaque;
	uint32_t a = bus->cf8;
	unsigned devfn = (a >> 8) & 0xff;
	unsigned reg = (a & 0xfc) + (unsigned)off;
	bool dead = !(a & CF8_ENABLE) || ((a >> 16) & 0xff) != 0 || len > 4;
	uint32_t v = 0;

	(void)cpu;
	if (is_write) {
		if (!dead) {
			memcpy(&v, data, len);
			pci_conf_write(bus, devfn, reg, len, v);
		}
		return;
	}
	v = dead ? 0xffffffffu : pci_conf_read(bus, devfn, reg, len);
	memcpy(data, &v, len);
}

struct pci_bus *pci_bus_create(struct vm *vm, struct gerr *err)
{
	struct pci_bus *bus = calloc(1, sizeof(*bus));
	pthread_mutexattr_t attr;

	if (!bus) {
		gerr_set(err, "pci: out of memory");
		return NULL;
	}
	bus->vm = vm;
	/* Recursive: a device's config hook may raise its INTx line. */
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&bus->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	bus->next_mmio = PCI_MMIO_BASE;
	bus->next_io = PCI_IO_BASE;
	pci_dev_init(&bus->host, "pci-host", 0x8086, 0x1237, 0x060000, 0x02, 0);
	if (pci_register(bus, &bus->host, PCI_DEVFN(0, 0), err) < 0 ||
	    bus_register(&vm->pio, PCI_PORT_ADDR, 4, pci_addr_io, bus, "pci-addr",
			 err) < 0 ||
	    bus_register(&vm->pio, PCI_PORT_DATA, 4, pci_data_io, bus, "pci-data",
			 err) < 0) {
		pci_bus_destroy(bus);
		return NULL;
	}
	return bus;
}

void pci_bus_destroy(struct pci_bus *bus)
{
	if (!bus)
		return;
	pthread_mutex_destroy(&bus->lock);
	free(bus);
}

static int pci_host_create(struct vm *vm, void **state, struct gerr *err)
{
	if (!vm->cfg.mode || vm->cfg.mode->platform != PLATFORM_PC)
		return 0;
	*state = pci_bus_create(vm, err);
	return *state ? 0 : -1;
}

static void pci_host_destroy(void *state)
{
	pci_bus_destroy(state);
}

const struct device_class pci_host_class = {
	.name = "pci",
	.stage = DEVICE_STAGE_PLATFORM,
	.create = pci_host_create,
	.destroy = pci_host_destroy,
};
DEVICE_CLASS(pci_host_class);

struct pci_bus *pci_bus_find(struct vm *vm)
{
	return device_state(vm, "pci");
}
