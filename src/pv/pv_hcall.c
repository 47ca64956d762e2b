/* Hypercall dispatch: the port handler, the call table, and the calls that
 * need no subsystem of their own (exit, console, clock, MMU, device info).
 *
 * Each argument block is copied in whole, handled on the copy, and copied
 * back whole with `ret` set: the guest cannot change a block while gamut
 * checks it, and gamut never touches guest memory outside the block. */
#include "pv/pv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "console/console.h"
#include "core/layout.h"
#include "core/vm.h"

_Static_assert(PV_PORT_BASE == LAYOUT_PORT_PV_BASE, "PV port base");

void pv_crash(struct pv *pv, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vm_stop(pv->vm, VM_STOP_CRASH, 1, "PV guest stopped: %s", msg);
}

bool pv_guest_range(const struct pv *pv, uint64_t gpa, uint64_t len)
{
	return len && gpa >= pv->frames_start && gpa < pv->frames_end &&
	       len <= pv->frames_end - gpa && gmem_valid(pv->mem, gpa, len);
}

int pv_get_state(struct pv *pv, int cpu, struct x86_state *st)
{
	struct gerr err = { "" };
	const struct cpu_backend *b = pv->vm->backend;

	if (b->vcpu_get_state(&pv->vm->vcpu[cpu], st, &err) < 0) {
		pv_crash(pv, "cannot read vCPU state: %s", err.msg);
		return -1;
	}
	return 0;
}

int pv_set_state(struct pv *pv, int cpu, const struct x86_state *st)
{
	struct gerr err = { "" };
	const struct cpu_backend *b = pv->vm->backend;

	if (b->vcpu_set_state(&pv->vm->vcpu[cpu], st, &err) < 0) {
		pv_crash(pv, "cannot set vCPU state: %s", err.msg);
		return -1;
	}
	return 0;
}

static int64_t hc_exit(struct pv_call *c, void *blk)
{
	struct pv_hc_exit *a = blk;

	vm_stop(c->pv->vm, VM_STOP_EXIT, a->status & 0xff,
		"PV guest exited with status %d", a->status);
	c->no_writeback = true;
	return 0;
}

static int console_out(struct pv *pv, const void *buf, size_t len)
{
	struct gerr err;
	struct console *con = console_get(pv->vm, &err);

	if (!con)
		return -1;
	console_write(con, buf, len);
	return 0;
}

