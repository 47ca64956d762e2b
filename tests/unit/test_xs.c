/* gamut's xenstore, driven over its ring exactly as a guest's xenbus
 * would: requests written into req[] with req_prod moved after them,
 * xs_ring_service(), replies read from rsp[] with rsp_cons moved after
 * them.  Every reply is checked byte for byte. */
#include <stdio.h>
#include <string.h>

#include "../harness.h"
#include "xenpv/xen_abi.h"
#include "xenpv/xs.h"

#define DOM 1
#define HOME "/local/domain/1"

static struct xenstore_domain_interface ring;
static struct xs *xs;
static struct gerr err;

/* The guest side. */
static void ring_reset(uint32_t start)
{
	memset(&ring, 0x5a, sizeof(ring)); /* no assumption on unused bytes */
	ring.req_cons = ring.req_prod = start;
	ring.rsp_cons = ring.rsp_prod = start;
	ring.server_features = 0x77;
	ring.connection = XENSTORE_CONNECTED;
}

static int svc(void);

/* Like xenbus's writer: as much as fits, then wait for the other side to
 * make room (here: let it run). */
static void put_bytes(const void *d, uint32_t n)
{
	const char *s = d;

	for (uint32_t i = 0; i < n; i++) {
		if (ring.req_prod - ring.req_cons == XENSTORE_RING_SIZE)
			svc();
		if (ring.req_prod - ring.req_cons == XENSTORE_RING_SIZE)
			return; /* the server stopped reading: lost (tests check) */
		ring.req[MASK_XENSTORE_IDX(ring.req_prod)] = s[i];
		ring.req_prod++;
	}
}

static void send(uint32_t type, uint32_t req_id, uint32_t tx_id,
		 const void *payload, uint32_t len)
{
	struct xsd_sockmsg h = { type, req_id, tx_id, len };

	put_bytes(&h, sizeof(h));
	put_bytes(payload, len);
}

static int svc(void)
{
	return xs_ring_service(xs, &ring, &err);
}

/* What the guest has read from rsp[] and not yet parsed: like xenbus, it
 * takes whatever is there and assembles messages on its side. */
static char gbuf[4 * XENSTORE_PAYLOAD_MAX];
static uint32_t glen;

/* One message, or false when no whole one has arrived. */
static bool recv(struct xsd_sockmsg *h, char *payload)
{
	while (ring.rsp_cons != ring.rsp_prod && glen < sizeof(gbuf))
		gbuf[glen++] = ring.rsp[MASK_XENSTORE_IDX(ring.rsp_cons++)];
	if (glen < sizeof(*h))
		return false;
	memcpy(h, gbuf, sizeof(*h));
	if (h->len > XENSTORE_PAYLOAD_MAX || glen < sizeof(*h) + h->len)
		return false;
	memcpy(payload, gbuf + sizeof(*h), h->len);
	payload[h->len] = '\0';
	glen -= (uint32_t)sizeof(*h) + h->len;
	memmove(gbuf, gbuf + sizeof(*h) + h->len, glen);
	return true;
}

/* The next message is exactly (type, req_id, tx_id, payload[len]). */
static bool expect(uint32_t type, uint32_t req_id, uint32_t tx_id,
		   const char *payload, uint32_t len)
{
	static char got[XENSTORE_PAYLOAD_MAX + 1];
	struct xsd_sockmsg h;

	if (!recv(&h, got)) {
		printf("    no message (wanted type %u)\n", type);
		return false;
	}
	if (h.type != type || h.req_id != req_id || h.tx_id != tx_id ||
	    h.len != len || memcmp(got, payload, len)) {
		printf("    got type %u req %u tx %u len %u \"%.*s\"\n", h.type,
		       h.req_id, h.tx_id, h.len, (int)h.len, got);
		return false;
	}
	return true;
}

#define S(lit) lit, (uint32_t)sizeof(lit) /* with its NUL */
/* A WRITE payload: the path, its NUL, the value (no NUL after it). */
#define PV(p, v) p "\0" v, (uint32_t)(sizeof(p) + sizeof(v) - 1)

/* A request with a reply of "OK". */
static bool ok(uint32_t type, uint32_t id, uint32_t tx, const char *p, uint32_t n)
{
	send(type, id, tx, p, n);
	return svc() == 1 && expect(type, id, tx, S("OK"));
}

static bool fails(uint32_t type, uint32_t id, uint32_t tx, const char *p,
		  uint32_t n, const char *name)
{
	send(type, id, tx, p, n);
	return svc() == 1 && expect(XS_ERROR, id, tx, name, (uint32_t)strlen(name) + 1);
}

static bool nothing_more(void)
{
	return svc() == 0 && ring.rsp_prod == ring.rsp_cons && glen == 0;
}

/* The guest's home readable by it, and /local/domain/1/data its own. */
static int setup(uint32_t start)
{
	static const char *const home[] = { "n0", "r1" };
	static const char *const own[] = { "n1" };

	xs_free(xs);
	ring_reset(start);
	glen = 0;
	xs = xs_new(DOM);
	if (!xs || xs_write(xs, HOME, "") || xs_set_perms(xs, HOME, home, 2) ||
	    xs_write(xs, HOME "/data", "") || xs_set_perms(xs, HOME "/data", own, 1))
		return -1;
	return 0;
}

