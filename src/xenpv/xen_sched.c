/* Scheduling and time: sched_op (block, poll, yield, shutdown), the
 * one-shot timers behind VIRQ_TIMER, vcpu_op, and the PV clock in each
 * vcpu_info (xen/xen.h: struct vcpu_time_info). */
#include <sched.h>
#include <string.h>
#include <time.h>

#include "core/evloop.h"
#include "core/vm.h"
#include "xenpv/xen_entry.h"
#include "xenpv/xen_hcall.h"
#include "xenpv/xen_smp.h"

#define BLOCK_RECHECK_NS 50000000ull /* a stopped VM is noticed this fast */

void xen_timer_update(struct xen *x)
{
	uint64_t first = 0, now = xen_system_time(x);

	if (x->timer_fd < 0)
		return;
	pthread_mutex_lock(&x->lock);
	for (unsigned i = 0; i < x->nr_vcpus; i++) {
		uint64_t d = x->vcpu[i].timer_deadline;

		if (d && (!first || d < first))
			first = d;
	}
	pthread_mutex_unlock(&x->lock);
	/* 0 disarms a timerfd: an expired deadline fires in 1 ns instead. */
	evloop_timer_set(x->timer_fd, first ? (first > now ? first - now : 1) : 0, 0);
}

/* The event loop's timer: VIRQ_TIMER for every vCPU whose deadline passed. */
void xen_timer_fire(struct xen *x)
{
	uint64_t now = xen_system_time(x);
	unsigned fire[XEN_MAX_VCPUS], n = 0;

	pthread_mutex_lock(&x->lock);
	for (unsigned i = 0; i < x->nr_vcpus; i++) {
		struct xen_vcpu *v = &x->vcpu[i];

		if (v->timer_deadline && v->timer_deadline <= now) {
			v->timer_deadline = 0;
			if (v->virq_port[VIRQ_TIMER])
				fire[n++] = v->virq_port[VIRQ_TIMER];
		}
	}
	pthread_mutex_unlock(&x->lock);
	for (unsigned i = 0; i < n; i++)
		xen_evtchn_raise(x, fire[i]);
	xen_timer_update(x);
}

static void arm(struct xen_vcpu *v, uint64_t deadline)
{
	pthread_mutex_lock(&v->x->lock);
	v->timer_deadline = deadline;
	pthread_mutex_unlock(&v->x->lock);
	xen_timer_update(v->x);
}

/* The PV clock: system time = system_time + ((tsc - tsc_timestamp) <<
 * shift) * mul >> 32, written with an odd version while it changes. */
void xen_clock_update(struct xen_vcpu *v)
{
	struct xen *x = v->x;
	struct vcpu_info *vi = xen_vcpu_info(v);
	const struct cpu_backend *b = x->vm->backend;
	uint64_t tsc, host_ns, khz;
	struct gerr err;
	uint32_t ver;
	int shift = 0;
	uint64_t mul;

	if (!vi || !b->vcpu_tsc || b->vcpu_tsc(&x->vm->vcpu[v->index], &tsc, &host_ns, &khz, &err) < 0)
		return;
	/* mul/2^32 * 2^shift = ns per tick = 10^6 / khz, mul < 2^32. */
	mul = (1000000ull << 32) / khz;
	while (mul >= (1ull << 32)) {
		mul >>= 1;
		shift++;
	}
	while (mul < (1ull << 31) && shift > -31) {
		mul <<= 1;
		shift--;
	}
	ver = vi->time.version;
	__atomic_store_n(&vi->time.version, ver | 1, __ATOMIC_SEQ_CST);
	vi->time.tsc_timestamp = tsc;
	vi->time.system_time = host_ns - x->boot_ns;
	vi->time.tsc_to_system_mul = (uint32_t)mul;
	vi->time.tsc_shift = (int8_t)shift;
	vi->time.flags = XEN_PVCLOCK_TSC_STABLE_BIT;
	__atomic_store_n(&vi->time.version, (ver | 1) + 1, __ATOMIC_SEQ_CST);
}

static bool pending(struct vcpu_info *vi)
{
	return __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST);
}

/* Waits (x->lock held) until woken, `deadline_ns` (host) passes, or
 * the VM stops. */
