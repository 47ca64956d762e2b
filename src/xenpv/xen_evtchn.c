/* Event channels, Xen's 2-level ABI (xen/event_channel.h, xen/xen.h):
 * a pending and a mask bit per port in shared_info, a selector word and
 * the upcall-pending flag in each vCPU's vcpu_info.  The guest's ports
 * are VIRQs (the timer), IPIs, and interdomain channels whose other end
 * is one of gamut's backends (console, xenstore, block, net). */
#include <string.h>

#include "core/vm.h"
#include "xenpv/xen_entry.h"
#include "xenpv/xen_hcall.h"

#define BITS 64u

static shared_info_t *shared(struct xen *x)
{
	return gmem_ptr_w(x->mem, x->shared_info_mfn << 12, XEN_PAGE_SIZE);
}

static bool test_and_set(xen_ulong_t *w, unsigned bit)
{
	return __atomic_fetch_or(w, (xen_ulong_t)1 << bit, __ATOMIC_SEQ_CST) &
	       ((xen_ulong_t)1 << bit);
}

static bool test_bit(xen_ulong_t *w, unsigned bit)
{
	return __atomic_load_n(w, __ATOMIC_SEQ_CST) & ((xen_ulong_t)1 << bit);
}

static void wake(struct xen *x, unsigned vcpu)
{
	pthread_cond_broadcast(&x->vcpu[vcpu].wake);
	vm_kick(x->vm, (int)vcpu);
}

/* Called with x->lock held: the selector and upcall flag of the port's
 * vCPU, unless the port is masked. */
static void notify_vcpu(struct xen *x, unsigned port)
{
	shared_info_t *s = shared(x);
	unsigned vcpu = x->ec[port].vcpu;
	struct vcpu_info *vi = xen_vcpu_info(&x->vcpu[vcpu]);

	if (!vi || test_bit(&s->evtchn_mask[port / BITS], port % BITS))
		return;
	if (!test_and_set(&vi->evtchn_pending_sel, port / BITS)) {
		__atomic_store_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST);
		wake(x, vcpu);
	}
}

void xen_evtchn_raise(struct xen *x, unsigned port)
{
	shared_info_t *s = shared(x);

	if (!port || port >= XEN_NR_EVTCHN || !s)
		return;
	pthread_mutex_lock(&x->lock);
	if (x->ec[port].state != XEN_EC_FREE &&
	    !test_and_set(&s->evtchn_pending[port / BITS], port % BITS))
		notify_vcpu(x, port);
	pthread_mutex_unlock(&x->lock);
}

/* With x->lock held: a free port (1 and up), or 0 when none is left. */
static unsigned alloc_port(struct xen *x, enum xen_evtchn_state st, unsigned vcpu)
{
	for (unsigned p = 1; p < XEN_NR_EVTCHN; p++) {
		if (x->ec[p].state == XEN_EC_FREE) {
			memset(&x->ec[p], 0, sizeof(x->ec[p]));
			x->ec[p].state = (uint8_t)st;
			x->ec[p].vcpu = (uint16_t)vcpu;
			return p;
		}
	}
	return 0;
}

unsigned xen_evtchn_alloc_backend(struct xen *x, xen_notify_fn fn, void *opaque)
{
	unsigned p;

	pthread_mutex_lock(&x->lock);
	p = alloc_port(x, XEN_EC_INTERDOMAIN, 0);
	if (p) {
		x->ec[p].fn = fn;
		x->ec[p].opaque = opaque;
	}
	pthread_mutex_unlock(&x->lock);
	return p;
}

int xen_evtchn_bind_backend(struct xen *x, unsigned port, xen_notify_fn fn, void *opaque)
{
	int rc = -1;

	pthread_mutex_lock(&x->lock);
	if (port && port < XEN_NR_EVTCHN && x->ec[port].state == XEN_EC_UNBOUND) {
		x->ec[port].state = XEN_EC_INTERDOMAIN;
		x->ec[port].fn = fn;
		x->ec[port].opaque = opaque;
		rc = 0;
	}
	pthread_mutex_unlock(&x->lock);
	return rc;
}

