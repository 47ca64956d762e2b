/* The guest's requests, one complete message at a time: payload parsing,
 * path resolution (relative paths are under /local/domain/<domid>),
 * transactions routed to their own tree, and the reply.  Payload formats
 * are those of docs/misc/xenstore.txt. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "xenpv/xs_int.h"

struct req {
	struct xs *xs;
	const struct xsd_sockmsg *h;
	const char *p; /* payload, NUL-terminated after h->len bytes */
	uint32_t off;  /* parse position */
	char out[XENSTORE_PAYLOAD_MAX];
	uint32_t olen;
};

/* The next NUL-terminated string of the payload. */
static int arg(struct req *r, const char **s)
{
	const char *start = r->p + r->off, *nul;

	if (r->off >= r->h->len)
		return EINVAL;
	nul = memchr(start, '\0', r->h->len - r->off);
	if (!nul)
		return EINVAL;
	*s = start;
	r->off += (uint32_t)(nul - start) + 1;
	return 0;
}

/* A path from the guest, made absolute.  `rel` says it was relative. */
static int arg_path(struct req *r, char abs[XS_ABS_MAX + 1], bool *rel)
{
	const char *s;
	int e = arg(r, &s);

	if (e)
		return e;
	*rel = s[0] != '/';
	if (!xs_path_valid(s, !*rel))
		return EINVAL;
	if (!*rel) {
		strcpy(abs, s);
		return 0;
	}
	{
		size_t hl = strlen(r->xs->home), sl = strlen(s);

		if (hl + 1 + sl > XS_ABS_MAX)
			return EINVAL;
		memcpy(abs, r->xs->home, hl);
		abs[hl] = '/';
		memcpy(abs + hl + 1, s, sl + 1);
	}
	return 0;
}

static int put(struct req *r, const void *d, size_t n)
{
	if (n > sizeof(r->out) - r->olen)
		return E2BIG;
	if (n) /* an empty value has no buffer */
		memcpy(r->out + r->olen, d, n);
	r->olen += (uint32_t)n;
	return 0;
}

static int put_str(struct req *r, const char *s)
{
	return put(r, s, strlen(s) + 1);
}

/* Decimal, strictly: digits only, at most `max`. */
static int parse_uint(const char *s, uint64_t max, uint64_t *v)
{
	*v = 0;
	if (!*s)
		return EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return EINVAL;
		*v = *v * 10 + (uint64_t)(*s - '0');
		if (*v > max)
			return EINVAL;
	}
	return 0;
}

/* The tree a request reads: the transaction's when it names one (noting
 * the path for the commit's conflict check). */
static int reading(struct req *r, const char *path, struct xs_tree **t,
		   const struct xs_node **n)
{
	struct xs_txn *tx = NULL;
	int e;

	*t = &r->xs->tree;
	if (r->h->tx_id) {
		tx = xs_txn_find(r->xs, r->h->tx_id);
		if (!tx)
			return ENOENT;
		e = xs_txn_note(tx, path);
		if (e)
			return e;
		*t = xs_txn_tree(tx);
	}
	*n = xs_tree_find(*t, path);
	if (!*n)
		return ENOENT;
	if (!(xs_node_access(*n, r->xs->domid) & XS_ACC_READ))
		return EACCES;
	return 0;
}

static int op_read(struct req *r)
{
	char path[XS_ABS_MAX + 1];
	const struct xs_node *n;
	struct xs_tree *t;
	bool rel;
	int e = arg_path(r, path, &rel);

	if (!e)
		e = reading(r, path, &t, &n);
	return e ? e : put(r, n->val, n->vlen);
}

static int op_get_perms(struct req *r)
{
	char path[XS_ABS_MAX + 1], s[16];
	const struct xs_node *n;
	struct xs_tree *t;
	bool rel;
	int e = arg_path(r, path, &rel);

	if (!e)
		e = reading(r, path, &t, &n);
	for (unsigned i = 0; !e && i < n->nperm; i++) {
		snprintf(s, sizeof(s), "%c%u", "nrwb"[n->perm[i].acc & 3],
			 (unsigned)n->perm[i].dom);
		e = put_str(r, s);
	}
	return e;
}

static int op_directory(struct req *r)
{
	char path[XS_ABS_MAX + 1];
	const struct xs_node *n;
	struct xs_tree *t;
	bool rel;
	int e = arg_path(r, path, &rel);

	if (!e)
		e = reading(r, path, &t, &n);
	for (unsigned i = 0; !e && i < n->nkid; i++)
		e = put_str(r, n->kid[i]->name);
	return e;
}

