/* A small VM for device unit tests: real buses and event loop, no guest
 * memory, and a test backend that records every interrupt line change and
 * MSI instead of delivering them (the real delivery path is covered by the
 * integration tests).  Devices are attached one class at a time, so a test
 * sees only the devices it asked for. */
#ifndef GAMUT_TESTS_DEV_FAKEVM_H
#define GAMUT_TESTS_DEV_FAKEVM_H

#include <stdbool.h>
#include <stdint.h>

#include "core/vm.h"

#define FAKE_LINES 64
#define FAKE_MSI_MAX 64

struct fake_vm {
	struct vm vm; /* first: the backend callbacks cast back to fake_vm */
	struct mode_preset mode;
	int line[FAKE_LINES];	     /* last level set on each line */
	unsigned rises[FAKE_LINES];  /* 0 -> 1 transitions seen */
	unsigned nmsi;
	uint64_t msi_addr[FAKE_MSI_MAX];
	uint32_t msi_data[FAKE_MSI_MAX];
	unsigned kicks;
};

/* A VM on `platform`; irqchip_in_backend as the KVM backend would set it. */
struct fake_vm *fake_vm_new(enum platform_kind platform, bool irqchip_in_backend);
/* Runs the create() of the device class named `cls`; returns 0 or -1.
 * *state (may be NULL) gets the instance, as device_state() would. */
int fake_vm_attach(struct fake_vm *f, const char *cls, void **state);
void fake_vm_free(struct fake_vm *f);

uint32_t fake_in(struct fake_vm *f, uint16_t port, unsigned len);
void fake_out(struct fake_vm *f, uint16_t port, uint32_t v, unsigned len);
static inline uint8_t fake_inb(struct fake_vm *f, uint16_t port)
{
	return (uint8_t)fake_in(f, port, 1);
}
static inline void fake_outb(struct fake_vm *f, uint16_t port, uint8_t v)
{
	fake_out(f, port, v, 1);
}
uint32_t fake_mmio_read(struct fake_vm *f, uint64_t addr, unsigned len);
void fake_mmio_write(struct fake_vm *f, uint64_t addr, uint32_t v, unsigned len);
/* Runs the VM's event loop (timers, console input) for about `ms`
 * milliseconds; tests loop on it until what they wait for happened. */
int fake_vm_run_for(struct fake_vm *f, unsigned ms);

#endif
