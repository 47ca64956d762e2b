/* The memory hypercalls: page-table updates and extended MMU operations
 * (validated by xen_mm.c), update_va_mapping, and memory_op's queries. */
#include <string.h>

#include "core/vm.h"
#include "xenpv/xen_entry.h"
#include "xenpv/xen_hcall.h"

/* The count's top bit marks a batch Xen continued after preempting it;
 * the command is the low 6 bits of memory_op's first
 * argument (xen/memory.h). */
#define MMU_UPDATE_PREEMPTED (1ull << 31)
#define MEMOP_CMD_MASK	     0x3full /* the extent start sits above bit 6 */

/* A TLB flush of this vCPU (and CR3 reloaded with the current base). */
void xen_flush_tlb(struct xen_vcpu *v, struct x86_state *st)
{
	struct vm *vm = v->x->vm;

	st->cr3 = xen_current_l4(v) << 12;
	if (vm->backend->vcpu_flush_tlb)
		vm->backend->vcpu_flush_tlb(&vm->vcpu[v->index]);
}

static void flush_local(struct xen_call *c)
{
	xen_flush_tlb(c->v, c->st);
}

static bool domid_self(uint64_t d)
{
	return (uint16_t)d == DOMID_SELF || (uint16_t)d == 1;
}

/* A batch's count is an unsigned int whose top bit marks a continuation,
 * and so is `*done_va`, where the guest wants the number of entries done
 * (xen/xen.h: "unsigned *done_out"); in a continuation it holds the count
 * of the calls before, which goes on from there.  0, or -XEN_EFAULT when
 * it cannot be read. */
static int batch_start(struct xen_call *c, uint64_t *n, uint32_t *before)
{
	uint64_t done_va = c->a[2];

	*n = (uint32_t)c->a[1] & ~MMU_UPDATE_PREEMPTED;
	*before = 0;
	if (((uint32_t)c->a[1] & MMU_UPDATE_PREEMPTED) && done_va &&
	    xen_copy_from_guest(c->v, done_va, before, sizeof(*before)) < 0)
		return -XEN_EFAULT;
	return 0;
}

/* Every XEN_PREEMPT_BATCH entries: true when the batch stops here, as a
 * continuation for the rest (the count for the guest is then `before +
 * done`, written by the caller) or because the VM stops. */
static bool batch_preempt(struct xen_call *c, unsigned nr, uint64_t entry_size,
			  uint64_t done, uint64_t n)
{
	if (!done || done % XEN_PREEMPT_BATCH)
		return false;
	return xen_hcall_preempt(c, nr, (const uint64_t[5]){
		c->a[0] + done * entry_size, (n - done) | MMU_UPDATE_PREEMPTED,
		c->a[2], c->a[3], 0 });
}

int64_t xen_hc_mmu_update(struct xen_call *c)
{
	struct xen *x = c->v->x;
	uint64_t list = c->a[0], n, done_va = c->a[2];
	uint64_t done = 0;
	uint32_t before;
	int64_t rc = 0;

	if (!domid_self(c->a[3]))
		return -XEN_EPERM;
	if (batch_start(c, &n, &before) < 0)
		return -XEN_EFAULT;
	for (; done < n; done++) {
		mmu_update_t u;

		if (batch_preempt(c, __HYPERVISOR_mmu_update, sizeof(u), done, n))
			break;

		if (xen_copy_from_guest(c->v, list + done * sizeof(u), &u, sizeof(u)) < 0) {
			rc = -XEN_EFAULT;
			break;
		}
		switch (u.ptr & 7) {
		case MMU_NORMAL_PT_UPDATE:
			rc = xen_mm_pt_update(&x->mm, u.ptr & ~7ull, u.val, false);
			break;
		case MMU_PT_UPDATE_PRESERVE_AD:
			rc = xen_mm_pt_update(&x->mm, u.ptr & ~7ull, u.val, true);
			break;
		case MMU_MACHPHYS_UPDATE:
			rc = xen_mm_m2p_update(&x->mm, u.ptr >> 12, u.val);
			break;
		default:
			rc = -XEN_ENOSYS;
		}
		if (rc < 0)
			break;
	}
	before += (uint32_t)done;
	if (done_va && xen_copy_to_guest(c->v, done_va, &before, sizeof(before)) < 0)
		return -XEN_EFAULT;
	/* An updated entry may be cached by the CPU: drop the TLB. */
	if (done)
		flush_local(c);
	return rc;
}

