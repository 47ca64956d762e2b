/* The local APIC (see lapic.h). */
#include "cpu/emu/lapic.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/layout.h"
#include "cpu/emu/cpu.h"
#include "cpu/emu/irq_route.h"

enum {
	R_ID = 0x20, R_VER = 0x30, R_TPR = 0x80, R_APR = 0x90, R_PPR = 0xa0,
	R_EOI = 0xb0, R_LDR = 0xd0, R_DFR = 0xe0, R_SVR = 0xf0, R_ISR = 0x100,
	R_TMR = 0x180, R_IRR = 0x200, R_ESR = 0x280, R_CMCI = 0x2f0,
	R_ICR_LO = 0x300, R_ICR_HI = 0x310, R_LVT_TIMER = 0x320,
	R_LVT_ERR = 0x370, R_TIMER_INIT = 0x380, R_TIMER_CUR = 0x390,
	R_TIMER_DIV = 0x3e0,
};
#define NR_LVT 7 /* CMCI, timer, thermal, perf, LINT0, LINT1, error */
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)

struct emu_lapic {
	struct lapic_sys *sys;
	struct emu_cpu *cpu;
	uint32_t id;
	uint32_t irr[8], tmr[8]; /* atomic */
	uint32_t isr[8];
	uint32_t tpr, ldr, dfr, svr, esr, icr_lo, icr_hi;
	uint32_t lvt[NR_LVT]; /* index: (reg - 0x320) / 16 + 1, CMCI at 0 */
	uint32_t timer_init, timer_div;
	uint64_t timer_start, timer_deadline; /* ns; deadline 0: stopped */
	uint64_t base;
	/* PV EOI (kvm_pv.h): the guest byte whose bit 0 says "this EOI may be
	 * skipped"; pending while gamut has set that bit. */
	uint64_t pv_eoi_msr;
	bool pv_eoi_pending;
};

uint64_t emu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct emu_lapic *lapic_new(struct lapic_sys *sys, struct emu_cpu *cpu,
			    uint32_t id)
{
	struct emu_lapic *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->sys = sys;
	l->cpu = cpu;
	l->id = id;
	lapic_reset(l);
	return l;
}

void lapic_free(struct emu_lapic *l)
{
	free(l);
}

void lapic_reset(struct emu_lapic *l)
{
	memset(l->irr, 0, sizeof(l->irr));
	memset(l->isr, 0, sizeof(l->isr));
	memset(l->tmr, 0, sizeof(l->tmr));
	l->tpr = l->ldr = l->esr = l->icr_lo = l->icr_hi = 0;
	l->dfr = 0xffffffffu;
	l->svr = 0xff;
	for (unsigned i = 0; i < NR_LVT; i++)
		l->lvt[i] = LVT_MASKED;
	l->timer_init = l->timer_div = 0;
	l->timer_deadline = 0;
	l->base = LAYOUT_LAPIC | (1ull << 11) | (l->id == 0 ? 1ull << 8 : 0);
	l->pv_eoi_msr = 0;
	l->pv_eoi_pending = false;
}

static bool sw_enabled(const struct emu_lapic *l)
{
	return (l->base & (1ull << 11)) && (l->svr & 0x100);
}

static int highest(const uint32_t *bits, bool atomic)
{
	for (int i = 7; i >= 0; i--) {
		uint32_t w = atomic ? __atomic_load_n(&bits[i], __ATOMIC_ACQUIRE)
				    : bits[i];

		if (w)
			return i * 32 + 31 - __builtin_clz(w);
	}
	return -1;
}

static unsigned ppr(const struct emu_lapic *l)
{
	int isr = highest(l->isr, false);
	unsigned isrv = isr < 0 ? 0 : (unsigned)isr & 0xf0;

	return (l->tpr & 0xf0) >= isrv ? l->tpr & 0xff : isrv;
}

void lapic_set_irr(struct emu_lapic *l, uint8_t vector, bool level)
{
	uint32_t bit = 1u << (vector & 31);

	if (level)
		__atomic_fetch_or(&l->tmr[vector >> 5], bit, __ATOMIC_ACQ_REL);
	else
		__atomic_fetch_and(&l->tmr[vector >> 5], ~bit, __ATOMIC_ACQ_REL);
	__atomic_fetch_or(&l->irr[vector >> 5], bit, __ATOMIC_ACQ_REL);
	emu_kick(l->cpu, EV_IRQ);
}

static void *pic_of(struct emu_lapic *l);

/* The PIC reaches the BSP through LINT0 in ExtINT mode, or directly while
 * the APIC is disabled (virtual wire, as after reset). */
