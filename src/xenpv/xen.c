/* The Xen PV domain's lifetime, guest-virtual memory access and time. */
#include "xenpv/xen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/vm.h"
#include "xenpv/xs.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t xen_system_time(const struct xen *x)
{
	return mono_ns() - x->boot_ns;
}

void xen_crash(struct xen *x, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vm_stop(x->vm, VM_STOP_CRASH, 1, "Xen PV guest stopped: %s", msg);
}

uint64_t xen_current_l4(const struct xen_vcpu *v)
{
	return v->kernel_mode || !v->guest_table_user ? v->guest_table
						       : v->guest_table_user;
}

static int copy_guest(struct xen_vcpu *v, uint64_t va, void *buf, size_t len,
		      bool write)
{
	uint8_t *p = buf;

	while (len) {
		size_t chunk = XEN_PAGE_SIZE - (va & (XEN_PAGE_SIZE - 1));
		uint64_t gpa;

		if (chunk > len)
			chunk = len;
		if (xen_mm_translate(&v->x->mm, xen_current_l4(v), va, write, &gpa) < 0)
			return -XEN_EFAULT;
		if (write ? gmem_write(v->x->mem, gpa, p, chunk) < 0
			  : gmem_read(v->x->mem, gpa, p, chunk) < 0)
			return -XEN_EFAULT;
		p += chunk;
		va += chunk;
		len -= chunk;
	}
	return 0;
}

int xen_copy_from_guest(struct xen_vcpu *v, uint64_t va, void *dst, size_t len)
{
	return copy_guest(v, va, dst, len, false);
}

int xen_copy_to_guest(struct xen_vcpu *v, uint64_t va, const void *src, size_t len)
{
	return copy_guest(v, va, (void *)src, len, true);
}

int xen_create(struct vm *vm, struct xen **out, struct gerr *err)
{
	struct xen *x = calloc(1, sizeof(*x));

	if (!x)
		return gerr_set(err, "out of memory");
	x->vm = vm;
	x->mem = &vm->mem;
	x->boot_ns = mono_ns();
	x->timer_fd = -1;
	x->nr_vcpus = vm->ncpus;
	if (x->nr_vcpus > XEN_MAX_VCPUS) {
		free(x);
		return gerr_set(err, "--cpus %u: a Xen PV domain has at most %d here",
				vm->ncpus, XEN_MAX_VCPUS);
	}
	pthread_mutex_init(&x->lock, NULL);
	pthread_mutex_init(&x->xs_lock, NULL);
	for (unsigned i = 0; i < x->nr_vcpus; i++) {
		x->vcpu[i].x = x;
		x->vcpu[i].index = (int)i;
		x->vcpu[i].vcpu_info_gpa = 0; /* set once shared_info is placed */
		pthread_cond_init(&x->vcpu[i].wake, NULL);
	}
	stats_counter(&vm->stats, "xen.mmu.updates", &x->mm.updates);
	stats_counter(&vm->stats, "xen.mmu.pins", &x->mm.pins);
	stats_counter(&vm->stats, "xen.mmu.validations", &x->mm.validations);
	for (unsigned i = 0; i < x->nr_vcpus; i++) {
		stats_counter(&vm->stats, "xen.hypercalls", &x->vcpu[i].stat_hcalls);
		stats_counter(&vm->stats, "xen.bounces", &x->vcpu[i].stat_bounces);
		stats_counter(&vm->stats, "xen.upcalls", &x->vcpu[i].stat_upcalls);
		stats_counter(&vm->stats, "xen.emulated", &x->vcpu[i].stat_emulated);
	}
	if (xen_platform_init(x, err) < 0) {
		xen_destroy(x);
		return -1;
	}
	*out = x;
	return 0;
}

void xen_destroy(struct xen *x)
{
	if (!x)
		return;
	xen_platform_fini(x);
	if (x->mm_ready)
		xen_mm_destroy(&x->mm);
	for (unsigned i = 0; i < x->nr_vcpus; i++) {
		pthread_cond_destroy(&x->vcpu[i].wake);
		free(x->vcpu[i].start_ctx);
	}
	pthread_mutex_destroy(&x->lock);
	pthread_mutex_destroy(&x->xs_lock);
	free(x);
}