TEST(xs_read_write_mkdir_rm_directory)
{
	char buf[16];

	CHECK(setup(0) == 0);
	CHECK(ok(XS_WRITE, 1, 0, "data/x\0hello", 12));
	CHECK_EQ(ring.server_features, 0);
	CHECK_EQ(ring.connection, XENSTORE_CONNECTED);
	send(XS_READ, 2, 0, S(HOME "/data/x"));
	CHECK(svc() == 1 && expect(XS_READ, 2, 0, "hello", 5));
	CHECK_EQ(xs_read(xs, HOME "/data/x", buf, sizeof(buf)), 5);
	CHECK(!strcmp(buf, "hello"));
	CHECK_EQ(xs_read(xs, HOME "/data/x", buf, 3), 5); /* truncated */
	CHECK(!strcmp(buf, "he"));
	/* An empty value is an empty payload, not "OK". */
	send(XS_READ, 3, 0, S("data"));
	CHECK(svc() == 1 && expect(XS_READ, 3, 0, "", 0));
	CHECK(ok(XS_MKDIR, 4, 0, S("data/d/e")));
	CHECK(ok(XS_MKDIR, 5, 0, S("data/d"))); /* exists: fine, unchanged */
	send(XS_DIRECTORY, 6, 0, S("data"));
	CHECK(svc() == 1 && expect(XS_DIRECTORY, 6, 0, "x\0d", 4));
	send(XS_GET_PERMS, 7, 0, S("data/d/e"));
	CHECK(svc() == 1 && expect(XS_GET_PERMS, 7, 0, S("n1")));
	CHECK(ok(XS_RM, 8, 0, S("data/d")));
	send(XS_DIRECTORY, 9, 0, S(HOME "/data"));
	CHECK(svc() == 1 && expect(XS_DIRECTORY, 9, 0, "x", 2));
	CHECK(fails(XS_READ, 10, 0, S("data/d/e"), "ENOENT"));
	CHECK(ok(XS_RM, 11, 0, S("data/nope")));	 /* absent: fine */
	CHECK(fails(XS_RM, 12, 0, S("data/no/pe"), "ENOENT")); /* no parent */
	/* Binary values go through untouched. */
	CHECK(ok(XS_WRITE, 13, 0, "data/b\0a\0\xff", 10));
	send(XS_READ, 14, 0, S("data/b"));
	CHECK(svc() == 1 && expect(XS_READ, 14, 0, "a\0\xff", 3));
	CHECK(nothing_more());
	CHECK_EQ(xs_rm(xs, HOME "/data/x"), 0);
	CHECK_EQ(xs_read(xs, HOME "/data/x", buf, sizeof(buf)), -1);
}

TEST(xs_paths_checked)
{
	CHECK(setup(0) == 0);
	CHECK(fails(XS_READ, 1, 0, S("data//x"), "EINVAL"));
	CHECK(fails(XS_READ, 2, 0, S("data/x/"), "EINVAL"));
	CHECK(fails(XS_READ, 3, 0, S("data/x y"), "EINVAL"));
	CHECK(fails(XS_READ, 4, 0, S(""), "EINVAL"));
	CHECK(fails(XS_READ, 5, 0, "data", 4, "EINVAL")); /* no NUL */
	CHECK(fails(XS_WRITE, 6, 0, "", 0, "EINVAL"));
	{
		static char p[XENSTORE_REL_PATH_MAX + 2];

		memset(p, 'a', XENSTORE_REL_PATH_MAX + 1);
		CHECK(fails(XS_WRITE, 7, 0, p, sizeof(p), "EINVAL"));
		p[XENSTORE_REL_PATH_MAX - 5] = '\0';
		memcpy(p, "data/", 5);
		CHECK(ok(XS_WRITE, 8, 0, p, XENSTORE_REL_PATH_MAX - 4));
	}
	CHECK(nothing_more());
}

