/* The store's tree: nodes with their values and permissions, path syntax,
 * the access rule, and the count of what the guest owns (its quota).
 * The rules are those of Xen's docs/misc/xenstore.txt. */
#include <stdlib.h>
#include <string.h>

#include "xenpv/xs_int.h"

/* What a node costs its owner against XS_GUEST_BYTES_MAX. */
static size_t node_bytes(const struct xs_node *n)
{
	return strlen(n->name) + n->vlen + n->nperm * sizeof(struct xs_perm);
}

static void account(struct xs_tree *t, const struct xs_node *n, int sign)
{
	if (n->perm[0].dom != t->guest)
		return;
	if (sign > 0) {
		t->g_nodes++;
		t->g_bytes += node_bytes(n);
	} else {
		t->g_nodes--;
		t->g_bytes -= node_bytes(n);
	}
}

static void node_free(struct xs_node *n)
{
	if (!n)
		return;
	for (unsigned i = 0; i < n->nkid; i++)
		node_free(n->kid[i]);
	free(n->kid);
	free(n->name);
	free(n->val);
	free(n->perm);
	free(n);
}

/* The subtree's nodes leave the count. */
static void unaccount_tree(struct xs_tree *t, const struct xs_node *n)
{
	for (unsigned i = 0; i < n->nkid; i++)
		unaccount_tree(t, n->kid[i]);
	account(t, n, -1);
}

static struct xs_node *node_new(const char *name, size_t len,
				const struct xs_perm *perm, unsigned nperm)
{
	struct xs_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->name = malloc(len + 1);
	n->perm = malloc(nperm * sizeof(*perm));
	if (!n->name || !n->perm) {
		node_free(n);
		return NULL;
	}
	memcpy(n->name, name, len);
	n->name[len] = '\0';
	memcpy(n->perm, perm, nperm * sizeof(*perm));
	n->nperm = nperm;
	return n;
}

static int kid_add(struct xs_node *p, struct xs_node *k)
{
	if (p->nkid == p->capkid) {
		unsigned cap = p->capkid ? p->capkid * 2 : 4;
		struct xs_node **v = realloc(p->kid, cap * sizeof(*v));

		if (!v)
			return ENOMEM;
		p->kid = v;
		p->capkid = cap;
	}
	p->kid[p->nkid++] = k;
	k->parent = p;
	return 0;
}

static void kid_del(struct xs_node *p, const struct xs_node *k)
{
	for (unsigned i = 0; i < p->nkid; i++) {
		if (p->kid[i] == k) {
			/* Keep the order: DIRECTORY_PART offsets count on it. */
			memmove(&p->kid[i], &p->kid[i + 1],
				(p->nkid - i - 1) * sizeof(p->kid[0]));
			p->nkid--;
			return;
		}
	}
}

static struct xs_node *kid_find(const struct xs_node *p, const char *name,
				size_t len)
{
	for (unsigned i = 0; i < p->nkid; i++) {
		const char *k = p->kid[i]->name;

		if (!strncmp(k, name, len) && k[len] == '\0')
			return p->kid[i];
	}
	return NULL;
}

int xs_tree_init(struct xs_tree *t, unsigned guest)
{
	/* The root belongs to domain 0 and is closed to everyone else. */
	static const struct xs_perm root_perm = { 0, 0 };

	memset(t, 0, sizeof(*t));
	t->guest = guest;
	t->root = node_new("", 0, &root_perm, 1);
	return t->root ? 0 : ENOMEM;
}

void xs_tree_free(struct xs_tree *t)
{
	node_free(t->root);
	t->root = NULL;
}

static struct xs_node *node_clone(const struct xs_node *s)
{
	struct xs_node *n = node_new(s->name, strlen(s->name), s->perm, s->nperm);

	if (!n)
		return NULL;
	n->gen = s->gen;
	if (s->vlen) {
		n->val = malloc(s->vlen);
		if (!n->val)
			goto fail;
		memcpy(n->val, s->val, s->vlen);
		n->vlen = s->vlen;
	}
	if (s->nkid) {
		n->kid = calloc(s->nkid, sizeof(n->kid[0]));
		if (!n->kid)
			goto fail;
		n->capkid = s->nkid;
		for (unsigned i = 0; i < s->nkid; i++) {
			n->kid[i] = node_clone(s->kid[i]);
			if (!n->kid[i])
				goto fail;
			n->kid[i]->parent = n;
			n->nkid++;
		}
	}
	return n;
fail:
	node_free(n);
	return NULL;
}

