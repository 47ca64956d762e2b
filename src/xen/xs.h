/* gamut's xenstore: the store a Xen PV guest's drivers read their
 * configuration from and negotiate with their backends through, served
 * by gamut itself over the guest's xenstore ring (the page and event
 * channel named in start_info).
 *
 * One guest domain (`domid`, never 0) and gamut acting as domain 0 (the
 * toolstack and every backend).  The tree, node permissions as Xen
 * defines them (owner, then per-domain read/write), watches (a watch
 * fires once when set, then on every change at or below its path) and
 * transactions (each sees a snapshot; ending one applies it, or fails
 * with EAGAIN when a node it read or wrote was changed meanwhile).  The
 * wire format is <xen/io/xs_wire.h>.
 *
 * The ring is guest memory: the guest may change anything in it at any
 * time.  Indexes are read once per pass, sizes are checked against
 * XENSTORE_PAYLOAD_MAX, and a malformed message gets an error reply
 * ("EINVAL", "E2BIG", ...) or, when its header is unusable (length over
 * the maximum), the connection is stopped: the ring is no longer
 * served and xs_ring_service() returns -1 with the reason.
 *
 * Not thread-safe: the caller serialises calls (gamut serves the ring on
 * one thread). */
#ifndef GAMUT_XEN_XS_H
#define GAMUT_XEN_XS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct xenstore_domain_interface;
struct xs;

struct xs *xs_new(unsigned domid);
void xs_free(struct xs *xs);

/* Gamut's own (domain 0) access, for building the guest's tree and for
 * backends.  Paths are absolute.  Writes create missing parents, owned by
 * domain 0 with no access for the guest unless set otherwise; they fire
 * watches as a guest write would.  xs_read returns the value's length
 * (the value NUL-terminated in buf, truncated to len-1) or -1 when the
 * node does not exist. */
int xs_write(struct xs *xs, const char *path, const char *value);
int xs_read(struct xs *xs, const char *path, char *buf, size_t len);
int xs_rm(struct xs *xs, const char *path);
/* Permissions in xenstore's text form: "b0" (owner domain 0, others may
 * read and write... per xs_wire.h's XS_SET_PERMS: first entry is the owner
 * and the default for other domains; later entries name one domain). */
int xs_set_perms(struct xs *xs, const char *path, const char *const perms[],
		 unsigned n);

/* A watch gamut itself holds (a backend waiting for its frontend):
 * fn(opaque, path, token) runs from inside xs_write / xs_ring_service when
 * a node at or below `path` changes, and once when the watch is set. */
typedef void (*xs_watch_fn)(void *opaque, const char *path, const char *token);
int xs_watch_host(struct xs *xs, const char *path, const char *token,
		  xs_watch_fn fn, void *opaque);

/* Serves the guest's ring: consumes every complete request, answers each,
 * and writes pending watch events for the guest.  Returns 1 when it put
 * something in the response ring (the caller then notifies the guest's
 * event channel), 0 when not, -1 when the connection was stopped (`err`
 * says why, one line). */
int xs_ring_service(struct xs *xs, struct xenstore_domain_interface *ring,
		    struct gerr *err);

#endif
