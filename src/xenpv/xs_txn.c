/* Transactions.  Each works on a copy of the tree taken when it starts
 * (xenstore.txt: "When transaction is started whole db is copied") and
 * keeps two things: the paths it used, and the log of its changes.
 *
 * Ending one with "T" checks each used path against the live tree: the
 * path conflicts when its node, or (when the node does not exist now) the
 * deepest node that does exist on its way, changed after the start.  A
 * node's generation moves on every change to it or to its list of
 * children, so this catches a node written, created, removed, or
 * removed and created again.  Without a conflict the log is replayed, as
 * the guest, on a copy of the live tree, which then replaces it: a change
 * that no longer applies (the quota, say) fails the whole commit and
 * leaves the tree as it was.  The watches fire for the replayed changes
 * only once the commit is in. */
#include <stdlib.h>
#include <string.h>

#include "xenpv/xs_int.h"

struct xs_op {
	unsigned kind;
	char *path;
	uint8_t *data;
	uint32_t dlen;
	struct xs_perm *perm;
	unsigned nperm;
};

struct xs_txn {
	struct xs_txn *next;
	uint32_t id;
	uint64_t start_gen;
	struct xs_tree tree;
	char **paths;
	unsigned npaths, cappaths;
	struct xs_op *ops;
	unsigned nops, capops;
	size_t op_bytes;
};

static void txn_free(struct xs_txn *tx)
{
	xs_tree_free(&tx->tree);
	for (unsigned i = 0; i < tx->npaths; i++)
		free(tx->paths[i]);
	free(tx->paths);
	for (unsigned i = 0; i < tx->nops; i++) {
		free(tx->ops[i].path);
		free(tx->ops[i].data);
		free(tx->ops[i].perm);
	}
	free(tx->ops);
	free(tx);
}

int xs_txn_start(struct xs *xs, uint32_t *id)
{
	struct xs_txn *tx;

	if (xs->ntxn >= XS_GUEST_TXNS_MAX)
		return XS_EQUOTA;
	tx = calloc(1, sizeof(*tx));
	if (!tx)
		return ENOMEM;
	if (xs_tree_clone(&tx->tree, &xs->tree)) {
		free(tx);
		return ENOMEM;
	}
	/* Ids are never 0 (0 is "no transaction") nor one still open. */
	do {
		tx->id = ++xs->next_txid;
	} while (tx->id == 0 || xs_txn_find(xs, tx->id));
	tx->start_gen = xs->tree.gen;
	tx->next = xs->txns;
	xs->txns = tx;
	xs->ntxn++;
	*id = tx->id;
	return 0;
}

struct xs_txn *xs_txn_find(struct xs *xs, uint32_t id)
{
	for (struct xs_txn *tx = xs->txns; tx; tx = tx->next)
		if (tx->id == id)
			return tx;
	return NULL;
}

struct xs_tree *xs_txn_tree(struct xs_txn *tx)
{
	return &tx->tree;
}

int xs_txn_note(struct xs_txn *tx, const char *path)
{
	for (unsigned i = 0; i < tx->npaths; i++)
		if (!strcmp(tx->paths[i], path))
			return 0;
	if (tx->npaths >= XS_TXN_PATHS_MAX)
		return XS_EQUOTA;
	if (tx->npaths == tx->cappaths) {
		unsigned cap = tx->cappaths ? tx->cappaths * 2 : 8;
		char **v = realloc(tx->paths, cap * sizeof(*v));

		if (!v)
			return ENOMEM;
		tx->paths = v;
		tx->cappaths = cap;
	}
	tx->paths[tx->npaths] = strdup(path);
	if (!tx->paths[tx->npaths])
		return ENOMEM;
	tx->npaths++;
	return 0;
}

