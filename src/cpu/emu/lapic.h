/* The local APIC of each software vCPU (xAPIC, MMIO at LAYOUT_LAPIC).
 *
 * Registers are touched only by their own vCPU's thread (the MMIO page is
 * per-CPU: the bus handler's `cpu` argument picks the APIC), except the
 * IRR and TMR, which any thread sets with atomic bit operations when it
 * delivers an interrupt (IPI, MSI, IOAPIC), then kicks the target.
 *
 * The timer counts at LAPIC_BUS_HZ divided by the divide configuration;
 * expiry is checked by the owning vCPU (lapic_poll) between instructions
 * and by the halt loop, which sleeps until lapic_deadline(). */
#ifndef GAMUT_CPU_EMU_LAPIC_H
#define GAMUT_CPU_EMU_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

struct vm;
struct emu_cpu;

#define LAPIC_BUS_HZ 1000000000ull /* one count per ns before dividing */
#define LAPIC_MAX 64

struct emu_lapic;

/* All APICs of one VM, for IPIs and MSIs. */
struct lapic_sys {
	struct emu_lapic *apic[LAPIC_MAX];
	unsigned n;
	struct vm *vm; /* NULL in the bare test API */
	/* The software PIC and IOAPIC states (irq_route.h), NULL when absent;
	 * set by the backend before vCPUs run. */
	void *pic, *ioapic;
};

struct emu_lapic *lapic_new(struct lapic_sys *sys, struct emu_cpu *cpu,
			    uint32_t id);
void lapic_free(struct emu_lapic *l);
void lapic_reset(struct emu_lapic *l);

/* The MMIO handler; `opaque` is the struct lapic_sys. */
void lapic_mmio(void *opaque, uint64_t off, void *data, unsigned len,
		bool is_write, int cpu);

/* Highest deliverable vector (moved from IRR to ISR), an ExtINT vector
 * acknowledged from the PIC, or -1.  Call with RFLAGS.IF set. */
int lapic_take_interrupt(struct emu_lapic *l);
/* True when an interrupt would be taken with IF=1 (wakes HLT). */
bool lapic_has_interrupt(struct emu_lapic *l);
/* Fires an expired timer into the IRR. */
void lapic_poll(struct emu_lapic *l, uint64_t now_ns);
/* Host monotonic ns of the next timer expiry, 0 when none. */
uint64_t lapic_deadline(struct emu_lapic *l);

/* Delivery by message (MSI, IOAPIC, IPI).  dest: APIC ID (physical) or
 * logical mask; mode: 0 fixed, 1 lowest priority, 4 NMI, 5 INIT, 6 SIPI,
 * 7 ExtINT. */
void lapic_deliver(struct lapic_sys *sys, uint32_t dest, bool logical,
		   unsigned mode, uint8_t vector, bool level);
/* Sets an IRR bit directly (fixed mode to one APIC). */
void lapic_set_irr(struct emu_lapic *l, uint8_t vector, bool level);

uint8_t lapic_get_tpr(struct emu_lapic *l);
void lapic_set_tpr(struct emu_lapic *l, uint8_t tpr);
/* The MSR_IA32_APICBASE value (BSP bit, enable bit, base). */
uint64_t lapic_get_base(struct emu_lapic *l);
void lapic_set_base(struct emu_lapic *l, uint64_t v);

/* MSR_KVM_PV_EOI_EN (kvm_pv.h): false for a value KVM refuses (#GP). */
bool lapic_pv_eoi_write(struct emu_lapic *l, uint64_t msr);
uint64_t lapic_pv_eoi_read(const struct emu_lapic *l);
/* The vCPU whose APIC has `apic_id` (same VM), or NULL. */
struct emu_cpu *lapic_cpu_by_id(struct emu_lapic *l, uint32_t apic_id);

/* Monotonic host time in ns. */
uint64_t emu_now_ns(void);

#endif