int xs_tree_clone(struct xs_tree *dst, const struct xs_tree *src)
{
	*dst = *src;
	dst->root = node_clone(src->root);
	return dst->root ? 0 : ENOMEM;
}

/* Walks `path` (absolute, valid) as far as it exists; *rest is what is
 * left of it (an empty string when the whole path exists). */
static struct xs_node *walk(const struct xs_tree *t, const char *path,
			    const char **rest)
{
	struct xs_node *n = t->root;
	const char *p = path + 1;

	while (*p) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		struct xs_node *k = kid_find(n, p, len);

		if (!k)
			break;
		n = k;
		p += len;
		if (*p == '/')
			p++;
	}
	*rest = p;
	return n;
}

struct xs_node *xs_tree_find(const struct xs_tree *t, const char *path)
{
	const char *rest;
	struct xs_node *n = walk(t, path, &rest);

	return *rest ? NULL : n;
}

struct xs_node *xs_tree_deepest(const struct xs_tree *t, const char *path)
{
	const char *rest;

	return walk(t, path, &rest);
}

unsigned xs_node_access(const struct xs_node *n, unsigned dom)
{
	/* Domain 0 is gamut; the owner has full access; then the domain's own
	 * entry, else the owner entry's access as everyone's default. */
	if (dom == 0 || n->perm[0].dom == dom)
		return XS_ACC_READ | XS_ACC_WRITE;
	for (unsigned i = 1; i < n->nperm; i++)
		if (n->perm[i].dom == dom)
			return n->perm[i].acc;
	return n->perm[0].acc;
}

static void touch(struct xs_tree *t, struct xs_node *n)
{
	n->gen = ++t->gen;
}

/* Makes `path` exist.  New nodes inherit their parent's permissions,
 * owned by the creating domain when that is not domain 0 (as xenstored
 * does).  `extra` is the value about to be written to the last node,
 * counted in the quota check so that a write fails before creating
 * anything. */
static int ensure(struct xs_tree *t, unsigned dom, const char *path,
		  uint32_t extra, struct xs_node **out, bool *created)
{
	const char *rest, *p;
	struct xs_node *n = walk(t, path, &rest);
	unsigned k = 0;
	size_t bytes = extra;

	*created = false;
	if (!*rest) {
		*out = n;
		return 0;
	}
	if (!(xs_node_access(n, dom) & XS_ACC_WRITE))
		return EACCES;
	for (p = rest; *p;) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		k++;
		bytes += len + n->nperm * sizeof(struct xs_perm);
		p += len;
		if (*p == '/')
			p++;
	}
	if (dom != 0 && (t->g_nodes + k > XS_GUEST_NODES_MAX ||
			 t->g_bytes + bytes > XS_GUEST_BYTES_MAX))
		return XS_EQUOTA;
	touch(t, n);
	for (p = rest; *p;) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		struct xs_node *c = node_new(p, len, n->perm, n->nperm);

		if (!c)
			return ENOMEM; /* the parents made so far stay: valid */
		if (dom != 0)
			c->perm[0].dom = dom;
		if (kid_add(n, c)) {
			node_free(c);
			return ENOMEM;
		}
		account(t, c, +1);
		touch(t, c);
		*created = true;
		n = c;
		p += len;
		if (*p == '/')
			p++;
	}
	*out = n;
	return 0;
}

int xs_tree_write(struct xs_tree *t, unsigned dom, const char *path,
		  const void *val, uint32_t vlen, struct xs_change *ch)
{
	struct xs_node *n = xs_tree_find(t, path);
	uint8_t *copy = NULL;
	bool created;
	int e;

	ch->changed = false;
	if (n) {
		if (!(xs_node_access(n, dom) & XS_ACC_WRITE))
			return EACCES;
		if (dom != 0 && n->perm[0].dom == t->guest && vlen > n->vlen &&
		    t->g_bytes + (vlen - n->vlen) > XS_GUEST_BYTES_MAX)
			return XS_EQUOTA;
	}
	if (vlen) {
		copy = malloc(vlen);
		if (!copy)
			return ENOMEM;
		memcpy(copy, val, vlen);
	}
	if (!n) {
		e = ensure(t, dom, path, vlen, &n, &created);
		if (e) {
			free(copy);
			return e;
		}
	}
	account(t, n, -1);
	free(n->val);
	n->val = copy;
	n->vlen = vlen;
	account(t, n, +1);
	touch(t, n);
	ch->changed = true;
	ch->guest_ok = xs_node_access(n, t->guest) & XS_ACC_READ;
	return 0;
}

