/* The bare test vm of test_pci_vm.h. */
#include "test_pci_vm.h"

#include <stdlib.h>
#include <string.h>

#include "core/device.h"

int testvm_irq_level[64];
unsigned testvm_nr_msi;
uint64_t testvm_msi_addr;
uint32_t testvm_msi_data;

static void rec_irq_set(struct vm *vm, unsigned gsi, int level)
{
	(void)vm;
	if (gsi < 64)
		testvm_irq_level[gsi] = level;
}

static void rec_msi(struct vm *vm, uint64_t addr, uint32_t data)
{
	(void)vm;
	testvm_nr_msi++;
	testvm_msi_addr = addr;
	testvm_msi_data = data;
}

static const struct cpu_backend recording_backend = {
	.name = "test",
	.irq_set = rec_irq_set,
	.msi = rec_msi,
};

extern const struct device_class pci_host_class;

int testvm_init(struct testvm *t, uint64_t ram, const char *mode)
{
	struct gerr err;

	memset(t, 0, sizeof(*t));
	memset(testvm_irq_level, 0, sizeof(testvm_irq_level));
	testvm_nr_msi = 0;
	t->vm.cfg.mode = mode_find(mode);
	t->vm.backend = &recording_backend;
	pthread_mutex_init(&t->vm.stop_lock, NULL);
	bus_init(&t->vm.pio, "pio");
	bus_init(&t->vm.mmio, "mmio");
	t->vm.loop.epfd = t->vm.loop.wakefd = -1;
	if (gmem_init(&t->vm.mem, ram, false, &err) < 0)
		return -1;
	t->pci = pci_bus_create(&t->vm, &err);
	if (!t->pci)
		return -1;
	/* So that pci_bus_find() works for devices created by the tests. */
	t->vm.devices = calloc(8, sizeof(*t->vm.devices));
	t->vm.devices[t->vm.nr_devices++] =
		(struct vm_device){ &pci_host_class, t->pci };
	return 0;
}

void testvm_destroy(struct testvm *t)
{
	device_destroy_all(&t->vm);
	gmem_destroy(&t->vm.mem);
	bus_destroy(&t->vm.pio);
	bus_destroy(&t->vm.mmio);
	stats_destroy(&t->vm.stats);
	pthread_mutex_destroy(&t->vm.stop_lock);
}

uint32_t testvm_in(struct testvm *t, uint16_t port, unsigned len)
{
	uint32_t v = 0;

	bus_access(&t->vm.pio, port, &v, len, false, 0);
	return v;
}

void testvm_out(struct testvm *t, uint16_t port, unsigned len, uint32_t v)
{
	bus_access(&t->vm.pio, port, &v, len, true, 0);
}

uint64_t testvm_mmio_read(struct testvm *t, uint64_t addr, unsigned len)
{
	uint64_t v = 0;

	bus_access(&t->vm.mmio, addr, &v, len, false, 0);
	return v;
}

void testvm_mmio_write(struct testvm *t, uint64_t addr, unsigned len, uint64_t v)
{
	bus_access(&t->vm.mmio, addr, &v, len, true, 0);
}

uint32_t testvm_cfg_read(struct testvm *t, unsigned devfn, unsigned reg,
			 unsigned len)
{
	testvm_out(t, PCI_PORT_ADDR, 4, 0x80000000u | devfn << 8 | (reg & 0xfc));
	return testvm_in(t, (uint16_t)(PCI_PORT_DATA + (reg & 3)), len);
}

void testvm_cfg_write(struct testvm *t, unsigned devfn, unsigned reg,
		      unsigned len, uint32_t v)
{
	testvm_out(t, PCI_PORT_ADDR, 4, 0x80000000u | devfn << 8 | (reg & 0xfc));
	testvm_out(t, (uint16_t)(PCI_PORT_DATA + (reg & 3)), len, v);
}