TEST(xs_permissions_deny_the_guest)
{
	static const char *const r1[] = { "n0", "r1" };
	static const char *const other[] = { "b2" };
	static const char *const newowner[] = { "n2" };

	CHECK(setup(0) == 0);
	CHECK_EQ(xs_write(xs, "/vm/secret", "s"), 0); /* "n0" from the root */
	CHECK(fails(XS_READ, 1, 0, S("/vm/secret"), "EACCES"));
	CHECK(fails(XS_WRITE, 2, 0, PV("/vm/secret", "x"), "EACCES"));
	CHECK(fails(XS_WRITE, 3, 0, PV("/vm/new", "x"), "EACCES"));
	CHECK(fails(XS_DIRECTORY, 4, 0, S("/"), "EACCES"));
	CHECK(fails(XS_GET_PERMS, 5, 0, S("/vm"), "EACCES"));
	CHECK(fails(XS_RM, 6, 0, S("/vm"), "EACCES"));
	CHECK(fails(XS_SET_PERMS, 7, 0, "/vm\0b1", 7, "EACCES"));
	/* Its home: readable, not writable. */
	CHECK(fails(XS_WRITE, 8, 0, PV("name", "x"), "EACCES"));
	send(XS_DIRECTORY, 9, 0, S(HOME));
	CHECK(svc() == 1 && expect(XS_DIRECTORY, 9, 0, S("data")));
	/* Readable once gamut says so. */
	CHECK_EQ(xs_set_perms(xs, "/vm/secret", r1, 2), 0);
	send(XS_READ, 10, 0, S("/vm/secret"));
	CHECK(svc() == 1 && expect(XS_READ, 10, 0, "s", 1));
	/* Its own node: it may grant others, not give it away. */
	CHECK(ok(XS_SET_PERMS, 11, 0, "data\0n1\0r2", 11));
	send(XS_GET_PERMS, 12, 0, S("data"));
	CHECK(svc() == 1 && expect(XS_GET_PERMS, 12, 0, "n1\0r2", 6));
	CHECK(fails(XS_SET_PERMS, 13, 0, "data\0n2", 8, "EPERM"));
	CHECK(fails(XS_SET_PERMS, 14, 0, "data\0x1", 8, "EINVAL"));
	CHECK(fails(XS_SET_PERMS, 15, 0, "data\0n70000", 12, "EINVAL"));
	/* A node of domain 2 writable by everyone. */
	CHECK_EQ(xs_write(xs, HOME "/shared", "v"), 0);
	CHECK_EQ(xs_set_perms(xs, HOME "/shared", other, 1), 0);
	CHECK(ok(XS_WRITE, 16, 0, PV("shared", "w")));
	CHECK(fails(XS_SET_PERMS, 17, 0, "shared\0n1", 10, "EACCES"));
	CHECK_EQ(xs_set_perms(xs, HOME "/shared", newowner, 1), 0); /* gamut may */
	CHECK(fails(XS_WRITE, 18, 0, PV("shared", "w"), "EACCES"));
	/* Domain management is domain 0's. */
	CHECK(fails(XS_INTRODUCE, 19, 0, "2\0" "5\0" "3", 6, "EACCES"));
	CHECK(fails(XS_RELEASE, 20, 0, S("2"), "EACCES"));
	CHECK(fails(XS_CONTROL, 21, 0, S("print"), "EACCES"));
	CHECK(nothing_more());
}

TEST(xs_get_domain_path_and_garbage)
{
	CHECK(setup(0) == 0);
	send(XS_GET_DOMAIN_PATH, 1, 0, S("1"));
	CHECK(svc() == 1 && expect(XS_GET_DOMAIN_PATH, 1, 0, S("/local/domain/1")));
	send(XS_GET_DOMAIN_PATH, 2, 0, S("32"));
	CHECK(svc() == 1 && expect(XS_GET_DOMAIN_PATH, 2, 0, S("/local/domain/32")));
	CHECK(fails(XS_GET_DOMAIN_PATH, 3, 0, S("1x"), "EINVAL"));
	CHECK(fails(XS_GET_DOMAIN_PATH, 4, 0, S("99999"), "EINVAL"));
	CHECK(fails(9999, 5, 7, S("junk"), "ENOSYS")); /* tx_id echoed too */
	CHECK(fails(XS_WATCH_EVENT, 6, 0, "a\0b", 4, "EINVAL"));
	CHECK(fails(XS_ERROR, 7, 0, S("EIO"), "EINVAL"));
	CHECK(fails(20, 8, 0, "", 0, "ENOSYS")); /* RESTRICT, removed */
	CHECK(fails(XS_INVALID, 9, 0, "", 0, "ENOSYS"));
	CHECK(fails(XS_READ, 10, 99, S("data"), "ENOENT")); /* no such tx */
	CHECK(nothing_more());
}