static int64_t copy_in(struct xen_call *c, void *p, size_t n)
{
	return xen_copy_from_guest(c->v, c->a[1], p, n) < 0 ? -XEN_EFAULT : 0;
}

static int64_t copy_out(struct xen_call *c, const void *p, size_t n)
{
	return xen_copy_to_guest(c->v, c->a[1], p, n) < 0 ? -XEN_EFAULT : 0;
}

static int64_t bind_virq(struct xen_call *c)
{
	struct xen *x = c->v->x;
	struct evtchn_bind_virq b;
	unsigned p;

	if (copy_in(c, &b, sizeof(b)) < 0)
		return -XEN_EFAULT;
	if (b.virq >= NR_VIRQS || b.vcpu >= x->nr_vcpus)
		return -XEN_EINVAL;
	pthread_mutex_lock(&x->lock);
	if (x->vcpu[b.vcpu].virq_port[b.virq]) {
		pthread_mutex_unlock(&x->lock);
		return -XEN_EEXIST;
	}
	p = alloc_port(x, XEN_EC_VIRQ, b.vcpu);
	if (p) {
		x->ec[p].virq = (uint8_t)b.virq;
		x->vcpu[b.vcpu].virq_port[b.virq] = (uint16_t)p;
	}
	pthread_mutex_unlock(&x->lock);
	if (!p)
		return -XEN_ENOSPC;
	b.port = p;
	return copy_out(c, &b, sizeof(b));
}

static int64_t bind_ipi(struct xen_call *c)
{
	struct xen *x = c->v->x;
	struct evtchn_bind_ipi b;
	unsigned p;

	if (copy_in(c, &b, sizeof(b)) < 0)
		return -XEN_EFAULT;
	if (b.vcpu >= x->nr_vcpus)
		return -XEN_EINVAL;
	pthread_mutex_lock(&x->lock);
	p = alloc_port(x, XEN_EC_IPI, b.vcpu);
	pthread_mutex_unlock(&x->lock);
	if (!p)
		return -XEN_ENOSPC;
	b.port = p;
	return copy_out(c, &b, sizeof(b));
}

static int64_t alloc_unbound(struct xen_call *c)
{
	struct xen *x = c->v->x;
	struct evtchn_alloc_unbound a;
	unsigned p;

	if (copy_in(c, &a, sizeof(a)) < 0)
		return -XEN_EFAULT;
	if (a.dom != DOMID_SELF || a.remote_dom != 0)
		return -XEN_EPERM; /* the only other domain is gamut, domain 0 */
	pthread_mutex_lock(&x->lock);
	p = alloc_port(x, XEN_EC_UNBOUND, 0);
	pthread_mutex_unlock(&x->lock);
	if (!p)
		return -XEN_ENOSPC;
	a.port = p;
	return copy_out(c, &a, sizeof(a));
}

static int64_t send(struct xen_call *c)
{
	struct xen *x = c->v->x;
	struct evtchn_send s;
	struct xen_evtchn e;

	if (copy_in(c, &s, sizeof(s)) < 0)
		return -XEN_EFAULT;
	if (!s.port || s.port >= XEN_NR_EVTCHN)
		return -XEN_EINVAL;
	pthread_mutex_lock(&x->lock);
	e = x->ec[s.port];
	pthread_mutex_unlock(&x->lock);
	switch (e.state) {
	case XEN_EC_IPI:
		xen_evtchn_raise(x, s.port);
		return 0;
	case XEN_EC_INTERDOMAIN:
	case XEN_EC_RESERVED:
		if (e.fn)
			e.fn(e.opaque);
		return 0;
	case XEN_EC_UNBOUND:
		return 0; /* nobody listens yet: Xen drops it too */
	default:
		return -XEN_EINVAL;
	}
}