static void wait_until(struct xen_vcpu *v, uint64_t limit_ns)
{
	struct timespec ts;
	uint64_t ns;

	clock_gettime(CLOCK_REALTIME, &ts);
	ns = (uint64_t)ts.tv_nsec + (limit_ns ? limit_ns : BLOCK_RECHECK_NS);
	ts.tv_sec += (time_t)(ns / 1000000000ull);
	ts.tv_nsec = (long)(ns % 1000000000ull);
	v->blocked = true;
	pthread_cond_timedwait(&v->wake, &v->x->lock, &ts);
	v->blocked = false;
}

static int64_t block(struct xen_vcpu *v)
{
	struct vcpu_info *vi = xen_vcpu_info(v);

	if (!vi)
		return -XEN_EFAULT;
	vi->evtchn_upcall_mask = 0; /* blocking enables events */
	pthread_mutex_lock(&v->x->lock);
	while (!pending(vi) && !vm_should_stop(v->x->vm))
		wait_until(v, 0);
	pthread_mutex_unlock(&v->x->lock);
	return 0;
}

static bool any_port_pending(struct xen *x, const evtchn_port_t *ports, unsigned n)
{
	shared_info_t *s = gmem_ptr_w(x->mem, x->shared_info_mfn << 12, XEN_PAGE_SIZE);

	for (unsigned i = 0; i < n; i++)
		if (ports[i] < XEN_NR_EVTCHN &&
		    (__atomic_load_n(&s->evtchn_pending[ports[i] / 64], __ATOMIC_SEQ_CST) >>
		     (ports[i] % 64) & 1))
			return true;
	return false;
}

static int64_t poll_ports(struct xen_call *c)
{
	struct xen_vcpu *v = c->v;
	struct sched_poll p;
	evtchn_port_t ports[128];

	if (xen_copy_from_guest(v, c->a[1], &p, sizeof(p)) < 0)
		return -XEN_EFAULT;
	if (p.nr_ports > 128)
		return -XEN_EINVAL;
	if (p.nr_ports && xen_copy_from_guest(v, (uint64_t)(uintptr_t)p.ports.p, ports,
					      p.nr_ports * sizeof(ports[0])) < 0)
		return -XEN_EFAULT;
	pthread_mutex_lock(&v->x->lock);
	while (!any_port_pending(v->x, ports, p.nr_ports) && !vm_should_stop(v->x->vm)) {
		uint64_t now = xen_system_time(v->x);

		if (p.timeout && p.timeout <= now)
			break;
		wait_until(v, p.timeout ? p.timeout - now : 0);
	}
	pthread_mutex_unlock(&v->x->lock);
	return 0;
}

static int64_t shutdown(struct xen_call *c)
{
	struct xen *x = c->v->x;
	struct sched_shutdown s;

	if (xen_copy_from_guest(c->v, c->a[1], &s, sizeof(s)) < 0)
		return -XEN_EFAULT;
	switch (s.reason) {
	case SHUTDOWN_poweroff:
		vm_stop(x->vm, VM_STOP_POWEROFF, 0, "guest powered off");
		return 0;
	case SHUTDOWN_reboot:
		vm_stop(x->vm, VM_STOP_RESET, 0, "guest rebooted");
		return 0;
	case SHUTDOWN_crash:
		vm_stop(x->vm, VM_STOP_PANIC, VM_EXIT_PANIC, "the guest kernel panicked");
		return 0;
	case SHUTDOWN_watchdog:
		vm_stop(x->vm, VM_STOP_CRASH, 1, "the guest's watchdog fired");
		return 0;
	default:
		return -XEN_EINVAL; /* suspend needs a toolstack to resume it */
	}
}

int64_t xen_hc_sched_op(struct xen_call *c)
{
	switch (c->a[0]) {
	case SCHEDOP_yield:
		sched_yield();
		return 0;
	case SCHEDOP_block:
		return block(c->v);
	case SCHEDOP_shutdown:
		return shutdown(c);
	case SCHEDOP_poll:
		return poll_ports(c);
	case SCHEDOP_shutdown_code:
		return 0;
	case SCHEDOP_watchdog:
		return -XEN_ENOSYS;
	default:
		return -XEN_EINVAL;
	}
}