TEST(xs_watches_fire_on_set_change_and_parent_rm)
{
	CHECK(setup(0) == 0);
	/* Set: the reply, then the event with the watch's own path. */
	send(XS_WATCH, 1, 0, "data/sub\0tokA", 14);
	CHECK(svc() == 1 && expect(XS_WATCH, 1, 0, S("OK")));
	CHECK(expect(XS_WATCH_EVENT, 0, 0, "data/sub\0tokA", 14));
	send(XS_WATCH, 2, 0, "/local/domain/1/data\0tokB", 26);
	CHECK(svc() == 1 && expect(XS_WATCH, 2, 0, S("OK")));
	CHECK(expect(XS_WATCH_EVENT, 0, 0, "/local/domain/1/data\0tokB", 26));
	CHECK(fails(XS_WATCH, 3, 0, "data/sub\0tokA", 14, "EEXIST"));
	CHECK(nothing_more());

	/* A change by gamut, below both watches. */
	CHECK_EQ(xs_write(xs, HOME "/data/sub/x", "1"), 0);
	CHECK(svc() == 1);
	CHECK(expect(XS_WATCH_EVENT, 0, 0, "data/sub/x\0tokA", 16));
	CHECK(expect(XS_WATCH_EVENT, 0, 0, HOME "/data/sub/x\0tokB", 32));
	CHECK(nothing_more());

	/* A change by the guest: its reply first, then its events. */
	send(XS_WRITE, 4, 0, "data/sub\0v", 10);
	CHECK(svc() == 1 && expect(XS_WRITE, 4, 0, S("OK")));
	CHECK(expect(XS_WATCH_EVENT, 0, 0, "data/sub\0tokA", 14));
	CHECK(expect(XS_WATCH_EVENT, 0, 0, HOME "/data/sub\0tokB", 30));
	/* A sibling is not below data/sub. */
	CHECK(ok(XS_WRITE, 5, 0, "data/subx\0v", 11));
	CHECK(expect(XS_WATCH_EVENT, 0, 0, HOME "/data/subx\0tokB", 31));
	CHECK(nothing_more());

	/* The removal of a parent: data/sub's watch hears of it as itself. */
	CHECK_EQ(xs_rm(xs, HOME "/data"), 0);
	CHECK(svc() == 1);
	CHECK(expect(XS_WATCH_EVENT, 0, 0, "data/sub\0tokA", 14));
	CHECK(expect(XS_WATCH_EVENT, 0, 0, HOME "/data\0tokB", 26));
	CHECK(nothing_more());

	/* Unwatched: silence. */
	CHECK(ok(XS_UNWATCH, 6, 0, "data/sub\0tokA", 14));
	CHECK(fails(XS_UNWATCH, 7, 0, "data/sub\0tokA", 14, "ENOENT"));
	CHECK_EQ(xs_write(xs, HOME "/data/sub", "2"), 0);
	CHECK(svc() == 1);
	CHECK(expect(XS_WATCH_EVENT, 0, 0, HOME "/data/sub\0tokB", 30));
	CHECK(nothing_more());

	/* Nothing the guest may not read. */
	CHECK_EQ(xs_write(xs, "/vm/x", "1"), 0);
	CHECK(ok(XS_WATCH, 8, 0, "/vm\0tokC", 9));
	CHECK(expect(XS_WATCH_EVENT, 0, 0, "/vm\0tokC", 9));
	CHECK_EQ(xs_write(xs, "/vm/x", "2"), 0);
	CHECK(nothing_more());

	/* Special paths are accepted (and fire once, when set). */
	CHECK(ok(XS_WATCH, 9, 0, "@releaseDomain\0r", 17));
	CHECK(expect(XS_WATCH_EVENT, 0, 0, "@releaseDomain\0r", 17));
	xs_fire_special(xs, "@releaseDomain");
	CHECK(nothing_more());

	/* RESET_WATCHES drops them all. */
	CHECK(ok(XS_RESET_WATCHES, 10, 0, "", 1));
	CHECK_EQ(xs_write(xs, HOME "/data/sub", "3"), 0);
	CHECK(nothing_more());
}

struct seen {
	char path[64], token[16];
	int n;
};

static void host_cb(void *opaque, const char *path, const char *token)
{
	struct seen *s = opaque;

	snprintf(s->path, sizeof(s->path), "%s", path);
	snprintf(s->token, sizeof(s->token), "%s", token);
	s->n++;
}

TEST(xs_host_watches)
{
	struct seen s = { 0 }, sp = { 0 };

	CHECK(setup(0) == 0);
	CHECK_EQ(xs_watch_host(xs, HOME "/data", "be", host_cb, &s), 0);
	CHECK_EQ(s.n, 1);
	CHECK(!strcmp(s.path, HOME "/data") && !strcmp(s.token, "be"));
	CHECK(ok(XS_WRITE, 1, 0, "data/state\0" "4", 12));
	CHECK_EQ(s.n, 2);
	CHECK(!strcmp(s.path, HOME "/data/state"));
	/* Inside a transaction: only when it commits. */
	send(XS_TRANSACTION_START, 2, 0, "", 1);
	CHECK(svc() == 1 && expect(XS_TRANSACTION_START, 2, 0, S("1")));
	CHECK(ok(XS_WRITE, 3, 1, "data/ring-ref\0" "8", 15));
	CHECK_EQ(s.n, 2);
	CHECK(ok(XS_TRANSACTION_END, 4, 1, S("T")));
	CHECK_EQ(s.n, 3);
	CHECK(!strcmp(s.path, HOME "/data/ring-ref"));
	CHECK_EQ(xs_watch_host(xs, "@releaseDomain", "rd", host_cb, &sp), 0);
	xs_fire_special(xs, "@releaseDomain");
	CHECK_EQ(sp.n, 2);
	CHECK_EQ(xs_unwatch_host(xs, HOME "/data", "be"), 0);
	CHECK_EQ(xs_write(xs, HOME "/data/state", "5"), 0);
	CHECK_EQ(s.n, 3);
	CHECK_EQ(xs_watch_host(xs, "bad//path", "x", host_cb, &s), -1);
}

static int pingpong_calls;

/* Each side writes the node the other watches: a cycle. */
static void pingpong(void *opaque, const char *path, const char *token)
{
	(void)path;
	pingpong_calls++;
	xs_write(xs, opaque, token);
}

TEST(xs_host_watch_cycle_ends)
{
	CHECK(setup(0) == 0);
	CHECK_EQ(xs_watch_host(xs, "/a", "x", pingpong, "/b"), 0);
	CHECK_EQ(xs_watch_host(xs, "/b", "y", pingpong, "/a"), 0);
	pingpong_calls = 0;
	CHECK_EQ(xs_write(xs, "/a", "go"), 0);
	CHECK_EQ(pingpong_calls, 16); /* XS_FIRE_DEPTH_MAX */
}

