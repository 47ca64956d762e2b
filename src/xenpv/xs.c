/* gamut's xenstore as a whole: its life cycle, gamut's own (domain 0)
 * access, and the change-then-fire step every change on the live tree
 * goes through. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenpv/xs_int.h"

const char *xs_errname(int e)
{
	for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (xsd_errors[i].errnum == e)
			return xsd_errors[i].errstring;
	return "EIO";
}

struct xs *xs_new(unsigned domid)
{
	struct xs *xs;

	/* A real guest domain: not 0 (gamut) nor one of the DOMID_* ids. */
	if (domid == 0 || domid >= DOMID_FIRST_RESERVED)
		return NULL;
	xs = calloc(1, sizeof(*xs));
	if (!xs)
		return NULL;
	xs->domid = domid;
	snprintf(xs->home, sizeof(xs->home), "/local/domain/%u", domid);
	xs->out_tail = &xs->out_head;
	if (xs_tree_init(&xs->tree, domid)) {
		free(xs);
		return NULL;
	}
	return xs;
}

void xs_free(struct xs *xs)
{
	if (!xs)
		return;
	xs_txn_free_all(xs);
	xs_watch_free_all(xs);
	xs_tree_free(&xs->tree);
	while (xs->out_head) {
		struct xs_outmsg *m = xs->out_head;

		xs->out_head = m->next;
		free(m);
	}
	free(xs);
}

int xs_do_write(struct xs *xs, unsigned dom, const char *path,
		const void *val, uint32_t vlen)
{
	struct xs_change ch;
	int e = xs_tree_write(&xs->tree, dom, path, val, vlen, &ch);

	if (!e && ch.changed)
		xs_watch_fire(xs, path, false, ch.guest_ok);
	return e;
}

int xs_do_mkdir(struct xs *xs, unsigned dom, const char *path)
{
	struct xs_change ch;
	int e = xs_tree_mkdir(&xs->tree, dom, path, &ch);

	if (!e && ch.changed)
		xs_watch_fire(xs, path, false, ch.guest_ok);
	return e;
}

int xs_do_rm(struct xs *xs, unsigned dom, const char *path)
{
	struct xs_change ch;
	int e = xs_tree_rm(&xs->tree, dom, path, &ch);

	if (!e && ch.changed)
		xs_watch_fire(xs, path, true, ch.guest_ok);
	return e;
}

int xs_do_set_perms(struct xs *xs, unsigned dom, const char *path,
		    const struct xs_perm *p, unsigned n)
{
	struct xs_change ch;
	int e = xs_tree_set_perms(&xs->tree, dom, path, p, n, &ch);

	if (!e && ch.changed)
		xs_watch_fire(xs, path, false, ch.guest_ok);
	return e;
}

int xs_write(struct xs *xs, const char *path, const char *value)
{
	size_t len = strlen(value);

	if (!xs_path_valid(path, true) || len > UINT32_MAX)
		return -1;
	return xs_do_write(xs, 0, path, value, (uint32_t)len) ? -1 : 0;
}

int xs_mkdir(struct xs *xs, const char *path)
{
	if (!xs_path_valid(path, true))
		return -1;
	return xs_do_mkdir(xs, 0, path) ? -1 : 0;
}

int xs_read(struct xs *xs, const char *path, char *buf, size_t len)
{
	const struct xs_node *n;

	if (!xs_path_valid(path, true))
		return -1;
	n = xs_tree_find(&xs->tree, path);
	if (!n)
		return -1;
	if (len) {
		size_t c = n->vlen < len - 1 ? n->vlen : len - 1;

		if (c)
			memcpy(buf, n->val, c);
		buf[c] = '\0';
	}
	return (int)n->vlen;
}

int xs_rm(struct xs *xs, const char *path)
{
	if (!xs_path_valid(path, true))
		return -1;
	return xs_do_rm(xs, 0, path) ? -1 : 0;
}

int xs_set_perms(struct xs *xs, const char *path, const char *const perms[],
		 unsigned n)
{
	struct xs_perm *p;
	int e = 0;

	if (!xs_path_valid(path, true) || n == 0 || n > 1024)
		return -1;
	p = calloc(n, sizeof(*p));
	if (!p)
		return -1;
	for (unsigned i = 0; i < n && !e; i++)
		e = xs_perm_parse(perms[i], &p[i]);
	if (!e)
		e = xs_do_set_perms(xs, 0, path, p, n);
	free(p);
	return e ? -1 : 0;
}
