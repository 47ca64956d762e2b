/* The software x86-64 CPU backend (`--cpu emu`): struct cpu_backend glue
 * over the interpreter (run.c), its LAPICs and the decode cache, and the
 * interrupt routing to the software PIC/IOAPIC devices. */
#include "cpu/emu/emu.h"

#include <stdlib.h>
#include <string.h>

#include "core/device.h"
#include "core/layout.h"
#include "core/vm.h"
#include "cpu/backend.h"
#include "cpu/emu/dcache.h"
#include "cpu/emu/irq_route.h"
#include "cpu/emu/kvm_pv.h"
#include "cpu/emu/lapic.h"

struct emu_vm {
	struct lapic_sys apics;
	struct dcache_shared *dsh;
	bool devices_found;
};

static int emu_probe(struct gerr *err)
{
	(void)err;
	return 0; /* runs on any host */
}

static int emu_vm_init(struct vm *vm, struct gerr *err)
{
	struct emu_vm *ev = calloc(1, sizeof(*ev));

	if (!ev)
		return gerr_set(err, "emu: out of memory");
	vm->backend_state = ev;
	ev->apics.vm = vm;
	ev->dsh = dcache_shared_new(&vm->mem);
	if (!ev->dsh)
		return gerr_set(err, "emu: out of memory for the decode cache");
	vm->irqchip_in_backend = false; /* PIC/IOAPIC/PIT are core devices */
	return bus_register(&vm->mmio, LAYOUT_LAPIC, 0x1000, lapic_mmio,
			    &ev->apics, "lapic", err);
}

static void emu_vm_destroy(struct vm *vm)
{
	struct emu_vm *ev = vm->backend_state;

	if (!ev)
		return;
	dcache_shared_free(ev->dsh);
	free(ev);
	vm->backend_state = NULL;
}

/* Instructions compiled code ran: what the interpreter did not.  A fault
 * leaves an interpreted block before it is counted, so this is a little
 * high by the instructions of the blocks that faulted. */
static void jit_stats(void *opaque, struct stats_snap *snap)
{
	const struct emu_cpu *c = opaque;
	uint64_t all = __atomic_load_n(&c->icount, __ATOMIC_RELAXED);
	uint64_t interp = __atomic_load_n(&c->interp_icount, __ATOMIC_RELAXED);

	stats_snap_add(snap, "emu.insns.jit", all > interp ? all - interp : 0);
}

static int emu_vcpu_init(struct vm *vm, struct vcpu *v, struct gerr *err)
{
	struct emu_vm *ev = vm->backend_state;
	struct emu_cpu *c = malloc(sizeof(*c));

	if (vm->cfg.trace && trace_load(err))
		return -1;
	if (!c || emu_cpu_init(c, &vm->mem, &vm->pio, &vm->mmio, vm, v->index)) {
		free(c);
		return gerr_set(err, "emu: cannot create the vCPU");
	}
	c->trace = vm->cfg.trace;
	c->lapic = lapic_new(&ev->apics, c, v->apic_id);
	c->dcache = dcache_new(ev->dsh);
	if (!c->lapic || !c->dcache) {
		lapic_free(c->lapic);
		dcache_free(c->dcache);
		emu_cpu_fini(c);
		free(c);
		return gerr_set(err, "emu: out of memory");
	}
	if (vm->cfg.no_jit)
		c->dcache->jit_hot = 0;
	ev->apics.apic[v->index] = c->lapic;
	if ((unsigned)v->index + 1 > ev->apics.n)
		ev->apics.n = (unsigned)v->index + 1;
	if (v->index > 0)
		c->state = EMU_WAIT_SIPI; /* APs wait for INIT/SIPI */
	v->backend = c;
	/* Per vCPU, summed by name when a snapshot is taken. */
	stats_counter(&vm->stats, "emu.insns", &c->icount);
	stats_source(&vm->stats, jit_stats, c);
	stats_counter(&vm->stats, "emu.blocks.lookups", &c->dcache->lookups);
	stats_counter(&vm->stats, "emu.blocks.decoded", &c->dcache->decoded);
	stats_counter(&vm->stats, "emu.blocks.compiled", &c->dcache->compiled);
	return 0;
}