TEST(xs_transactions_commit_and_conflict)
{
	char buf[16];

	CHECK(setup(0) == 0);
	CHECK(ok(XS_WATCH, 1, 0, "data\0w", 7));
	CHECK(expect(XS_WATCH_EVENT, 0, 0, "data\0w", 7));
	send(XS_TRANSACTION_START, 2, 0, "", 1);
	CHECK(svc() == 1 && expect(XS_TRANSACTION_START, 2, 0, S("1")));
	CHECK(ok(XS_WRITE, 3, 1, PV("data/t", "v")));
	CHECK(ok(XS_MKDIR, 4, 1, S("data/m")));
	CHECK(nothing_more()); /* no event before the commit */
	/* Others do not see it yet; the transaction does. */
	CHECK_EQ(xs_read(xs, HOME "/data/t", buf, sizeof(buf)), -1);
	CHECK(fails(XS_READ, 5, 0, S("data/t"), "ENOENT"));
	send(XS_READ, 6, 1, S("data/t"));
	CHECK(svc() == 1 && expect(XS_READ, 6, 1, "v", 1));
	CHECK(ok(XS_TRANSACTION_END, 7, 1, S("T")));
	CHECK(expect(XS_WATCH_EVENT, 0, 0, "data/t\0w", 9));
	CHECK(expect(XS_WATCH_EVENT, 0, 0, "data/m\0w", 9));
	CHECK(nothing_more());
	CHECK_EQ(xs_read(xs, HOME "/data/t", buf, sizeof(buf)), 1);
	CHECK(fails(XS_TRANSACTION_END, 8, 1, S("T"), "ENOENT")); /* gone */

	/* A conflict: gamut changes what the transaction read. */
	send(XS_TRANSACTION_START, 9, 0, "", 1);
	CHECK(svc() == 1 && expect(XS_TRANSACTION_START, 9, 0, S("2")));
	send(XS_READ, 10, 2, S("data/t"));
	CHECK(svc() == 1 && expect(XS_READ, 10, 2, "v", 1));
	CHECK_EQ(xs_write(xs, HOME "/data/t", "gamut"), 0);
	CHECK(svc() == 1 && expect(XS_WATCH_EVENT, 0, 0, "data/t\0w", 9));
	CHECK(ok(XS_WRITE, 11, 2, PV("data/u", "x")));
	CHECK(fails(XS_TRANSACTION_END, 12, 2, S("T"), "EAGAIN"));
	CHECK(nothing_more());
	CHECK_EQ(xs_read(xs, HOME "/data/u", buf, sizeof(buf)), -1);
	CHECK_EQ(xs_read(xs, HOME "/data/t", buf, sizeof(buf)), 5);

	/* The retry, with nobody in between, goes in. */
	send(XS_TRANSACTION_START, 13, 0, "", 1);
	CHECK(svc() == 1 && expect(XS_TRANSACTION_START, 13, 0, S("3")));
	send(XS_READ, 14, 3, S("data/t"));
	CHECK(svc() == 1 && expect(XS_READ, 14, 3, "gamut", 5));
	CHECK(ok(XS_WRITE, 15, 3, PV("data/u", "x")));
	CHECK_EQ(xs_write(xs, "/vm/elsewhere", "1"), 0); /* unrelated */
	CHECK(ok(XS_TRANSACTION_END, 16, 3, S("T")));
	CHECK(expect(XS_WATCH_EVENT, 0, 0, "data/u\0w", 9));
	CHECK_EQ(xs_read(xs, HOME "/data/u", buf, sizeof(buf)), 1);

	/* A node the transaction creates, created meanwhile by someone else. */
	send(XS_TRANSACTION_START, 17, 0, "", 1);
	CHECK(svc() == 1 && expect(XS_TRANSACTION_START, 17, 0, S("4")));
	CHECK(ok(XS_WRITE, 18, 4, PV("data/n/a", "x")));
	CHECK_EQ(xs_write(xs, HOME "/data/n", "g"), 0);
	CHECK(svc() == 1 && expect(XS_WATCH_EVENT, 0, 0, "data/n\0w", 9));
	CHECK(fails(XS_TRANSACTION_END, 19, 4, S("T"), "EAGAIN"));

	/* Abort: nothing happens. */
	send(XS_TRANSACTION_START, 20, 0, "", 1);
	CHECK(svc() == 1 && expect(XS_TRANSACTION_START, 20, 0, S("5")));
	CHECK(ok(XS_RM, 21, 5, S("data/t")));
	CHECK(fails(XS_TRANSACTION_END, 22, 5, S("X"), "EINVAL"));
	CHECK(ok(XS_TRANSACTION_END, 23, 5, S("F")));
	CHECK(nothing_more());
	CHECK_EQ(xs_read(xs, HOME "/data/t", buf, sizeof(buf)), 5);
	CHECK(fails(XS_TRANSACTION_START, 24, 3, "", 1, "EINVAL"));

	/* At most XS_GUEST_TXNS_MAX (10) open at once. */
	for (unsigned i = 0; i < 10; i++) {
		struct xsd_sockmsg h;
		char p[XENSTORE_PAYLOAD_MAX + 1];

		send(XS_TRANSACTION_START, 100 + i, 0, "", 1);
		CHECK(svc() == 1 && recv(&h, p));
		CHECK_EQ(h.type, XS_TRANSACTION_START);
	}
	CHECK(fails(XS_TRANSACTION_START, 200, 0, "", 1, "ENOSPC"));
	CHECK(ok(XS_RESET_WATCHES, 201, 0, "", 1)); /* drops them too */
	send(XS_TRANSACTION_START, 202, 0, "", 1);
	CHECK(svc() == 1 && expect(XS_TRANSACTION_START, 202, 0, S("16")));
}

