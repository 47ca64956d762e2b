/* The Xen platform of a PV domain: the entry ports, the VIRQ_TIMER timer
 * on the event loop, and the backends every domain has from the start:
 * the PV console ring of start_info (the guest's hvc0) and xenstore. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "console/console.h"
#include "core/evloop.h"
#include "core/vm.h"
#include "xenpv/xen_blk.h"
#include "xenpv/xen_entry.h"
#include "xenpv/xen_net.h"
#include "xenpv/xen_smp.h"
#include "xenpv/xs.h"

void xen_timer_fire(struct xen *x);

#define XEN_DOMID 1

static void on_timer(void *opaque, uint32_t events)
{
	struct xen *x = opaque;
	uint64_t n;

	(void)events;
	/* EAGAIN: the timer was re-armed after it fired; look anyway. */
	if (read(x->timer_fd, &n, sizeof(n)) < 0)
		n = 0;
	xen_timer_fire(x);
}

/* The guest wrote console output: everything between out_cons and
 * out_prod (free-running indexes, masked), then tell it the space is
 * free again. */
static void console_notify(void *opaque)
{
	struct xen *x = opaque;
	struct xencons_interface *ci = gmem_ptr_w(x->mem, x->console_gpa, sizeof(*ci));
	struct console *con;
	struct gerr err;
	XENCONS_RING_IDX cons, prod;
	char buf[sizeof(ci->out)];
	size_t n = 0;

	if (!ci)
		return;
	cons = __atomic_load_n(&ci->out_cons, __ATOMIC_ACQUIRE);
	prod = __atomic_load_n(&ci->out_prod, __ATOMIC_ACQUIRE);
	if (prod - cons > sizeof(ci->out))
		cons = prod - sizeof(ci->out); /* a guest lying about its index */
	while (cons != prod)
		buf[n++] = ci->out[MASK_XENCONS_IDX(cons++, ci->out)];
	__atomic_store_n(&ci->out_cons, cons, __ATOMIC_RELEASE);
	con = console_get(x->vm, &err);
	if (con && n)
		console_write(con, buf, n);
	x->console_out_used += n;
	xen_evtchn_raise(x, x->console_port);
}

/* Keyboard input (event-loop thread): into the ring's `in` half as far
 * as it has room; what does not fit is dropped, as a UART would. */
static void console_input(void *opaque, const uint8_t *buf, size_t len)
{
	struct xen *x = opaque;
	struct xencons_interface *ci = gmem_ptr_w(x->mem, x->console_gpa, sizeof(*ci));
	XENCONS_RING_IDX cons, prod;

	if (!ci || !x->loaded)
		return;
	cons = __atomic_load_n(&ci->in_cons, __ATOMIC_ACQUIRE);
	prod = ci->in_prod;
	for (size_t i = 0; i < len && prod - cons < sizeof(ci->in); i++)
		ci->in[MASK_XENCONS_IDX(prod++, ci->in)] = (char)buf[i];
	__atomic_store_n(&ci->in_prod, prod, __ATOMIC_RELEASE);
	xen_evtchn_raise(x, x->console_port);
}

static void store_notify(void *opaque)
{
	struct xen *x = opaque;
	struct xenstore_domain_interface *ring =
		gmem_ptr_w(x->mem, x->store_gpa, sizeof(*ring));
	struct gerr err;
	int rc = 0, more;

	if (!ring)
		return;
	/* One xenstore for every vCPU and the backends' watch callbacks;
	 * what those callbacks change queues events for the guest, so serve
	 * until nothing is left. */
	pthread_mutex_lock(&x->xs_lock);
	if (x->xs && !x->xs_dead) {
		do {
			more = xs_ring_service(x->xs, ring, &err);
			if (more < 0 && !x->xs_dead) {
				fprintf(stderr, "gamut: xenstore: %s (the guest's xenstore connection is closed)\n",
					err.msg);
				x->xs_dead = true;
			}
			if (more > 0)
				rc = 1;
		} while (more > 0 && xs_output_pending(x->xs));
	}
	pthread_mutex_unlock(&x->xs_lock);
	if (rc > 0)
		xen_evtchn_raise(x, x->store_port);
}

/* What Xen's toolstack writes for a new domain and a PV guest reads at
 * boot (docs/xen-pv.md, "Xenstore"): the home directory readable by the
 * guest, the parts it writes (data, device, control/shutdown) its own. */