static void emu_vcpu_destroy(struct vcpu *v)
{
	struct emu_cpu *c = v->backend;

	if (!c)
		return;
	lapic_free(c->lapic);
	dcache_free(c->dcache);
	emu_debug_free(c);
	emu_cpu_fini(c);
	free(c);
	v->backend = NULL;
}

static int emu_vcpu_set_state(struct vcpu *v, const struct x86_state *st,
			      struct gerr *err)
{
	(void)err;
	emu_set_state(v->backend, st);
	return 0;
}

static int emu_vcpu_get_state(struct vcpu *v, struct x86_state *st,
			      struct gerr *err)
{
	(void)err;
	emu_get_state(v->backend, st);
	return 0;
}

static void find_devices(struct vm *vm)
{
	struct emu_vm *ev = vm->backend_state;

	if (ev->devices_found)
		return;
	ev->apics.pic = device_state(vm, "pic");
	ev->apics.ioapic = device_state(vm, "ioapic");
	__atomic_store_n(&ev->devices_found, true, __ATOMIC_RELEASE);
}

static int emu_vcpu_run(struct vcpu *v, struct gerr *err)
{
	struct emu_cpu *c = v->backend;

	find_devices(v->vm);
	while (!vm_should_stop(v->vm)) {
		if (emu_run(c, UINT64_MAX) == EMU_EXIT_SHUTDOWN)
			return gerr_set(err, "triple fault (shutdown) at %04x:%llx",
					c->seg[X86_CS].selector,
					(unsigned long long)c->rip);
	}
	return 0;
}

static int emu_vcpu_thread_setup(struct vcpu *v, struct gerr *err)
{
	(void)err;
	kvm_pv_thread_setup(v->backend);
	return 0;
}

static void emu_vcpu_kick(struct vcpu *v)
{
	if (v->backend)
		emu_kick(v->backend, EV_KICK);
}

static int emu_vcpu_set_debug(struct vcpu *v, const struct debug_ctl *ctl,
			      struct gerr *err)
{
	return emu_set_debug(v->backend, ctl, err);
}

static int emu_vcpu_get_fpu(struct vcpu *v, struct x86_fpu *f,
			    struct gerr *err)
{
	(void)err;
	emu_get_fpu(v->backend, f);
	return 0;
}

static int emu_vcpu_set_fpu(struct vcpu *v, const struct x86_fpu *f,
			    struct gerr *err)
{
	(void)err;
	emu_set_fpu(v->backend, f);
	return 0;
}

static int emu_vcpu_set_msr(struct vcpu *v, uint32_t index, uint64_t value,
			    struct gerr *err)
{
	if (!msr_write(v->backend, index, value))
		return gerr_set(err, "MSR %#x: value %#llx refused", index,
				(unsigned long long)value);
	return 0;
}

/* The emulated TSC counts host nanoseconds (plus the vCPU's offset). */
static int emu_vcpu_tsc(struct vcpu *v, uint64_t *tsc, uint64_t *host_ns,
			uint64_t *khz, struct gerr *err)
{
	(void)err;
	*tsc = cpu_tsc(v->backend);
	*host_ns = *tsc - ((struct emu_cpu *)v->backend)->tsc_offset;
	*khz = 1000000;
	return 0;
}

static int emu_vcpu_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub,
			  uint32_t r[4], struct gerr *err)
{
	(void)err;
	cpuid_query(v->backend, leaf, sub, r);
	return 0;
}

static void emu_vcpu_flush_tlb(struct vcpu *v)
{
	mmu_flush(v->backend, true);
}

static void emu_vcpu_debug_pause(struct vcpu *v)
{
	if (v->backend)
		emu_debug_pause(v->backend);
}

static void emu_irq_set(struct vm *vm, unsigned line, int level)
{
	struct emu_vm *ev = vm->backend_state;
	void *pic, *io;

	if (!__atomic_load_n(&ev->devices_found, __ATOMIC_ACQUIRE))
		find_devices(vm);
	pic = ev->apics.pic;
	io = ev->apics.ioapic;
	if (line < 16 && pic)
		pic_set_irq(pic, line, level);
	if (io)
		ioapic_set_irq(io, line == 0 ? LAYOUT_IOAPIC_PIN_PIT : line, level);
	if (line < 16 && vm->vcpu[0].backend)
		emu_kick(vm->vcpu[0].backend, EV_IRQ); /* the PIC's INTR wire */
}