int xs_tree_mkdir(struct xs_tree *t, unsigned dom, const char *path,
		  struct xs_change *ch)
{
	struct xs_node *n = xs_tree_find(t, path);
	bool created;
	int e;

	ch->changed = false;
	if (n)
		return xs_node_access(n, dom) & XS_ACC_WRITE ? 0 : EACCES;
	e = ensure(t, dom, path, 0, &n, &created);
	if (e)
		return e;
	ch->changed = created;
	ch->guest_ok = xs_node_access(n, t->guest) & XS_ACC_READ;
	return 0;
}

int xs_tree_rm(struct xs_tree *t, unsigned dom, const char *path,
	       struct xs_change *ch)
{
	const char *rest;
	struct xs_node *n = walk(t, path, &rest), *p;

	ch->changed = false;
	if (!strcmp(path, "/"))
		return EINVAL;
	if (*rest)
		/* Absent: fine, unless its parent is absent too. */
		return strchr(rest, '/') ? ENOENT : 0;
	if (!(xs_node_access(n, dom) & XS_ACC_WRITE))
		return EACCES;
	ch->changed = true;
	ch->guest_ok = xs_node_access(n, t->guest) & XS_ACC_READ;
	p = n->parent;
	kid_del(p, n);
	unaccount_tree(t, n);
	node_free(n);
	touch(t, p);
	return 0;
}

int xs_tree_set_perms(struct xs_tree *t, unsigned dom, const char *path,
		      const struct xs_perm *perm, unsigned np,
		      struct xs_change *ch)
{
	struct xs_node *n = xs_tree_find(t, path);
	struct xs_perm *v;

	ch->changed = false;
	if (np == 0)
		return EINVAL;
	if (!n)
		return ENOENT;
	if (dom != 0) {
		/* Only the owner changes permissions, and only domain 0
		 * changes the owner (xenstore.txt). */
		if (n->perm[0].dom != dom)
			return EACCES;
		if (perm[0].dom != dom)
			return EPERM;
		if (np > XS_PERMS_MAX)
			return XS_EQUOTA;
		if (np > n->nperm &&
		    t->g_bytes + (np - n->nperm) * sizeof(*perm) > XS_GUEST_BYTES_MAX)
			return XS_EQUOTA;
	}
	v = malloc(np * sizeof(*v));
	if (!v)
		return ENOMEM;
	memcpy(v, perm, np * sizeof(*v));
	account(t, n, -1);
	free(n->perm);
	n->perm = v;
	n->nperm = np;
	account(t, n, +1);
	touch(t, n);
	ch->changed = true;
	ch->guest_ok = xs_node_access(n, t->guest) & XS_ACC_READ;
	return 0;
}

bool xs_path_valid(const char *p, bool absolute)
{
	size_t len = strlen(p);

	if (len == 0 || len > (absolute ? XS_ABS_MAX : XS_REL_MAX))
		return false;
	if ((p[0] == '/') != absolute)
		return false;
	if (!strcmp(p, "/"))
		return true;
	if (p[len - 1] == '/')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = p[i];

		if (c == '/' && i > 0 && p[i - 1] == '/')
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '/' ||
		      c == '_' || c == '@'))
			return false;
	}
	return true;
}

int xs_perm_parse(const char *s, struct xs_perm *p)
{
	unsigned long v = 0;
	size_t i;

	switch (s[0]) {
	case 'n': p->acc = 0; break;
	case 'r': p->acc = XS_ACC_READ; break;
	case 'w': p->acc = XS_ACC_WRITE; break;
	case 'b': p->acc = XS_ACC_READ | XS_ACC_WRITE; break;
	default: return EINVAL;
	}
	/* A domain id: decimal 0..65535 (xenstore.txt's <domid>). */
	for (i = 1; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i > 5)
			return EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (i == 1 || v > 65535)
		return EINVAL;
	p->dom = (uint32_t)v;
	return 0;
}

bool xs_path_is_child(const char *child, const char *parent)
{
	size_t n = strlen(parent);

	if (!strcmp(parent, "/"))
		return child[0] == '/';
	return !strncmp(child, parent, n) && (child[n] == '\0' || child[n] == '/');
}