/* The children list from byte `offset` of its full form, whole names
 * only; the last part ends with an extra NUL, which is how a client sees
 * the end (Xen's libxenstore stops at the empty name). */
static int op_directory_part(struct req *r)
{
	char path[XS_ABS_MAX + 1], gen[24];
	const struct xs_node *n;
	struct xs_tree *t;
	const char *offs;
	uint64_t off, pos = 0;
	unsigned i = 0;
	bool rel;
	int e = arg_path(r, path, &rel);

	if (!e)
		e = arg(r, &offs);
	if (!e)
		e = parse_uint(offs, UINT32_MAX, &off);
	if (!e)
		e = reading(r, path, &t, &n);
	if (e)
		return e;
	for (; i < n->nkid && pos < off; i++)
		pos += strlen(n->kid[i]->name) + 1;
	if (pos != off)
		return EINVAL; /* not the start of a name */
	snprintf(gen, sizeof(gen), "%" PRIu64, n->gen);
	put_str(r, gen);
	for (; i < n->nkid; i++) {
		const char *k = n->kid[i]->name;
		size_t len = strlen(k) + 1;

		/* Room for the name, and for the end mark if it is the last. */
		if (r->olen + len + (i + 1 == n->nkid) > sizeof(r->out))
			return 0;
		put(r, k, len);
	}
	return put(r, "", 1);
}

/* A change from the guest: on the live tree (watches fire), or on its
 * transaction's copy and in that transaction's log. */
static int change(struct req *r, unsigned kind, const char *path,
		  const void *d, uint32_t dlen, const struct xs_perm *p,
		  unsigned np)
{
	struct xs *xs = r->xs;
	struct xs_change ch;
	struct xs_txn *tx;
	struct xs_tree *t;
	int e;

	if (!r->h->tx_id) {
		switch (kind) {
		case XS_WRITE: return xs_do_write(xs, xs->domid, path, d, dlen);
		case XS_MKDIR: return xs_do_mkdir(xs, xs->domid, path);
		case XS_RM: return xs_do_rm(xs, xs->domid, path);
		default: return xs_do_set_perms(xs, xs->domid, path, p, np);
		}
	}
	tx = xs_txn_find(xs, r->h->tx_id);
	if (!tx)
		return ENOENT;
	e = xs_txn_note(tx, path);
	if (!e)
		e = xs_txn_log(tx, kind, path, d, dlen, p, np);
	if (e)
		return e;
	t = xs_txn_tree(tx);
	switch (kind) {
	case XS_WRITE: e = xs_tree_write(t, xs->domid, path, d, dlen, &ch); break;
	case XS_MKDIR: e = xs_tree_mkdir(t, xs->domid, path, &ch); break;
	case XS_RM: e = xs_tree_rm(t, xs->domid, path, &ch); break;
	default: e = xs_tree_set_perms(t, xs->domid, path, p, np, &ch); break;
	}
	if (e || !ch.changed)
		xs_txn_unlog(tx);
	return e;
}

static int op_write(struct req *r)
{
	char path[XS_ABS_MAX + 1];
	bool rel;
	int e = arg_path(r, path, &rel);

	/* The value is the rest of the payload, binary. */
	return e ? e : change(r, XS_WRITE, path, r->p + r->off,
			      r->h->len - r->off, NULL, 0);
}

static int op_path_only(struct req *r, unsigned kind)
{
	char path[XS_ABS_MAX + 1];
	bool rel;
	int e = arg_path(r, path, &rel);

	return e ? e : change(r, kind, path, NULL, 0, NULL, 0);
}

static int op_set_perms(struct req *r)
{
	char path[XS_ABS_MAX + 1];
	struct xs_perm p[XS_PERMS_MAX];
	unsigned np = 0;
	const char *s;
	bool rel;
	int e = arg_path(r, path, &rel);

	while (!e && r->off < r->h->len) {
		e = arg(r, &s);
		if (e)
			break;
		if (np == XS_PERMS_MAX)
			return XS_EQUOTA;
		e = xs_perm_parse(s, &p[np++]);
	}
	if (e)
		return e;
	if (!np)
		return EINVAL;
	return change(r, XS_SET_PERMS, path, NULL, 0, p, np);
}