static void emu_msi(struct vm *vm, uint64_t addr, uint32_t data)
{
	struct emu_vm *ev = vm->backend_state;

	lapic_deliver(&ev->apics, (uint32_t)(addr >> 12) & 0xff, (addr >> 2) & 1,
		      (data >> 8) & 7, (uint8_t)data, (data >> 15) & 1);
}

const struct cpu_backend cpu_backend_emu = {
	.name = "emu",
	.probe = emu_probe,
	.vm_init = emu_vm_init,
	.vm_destroy = emu_vm_destroy,
	.vcpu_init = emu_vcpu_init,
	.vcpu_destroy = emu_vcpu_destroy,
	.vcpu_set_state = emu_vcpu_set_state,
	.vcpu_get_state = emu_vcpu_get_state,
	.vcpu_run = emu_vcpu_run,
	.vcpu_thread_setup = emu_vcpu_thread_setup,
	.vcpu_kick = emu_vcpu_kick,
	.irq_set = emu_irq_set,
	.msi = emu_msi,
	.vcpu_set_debug = emu_vcpu_set_debug,
	.vcpu_debug_pause = emu_vcpu_debug_pause,
	.debug_max_wp = DEBUG_MAX_WP,
	.vcpu_get_fpu = emu_vcpu_get_fpu,
	.vcpu_set_fpu = emu_vcpu_set_fpu,
	.vcpu_set_msr = emu_vcpu_set_msr,
	.vcpu_tsc = emu_vcpu_tsc,
	.vcpu_cpuid = emu_vcpu_cpuid,
	.vcpu_flush_tlb = emu_vcpu_flush_tlb,
};

/* --- the bare test API (emu.h) --- */

struct emu_solo {
	struct emu_cpu cpu;
	struct lapic_sys apics;
	struct dcache_shared *dsh;
	struct bus *mmio;
};

struct emu_solo *emu_solo_new(struct guest_mem *mem, struct bus *pio,
			      struct bus *mmio, struct gerr *err)
{
	struct emu_solo *s = calloc(1, sizeof(*s));

	if (!s || emu_cpu_init(&s->cpu, mem, pio, mmio, NULL, 0)) {
		free(s);
		gerr_set(err, "emu: cannot create the vCPU");
		return NULL;
	}
	s->dsh = dcache_shared_new(mem);
	s->cpu.dcache = s->dsh ? dcache_new(s->dsh) : NULL;
	s->cpu.lapic = lapic_new(&s->apics, &s->cpu, 0);
	s->cpu.stop_at_hlt = true;
	if (!s->cpu.dcache || !s->cpu.lapic) {
		emu_solo_free(s);
		gerr_set(err, "emu: out of memory");
		return NULL;
	}
	s->apics.apic[0] = s->cpu.lapic;
	s->apics.n = 1;
	if (mmio && bus_register(mmio, LAYOUT_LAPIC, 0x1000, lapic_mmio, &s->apics,
				 "lapic", err) < 0) {
		emu_solo_free(s);
		return NULL;
	}
	s->mmio = mmio;
	return s;
}

void emu_solo_free(struct emu_solo *s)
{
	if (!s)
		return;
	if (s->mmio)
		bus_unregister(s->mmio, LAYOUT_LAPIC);
	lapic_free(s->cpu.lapic);
	dcache_free(s->cpu.dcache);
	dcache_shared_free(s->dsh);
	emu_debug_free(&s->cpu); /* a test may have attached a debugger */
	emu_cpu_fini(&s->cpu);
	free(s);
}

struct emu_cpu *emu_solo_cpu(struct emu_solo *s)
{
	return &s->cpu;
}

void emu_solo_set_state(struct emu_solo *s, const struct x86_state *st)
{
	emu_set_state(&s->cpu, st);
}

void emu_solo_get_state(struct emu_solo *s, struct x86_state *st)
{
	emu_get_state(&s->cpu, st);
}

enum emu_exit emu_solo_run(struct emu_solo *s, uint64_t max)
{
	return emu_run(&s->cpu, max);
}
