/* Hypercall wrappers: each fills one argument block on the stack (identity
 * mapped) and issues one out instruction. */
#include <gamut/pv.h>
#include <string.h>

long pv_console_write(const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;

	while (done < len) {
		size_t n = len - done > PV_CONSOLE_MAX ? PV_CONSOLE_MAX : len - done;
		struct pv_hc_console a = { 0, pv_gpa(p + done), n };

		pv_hypercall(PV_HC_CONSOLE_WRITE, &a);
		if (a.ret < 0)
			return done ? (long)done : (long)a.ret;
		done += (size_t)a.ret;
	}
	return (long)done;
}

uint64_t pv_monotonic_ns(void)
{
	struct pv_hc_clock a = { 0, 0, 0 };

	pv_hypercall(PV_HC_CLOCK, &a);
	return a.monotonic_ns;
}

uint64_t pv_wall_ns(void)
{
	struct pv_hc_clock a = { 0, 0, 0 };

	pv_hypercall(PV_HC_CLOCK, &a);
	return a.wall_ns;
}

void pv_exit(int status)
{
	struct pv_hc_exit a = { 0, status, 0 };

	for (;;)
		pv_hypercall(PV_HC_EXIT, &a);
}

int pv_timer_set(uint64_t deadline_ns)
{
	struct pv_hc_timer a = { 0, deadline_ns };

	pv_hypercall(PV_HC_TIMER_SET, &a);
	return (int)a.ret;
}

uint64_t pv_events_pending(void)
{
	const volatile struct pv_shared *sh =
		(const volatile struct pv_shared *)(uintptr_t)PV_SHARED_GPA;

	return sh->pending;
}

int pv_mmu(const struct pv_mmu_op *ops, uint32_t count, uint32_t *done)
{
	struct pv_hc_mmu a = { 0, pv_gpa(ops), count, 0 };

	pv_hypercall(PV_HC_MMU, &a);
	if (done)
		*done = a.done;
	return (int)a.ret;
}

int pv_device_info(unsigned index, struct pv_hc_device_info *info)
{
	memset(info, 0, sizeof(*info));
	info->index = index;
	pv_hypercall(PV_HC_DEVICE_INFO, info);
	return (int)info->ret;
}

int pv_device_find(uint32_t type, const char *name)
{
	struct pv_hc_device_info info;

	for (unsigned i = 0; i < pv_start_info()->nr_devices; i++)
		if (pv_device_info(i, &info) == 0 && info.type == type &&
		    !strncmp(info.name, name, PV_NAME_MAX))
			return (int)i;
	return -1;
}
