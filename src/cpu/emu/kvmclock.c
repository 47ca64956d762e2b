/* kvmclock: the guest reads time as
 *   system_time + ((tsc - tsc_timestamp) << tsc_shift) * mul >> 32  (ns).
 * The emulated TSC runs at 1 GHz (cpu_tsc: emu_now_ns plus this vCPU's
 * offset), so the scale is exactly one (shift 1, mul 2^31) and the
 * relation never drifts: the structure is written only when the guest
 * enables it or moves the TSC, never periodically.  Every vCPU derives
 * system time from the same host clock, hence PVCLOCK_TSC_STABLE.
 * Kvmclock time is host CLOCK_MONOTONIC; the wall clock is the boot
 * epoch, CLOCK_REALTIME minus CLOCK_MONOTONIC.
 *
 * A bad guest address is not an error KVM reports either: the MSR keeps
 * its value and nothing is written. */
#include "cpu/emu/kvmclock.h"

#include <stddef.h>
#include <string.h>
#include <time.h>

#include "core/mode.h"
#include "cpu/emu/cpu.h"
#include "cpu/emu/lapic.h"

struct pvclock_wall {
	uint32_t version, sec, nsec;
};

static bool offered(const struct emu_cpu *c)
{
	return (c->pv & PV_KVMCLOCK) != 0;
}

/* Odd version while the fields change, even once they are consistent
 * (the guest retries a read that saw an odd or changed version). */
static void put_versioned(uint8_t *p, uint32_t *version, const void *body,
			  size_t off, size_t len)
{
	uint32_t v = *version | 1;

	memcpy(p, &v, 4);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	memcpy(p + off, (const uint8_t *)body + off, len - off);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	v++;
	memcpy(p, &v, 4);
	*version = v;
}

void kvmclock_update(struct emu_cpu *c)
{
	struct pvclock_time_info t;
	uint64_t gpa = c->kvm_system_time & ~1ull, now;
	uint8_t *p;

	if (!(c->kvm_system_time & 1))
		return;
	p = gmem_ptr_w(c->mem, gpa, sizeof(t));
	if (!p)
		return;
	now = emu_now_ns();
	memset(&t, 0, sizeof(t));
	t.tsc_timestamp = now + c->tsc_offset;
	t.system_time = now;
	t.tsc_to_system_mul = 1u << 31;
	t.tsc_shift = 1;
	t.flags = PVCLOCK_TSC_STABLE;
	put_versioned(p, &c->kvmclock_version, &t, offsetof(struct pvclock_time_info, tsc_timestamp),
		      sizeof(t));
}

static void wall_clock_write(struct emu_cpu *c, uint64_t gpa)
{
	struct pvclock_wall w;
	struct timespec rt, mono;
	uint64_t boot_ns;
	uint8_t *p = gmem_ptr_w(c->mem, gpa, sizeof(w));

	if (!p)
		return;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	boot_ns = ((uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec) -
		  ((uint64_t)mono.tv_sec * 1000000000ull + (uint64_t)mono.tv_nsec);
	memcpy(&w.version, p, 4); /* the guest's counter: keep it moving */
	w.sec = (uint32_t)(boot_ns / 1000000000ull);
	w.nsec = (uint32_t)(boot_ns % 1000000000ull);
	put_versioned(p, &w.version, &w, offsetof(struct pvclock_wall, sec), sizeof(w));
}

bool kvmclock_msr_read(struct emu_cpu *c, uint32_t idx, uint64_t *v)
{
	if (!offered(c))
		return false;
	switch (idx) {
	case KVMCLOCK_MSR_WALL_CLOCK: case KVMCLOCK_MSR_WALL_CLOCK_NEW:
		*v = c->kvm_wall_clock;
		return true;
	case KVMCLOCK_MSR_SYSTEM_TIME: case KVMCLOCK_MSR_SYSTEM_TIME_NEW:
		*v = c->kvm_system_time;
		return true;
	}
	return false;
}

bool kvmclock_msr_write(struct emu_cpu *c, uint32_t idx, uint64_t v)
{
	if (!offered(c))
		return false;
	switch (idx) {
	case KVMCLOCK_MSR_WALL_CLOCK: case KVMCLOCK_MSR_WALL_CLOCK_NEW:
		c->kvm_wall_clock = v;
		wall_clock_write(c, v);
		return true;
	case KVMCLOCK_MSR_SYSTEM_TIME: case KVMCLOCK_MSR_SYSTEM_TIME_NEW:
		c->kvm_system_time = v;
		kvmclock_update(c);
		return true;
	}
	return false;
}
