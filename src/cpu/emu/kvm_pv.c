/* Steal time, PV EOI's MSR and PV unhalt for the software CPU (kvm_pv.h).
 *
 * Steal time is what it means under KVM: the time this vCPU's host thread
 * spent runnable but waiting for a host CPU, read from the kernel's
 * per-thread scheduler statistics (/proc/thread-self/schedstat, second
 * field, in ns).  It is published at most every STEAL_PERIOD_NS, from the
 * vCPU's own thread, in the versioned structure the guest reads.
 *
 * PV unhalt: a guest vCPU waiting for a contended spinlock halts, and the
 * lock holder's KVM_HC_KICK_CPU wakes it (a HLT with interrupts off would
 * otherwise sleep until the end).  The kick is sticky, as in KVM: one
 * that lands before the target halts makes its next HLT fall through. */
#include "cpu/emu/kvm_pv.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/mode.h"
#include "cpu/emu/cpu.h"
#include "cpu/emu/kvmclock.h"
#include "cpu/emu/lapic.h"

#define STEAL_PERIOD_NS 4000000ull
#define STEAL_RESERVED	0x3eull /* bits 1-5 of the MSR */

uint32_t kvm_pv_cpuid_features(unsigned pv)
{
	uint32_t f = 0;

	if (pv & PV_KVMCLOCK)
		f |= KVMCLOCK_CPUID_BITS;
	if (pv & PV_STEAL_TIME)
		f |= 1u << KVM_FEATURE_BIT_STEAL_TIME;
	if (pv & PV_EOI)
		f |= 1u << KVM_FEATURE_BIT_PV_EOI;
	if (pv & PV_UNHALT)
		f |= 1u << KVM_FEATURE_BIT_PV_UNHALT;
	return f;
}

void kvm_pv_thread_setup(struct emu_cpu *c)
{
	int fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);

	/* Tried once: a failure is not retried under the seccomp filter. */
	c->schedstat_fd = fd >= 0 ? fd : SCHEDSTAT_UNAVAILABLE;
}

/* ns this thread has waited on a run queue; false when unknown. */
static bool run_delay_ns(struct emu_cpu *c, uint64_t *ns)
{
	char buf[96];
	unsigned long long run, wait;
	ssize_t n;

	if (c->schedstat_fd == SCHEDSTAT_UNOPENED)
		kvm_pv_thread_setup(c);
	if (c->schedstat_fd < 0)
		return false;
	n = pread(c->schedstat_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &run, &wait) != 2)
		return false;
	*ns = wait;
	return true;
}

static void steal_publish(struct emu_cpu *c)
{
	struct kvm_steal_time st;
	uint64_t gpa = c->kvm_steal_msr & ~0x3full;
	uint32_t v;
	uint8_t *p = gmem_ptr_w(c->mem, gpa, sizeof(st));

	if (!p)
		return;
	/* Odd version while the fields change (the guest retries). */
	memcpy(&v, p + offsetof(struct kvm_steal_time, version), 4);
	v |= 1;
	memcpy(p + offsetof(struct kvm_steal_time, version), &v, 4);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	memcpy(p + offsetof(struct kvm_steal_time, steal), &c->steal_ns, 8);
	p[offsetof(struct kvm_steal_time, preempted)] = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	v++;
	memcpy(p + offsetof(struct kvm_steal_time, version), &v, 4);
}

void kvm_pv_steal_poll(struct emu_cpu *c, uint64_t now_ns)
{
	uint64_t delay;

	if (!(c->kvm_steal_msr & 1) || now_ns < c->steal_next_ns)
		return;
	c->steal_next_ns = now_ns + STEAL_PERIOD_NS;
	if (!run_delay_ns(c, &delay))
		return;
	if (delay > c->steal_last_delay)
		c->steal_ns += delay - c->steal_last_delay;
	c->steal_last_delay = delay;
	steal_publish(c);
}

static bool steal_msr_write(struct emu_cpu *c, uint64_t v)
{
	uint64_t delay = 0;

	if (v & STEAL_RESERVED)
		return false;
	c->kvm_steal_msr = v;
	if (!(v & 1))
		return true;
	/* The guest's own steal field is where counting starts (a re-enable
	 * after kexec keeps it monotonic); the baseline is now. */
	if (gmem_read_u64(c->mem, v & ~0x3full, &c->steal_ns))
		c->steal_ns = 0;
	c->steal_last_delay = run_delay_ns(c, &delay) ? delay : 0;
	c->steal_next_ns = 0;
	steal_publish(c);
	return true;
}

bool kvm_pv_msr_read(struct emu_cpu *c, uint32_t idx, uint64_t *v)
{
	if (idx == KVM_MSR_STEAL_TIME && (c->pv & PV_STEAL_TIME)) {
		*v = c->kvm_steal_msr;
		return true;
	}
	if (idx == KVM_MSR_PV_EOI_EN && (c->pv & PV_EOI) && c->lapic) {
		*v = lapic_pv_eoi_read(c->lapic);
		return true;
	}
	return false;
}

bool kvm_pv_msr_write(struct emu_cpu *c, uint32_t idx, uint64_t v)
{
	if (idx == KVM_MSR_STEAL_TIME && (c->pv & PV_STEAL_TIME))
		return steal_msr_write(c, v);
	if (idx == KVM_MSR_PV_EOI_EN && (c->pv & PV_EOI) && c->lapic)
		return lapic_pv_eoi_write(c->lapic, v);
	return false;
}

static int64_t kick_cpu(struct emu_cpu *c, uint32_t apic_id)
{
	struct emu_cpu *t;

	if (!(c->pv & PV_UNHALT) || !c->lapic)
		return -KVM_ENOSYS;
	t = lapic_cpu_by_id(c->lapic, apic_id);
	if (!t)
		return 0; /* KVM ignores an ID that names no vCPU */
	__atomic_store_n(&t->pv_unhalted, true, __ATOMIC_RELEASE);
	emu_kick(t, EV_UNHALT);
	return 0;
}

void kvm_pv_vmcall(struct emu_cpu *c)
{
	uint64_t nr = c->r[X86_RAX];
	int64_t ret;

	/* An Intel CPU without VMX operation: VMCALL is #UD unless gamut
	 * plays the KVM hypervisor for this mode. */
	if (!(c->pv & PV_HYPERVISOR_BIT))
		emu_raise_noerr(c, EXC_UD);
	if (c->code_size != DEC_MODE64)
		nr &= 0xffffffffu; /* 32-bit guests pass 32-bit values */
	if (c->cpl != 0) {
		ret = -KVM_EPERM;
	} else {
		switch (nr) {
		case KVM_HC_VAPIC_POLL_IRQ: ret = 0; break; /* nothing to poll */
		case KVM_HC_KICK_CPU: ret = kick_cpu(c, (uint32_t)c->r[X86_RCX]); break;
		default: ret = -KVM_ENOSYS; break;
		}
	}
	c->r[X86_RAX] = (uint64_t)ret;
}

bool kvm_pv_take_unhalt(struct emu_cpu *c)
{
	return __atomic_exchange_n(&c->pv_unhalted, false, __ATOMIC_ACQ_REL);
}

void kvm_pv_reset(struct emu_cpu *c)
{
	c->kvm_steal_msr = 0;
	c->steal_ns = c->steal_last_delay = c->steal_next_ns = 0;
	__atomic_store_n(&c->pv_unhalted, false, __ATOMIC_RELEASE);
}