int64_t xen_hc_set_timer_op(struct xen_call *c)
{
	arm(c->v, c->a[0]);
	return 0;
}

/* For vCPU `v`; the argument is in the memory of the vCPU that called
 * (`caller`), which registers every vCPU's area before bringing it up. */
static int64_t register_vcpu_info(struct xen_vcpu *caller, struct xen_vcpu *v,
				  uint64_t va)
{
	struct vcpu_register_vcpu_info r;
	struct vcpu_info *old = xen_vcpu_info(v), *new;
	uint64_t gpa;

	if (xen_copy_from_guest(caller, va, &r, sizeof(r)) < 0)
		return -XEN_EFAULT;
	gpa = (r.mfn << 12) + r.offset;
	if (r.mfn >= v->x->nr_pages || r.offset > XEN_PAGE_SIZE - sizeof(struct vcpu_info))
		return -XEN_EINVAL;
	new = gmem_ptr_w(v->x->mem, gpa, sizeof(*new));
	if (!new)
		return -XEN_EINVAL;
	/* gamut writes the vcpu_info directly (event flags, the clock, the
	 * copy below): the frame must stay plain writable memory, never a
	 * page table, for as long as it is registered (Xen's map_vcpu_info
	 * takes the same writable reference). */
	if (xen_mm_get_writable(&v->x->mm, r.mfn) < 0)
		return -XEN_EINVAL;
	if (v->vcpu_info_gpa)
		xen_mm_put_writable(&v->x->mm, v->vcpu_info_gpa >> 12);
	if (old)
		memcpy(new, old, sizeof(*new));
	v->vcpu_info_gpa = gpa;
	xen_clock_update(v);
	return 0;
}

/* The area is written once, "running since now": gamut does not account
 * steal time for the guest (docs/xen-pv.md), so it stays so. */
static int64_t register_runstate(struct xen_vcpu *caller, struct xen_vcpu *v, uint64_t va)
{
	struct vcpu_register_runstate_memory_area r;
	struct vcpu_runstate_info info;

	if (xen_copy_from_guest(caller, va, &r, sizeof(r)) < 0)
		return -XEN_EFAULT;
	memset(&info, 0, sizeof(info));
	info.state = RUNSTATE_running;
	info.state_entry_time = xen_system_time(v->x);
	info.time[RUNSTATE_running] = info.state_entry_time;
	return xen_copy_to_guest(caller, r.addr.p, &info, sizeof(info)) < 0 ? -XEN_EFAULT : 0;
}

int64_t xen_hc_vcpu_op(struct xen_call *c)
{
	struct xen *x = c->v->x;
	uint64_t id = c->a[1];
	struct xen_vcpu *v;
	struct vcpu_set_singleshot_timer t;

	if (id >= XEN_MAX_VCPUS)
		return -XEN_EINVAL;
	if (id >= x->nr_vcpus)
		return -XEN_ENOENT;
	v = &x->vcpu[id];
	switch (c->a[0]) {
	case VCPUOP_is_up:
		return v->up;
	case VCPUOP_register_vcpu_info:
		return register_vcpu_info(c->v, v, c->a[2]);
	case VCPUOP_register_runstate_memory_area:
		return register_runstate(c->v, v, c->a[2]);
	case VCPUOP_set_singleshot_timer:
		if (xen_copy_from_guest(c->v, c->a[2], &t, sizeof(t)) < 0)
			return -XEN_EFAULT;
		/* A deadline already past fires at once: Linux treats any
		 * error here as a bug, whatever VCPU_SSHOTTMR_future says. */
		arm(v, t.timeout_abs_ns ? t.timeout_abs_ns : 1);
		return 0;
	case VCPUOP_stop_singleshot_timer:
		arm(v, 0);
		return 0;
	case VCPUOP_stop_periodic_timer:
		return 0; /* gamut never starts one */
	case VCPUOP_initialise:
		return xen_vcpu_initialise(c->v, v, c->a[2]);
	case VCPUOP_up:
		return xen_vcpu_up(v);
	default:
		return -XEN_ENOSYS; /* down, periodic timers, NMIs: not offered */
	}
}