/* Two transactions on different nodes, each within the quota alone: the
 * second commit no longer fits and fails whole, changing nothing. */
TEST(xs_transaction_commit_is_all_or_nothing)
{
	char p[64], buf[8];
	int n;

	CHECK(setup(0) == 0);
	CHECK(ok(XS_MKDIR, 1, 0, S("data/x")));
	CHECK(ok(XS_MKDIR, 2, 0, S("data/y")));
	send(XS_TRANSACTION_START, 3, 0, "", 1);
	CHECK(svc() == 1 && expect(XS_TRANSACTION_START, 3, 0, S("1")));
	send(XS_TRANSACTION_START, 4, 0, "", 1);
	CHECK(svc() == 1 && expect(XS_TRANSACTION_START, 4, 0, S("2")));
	for (unsigned i = 0; i < 600; i++) {
		n = snprintf(p, sizeof(p), "data/x/a%u", i);
		CHECK(ok(XS_MKDIR, 10, 1, p, (uint32_t)n + 1));
		n = snprintf(p, sizeof(p), "data/y/b%u", i);
		CHECK(ok(XS_MKDIR, 11, 2, p, (uint32_t)n + 1));
	}
	CHECK(ok(XS_TRANSACTION_END, 12, 1, S("T")));
	/* 3 + 600 nodes now; 600 more would be 1203. */
	CHECK(fails(XS_TRANSACTION_END, 13, 2, S("T"), "ENOSPC"));
	CHECK_EQ(xs_read(xs, HOME "/data/x/a599", buf, sizeof(buf)), 0);
	CHECK_EQ(xs_read(xs, HOME "/data/y/b0", buf, sizeof(buf)), -1);
	send(XS_DIRECTORY, 14, 0, S("data/y"));
	CHECK(svc() == 1 && expect(XS_DIRECTORY, 14, 0, "", 0));
	/* And the count is right: 397 more fit, not 398. */
	for (unsigned i = 0; i < 397; i++) {
		n = snprintf(p, sizeof(p), "data/y/c%u", i);
		CHECK(ok(XS_MKDIR, 15, 0, p, (uint32_t)n + 1));
	}
	CHECK(fails(XS_MKDIR, 16, 0, S("data/y/last"), "ENOSPC"));
}

/* Offsets start just below the 32-bit wrap and a message straddles the
 * ring's end; it comes in two halves over two calls. */
TEST(xs_message_split_across_the_wrap)
{
	char msg[64];
	struct xsd_sockmsg h = { XS_WRITE, 42, 0, 9 };

	CHECK(setup(0xfffffff8u - 20) == 0);
	/* Move both rings to 6 bytes before their end (and the wrap). */
	ring.req_cons = ring.req_prod = 0xfffffffau;
	ring.rsp_cons = ring.rsp_prod = 0xfffffffau;
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), "data/w\0hi", 9);
	put_bytes(msg, 10); /* part of the header */
	CHECK(svc() == 1);  /* consumed, nothing to say yet */
	CHECK_EQ(ring.req_cons, 0xfffffffau + 10);
	CHECK_EQ(ring.rsp_prod, ring.rsp_cons);
	put_bytes(msg + 10, sizeof(h) + 9 - 10);
	CHECK(svc() == 1);
	CHECK(expect(XS_WRITE, 42, 0, S("OK")));
	CHECK_EQ(ring.req_cons, ring.req_prod);
	CHECK(ring.rsp_prod < 0x100); /* the reply crossed the wrap too */
	{
		char buf[8];

		CHECK_EQ(xs_read(xs, HOME "/data/w", buf, sizeof(buf)), 2);
		CHECK(!strcmp(buf, "hi"));
	}
	/* Byte by byte, over many calls. */
	memcpy(msg, &(struct xsd_sockmsg){ XS_READ, 43, 0, 7 }, sizeof(h));
	memcpy(msg + sizeof(h), "data/w", 7);
	for (unsigned i = 0; i < sizeof(h) + 7; i++) {
		put_bytes(msg + i, 1);
		CHECK(svc() == 1);
	}
	CHECK(expect(XS_READ, 43, 0, "hi", 2));
	CHECK(nothing_more());
}