static int64_t ext_op(struct xen_call *c, const struct mmuext_op *op)
{
	struct xen_vcpu *v = c->v;
	struct xen_mm *mm = &v->x->mm;
	int64_t rc;

	switch (op->cmd) {
	case MMUEXT_PIN_L1_TABLE:
	case MMUEXT_PIN_L2_TABLE:
	case MMUEXT_PIN_L3_TABLE:
	case MMUEXT_PIN_L4_TABLE:
		return xen_mm_pin(mm, op->cmd - MMUEXT_PIN_L1_TABLE + 1, op->arg1.mfn);
	case MMUEXT_UNPIN_TABLE:
		return xen_mm_unpin(mm, op->arg1.mfn);
	case MMUEXT_NEW_BASEPTR:
		if (!v->kernel_mode)
			return -XEN_EINVAL;
		rc = xen_mm_set_base(mm, &v->guest_table, op->arg1.mfn, false);
		if (rc == 0)
			flush_local(c);
		return rc;
	case MMUEXT_NEW_USER_BASEPTR:
		return xen_mm_set_base(mm, &v->guest_table_user, op->arg1.mfn, true);
	case MMUEXT_TLB_FLUSH_LOCAL:
	case MMUEXT_INVLPG_LOCAL:
		flush_local(c);
		return 0;
	case MMUEXT_TLB_FLUSH_MULTI:
	case MMUEXT_INVLPG_MULTI:
	case MMUEXT_TLB_FLUSH_ALL:
	case MMUEXT_INVLPG_ALL:
		/* Every vCPU (a superset of the mask a MULTI names). */
		flush_local(c);
		xen_flush_others(c->v);
		return 0;
	case MMUEXT_FLUSH_CACHE:
	case MMUEXT_FLUSH_CACHE_GLOBAL:
		return 0;
	case MMUEXT_SET_LDT:
		/* No LDT support yet: clearing it is all a guest may ask. */
		return op->arg2.nr_ents == 0 ? 0 : -XEN_EINVAL;
	default:
		return -XEN_ENOSYS;
	}
}

int64_t xen_hc_mmuext_op(struct xen_call *c)
{
	uint64_t list = c->a[0], n, done_va = c->a[2];
	uint64_t done = 0;
	uint32_t before;
	int64_t rc = 0;

	if (!domid_self(c->a[3]))
		return -XEN_EPERM;
	if (batch_start(c, &n, &before) < 0)
		return -XEN_EFAULT;
	for (; done < n; done++) {
		struct mmuext_op op;

		if (batch_preempt(c, __HYPERVISOR_mmuext_op, sizeof(op), done, n))
			break;

		if (xen_copy_from_guest(c->v, list + done * sizeof(op), &op, sizeof(op)) < 0) {
			rc = -XEN_EFAULT;
			break;
		}
		rc = ext_op(c, &op);
		if (rc < 0)
			break;
	}
	before += (uint32_t)done;
	if (done_va && xen_copy_to_guest(c->v, done_va, &before, sizeof(before)) < 0)
		return -XEN_EFAULT;
	return rc;
}

int64_t xen_hc_update_va_mapping(struct xen_call *c)
{
	struct xen_vcpu *v = c->v;
	int64_t rc = xen_mm_update_va(&v->x->mm, v->guest_table, c->a[0], c->a[1]);

	if (rc == 0) {
		flush_local(c); /* whatever UVMF_* asked, a full flush covers it */
		/* UVMF_ALL, or a vCPU mask for UVMF_MULTI, above the type. */
		if ((c->a[2] & UVMF_FLUSHTYPE_MASK) && (c->a[2] & ~UVMF_FLUSHTYPE_MASK))
			xen_flush_others(c->v);
	}
	return rc;
}

static int64_t memory_map(struct xen_call *c)
{
	struct xen *x = c->v->x;
	struct xen_memory_map m;
	/* struct e820entry as the guest reads it: addr, size, type (1: RAM). */
	struct { uint64_t addr, size; uint32_t type; } __attribute__((packed)) e = {
		0, x->nr_pages * XEN_PAGE_SIZE, 1
	};

	if (xen_copy_from_guest(c->v, c->a[1], &m, sizeof(m)) < 0)
		return -XEN_EFAULT;
	if (m.nr_entries < 1)
		return -XEN_EINVAL;
	if (xen_copy_to_guest(c->v, (uint64_t)(uintptr_t)m.buffer.p, &e, sizeof(e)) < 0)
		return -XEN_EFAULT;
	m.nr_entries = 1;
	return xen_copy_to_guest(c->v, c->a[1], &m, sizeof(m));
}

int64_t xen_hc_memory_op(struct xen_call *c)
{
	struct xen *x = c->v->x;

	switch (c->a[0] & MEMOP_CMD_MASK) {
	case XENMEM_memory_map:
		return memory_map(c);
	case XENMEM_machphys_mapping: {
		struct xen_machphys_mapping m = {
			.v_start = MACH2PHYS_VIRT_START,
			.v_end = MACH2PHYS_VIRT_START + x->mm.nr_frames * 8,
			.max_mfn = x->mm.nr_frames - 1,
		};

		return xen_copy_to_guest(c->v, c->a[1], &m, sizeof(m));
	}
	case XENMEM_maximum_ram_page:
		return (int64_t)x->nr_pages - 1;
	case XENMEM_current_reservation:
	case XENMEM_maximum_reservation: {
		domid_t d;

		if (xen_copy_from_guest(c->v, c->a[1], &d, sizeof(d)) < 0)
			return -XEN_EFAULT;
		return domid_self(d) ? (int64_t)x->nr_pages : -XEN_EPERM;
	}
	case XENMEM_increase_reservation:
	case XENMEM_decrease_reservation:
	case XENMEM_populate_physmap:
		/* No ballooning: no extent is handed out or taken back. */
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}