static bool extint_allowed(const struct emu_lapic *l)
{
	uint32_t lint0 = l->lvt[4];

	if (l->id != 0)
		return false;
	if (!sw_enabled(l))
		return true;
	return !(lint0 & LVT_MASKED) && ((lint0 >> 8) & 7) == 7;
}

static void do_eoi(struct emu_lapic *l);
static void pv_eoi_from_guest(struct emu_lapic *l);
static void pv_eoi_to_guest(struct emu_lapic *l, int vector);

bool lapic_has_interrupt(struct emu_lapic *l)
{
	int v;
	void *pic;

	pv_eoi_from_guest(l);
	v = highest(l->irr, true);

	if (v >= 0 && sw_enabled(l) && ((unsigned)v & 0xf0) > (ppr(l) & 0xf0))
		return true;
	if (extint_allowed(l) && (pic = pic_of(l)) &&
	    pic_pending(pic))
		return true;
	return false;
}

int lapic_take_interrupt(struct emu_lapic *l)
{
	int v;
	void *pic;

	pv_eoi_from_guest(l);
	lapic_poll(l, 0);
	v = highest(l->irr, true);
	if (v >= 0 && sw_enabled(l) && ((unsigned)v & 0xf0) > (ppr(l) & 0xf0)) {
		__atomic_fetch_and(&l->irr[v >> 5], ~(1u << (v & 31)), __ATOMIC_ACQ_REL);
		l->isr[v >> 5] |= 1u << (v & 31);
		pv_eoi_to_guest(l, v);
		return v;
	}
	if (extint_allowed(l) && (pic = pic_of(l)) &&
	    pic_pending(pic))
		return pic_ack(pic);
	return -1;
}

static unsigned divisor(const struct emu_lapic *l)
{
	unsigned v = (l->timer_div & 3) | ((l->timer_div & 8) >> 1);

	return v == 7 ? 1 : 2u << v;
}

static void timer_start(struct emu_lapic *l, uint64_t now)
{
	l->timer_start = now;
	l->timer_deadline = l->timer_init
		? now + (uint64_t)l->timer_init * divisor(l) * (1000000000ull / LAPIC_BUS_HZ)
		: 0;
}

void lapic_poll(struct emu_lapic *l, uint64_t now)
{
	uint32_t lvt = l->lvt[1];

	if (!l->timer_deadline)
		return;
	if (!now)
		now = emu_now_ns();
	if (now < l->timer_deadline)
		return;
	if (!(lvt & LVT_MASKED) && sw_enabled(l))
		lapic_set_irr(l, (uint8_t)lvt, false);
	if (lvt & LVT_PERIODIC) {
		uint64_t period = l->timer_deadline - l->timer_start;

		/* Skip whole periods we slept through rather than storm. */
		l->timer_start = l->timer_deadline;
		l->timer_deadline += period;
		if (l->timer_deadline <= now)
			timer_start(l, now);
	} else {
		l->timer_deadline = 0;
	}
}

uint64_t lapic_deadline(struct emu_lapic *l)
{
	return l->timer_deadline;
}

static uint32_t timer_current(const struct emu_lapic *l)
{
	uint64_t now = emu_now_ns(), ticks;

	if (!l->timer_deadline || now >= l->timer_deadline)
		return 0;
	ticks = (l->timer_deadline - now) / divisor(l);
	return ticks > l->timer_init ? l->timer_init : (uint32_t)ticks;
}

static void do_eoi(struct emu_lapic *l)
{
	int v = highest(l->isr, false);
	void *io;

	if (v < 0)
		return;
	l->isr[v >> 5] &= ~(1u << (v & 31));
	if ((__atomic_load_n(&l->tmr[v >> 5], __ATOMIC_ACQUIRE) >> (v & 31)) & 1) {
		io = l->sys->ioapic;
		if (io)
			ioapic_eoi(io, (uint8_t)v);
	}
}

static bool match_dest(const struct emu_lapic *l, uint32_t dest, bool logical)
{
	if (!logical)
		return dest == 0xff || dest == l->id;
	if (l->dfr >> 28 == 0xf) /* flat */
		return ((l->ldr >> 24) & dest) != 0;
	/* cluster: high nibble cluster, low nibble members */
	return ((l->ldr >> 28) == (dest >> 4) || (dest >> 4) == 0xf) &&
	       ((l->ldr >> 24) & dest & 0xf);
}