static int populate_store(struct xen *x, struct gerr *err)
{
	static const char *const home_perms[] = { "n0", "r1" };
	static const char *const guest_perms[] = { "n1", "r0" };
	/* Nodes the guest writes: its own data, the control requests it
	 * acknowledges and the features it announces (Linux's xen:manage
	 * writes control/feature-*). */
	static const char *const guest_dirs[] = {
		"/local/domain/1/data", "/local/domain/1/device",
		"/local/domain/1/drivers", "/local/domain/1/feature",
		"/local/domain/1/attr", "/local/domain/1/error",
		"/local/domain/1/control/shutdown", "/local/domain/1/control/sysrq",
		"/local/domain/1/control/feature-poweroff",
		"/local/domain/1/control/feature-reboot",
		"/local/domain/1/control/feature-suspend",
		"/local/domain/1/control/feature-s3", "/local/domain/1/control/feature-s4",
	};
	char path[128], val[64];

	x->xs = xs_new(XEN_DOMID);
	if (!x->xs)
		return gerr_set(err, "out of memory for xenstore");
	if (xs_write(x->xs, "/local/domain/1", "") < 0 ||
	    xs_set_perms(x->xs, "/local/domain/1", home_perms, 2) < 0)
		return gerr_set(err, "cannot create the domain's xenstore home");
	xs_write(x->xs, "/local/domain/1/name", "gamut-guest");
	snprintf(val, sizeof(val), "%d", XEN_DOMID);
	xs_write(x->xs, "/local/domain/1/domid", val);
	snprintf(val, sizeof(val), "%llu", (unsigned long long)x->nr_pages * 4);
	xs_write(x->xs, "/local/domain/1/memory/target", val);
	xs_write(x->xs, "/local/domain/1/memory/static-max", val);
	for (unsigned i = 0; i < x->nr_vcpus; i++) {
		snprintf(path, sizeof(path), "/local/domain/1/cpu/%u/availability", i);
		xs_write(x->xs, path, "online");
	}
	xs_write(x->xs, "/local/domain/1/control", "");
	for (size_t i = 0; i < sizeof(guest_dirs) / sizeof(guest_dirs[0]); i++)
		if (xs_write(x->xs, guest_dirs[i], "") < 0 ||
		    xs_set_perms(x->xs, guest_dirs[i], guest_perms, 2) < 0)
			return gerr_set(err, "cannot create %s in xenstore", guest_dirs[i]);
	return 0;
}

int xen_platform_init(struct xen *x, struct gerr *err)
{
	struct console *con;

	if (xen_entry_init(x, err) < 0)
		return -1;
	x->timer_fd = evloop_timer_add(&x->vm->loop, on_timer, x, err);
	if (x->timer_fd < 0)
		return -1;
	x->console_port = xen_evtchn_alloc_backend(x, console_notify, x);
	x->store_port = xen_evtchn_alloc_backend(x, store_notify, x);
	if (!x->console_port || !x->store_port)
		return gerr_set(err, "no event channel for the console or xenstore");
	con = console_get(x->vm, err);
	if (!con)
		return -1;
	console_attach_input(con, console_input, x);
	return 0;
}

/* After the builder placed RAM: xenstore and the first clock reading. */
int xen_platform_start(struct xen *x, struct gerr *err)
{
	const struct vm_config *cfg = &x->vm->cfg;
	int rc = 0;

	if (populate_store(x, err) < 0)
		return -1;
	if (cfg->nr_disks > sizeof(x->blk) / sizeof(x->blk[0]))
		return gerr_set(err, "--disk: a Xen PV domain takes at most %zu disks",
				sizeof(x->blk) / sizeof(x->blk[0]));
	if (cfg->nr_nets > sizeof(x->net) / sizeof(x->net[0]))
		return gerr_set(err, "--net: a Xen PV domain takes at most %zu interfaces",
				sizeof(x->net) / sizeof(x->net[0]));
	pthread_mutex_lock(&x->xs_lock);
	for (unsigned i = 0; i < cfg->nr_disks && rc == 0; i++, x->nr_blk++)
		rc = xen_blk_add(x, i, &cfg->disk[i], &x->blk[i], err);
	for (unsigned i = 0; i < cfg->nr_nets && rc == 0; i++, x->nr_net++)
		rc = xen_net_add(x, i, &cfg->net[i], &x->net[i], err);
	pthread_mutex_unlock(&x->xs_lock);
	if (rc < 0)
		return -1;
	for (unsigned i = 0; i < x->nr_vcpus; i++)
		xen_clock_update(&x->vcpu[i]);
	return 0;
}

void xen_platform_fini(struct xen *x)
{
	if (x->timer_fd >= 0) {
		evloop_del(&x->vm->loop, x->timer_fd);
		close(x->timer_fd);
	}
	x->timer_fd = -1;
	xs_free(x->xs);
	x->xs = NULL;
	for (unsigned i = 0; i < x->nr_blk; i++)
		xen_blk_free(x->blk[i]);
	x->nr_blk = 0;
	for (unsigned i = 0; i < x->nr_net; i++)
		xen_net_free(x->net[i]);
	x->nr_net = 0;
	xen_entry_fini(x);
}