/* WATCH and UNWATCH: <wpath>|<token>|, where <wpath> may be "@name". */
static int watch_args(struct req *r, char path[XS_ABS_MAX + 1], bool *rel,
		      const char **token)
{
	uint32_t start = r->off;
	const char *s;
	int e = arg(r, &s);

	if (e)
		return e;
	if (s[0] == '@') {
		if (!xs_path_valid(s, false))
			return EINVAL;
		strcpy(path, s);
		*rel = false;
	} else {
		r->off = start;
		e = arg_path(r, path, rel);
		if (e)
			return e;
	}
	e = arg(r, token);
	if (e)
		return e;
	return strlen(*token) > XS_TOKEN_MAX ? EINVAL : 0;
}

static int op_watch(struct req *r, bool add)
{
	char path[XS_ABS_MAX + 1];
	const char *token;
	bool rel;
	int e = watch_args(r, path, &rel, &token);

	if (e)
		return e;
	return add ? xs_watch_add_guest(r->xs, path, rel, token)
		   : xs_watch_del_guest(r->xs, path, token);
}

static int op_txn_start(struct req *r)
{
	char s[16];
	uint32_t id;
	int e;

	if (r->h->tx_id)
		return EINVAL; /* xenstore.txt: not legal within one */
	e = xs_txn_start(r->xs, &id);
	if (e)
		return e;
	snprintf(s, sizeof(s), "%" PRIu32, id);
	return put_str(r, s);
}

static int op_txn_end(struct req *r)
{
	struct xs_txn *tx = xs_txn_find(r->xs, r->h->tx_id);
	const char *s;
	int e;

	if (!r->h->tx_id || !tx)
		return ENOENT;
	e = arg(r, &s);
	if (e)
		return e;
	if (strcmp(s, "T") && strcmp(s, "F"))
		return EINVAL;
	return xs_txn_end(r->xs, tx, s[0] == 'T');
}

static int op_get_domain_path(struct req *r)
{
	char s[32];
	const char *d;
	uint64_t dom;
	int e = arg(r, &d);

	if (!e)
		e = parse_uint(d, 65535, &dom);
	if (e)
		return e;
	snprintf(s, sizeof(s), "/local/domain/%u", (unsigned)dom);
	return put_str(r, s);
}

static int dispatch(struct req *r)
{
	switch (r->h->type) {
	case XS_READ: return op_read(r);
	case XS_GET_PERMS: return op_get_perms(r);
	case XS_DIRECTORY: return op_directory(r);
	case XS_DIRECTORY_PART: return op_directory_part(r);
	case XS_WRITE: return op_write(r);
	case XS_MKDIR: return op_path_only(r, XS_MKDIR);
	case XS_RM: return op_path_only(r, XS_RM);
	case XS_SET_PERMS: return op_set_perms(r);
	case XS_WATCH: return op_watch(r, true);
	case XS_UNWATCH: return op_watch(r, false);
	case XS_TRANSACTION_START: return op_txn_start(r);
	case XS_TRANSACTION_END: return op_txn_end(r);
	case XS_GET_DOMAIN_PATH: return op_get_domain_path(r);
	case XS_RESET_WATCHES:
		xs_watch_reset_guest(r->xs);
		xs_txn_free_all(r->xs);
		return 0;
	/* Domain management and control are domain 0's. */
	case XS_CONTROL:
	case XS_INTRODUCE:
	case XS_RELEASE:
	case XS_IS_DOMAIN_INTRODUCED:
	case XS_RESUME:
	case XS_SET_TARGET:
		return EACCES;
	case XS_WATCH_EVENT:
	case XS_ERROR:
		return EINVAL; /* only the server sends these */
	default: /* xenstore.txt answers unsupported types with ENOSYS */
		return ENOSYS;
	}
}

void xs_ops_handle(struct xs *xs, const struct xsd_sockmsg *h,
		   const char *payload)
{
	struct req r;
	/* Watch events this request causes go after its reply. */
	struct xs_outmsg **at = xs->out_tail;
	int e;

	r.xs = xs;
	r.h = h;
	r.p = payload;
	r.off = 0;
	r.olen = 0;
	e = dispatch(&r);
	if (e) {
		const char *name = xs_errname(e);

		xs_out_push_at(xs, at, XS_ERROR, h->req_id, h->tx_id, name,
			       (uint32_t)strlen(name) + 1, false);
		return;
	}
	switch (h->type) {
	case XS_READ:
	case XS_GET_PERMS:
	case XS_DIRECTORY:
	case XS_DIRECTORY_PART:
	case XS_TRANSACTION_START:
	case XS_GET_DOMAIN_PATH:
		break; /* their payload, possibly empty */
	default:
		put_str(&r, "OK");
	}
	xs_out_push_at(xs, at, h->type, h->req_id, h->tx_id, r.out, r.olen,
		       false);
}
