/* Watches: the guest's (events go to its response ring as XS_WATCH_EVENT)
 * and gamut's own (a callback).  Matching follows xenstore.txt: an event
 * at P reaches a watch on W when P is W or below it; the removal of a
 * node above W reaches it too, reported as W. */
#include <stdlib.h>
#include <string.h>

#include "xenpv/xs_int.h"

static int watch_add(struct xs *xs, const struct xs_watch *w)
{
	struct xs_watch *v;

	if (xs->nwatch == xs->capwatch) {
		unsigned cap = xs->capwatch ? xs->capwatch * 2 : 8;

		v = realloc(xs->watch, cap * sizeof(*v));
		if (!v)
			return ENOMEM;
		xs->watch = v;
		xs->capwatch = cap;
	}
	v = &xs->watch[xs->nwatch];
	*v = *w;
	v->path = strdup(w->path);
	v->token = strdup(w->token);
	if (!v->path || !v->token) {
		free(v->path);
		free(v->token);
		return ENOMEM;
	}
	xs->nwatch++;
	return 0;
}

/* Drops removed watches, unless an event is being delivered (a host
 * callback may be running with an index into the array). */
static void compact(struct xs *xs)
{
	unsigned j = 0;

	if (xs->firing)
		return;
	for (unsigned i = 0; i < xs->nwatch; i++) {
		if (xs->watch[i].dead) {
			free(xs->watch[i].path);
			free(xs->watch[i].token);
		} else {
			xs->watch[j++] = xs->watch[i];
		}
	}
	xs->nwatch = j;
}

/* The event for watch `w` at `epath`. */
static void deliver(struct xs *xs, unsigned i, const char *epath)
{
	struct xs_watch *w = &xs->watch[i];

	if (w->host) {
		xs_watch_fn fn = w->fn;
		void *opaque = w->opaque;
		char *path = strdup(epath), *token = strdup(w->token);

		/* Copies: the callback may add watches (moving the array). */
		if (path && token)
			fn(opaque, path, token);
		free(path);
		free(token);
		return;
	}
	{
		char buf[XENSTORE_PAYLOAD_MAX];
		size_t hl = strlen(xs->home), pl, tl = strlen(w->token);

		/* A relative watch gets relative event paths (xenstore.txt);
		 * the event is at or below the watch, so below the home. */
		if (w->rel && xs_path_is_child(epath, xs->home) &&
		    epath[hl] == '/')
			epath += hl + 1;
		pl = strlen(epath);
		if (pl + tl + 2 > sizeof(buf))
			return; /* cannot happen: XS_TOKEN_MAX says why */
		memcpy(buf, epath, pl + 1);
		memcpy(buf + pl + 1, w->token, tl + 1);
		if (xs_out_push(xs, XS_WATCH_EVENT, 0, 0, buf,
				(uint32_t)(pl + tl + 2), true))
			xs->events_dropped++;
	}
}

/* Fires watch `i` once, as when it is set (xenstore.txt: "triggered once
 * straight away, with <path> equal to <wpath>"). */
static void fire_initial(struct xs *xs, unsigned i)
{
	xs->firing++;
	deliver(xs, i, xs->watch[i].path);
	xs->firing--;
	compact(xs);
}

int xs_watch_add_guest(struct xs *xs, const char *abspath, bool rel,
		       const char *token)
{
	struct xs_watch w = { .path = (char *)abspath, .token = (char *)token,
			      .rel = rel };
	int e;

	for (unsigned i = 0; i < xs->nwatch; i++) {
		const struct xs_watch *o = &xs->watch[i];

		if (!o->host && !o->dead && !strcmp(o->path, abspath) &&
		    !strcmp(o->token, token))
			return EEXIST;
	}
	if (xs->guest_watches >= XS_GUEST_WATCHES_MAX)
		return XS_EQUOTA;
	e = watch_add(xs, &w);
	if (e)
		return e;
	xs->guest_watches++;
	fire_initial(xs, xs->nwatch - 1);
	return 0;
}

int xs_watch_del_guest(struct xs *xs, const char *abspath, const char *token)
{
	for (unsigned i = 0; i < xs->nwatch; i++) {
		struct xs_watch *o = &xs->watch[i];

		if (!o->host && !o->dead && !strcmp(o->path, abspath) &&
		    !strcmp(o->token, token)) {
			o->dead = true;
			xs->guest_watches--;
			compact(xs);
			return 0;
		}
	}
	return ENOENT;
}

void xs_watch_reset_guest(struct xs *xs)
{
	for (unsigned i = 0; i < xs->nwatch; i++) {
		if (!xs->watch[i].host && !xs->watch[i].dead) {
			xs->watch[i].dead = true;
			xs->guest_watches--;
		}
	}
	compact(xs);
}

/* Callbacks that write what other callbacks watch nest; a cycle of them
 * would recurse until the stack ends.  Past this depth gamut's own
 * watches are not called (the guest's still get their events). */
#define XS_FIRE_DEPTH_MAX 16

void xs_watch_fire(struct xs *xs, const char *path, bool rm, bool guest_ok)
{
	bool host_ok = xs->firing < XS_FIRE_DEPTH_MAX;

	xs->firing++;
	/* By index, re-reading the count: callbacks may add watches. */
	for (unsigned i = 0; i < xs->nwatch; i++) {
		const struct xs_watch *w = &xs->watch[i];

		if (w->dead || (w->host ? !host_ok : !guest_ok))
			continue;
		if (path[0] == '@' || w->path[0] == '@') {
			/* Special events reach only watches on that name. */
			if (xs_path_is_child(path, w->path) && w->host)
				deliver(xs, i, path);
			continue;
		}
		if (xs_path_is_child(path, w->path))
			deliver(xs, i, path);
		else if (rm && xs_path_is_child(w->path, path))
			deliver(xs, i, w->path);
	}
	xs->firing--;
	compact(xs);
}

void xs_watch_free_all(struct xs *xs)
{
	for (unsigned i = 0; i < xs->nwatch; i++) {
		free(xs->watch[i].path);
		free(xs->watch[i].token);
	}
	free(xs->watch);
	xs->watch = NULL;
	xs->nwatch = xs->capwatch = xs->guest_watches = 0;
}

int xs_watch_host(struct xs *xs, const char *path, const char *token,
		  xs_watch_fn fn, void *opaque)
{
	struct xs_watch w = { .path = (char *)path, .token = (char *)token,
			      .host = true, .fn = fn, .opaque = opaque };

	if (!fn || (path[0] != '@' && !xs_path_valid(path, true)))
		return -1;
	if (watch_add(xs, &w))
		return -1;
	fire_initial(xs, xs->nwatch - 1);
	return 0;
}

int xs_unwatch_host(struct xs *xs, const char *path, const char *token)
{
	for (unsigned i = 0; i < xs->nwatch; i++) {
		struct xs_watch *o = &xs->watch[i];

		if (o->host && !o->dead && !strcmp(o->path, path) &&
		    !strcmp(o->token, token)) {
			o->dead = true;
			compact(xs);
			return 0;
		}
	}
	return -1;
}

void xs_fire_special(struct xs *xs, const char *name)
{
	if (name[0] == '@')
		xs_watch_fire(xs, name, false, false);
}