int xs_txn_log(struct xs_txn *tx, unsigned kind, const char *path,
	       const void *data, uint32_t dlen, const struct xs_perm *p,
	       unsigned np)
{
	size_t bytes = strlen(path) + dlen + np * sizeof(*p);
	struct xs_op op = { .kind = kind, .dlen = dlen, .nperm = np };

	if (tx->nops >= XS_TXN_OPS_MAX || tx->op_bytes + bytes > XS_TXN_BYTES_MAX)
		return XS_EQUOTA;
	if (tx->nops == tx->capops) {
		unsigned cap = tx->capops ? tx->capops * 2 : 8;
		struct xs_op *v = realloc(tx->ops, cap * sizeof(*v));

		if (!v)
			return ENOMEM;
		tx->ops = v;
		tx->capops = cap;
	}
	op.path = strdup(path);
	if (dlen)
		op.data = malloc(dlen);
	if (np)
		op.perm = malloc(np * sizeof(*p));
	if (!op.path || (dlen && !op.data) || (np && !op.perm)) {
		free(op.path);
		free(op.data);
		free(op.perm);
		return ENOMEM;
	}
	if (dlen)
		memcpy(op.data, data, dlen);
	if (np)
		memcpy(op.perm, p, np * sizeof(*p));
	tx->ops[tx->nops++] = op;
	tx->op_bytes += bytes;
	return 0;
}

void xs_txn_unlog(struct xs_txn *tx)
{
	struct xs_op *op = &tx->ops[--tx->nops];

	tx->op_bytes -= strlen(op->path) + op->dlen + op->nperm * sizeof(*op->perm);
	free(op->path);
	free(op->data);
	free(op->perm);
}

static bool conflicts(const struct xs *xs, const struct xs_txn *tx)
{
	for (unsigned i = 0; i < tx->npaths; i++) {
		const struct xs_node *n = xs_tree_deepest(&xs->tree, tx->paths[i]);

		if (n->gen > tx->start_gen)
			return true;
	}
	return false;
}

static int replay(struct xs_tree *t, unsigned dom, const struct xs_op *op,
		  struct xs_change *ch)
{
	switch (op->kind) {
	case XS_WRITE:
		return xs_tree_write(t, dom, op->path, op->data, op->dlen, ch);
	case XS_MKDIR:
		return xs_tree_mkdir(t, dom, op->path, ch);
	case XS_RM:
		return xs_tree_rm(t, dom, op->path, ch);
	default:
		return xs_tree_set_perms(t, dom, op->path, op->perm, op->nperm, ch);
	}
}

static int commit(struct xs *xs, struct xs_txn *tx)
{
	struct xs_tree next;
	struct xs_change *ch;
	int e = 0;

	if (conflicts(xs, tx))
		return EAGAIN;
	if (!tx->nops)
		return 0;
	ch = calloc(tx->nops, sizeof(*ch));
	if (!ch)
		return ENOMEM;
	if (xs_tree_clone(&next, &xs->tree)) {
		free(ch);
		return ENOMEM;
	}
	for (unsigned i = 0; i < tx->nops && !e; i++)
		e = replay(&next, xs->domid, &tx->ops[i], &ch[i]);
	if (e) {
		xs_tree_free(&next);
		free(ch);
		return e;
	}
	xs_tree_free(&xs->tree);
	xs->tree = next;
	for (unsigned i = 0; i < tx->nops; i++)
		if (ch[i].changed)
			xs_watch_fire(xs, tx->ops[i].path,
				      tx->ops[i].kind == XS_RM, ch[i].guest_ok);
	free(ch);
	return 0;
}

int xs_txn_end(struct xs *xs, struct xs_txn *tx, bool do_commit)
{
	struct xs_txn **pp;
	int e = 0;

	for (pp = &xs->txns; *pp != tx; pp = &(*pp)->next)
		;
	*pp = tx->next;
	xs->ntxn--;
	/* Unlinked first: the watches fired by the commit may call back into
	 * gamut, which must not find it half-ended. */
	if (do_commit)
		e = commit(xs, tx);
	txn_free(tx);
	return e;
}

void xs_txn_free_all(struct xs *xs)
{
	while (xs->txns) {
		struct xs_txn *tx = xs->txns;

		xs->txns = tx->next;
		txn_free(tx);
	}
	xs->ntxn = 0;
}