static void deliver_one(struct emu_lapic *t, unsigned mode, uint8_t vector,
			bool level)
{
	switch (mode) {
	case 0:
	case 1:
		lapic_set_irr(t, vector, level);
		break;
	case 4:
		emu_kick(t->cpu, EV_NMI);
		break;
	case 5:
		emu_kick(t->cpu, EV_INIT);
		break;
	case 6:
		t->cpu->sipi_vector = vector;
		emu_kick(t->cpu, EV_SIPI);
		break;
	case 7:
		emu_kick(t->cpu, EV_IRQ);
		break;
	}
}

void lapic_deliver(struct lapic_sys *sys, uint32_t dest, bool logical,
		   unsigned mode, uint8_t vector, bool level)
{
	for (unsigned i = 0; i < sys->n; i++) {
		struct emu_lapic *t = sys->apic[i];

		if (!t || !match_dest(t, dest, logical))
			continue;
		deliver_one(t, mode, vector, level);
		if (mode == 1)
			return; /* lowest priority: the first match will do */
	}
}

static void send_ipi(struct emu_lapic *l)
{
	unsigned mode = (l->icr_lo >> 8) & 7, sh = (l->icr_lo >> 18) & 3;
	uint8_t vec = (uint8_t)l->icr_lo;
	bool logical = (l->icr_lo >> 11) & 1;

	/* INIT level de-assert is a no-op on xAPICs of this era. */
	if (mode == 5 && !((l->icr_lo >> 14) & 1))
		return;
	switch (sh) {
	case 0:
		lapic_deliver(l->sys, l->icr_hi >> 24, logical, mode, vec, false);
		break;
	case 1:
		deliver_one(l, mode, vec, false);
		break;
	default:
		for (unsigned i = 0; i < l->sys->n; i++) {
			struct emu_lapic *t = l->sys->apic[i];

			if (t && (sh == 2 || t != l))
				deliver_one(t, mode, vec, false);
		}
		break;
	}
}

static uint32_t lapic_read(struct emu_lapic *l, unsigned reg)
{
	if (reg >= R_ISR && reg < R_ISR + 0x80)
		return l->isr[(reg - R_ISR) >> 4];
	if (reg >= R_TMR && reg < R_TMR + 0x80)
		return __atomic_load_n(&l->tmr[(reg - R_TMR) >> 4], __ATOMIC_ACQUIRE);
	if (reg >= R_IRR && reg < R_IRR + 0x80)
		return __atomic_load_n(&l->irr[(reg - R_IRR) >> 4], __ATOMIC_ACQUIRE);
	if (reg >= R_LVT_TIMER && reg <= R_LVT_ERR)
		return l->lvt[(reg - R_LVT_TIMER) / 16 + 1];
	switch (reg) {
	case R_ID: return l->id << 24;
	case R_VER: return 0x14 | ((NR_LVT - 1) << 16); /* 6 entries beyond 0 */
	case R_TPR: return l->tpr;
	case R_PPR: return ppr(l);
	case R_LDR: return l->ldr;
	case R_DFR: return l->dfr;
	case R_SVR: return l->svr;
	case R_ESR: return l->esr;
	case R_CMCI: return l->lvt[0];
	case R_ICR_LO: return l->icr_lo & ~(1u << 12); /* never busy */
	case R_ICR_HI: return l->icr_hi;
	case R_TIMER_INIT: return l->timer_init;
	case R_TIMER_CUR: return timer_current(l);
	case R_TIMER_DIV: return l->timer_div;
	}
	return 0;
}

static void lapic_write(struct emu_lapic *l, unsigned reg, uint32_t v)
{
	if (reg >= R_LVT_TIMER && reg <= R_LVT_ERR) {
		if (!sw_enabled(l))
			v |= LVT_MASKED;
		l->lvt[(reg - R_LVT_TIMER) / 16 + 1] = v;
		return;
	}
	switch (reg) {
	case R_ID: l->id = v >> 24; break;
	case R_TPR: l->tpr = v & 0xff; emu_kick(l->cpu, EV_IRQ); break;
	case R_EOI: do_eoi(l); emu_kick(l->cpu, EV_IRQ); break;
	case R_LDR: l->ldr = v & 0xff000000u; break;
	case R_DFR: l->dfr = v | 0x0fffffffu; break;
	case R_SVR:
		l->svr = v & 0x3ff;
		if (!(v & 0x100))
			for (unsigned i = 0; i < NR_LVT; i++)
				l->lvt[i] |= LVT_MASKED;
		break;
	case R_ESR: l->esr = 0; break;
	case R_CMCI: l->lvt[0] = v; break;
	case R_ICR_HI: l->icr_hi = v; break;
	case R_ICR_LO: l->icr_lo = v; send_ipi(l); break;
	case R_TIMER_INIT:
		l->timer_init = v;
		timer_start(l, emu_now_ns());
		break;
	case R_TIMER_DIV: l->timer_div = v & 0xb; break;
	}
}