static int64_t close_port(struct xen_call *c)
{
	struct xen *x = c->v->x;
	struct evtchn_close cl;

	if (copy_in(c, &cl, sizeof(cl)) < 0)
		return -XEN_EFAULT;
	if (!cl.port || cl.port >= XEN_NR_EVTCHN)
		return -XEN_EINVAL;
	pthread_mutex_lock(&x->lock);
	if (x->ec[cl.port].state == XEN_EC_FREE) {
		/* Nothing to close: Xen's evtchn_close answers -EINVAL. */
		pthread_mutex_unlock(&x->lock);
		return -XEN_EINVAL;
	}
	if (x->ec[cl.port].state == XEN_EC_VIRQ)
		x->vcpu[x->ec[cl.port].vcpu].virq_port[x->ec[cl.port].virq] = 0;
	if (x->ec[cl.port].state != XEN_EC_RESERVED)
		memset(&x->ec[cl.port], 0, sizeof(x->ec[cl.port]));
	pthread_mutex_unlock(&x->lock);
	return 0;
}

static int64_t unmask(struct xen_call *c)
{
	struct xen *x = c->v->x;
	shared_info_t *s = shared(x);
	struct evtchn_unmask u;

	if (copy_in(c, &u, sizeof(u)) < 0)
		return -XEN_EFAULT;
	if (u.port >= XEN_NR_EVTCHN)
		return -XEN_EINVAL;
	pthread_mutex_lock(&x->lock);
	__atomic_fetch_and(&s->evtchn_mask[u.port / BITS],
			   ~((xen_ulong_t)1 << (u.port % BITS)), __ATOMIC_SEQ_CST);
	if (test_bit(&s->evtchn_pending[u.port / BITS], u.port % BITS))
		notify_vcpu(x, u.port);
	pthread_mutex_unlock(&x->lock);
	return 0;
}

static int64_t bind_vcpu(struct xen_call *c)
{
	struct xen *x = c->v->x;
	struct evtchn_bind_vcpu b;
	int64_t rc = 0;

	if (copy_in(c, &b, sizeof(b)) < 0)
		return -XEN_EFAULT;
	if (!b.port || b.port >= XEN_NR_EVTCHN || b.vcpu >= x->nr_vcpus)
		return -XEN_EINVAL;
	pthread_mutex_lock(&x->lock);
	if (x->ec[b.port].state == XEN_EC_FREE || x->ec[b.port].state == XEN_EC_VIRQ ||
	    x->ec[b.port].state == XEN_EC_IPI)
		rc = -XEN_EINVAL; /* per-vCPU kinds stay where they were bound */
	else
		x->ec[b.port].vcpu = (uint16_t)b.vcpu;
	pthread_mutex_unlock(&x->lock);
	return rc;
}

static int64_t status(struct xen_call *c)
{
	struct xen *x = c->v->x;
	struct evtchn_status s;
	struct xen_evtchn e;

	if (copy_in(c, &s, sizeof(s)) < 0)
		return -XEN_EFAULT;
	if (s.dom != DOMID_SELF || s.port >= XEN_NR_EVTCHN)
		return -XEN_EINVAL;
	pthread_mutex_lock(&x->lock);
	e = x->ec[s.port];
	pthread_mutex_unlock(&x->lock);
	s.vcpu = e.vcpu;
	switch (e.state) {
	case XEN_EC_FREE: s.status = EVTCHNSTAT_closed; break;
	case XEN_EC_UNBOUND: s.status = EVTCHNSTAT_unbound; s.u.unbound.dom = 0; break;
	case XEN_EC_VIRQ: s.status = EVTCHNSTAT_virq; s.u.virq = e.virq; break;
	case XEN_EC_IPI: s.status = EVTCHNSTAT_ipi; break;
	default: s.status = EVTCHNSTAT_interdomain; s.u.interdomain.dom = 0; break;
	}
	return copy_out(c, &s, sizeof(s));
}

int64_t xen_hc_event_channel_op(struct xen_call *c)
{
	switch (c->a[0]) {
	case EVTCHNOP_bind_virq: return bind_virq(c);
	case EVTCHNOP_bind_ipi: return bind_ipi(c);
	case EVTCHNOP_alloc_unbound: return alloc_unbound(c);
	case EVTCHNOP_send: return send(c);
	case EVTCHNOP_close: return close_port(c);
	case EVTCHNOP_unmask: return unmask(c);
	case EVTCHNOP_bind_vcpu: return bind_vcpu(c);
	case EVTCHNOP_status: return status(c);
	case EVTCHNOP_bind_interdomain: return -XEN_EPERM;
	default: return -XEN_ENOSYS; /* FIFO ABI (init_control...) not offered */
	}
}
