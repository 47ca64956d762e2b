/* The inside of gamut's xenstore (xs.h is the interface): the tree
 * (xs_tree.c), watches (xs_watch.c), transactions (xs_txn.c), the request
 * handlers (xs_ops.c) and the ring with its output queue (xs_ring.c).
 *
 * Errors inside are positive errno values (EACCES, ENOENT, ...) plus
 * XS_EQUOTA (ENOSPC); xs_errname() turns one into the string the wire carries
 * (docs/misc/xenstore.txt: "the string name is transmitted"). */
#ifndef GAMUT_XEN_XS_INT_H
#define GAMUT_XEN_XS_INT_H

#include <errno.h> /* before xs_wire.h: its error table needs EINVAL */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xenpv/xen_abi.h"
#include "xenpv/xs.h"

/* Limits on what the guest may make gamut hold (domain 0 has none).  The
 * node, watch and transaction numbers are those of Xen's own xenstored
 * defaults; the byte bound keeps 1000 nodes of large values in check. */
#define XS_GUEST_NODES_MAX   1000	  /* nodes the guest owns */
#define XS_GUEST_BYTES_MAX   (512u << 10) /* names+values+perms it owns */
#define XS_GUEST_WATCHES_MAX 128
#define XS_GUEST_TXNS_MAX    10
#define XS_PERMS_MAX	     8	  /* entries in one node's permissions */
#define XS_TOKEN_MAX	     1000 /* so path (3072) + token fits an event */
#define XS_TXN_PATHS_MAX     1024 /* distinct paths one transaction uses */
#define XS_TXN_OPS_MAX	     1024 /* changes one transaction makes */
#define XS_TXN_BYTES_MAX     (256u << 10) /* bytes its change log holds */
/* Output queued for the guest: above XS_OUTQ_HIGH no more requests are
 * read (the guest is not draining its replies); above XS_OUTQ_MAX watch
 * events are dropped instead of queued. */
#define XS_OUTQ_HIGH (32u << 10)
#define XS_OUTQ_MAX  (256u << 10)

/* Quota errors go out as "ENOSPC", as Xen's C xenstored sends them: a
 * name in xs_wire.h's table, which Linux maps to an errno it knows. */
#define XS_EQUOTA ENOSPC
const char *xs_errname(int e);

#define XS_ABS_MAX XENSTORE_ABS_PATH_MAX
#define XS_REL_MAX XENSTORE_REL_PATH_MAX

/* ---- tree (xs_tree.c) ---- */

enum { XS_ACC_READ = 1, XS_ACC_WRITE = 2 };

struct xs_perm {
	uint32_t dom;
	uint8_t acc; /* XS_ACC_* */
};

struct xs_node {
	char *name; /* one path component; "" for the root */
	struct xs_node *parent;
	struct xs_node **kid;
	unsigned nkid, capkid;
	uint8_t *val;
	uint32_t vlen;
	struct xs_perm *perm; /* perm[0]: owner and everyone's default */
	unsigned nperm;
	uint64_t gen; /* tree generation of its last change (or a child's) */
};

struct xs_tree {
	struct xs_node *root;
	uint64_t gen;	  /* bumped on every change */
	unsigned guest;	  /* the domain whose ownership is counted */
	uint32_t g_nodes; /* nodes owned by `guest` */
	size_t g_bytes;
};

/* What a change did, for the watches: `changed` (nothing for mkdir of an
 * existing node) and whether the guest may see the event (it could read
 * the node: after the change, or before it for a removal). */
struct xs_change {
	bool changed;
	bool guest_ok;
};

int xs_tree_init(struct xs_tree *t, unsigned guest);
void xs_tree_free(struct xs_tree *t);
int xs_tree_clone(struct xs_tree *dst, const struct xs_tree *src);
struct xs_node *xs_tree_find(const struct xs_tree *t, const char *path);
/* The deepest node that exists on the way to `path` (the root at least). */
struct xs_node *xs_tree_deepest(const struct xs_tree *t, const char *path);
unsigned xs_node_access(const struct xs_node *n, unsigned dom);

/* The changes, as domain `dom` (0: anything goes, no quota).  Return 0 or
 * an error; `ch` says what happened. */
int xs_tree_write(struct xs_tree *t, unsigned dom, const char *path,
		  const void *val, uint32_t vlen, struct xs_change *ch);
int xs_tree_mkdir(struct xs_tree *t, unsigned dom, const char *path,
		  struct xs_change *ch);
int xs_tree_rm(struct xs_tree *t, unsigned dom, const char *path,
	       struct xs_change *ch);
int xs_tree_set_perms(struct xs_tree *t, unsigned dom, const char *path,
		      const struct xs_perm *p, unsigned n, struct xs_change *ch);

/* Path syntax (xenstore.txt): "/"-separated, characters [A-Za-z0-9-/_@],
 * no empty component, no trailing "/" except the root itself. */