/* A reply bigger than the ring: it goes out as the guest makes room. */
TEST(xs_response_larger_than_the_ring)
{
	char want[2 * XENSTORE_PAYLOAD_MAX], got[XENSTORE_PAYLOAD_MAX + 16];
	uint32_t wl = 0, gl = 0, calls = 0;
	struct xsd_sockmsg h;

	CHECK(setup(1000) == 0);
	for (unsigned i = 0; i < 200; i++) {
		char p[64];

		snprintf(p, sizeof(p), HOME "/data/entry-number-%03u", i);
		CHECK_EQ(xs_write(xs, p, ""), 0);
		wl += (uint32_t)snprintf(want + wl, sizeof(want) - wl,
					 "entry-number-%03u", i) + 1;
	}
	CHECK(wl > 3 * XENSTORE_RING_SIZE);
	send(XS_DIRECTORY, 5, 0, S("data"));
	while (gl < sizeof(h) + wl) {
		CHECK(calls++ < 10);
		CHECK(svc() == 1);
		CHECK(ring.rsp_prod - ring.rsp_cons <= XENSTORE_RING_SIZE);
		while (ring.rsp_cons != ring.rsp_prod && gl < sizeof(got))
			got[gl++] = ring.rsp[MASK_XENSTORE_IDX(ring.rsp_cons++)];
	}
	CHECK_EQ(calls, 4);
	CHECK_EQ(gl, sizeof(h) + wl);
	memcpy(&h, got, sizeof(h));
	CHECK_EQ(h.type, XS_DIRECTORY);
	CHECK_EQ(h.req_id, 5);
	CHECK_EQ(h.len, wl);
	CHECK(!memcmp(got + sizeof(h), want, wl));
	CHECK(nothing_more());

	/* Too long for one reply: E2BIG for DIRECTORY, DIRECTORY_PART gives it
	 * in parts, each ending on a whole name; the last one with an empty
	 * name after it. */
	for (unsigned i = 200; i < 300; i++) {
		char p[64];

		snprintf(p, sizeof(p), HOME "/data/entry-number-%03u", i);
		CHECK_EQ(xs_write(xs, p, ""), 0);
		wl += (uint32_t)snprintf(want + wl, sizeof(want) - wl,
					 "entry-number-%03u", i) + 1;
	}
	CHECK(fails(XS_DIRECTORY, 8, 0, S("data"), "E2BIG"));
	{
		uint32_t off = 0, parts = 0;
		char pay[64], gen[24] = "";

		for (;;) {
			char p[XENSTORE_PAYLOAD_MAX + 1];
			size_t gl2;

			int n = snprintf(pay, sizeof(pay), "data%c%u", 0, off);
			send(XS_DIRECTORY_PART, 6, 0, pay, (uint32_t)n + 1);
			CHECK(svc() == 1);
			h.len = 0;
			for (unsigned k = 0; k < 8 && !recv(&h, p); k++)
				CHECK(svc() >= 0);
			CHECK_EQ(h.type, XS_DIRECTORY_PART);
			gl2 = strlen(p) + 1;
			CHECK(gl2 < sizeof(gen));
			if (!parts)
				memcpy(gen, p, gl2);
			CHECK(!strcmp(gen, p));
			CHECK(!memcmp(p + gl2, want + off, h.len - gl2 - (p[h.len - 2] == 0)));
			parts++;
			if (p[h.len - 1] == 0 && p[h.len - 2] == 0)
				break;
			off += h.len - (uint32_t)gl2;
			CHECK(parts < 5);
		}
		CHECK_EQ(parts, 2);
		send(XS_DIRECTORY_PART, 7, 0, "data\0" "3", 7); /* mid-name */
		CHECK(svc() == 1 && expect(XS_ERROR, 7, 0, S("EINVAL")));
	}
}

TEST(xs_replies_wait_for_an_unread_ring)
{
	struct xsd_sockmsg h;
	char p[XENSTORE_PAYLOAD_MAX + 1];
	unsigned n = 0;

	CHECK(setup(0) == 0);
	/* 60 reads (16+10 bytes each), replies 16+5: more than the ring. */
	CHECK(ok(XS_WRITE, 1, 0, "data/x\0hello", 12));
	for (unsigned i = 0; i < 60; i++) {
		send(XS_READ, 100 + i, 0, S("data/x"));
		if (ring.req_prod - ring.req_cons > XENSTORE_RING_SIZE - 26)
			CHECK(svc() == 1);
	}
	CHECK(svc() == 1);
	CHECK_EQ(ring.req_cons, ring.req_prod);
	CHECK_EQ(ring.rsp_prod - ring.rsp_cons, XENSTORE_RING_SIZE);
	while (n < 60) {
		CHECK(recv(&h, p) || (svc() == 1 && recv(&h, p)));
		CHECK_EQ(h.req_id, 100 + n);
		CHECK(h.len == 5 && !memcmp(p, "hello", 5));
		n++;
	}
	CHECK(nothing_more());
}

/* A guest that sends requests and does not read the replies: gamut stops
 * reading requests once XS_OUTQ_HIGH (32 KiB) of output waits. */
