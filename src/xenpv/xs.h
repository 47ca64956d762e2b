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
 * What the guest may make gamut hold is bounded (xs_int.h: 1000 nodes and
 * 512 KiB owned, 128 watches, 10 open transactions, 8 permission entries
 * a node; "EQUOTA" beyond), and so is the output queued for it.
 *
 * Not thread-safe: the caller serialises calls (gamut serves the ring on
 * one thread), gamut's own xs_write & co. included. */
#ifndef GAMUT_XEN_XS_H
#define GAMUT_XEN_XS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct xenstore_domain_interface;
struct xs;

/* An empty store (the root only, "n0") for guest `domid` (1..0x7fef);
 * NULL for another domid or without memory.  Its home, the base of the
 * guest's relative paths, is /local/domain/<domid>: gamut creates it and
 * what lies below with the permissions the guest needs. */
struct xs *xs_new(unsigned domid);
void xs_free(struct xs *xs);

/* Gamut's own (domain 0) access, for building the guest's tree and for
 * backends.  Paths are absolute.  Writes create missing parents; a new
 * node takes its parent's permissions (xenstored's rule), and the root is
 * "n0" (domain 0's, no access for others), so nothing is visible to the
 * guest until gamut sets permissions that say so (xs_set_perms).  Changes
 * fire watches as a guest's would.  xs_read returns the value's length
 * (the value NUL-terminated in buf, truncated to len-1) or -1 when the
 * node does not exist.  The others return 0, or -1 for an invalid path or
 * permission string (or, for xs_rm, a missing parent; or out of memory).
 * Domain 0 is never limited by the guest's quota. */
int xs_write(struct xs *xs, const char *path, const char *value);
int xs_mkdir(struct xs *xs, const char *path);
int xs_read(struct xs *xs, const char *path, char *buf, size_t len);
int xs_rm(struct xs *xs, const char *path);
/* Permissions in xenstore's text form, one string each: a letter (n: none,
 * r: read, w: write, b: both) and a domain id.  The first entry names the
 * owner (full access) and gives its letter to every domain not listed
 * after it; later entries name one domain each.  {"n0", "r1"}: domain 0's,
 * readable by domain 1; {"b1"}: domain 1's own. */
int xs_set_perms(struct xs *xs, const char *path, const char *const perms[],
		 unsigned n);

/* A watch gamut itself holds (a backend waiting for its frontend):
 * fn(opaque, path, token) runs from inside xs_write / xs_ring_service when
 * a node at or below `path` changes (also when a node above it is removed:
 * then `path` is the watch's own), and once when the watch is set.  `path`
 * may be "@introduceDomain" / "@releaseDomain": those fire on
 * xs_fire_special().  fn may call xs_write and friends (their watches fire
 * from inside it: do not write what you watch unconditionally) but not
 * xs_ring_service or xs_free. */
typedef void (*xs_watch_fn)(void *opaque, const char *path, const char *token);
int xs_watch_host(struct xs *xs, const char *path, const char *token,
		  xs_watch_fn fn, void *opaque);
int xs_unwatch_host(struct xs *xs, const char *path, const char *token);
/* The special event `name` ("@releaseDomain", ...) for gamut's watches on
 * it.  The guest is not privileged, so its own watches on these names
 * fire only once, when set. */
void xs_fire_special(struct xs *xs, const char *name);

/* Serves the guest's ring: writes queued output (replies, watch events)
 * into the response ring as room allows, consumes every complete request
 * and answers it.  Returns 1 when it moved either ring's offsets (it wrote
 * replies, or it freed request space a writer may be waiting for: the
 * caller then notifies the guest's event channel), 0 when not, -1 when the
 * connection was stopped (`err` says why, one line; every later call
 * returns -1 too).  Call it when the guest signals the event channel, and
 * after gamut's own changes when xs_output_pending() (their watch events
 * for the guest are queued until then). */
int xs_ring_service(struct xs *xs, struct xenstore_domain_interface *ring,
		    struct gerr *err);
bool xs_output_pending(const struct xs *xs);

#endif