bool xs_path_valid(const char *p, bool absolute);
/* One permission in text form ("r5") to binary; 0 or EINVAL. */
int xs_perm_parse(const char *s, struct xs_perm *p);
/* `child` is `parent` or below it (xenstore.txt's definition). */
bool xs_path_is_child(const char *child, const char *parent);

/* ---- watches (xs_watch.c) ---- */

struct xs_watch {
	char *path; /* absolute, or "@..." */
	char *token;
	bool rel;   /* the guest gave it relative: events come relative */
	bool host;
	bool dead;  /* removed while events were being delivered */
	xs_watch_fn fn;
	void *opaque;
};

/* Adds the guest's watch and fires it once (queued for the guest). */
int xs_watch_add_guest(struct xs *xs, const char *abspath, bool rel,
		       const char *token);
int xs_watch_del_guest(struct xs *xs, const char *abspath, const char *token);
void xs_watch_reset_guest(struct xs *xs);
/* An event at `path` (a removal of `path` when `rm`) for every watch that
 * matches; the guest's watches only when `guest_ok`. */
void xs_watch_fire(struct xs *xs, const char *path, bool rm, bool guest_ok);
void xs_watch_free_all(struct xs *xs);

/* ---- transactions (xs_txn.c) ---- */

struct xs_txn;
int xs_txn_start(struct xs *xs, uint32_t *id);
struct xs_txn *xs_txn_find(struct xs *xs, uint32_t id);
struct xs_tree *xs_txn_tree(struct xs_txn *tx);
/* Records that the transaction used `path` (for the conflict check). */
int xs_txn_note(struct xs_txn *tx, const char *path);
/* Appends a change made in the transaction to the log replayed on commit;
 * kind is the request type (XS_WRITE, XS_MKDIR, XS_RM, XS_SET_PERMS). */
int xs_txn_log(struct xs_txn *tx, unsigned kind, const char *path,
	       const void *data, uint32_t dlen, const struct xs_perm *p,
	       unsigned np);
/* Ends it: commit (0, EAGAIN or the error of a change that no longer
 * applies) or abort (0).  The transaction is gone afterwards either way. */
/* Drops the entry just logged (the change it describes failed). */
void xs_txn_unlog(struct xs_txn *tx);
int xs_txn_end(struct xs *xs, struct xs_txn *tx, bool commit);
void xs_txn_free_all(struct xs *xs);

/* ---- the whole (xs.c) ---- */

struct xs_outmsg {
	struct xs_outmsg *next;
	uint32_t len, off; /* bytes in data; bytes already in the ring */
	uint8_t data[];	   /* header, then payload */
};

struct xs {
	unsigned domid;
	char home[32]; /* "/local/domain/<domid>" */
	struct xs_tree tree;

	struct xs_watch *watch;
	unsigned nwatch, capwatch, guest_watches;
	unsigned firing; /* nesting of xs_watch_fire: no compaction inside */

	struct xs_txn *txns;
	unsigned ntxn;
	uint32_t next_txid;

	/* Input: the message being assembled from the request ring. */
	struct xsd_sockmsg in_hdr;
	uint32_t in_have; /* bytes of header+payload received */
	char in_buf[XENSTORE_PAYLOAD_MAX + 1]; /* payload, NUL after it */

	/* Output for the guest, oldest first. */
	struct xs_outmsg *out_head, **out_tail;
	size_t out_bytes;
	uint64_t events_dropped;

	bool dead;
	char why[160];
};

/* Queues a message for the guest.  Events (`droppable`) are dropped above
 * XS_OUTQ_MAX.  `at`, when not NULL, is where in the queue to link it
 * (xs_ops.c puts a reply before the events its request caused). */
int xs_out_push(struct xs *xs, uint32_t type, uint32_t req_id, uint32_t tx_id,
		const void *payload, uint32_t len, bool droppable);
int xs_out_push_at(struct xs *xs, struct xs_outmsg **at, uint32_t type,
		   uint32_t req_id, uint32_t tx_id, const void *payload,
		   uint32_t len, bool droppable);

/* Handles one complete request from the guest (xs_ops.c). */
void xs_ops_handle(struct xs *xs, const struct xsd_sockmsg *hdr,
		   const char *payload);

/* A change on the main tree by `dom` with its watches fired: the one path
 * for gamut's API and the guest's requests outside transactions. */
int xs_do_write(struct xs *xs, unsigned dom, const char *path,
		const void *val, uint32_t vlen);
int xs_do_mkdir(struct xs *xs, unsigned dom, const char *path);
int xs_do_rm(struct xs *xs, unsigned dom, const char *path);
int xs_do_set_perms(struct xs *xs, unsigned dom, const char *path,
		    const struct xs_perm *p, unsigned n);

#endif