TEST(xs_unread_replies_hold_back_requests)
{
	static char big[8 + 3000];
	struct xsd_sockmsg h;
	char p[XENSTORE_PAYLOAD_MAX + 1];
	uint32_t cons;

	CHECK(setup(0) == 0);
	memcpy(big, "data/b", 7);
	memset(big + 7, 'x', 3000);
	CHECK(ok(XS_WRITE, 1, 0, big, 7 + 3000));
	for (unsigned i = 0; i < 30; i++)
		send(XS_READ, 100 + i, 0, S("data/b"));
	CHECK_EQ(ring.req_prod - ring.req_cons, 30 * 23 - 0u);
	CHECK(svc() == 1);
	cons = ring.req_cons;
	CHECK(ring.req_prod != cons); /* some left unread */
	CHECK(svc() == 0);	       /* and staying so */
	CHECK_EQ(ring.req_cons, cons);
	CHECK_EQ(ring.rsp_prod - ring.rsp_cons, XENSTORE_RING_SIZE);
	for (unsigned n = 0; n < 30; n++) {
		for (unsigned k = 0; k < 8 && !recv(&h, p); k++)
			CHECK(svc() == 1);
		CHECK_EQ(h.type, XS_READ);
		CHECK_EQ(h.req_id, 100 + n);
		CHECK(h.len == 3000 && p[0] == 'x' && p[2999] == 'x');
	}
	CHECK(nothing_more());
}

TEST(xs_hostile_ring_stops_the_connection)
{
	struct xsd_sockmsg h = { XS_READ, 1, 0, XENSTORE_PAYLOAD_MAX + 1 };

	CHECK(setup(0) == 0);
	put_bytes(&h, sizeof(h));
	CHECK_EQ(svc(), -1);
	CHECK(strstr(err.msg, "over the maximum") != NULL);
	CHECK_EQ(svc(), -1); /* and stays stopped */
	CHECK(ring.rsp_prod == ring.rsp_cons);

	CHECK(setup(0) == 0);
	ring.req_prod = ring.req_cons + XENSTORE_RING_SIZE + 1;
	CHECK_EQ(svc(), -1);
	CHECK(strstr(err.msg, "request ring") != NULL);

	CHECK(setup(0) == 0);
	ring.rsp_cons = ring.rsp_prod + 1; /* consumer ahead of producer */
	CHECK_EQ(svc(), -1);
	CHECK(strstr(err.msg, "response ring") != NULL);

	/* A full ring's worth is fine. */
	CHECK(setup(0) == 0);
	ring.rsp_prod = ring.rsp_cons + XENSTORE_RING_SIZE;
	send(XS_WRITE, 1, 0, PV("data", ""));
	CHECK(svc() == 1); /* read, but no room for the reply */
	CHECK_EQ(ring.rsp_prod - ring.rsp_cons, XENSTORE_RING_SIZE);
	ring.rsp_cons = ring.rsp_prod;
	CHECK(svc() == 1 && expect(XS_WRITE, 1, 0, S("OK")));
}

TEST(xs_quota_stops_a_greedy_guest)
{
	unsigned made = 0;
	char p[64];
	int n;

	CHECK(setup(0) == 0);
	for (unsigned i = 0; i < 2000; i++) {
		struct xsd_sockmsg h;
		char r[XENSTORE_PAYLOAD_MAX + 1];

		n = snprintf(p, sizeof(p), "data/n%u", i);
		send(XS_WRITE, i, 0, p, (uint32_t)n + 1);
		CHECK(svc() == 1 && recv(&h, r));
		if (h.type == XS_ERROR) {
			CHECK(!strcmp(r, "ENOSPC"));
			break;
		}
		made++;
	}
	CHECK_EQ(made, 999); /* 1000 nodes, "data" being the first */
	CHECK(fails(XS_MKDIR, 1, 0, S("data/more"), "ENOSPC"));
	/* Removing makes room again; gamut is never limited. */
	CHECK(ok(XS_RM, 2, 0, S("data/n0")));
	CHECK(ok(XS_MKDIR, 3, 0, S("data/more")));
	CHECK_EQ(xs_write(xs, HOME "/data/gamut", "x"), 0);
	/* Bytes too: values of 4000 bytes in the nodes it has. */
	{
		static char big[4100];
		unsigned i;

		memcpy(big, "data/n1", 8);
		memset(big + 8, 'v', 4000);
		for (i = 1; i < 999; i++) {
			struct xsd_sockmsg h;
			char r[XENSTORE_PAYLOAD_MAX + 1];

			n = snprintf(big, 16, "data/n%u", i);
			send(XS_WRITE, i, 0, big, (uint32_t)n + 1 + 4000);
			CHECK(svc() == 1 && recv(&h, r));
			if (h.type == XS_ERROR) {
				CHECK(!strcmp(r, "ENOSPC"));
				break;
			}
		}
		CHECK(i > 100 && i < 140); /* 512 KiB / 4000 */
	}
	/* Watches are bounded as well. */
	for (unsigned i = 0; i < 128; i++) {
		struct xsd_sockmsg h;
		char r[XENSTORE_PAYLOAD_MAX + 1];

		n = snprintf(p, sizeof(p), "data%ct%u", 0, i);
		send(XS_WATCH, i, 0, p, (uint32_t)n + 1);
		CHECK(svc() == 1 && recv(&h, r) && h.type == XS_WATCH);
		CHECK(recv(&h, r) && h.type == XS_WATCH_EVENT);
	}
	CHECK(fails(XS_WATCH, 9, 0, "data\0last", 10, "ENOSPC"));
}

TEST(xs_new_rejects_bad_domains)
{
	CHECK(xs_new(0) == NULL);
	CHECK(xs_new(DOMID_SELF) == NULL);
	xs_free(xs);
	xs = NULL;
}