void lapic_mmio(void *opaque, uint64_t off, void *data, unsigned len,
		bool is_write, int cpu)
{
	struct lapic_sys *sys = opaque;
	struct emu_lapic *l;
	uint32_t v = 0;

	if (cpu < 0 || (unsigned)cpu >= sys->n || !(l = sys->apic[cpu]) ||
	    len != 4 || (off & 3)) {
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	pv_eoi_from_guest(l); /* an EOI the guest skipped comes first */
	if (is_write) {
		memcpy(&v, data, 4);
		lapic_write(l, (unsigned)off & 0xff0, v);
	} else {
		v = lapic_read(l, (unsigned)off & 0xff0);
		memcpy(data, &v, 4);
	}
}

uint8_t lapic_get_tpr(struct emu_lapic *l)
{
	return (uint8_t)(l->tpr >> 4);
}

void lapic_set_tpr(struct emu_lapic *l, uint8_t tpr)
{
	l->tpr = (uint32_t)(tpr & 15) << 4;
}

uint64_t lapic_get_base(struct emu_lapic *l)
{
	return l->base;
}

void lapic_set_base(struct emu_lapic *l, uint64_t v)
{
	/* The base stays at LAYOUT_LAPIC (the MMIO page is not movable). */
	l->base = (l->base & ~((1ull << 11) | (1ull << 8))) |
		  (v & (1ull << 11)) | (l->id == 0 ? 1ull << 8 : 0);
}

static void *pic_of(struct emu_lapic *l)
{
	return l->sys->pic;
}

/* PV EOI, following KVM's rules: the "skip your EOI" bit is offered only
 * for an edge-triggered interrupt that is alone in the ISR with nothing
 * waiting in the IRR (a level one needs the EOI to reach the IOAPIC).
 * The guest clears the bit instead of writing the EOI register; gamut
 * notices before it next looks at the ISR (taking an interrupt, an APIC
 * access, waking from HLT) and does that EOI itself.  Guest and gamut
 * touch the byte only from this vCPU's thread, so no atomics. */
static uint64_t pv_eoi_gpa(const struct emu_lapic *l)
{
	return l->pv_eoi_msr & ~1ull;
}

static int count_bits(const uint32_t *bits)
{
	int n = 0;

	for (int i = 0; i < 8; i++)
		n += __builtin_popcount(bits[i]);
	return n;
}

static void pv_eoi_to_guest(struct emu_lapic *l, int vector)
{
	uint8_t b;

	if (!(l->pv_eoi_msr & 1) || l->pv_eoi_pending)
		return;
	if (count_bits(l->isr) != 1 || highest(l->irr, true) >= 0 ||
	    ((__atomic_load_n(&l->tmr[vector >> 5], __ATOMIC_ACQUIRE) >> (vector & 31)) & 1))
		return;
	if (gmem_read(l->cpu->mem, pv_eoi_gpa(l), &b, 1))
		return;
	b |= 1;
	if (gmem_write(l->cpu->mem, pv_eoi_gpa(l), &b, 1))
		return;
	l->pv_eoi_pending = true;
}

static void pv_eoi_from_guest(struct emu_lapic *l)
{
	uint8_t b;

	if (!l->pv_eoi_pending)
		return;
	if (gmem_read(l->cpu->mem, pv_eoi_gpa(l), &b, 1) == 0 && (b & 1))
		return; /* still in the handler */
	l->pv_eoi_pending = false;
	do_eoi(l);
}

bool lapic_pv_eoi_write(struct emu_lapic *l, uint64_t msr)
{
	uint64_t gpa = msr & ~1ull;

	/* KVM: a 4-byte aligned address; the byte must be in RAM when enabled. */
	if (gpa & 3)
		return false;
	if ((msr & 1) && !gmem_valid(l->cpu->mem, gpa, 1))
		return false;
	pv_eoi_from_guest(l); /* settle the old address first */
	l->pv_eoi_msr = msr;
	l->pv_eoi_pending = false;
	return true;
}

uint64_t lapic_pv_eoi_read(const struct emu_lapic *l)
{
	return l->pv_eoi_msr;
}

struct emu_cpu *lapic_cpu_by_id(struct emu_lapic *l, uint32_t apic_id)
{
	for (unsigned i = 0; i < l->sys->n; i++) {
		struct emu_lapic *t = l->sys->apic[i];

		if (t && t->id == apic_id)
			return t->cpu;
	}
	return NULL;
}