static int64_t hc_console(struct pv_call *c, void *blk)
{
	struct pv_hc_console *a = blk;
	const void *p;

	if (a->len == 0)
		return 0;
	if (a->len > PV_CONSOLE_MAX)
		return -PV_EINVAL;
	if (!pv_guest_range(c->pv, a->buf, a->len) ||
	    !(p = gmem_ptr(c->pv->mem, a->buf, a->len)))
		return -PV_EFAULT;
	if (console_out(c->pv, p, a->len) < 0)
		return -PV_EIO;
	return (int64_t)a->len;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int64_t hc_clock(struct pv_call *c, void *blk)
{
	struct pv_hc_clock *a = blk;

	(void)c;
	a->monotonic_ns = clock_ns(CLOCK_MONOTONIC);
	a->wall_ns = clock_ns(CLOCK_REALTIME);
	return 0;
}

static int mmu_op(struct pv *pv, const struct pv_mmu_op *op)
{
	switch (op->op) {
	case PV_MMU_MAP:
		return pv_mmu_map(&pv->mmu, op->va, op->gpa, op->npages, op->flags);
	case PV_MMU_UNMAP:
		return pv_mmu_unmap(&pv->mmu, op->va, op->npages);
	case PV_MMU_PROTECT:
		return pv_mmu_protect(&pv->mmu, op->va, op->npages, op->flags);
	default:
		return -PV_EINVAL;
	}
}

/* Loads the (possibly switched) CR3 so removed mappings leave the TLB. */
static int mmu_flush(struct pv_call *c)
{
	struct x86_state st;
	bool changed;
	uint64_t cr3 = pv_mmu_cr3(&c->pv->mmu, &changed);

	if (!changed)
		return 0;
	if (pv_get_state(c->pv, c->cpu, &st) < 0)
		return -1;
	st.cr3 = cr3;
	return pv_set_state(c->pv, c->cpu, &st);
}

static int64_t hc_mmu(struct pv_call *c, void *blk)
{
	struct pv_hc_mmu *a = blk;
	int64_t rc = 0;

	a->done = 0;
	if (a->count > PV_MMU_BATCH_MAX)
		return -PV_EINVAL;
	if (a->count && !pv_guest_range(c->pv, a->ops,
					(uint64_t)a->count * sizeof(struct pv_mmu_op)))
		return -PV_EFAULT;
	for (uint32_t i = 0; i < a->count; i++) {
		struct pv_mmu_op op;

		gmem_read(c->pv->mem, a->ops + i * sizeof(op), &op, sizeof(op));
		rc = mmu_op(c->pv, &op);
		if (rc < 0)
			break;
		a->done++;
	}
	if (mmu_flush(c) < 0)
		c->no_writeback = true;
	return rc;
}

static int64_t hc_device_info(struct pv_call *c, void *blk)
{
	struct pv_hc_device_info *a = blk;
	const struct pv_device *d;
	uint32_t index = a->index;

	if (index >= c->pv->nr_devices)
		return -PV_ENOENT;
	d = &c->pv->dev[index];
	memset(a, 0, sizeof(*a));
	a->index = index;
	a->type = d->type;
	memcpy(a->name, d->name, sizeof(a->name));
	if (d->type == PV_DEV_BLOCK) {
		a->flags = d->readonly ? PV_DEVF_READONLY : 0;
		a->sector_size = PV_SECTOR_SIZE;
		a->capacity = d->sectors;
	} else {
		memcpy(a->mac, d->mac, sizeof(a->mac));
		a->mtu = d->mtu;
	}
	return 0;
}

struct pv_call_desc {
	size_t size;
	int64_t (*fn)(struct pv_call *c, void *blk);
	const char *name; /* "pv.hypercall.<name>" (docs/stats.md) */
};

static const struct pv_call_desc calls[PV_HC_COUNT] = {
	[PV_HC_EXIT] = { sizeof(struct pv_hc_exit), hc_exit, "exit" },
	[PV_HC_CONSOLE_WRITE] = { sizeof(struct pv_hc_console), hc_console, "console_write" },
	[PV_HC_CLOCK] = { sizeof(struct pv_hc_clock), hc_clock, "clock" },
	[PV_HC_TIMER_SET] = { sizeof(struct pv_hc_timer), pv_hc_timer_set, "timer_set" },
	[PV_HC_POLL] = { sizeof(struct pv_hc_poll), pv_hc_poll, "poll" },
	[PV_HC_MMU] = { sizeof(struct pv_hc_mmu), hc_mmu, "mmu" },
	[PV_HC_TRAP_SET] = { sizeof(struct pv_hc_trap_set), pv_hc_trap_set, "trap_set" },
	[PV_HC_TRAP_RETURN] = { sizeof(struct pv_trap_frame), pv_hc_trap_return, "trap_return" },
	[PV_HC_DEVICE_INFO] = { sizeof(struct pv_hc_device_info), hc_device_info, "device_info" },
	[PV_HC_RING_SETUP] = { sizeof(struct pv_hc_ring_setup), pv_hc_ring_setup, "ring_setup" },
	[PV_HC_RING_NOTIFY] = { sizeof(struct pv_hc_ring_notify), pv_hc_ring_notify, "ring_notify" },
};


#define BLK_MAX 256 /* the largest argument block */

static void hypercall(struct pv *pv, int cpu, unsigned nr, uint32_t arg)
{
	struct pv_call c = { pv, cpu, arg, false };
	uint64_t blk[BLK_MAX / 8];
	bool known = nr < PV_HC_COUNT && calls[nr].fn;
	size_t size = known ? calls[nr].size : 8;
	int64_t ret;

	_Static_assert(sizeof(struct pv_trap_frame) <= BLK_MAX, "block size");
	pv->hc[nr < PV_HC_COUNT ? nr : PV_HC_COUNT]++;
	if ((arg & 7) || !pv_guest_range(pv, arg, size) ||
	    gmem_read(pv->mem, arg, blk, size) < 0) {
		pv_crash(pv, "hypercall %u: argument block at 0x%x is outside guest memory",
			 nr, arg);
		return;
	}
	ret = known ? calls[nr].fn(&c, blk) : -PV_ENOSYS;
	if (c.no_writeback || vm_should_stop(pv->vm))
		return;
	blk[0] = (uint64_t)ret;
	gmem_write(pv->mem, arg, blk, size);
}

void pv_port_io(void *opaque, uint64_t off, void *data, unsigned len,
		bool is_write, int cpu)
{
	struct pv *pv = opaque;
	uint32_t arg;

	if (!is_write) {
		memset(data, 0xff, len);
		return;
	}
	if (len != 4 || off >= PV_PORT_COUNT || cpu < 0 ||
	    (unsigned)cpu >= pv->vm->ncpus || !pv->loaded)
		return;
	memcpy(&arg, data, 4);
	if (off == PV_PORT_TRAP)
		pv_trap_port(pv, cpu, arg);
	else
		hypercall(pv, cpu, (unsigned)off, arg);
}

int pv_create(struct vm *vm, struct pv **out, struct gerr *err)
{
	struct pv *pv = calloc(1, sizeof(*pv));

	if (!pv)
		return gerr_set(err, "out of memory");
	pv->vm = vm;
	pv->mem = &vm->mem;
	for (int i = 0; i < PV_MAX_DEVICES; i++)
		pv->dev[i].fd = -1;
	if (pv_event_init(pv, err) < 0) {
		free(pv);
		return -1;
	}
	/* Ports are bytes on the bus: +3 so a 4-byte write to the last
	 * call port does not straddle the range's end. */
	if (bus_register(&vm->pio, PV_PORT_BASE, PV_PORT_COUNT + 3, pv_port_io, pv,
			 "pv-hypercall", err) < 0) {
		pv_event_fini(pv);
		free(pv);
		return -1;
	}
	for (unsigned i = 0; i <= PV_HC_COUNT; i++) {
		char name[STATS_NAME_MAX];

		snprintf(name, sizeof(name), "pv.hypercall.%s",
			 i < PV_HC_COUNT ? calls[i].name : "unknown");
		stats_counter(&vm->stats, name, &pv->hc[i]);
	}
	stats_counter(&vm->stats, "pv.traps", &pv->traps);
	stats_counter(&vm->stats, "pv.events", &pv->events);
	stats_counter(&vm->stats, "pf.bounced", &pv->pf_bounced);
	*out = pv;
	return 0;
}

void pv_destroy(struct pv *pv)
{
	if (!pv)
		return;
	bus_unregister(&pv->vm->pio, PV_PORT_BASE);
	for (unsigned i = 0; i < PV_MAX_DEVICES; i++) {
		pv_net_close(&pv->dev[i]);
		pv_blk_close(&pv->dev[i]);
	}
	pv_event_fini(pv);
	pv_mmu_destroy(&pv->mmu);
	free(pv);
}
