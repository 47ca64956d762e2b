/* A bare vm for device unit tests: guest RAM, the two buses and a backend
 * that only records interrupt lines and MSIs, so tests can assert what a
 * device signalled.  No vCPU runs; tests make the accesses a guest would. */
#ifndef GAMUT_TESTS_PCI_VM_H
#define GAMUT_TESTS_PCI_VM_H

#include <stdint.h>

#include "core/vm.h"
#include "pci/pci.h"

struct testvm {
	struct vm vm;
	struct pci_bus *pci;
};

extern int testvm_irq_level[64];
extern unsigned testvm_nr_msi;
extern uint64_t testvm_msi_addr;
extern uint32_t testvm_msi_data;

/* RAM of `ram` bytes, mode preset `mode` ("hvm"...), a PCI bus. */
int testvm_init(struct testvm *t, uint64_t ram, const char *mode);
void testvm_destroy(struct testvm *t);

uint32_t testvm_in(struct testvm *t, uint16_t port, unsigned len);
void testvm_out(struct testvm *t, uint16_t port, unsigned len, uint32_t v);
uint64_t testvm_mmio_read(struct testvm *t, uint64_t addr, unsigned len);
void testvm_mmio_write(struct testvm *t, uint64_t addr, unsigned len, uint64_t v);
/* Config access through CF8/CFC, as a guest does it. */
uint32_t testvm_cfg_read(struct testvm *t, unsigned devfn, unsigned reg,
			 unsigned len);
void testvm_cfg_write(struct testvm *t, unsigned devfn, unsigned reg,
		      unsigned len, uint32_t v);

#endif
