/* `--net user,hostfwd=...`: the rule parser on good and bad text, and the
 * user backend forwarding for real: a host connection to the forwarded
 * port turns into a SYN to the guest, a taken port fails the open. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../harness.h"
#include "net/hostfwd.h"
#include "net/net.h"

static struct hostfwd_rule parse_ok(const char *s, int *rc)
{
	struct hostfwd_rule r;
	struct gerr err;

	*rc = hostfwd_parse(s, strlen(s), &r, &err);
	return r;
}

static uint32_t ip_of(const char *dotted)
{
	struct in_addr a;

	inet_pton(AF_INET, dotted, &a);
	return a.s_addr;
}

TEST(hostfwd_parses_full_and_default_rules)
{
	struct hostfwd_rule r;
	int rc;

	r = parse_ok("tcp:127.0.0.1:8080-10.0.2.15:80", &rc);
	CHECK_EQ(rc, 0);
	CHECK(!r.udp);
	CHECK_EQ(r.host_addr.s_addr, ip_of("127.0.0.1"));
	CHECK_EQ(r.host_port, 8080);
	CHECK_EQ(r.guest_addr.s_addr, ip_of("10.0.2.15"));
	CHECK_EQ(r.guest_port, 80);

	/* Defaults: loopback on the host, "the first lease" (0) in the guest. */
	r = parse_ok("udp::5353-:53", &rc);
	CHECK_EQ(rc, 0);
	CHECK(r.udp);
	CHECK_EQ(r.host_addr.s_addr, ip_of("127.0.0.1"));
	CHECK_EQ(r.host_port, 5353);
	CHECK_EQ(r.guest_addr.s_addr, 0);
	CHECK_EQ(r.guest_port, 53);

	/* QEMU's empty protocol is tcp; every address only when asked. */
	r = parse_ok(":0.0.0.0:65535-10.0.2.20:1", &rc);
	CHECK_EQ(rc, 0);
	CHECK(!r.udp);
	CHECK_EQ(r.host_addr.s_addr, 0);
	CHECK_EQ(r.host_port, 65535);
	CHECK_EQ(r.guest_addr.s_addr, ip_of("10.0.2.20"));
	CHECK_EQ(r.guest_port, 1);
}

TEST(hostfwd_reads_only_its_span)
{
	struct hostfwd_rule r;
	struct gerr err;
	const char text[] = "tcp::8080-:80,hostfwd=junk";

	CHECK_EQ(hostfwd_parse(text, 13, &r, &err), 0);
	CHECK_EQ(r.guest_port, 80);
	CHECK_EQ(hostfwd_parse(text, 12, &r, &err), 0);
	CHECK_EQ(r.guest_port, 8);
	CHECK_EQ(hostfwd_parse(text, 14, &r, &err), -1);
}

/* Each bad rule fails with one line naming the rule and its bad part. */
TEST(hostfwd_refuses_bad_rules)
{
	static const struct {
		const char *rule, *msg;
	} bad[] = {
		{ "", "expected [tcp|udp]:" },
		{ "tcp", "expected [tcp|udp]:" },
		{ "sctp::80-:80", "unknown protocol 'sctp'" },
		{ "TCP::80-:80", "unknown protocol 'TCP'" },
		{ "tcp::8080:80", "missing '-'" },
		{ "tcp:8080-:80", "expected [HOSTADDR]:HOSTPORT before '-'" },
		{ "tcp::8080-80", "expected [GUESTADDR]:GUESTPORT after '-'" },
		{ "tcp::0-:80", "host port 0 is not in 1..65535" },
		{ "tcp::8080-:0", "guest port 0 is not in 1..65535" },
		{ "tcp::65536-:80", "host port 65536 is not in 1..65535" },
		{ "tcp::8080-:99999999999999999999", "guest port 99999999999999999999 is not in" },
		{ "tcp::-:80", "missing host port" },
		{ "tcp::8080-:", "missing guest port" },
		{ "tcp::http-:80", "host port 'http' is not a number" },
		{ "tcp::8080-:+80", "guest port '+80' is not a number" },
		{ "tcp::8080-: 80", "guest port ' 80' is not a number" },
		{ "tcp::80x-:80", "trailing 'x' after host port 80" },
		{ "tcp::8080-:80 ", "trailing ' ' after guest port 80" },
		{ "tcp::8080-:80-:81", "trailing '-:81' after guest port 80" },
		{ "tcp::8080-:80:81", "trailing ':81' after guest port 80" },
		{ "tcp:localhost:8080-:80", "bad host address 'localhost'" },
		{ "tcp:1.2.3:8080-:80", "bad host address '1.2.3'" },
		{ "tcp:1.2.3.256:8080-:80", "bad host address '1.2.3.256'" },
		{ "tcp:::1:8080-:80", "host port ':1:8080' is not a number" },
		{ "tcp::8080-10.0.2.1555:80", "bad guest address '10.0.2.1555'" },
		{ "tcp::8080-255.255.255.255.255:80", "bad guest address" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hostfwd_rule r;
		struct gerr err = { .msg = "" };
		char want[96];

		if (hostfwd_parse(bad[i].rule, strlen(bad[i].rule), &r, &err) != -1) {
			fprintf(stderr, "accepted: '%s'\n", bad[i].rule);
			CHECK(0);
		}
		snprintf(want, sizeof(want), "hostfwd=%s: ", bad[i].rule);
		if (!strstr(err.msg, bad[i].msg) || strncmp(err.msg, want, strlen(want)) ||
		    strchr(err.msg, '\n')) {
			fprintf(stderr, "'%s' gave: %s\n", bad[i].rule, err.msg);
			CHECK(0);
		}
	}
}

TEST(hostfwd_parses_option_lists)
{
	struct hostfwd_set set;
	struct gerr err;

	CHECK_EQ(hostfwd_parse_opts(NULL, &set, &err), 0);
	CHECK_EQ(set.nr, 0);
	CHECK_EQ(hostfwd_parse_opts("", &set, &err), 0);
	CHECK_EQ(set.nr, 0);
	CHECK_EQ(hostfwd_parse_opts(",hostfwd=tcp::8080-:80,hostfwd=udp::8080-:53", &set, &err), 0);
	CHECK_EQ(set.nr, 2);
	CHECK(!set.rule[0].udp);
	CHECK(set.rule[1].udp);
	CHECK_EQ(set.rule[1].guest_port, 53);
	/* The same port on two different host addresses is two sockets. */
	CHECK_EQ(hostfwd_parse_opts(",hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=tcp:127.0.0.2:8080-:81",
				    &set, &err), 0);
	CHECK_EQ(set.nr, 2);
}

static void expect_opts_error(const char *opts, const char *msg, int *ok)
{
	struct hostfwd_set set;
	struct gerr err = { .msg = "" };

	*ok = hostfwd_parse_opts(opts, &set, &err) == -1 && strstr(err.msg, msg) &&
	      !strchr(err.msg, '\n');
	if (!*ok)
		fprintf(stderr, "'%s' gave: %s\n", opts, err.msg);
}

TEST(hostfwd_refuses_bad_option_lists)
{
	char many[40 * (HOSTFWD_MAX + 2)] = "";
	int ok;

	expect_opts_error(",", "empty option", &ok);
	CHECK(ok);
	expect_opts_error(",hostfwd=tcp::1-:1,", "empty option", &ok);
	CHECK(ok);
	expect_opts_error("x", "unexpected 'x'", &ok);
	CHECK(ok);
	expect_opts_error(",net=10.0.3.0/24", "unknown option 'net=10.0.3.0/24'", &ok);
	CHECK(ok);
	expect_opts_error(",hostfwd", "unknown option 'hostfwd'", &ok);
	CHECK(ok);
	expect_opts_error(",hostfwd=tcp::1-:1,junk", "unknown option 'junk'", &ok);
	CHECK(ok);
	expect_opts_error(",hostfwd=tcp::8080-:80,hostfwd=bad", "hostfwd=bad: expected", &ok);
	CHECK(ok);
	expect_opts_error(",hostfwd=tcp::8080-:80,hostfwd=tcp::8080-:81",
			  "hostfwd=tcp::8080-:81: host tcp 127.0.0.1:8080 is already forwarded", &ok);
	CHECK(ok);
	expect_opts_error(",hostfwd=udp:0.0.0.0:53-:53,hostfwd=udp::53-:54",
			  "host udp 127.0.0.1:53 is already forwarded", &ok);
	CHECK(ok);
	for (int i = 0; i <= HOSTFWD_MAX; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many),
			 ",hostfwd=tcp::%d-:80", 10000 + i);
	expect_opts_error(many, "more than 16 hostfwd rules", &ok);
	CHECK(ok);
}

/* --- the user backend listening for real --- */

static const uint8_t guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

struct fwd_guest {
	struct evloop *loop;
	uint16_t want; /* ethertype */
	uint8_t frame[2048];
	size_t len;
};

static bool fwd_rx(void *opaque, const void *frame, size_t len)
{
	struct fwd_guest *g = opaque;
	const uint8_t *f = frame;

	if (!g->len && len >= 14 && len <= sizeof(g->frame) &&
	    ((f[12] << 8) | f[13]) == g->want) {
		memcpy(g->frame, frame, len);
		g->len = len;
		evloop_quit(g->loop);
	}
	return true;
}

static void fwd_give_up(void *opaque, uint32_t events)
{
	(void)events;
	evloop_quit(opaque); /* the test then fails on g.len == 0 */
}

static void fwd_wait(struct fwd_guest *g, uint16_t ethertype)
{
	struct gerr err;
	int t = evloop_timer_add(g->loop, fwd_give_up, g->loop, &err);

	g->len = 0;
	g->want = ethertype;
	evloop_timer_set(t, 5000000000ull, 0);
	atomic_store(&g->loop->quit, false);
	evloop_run(g->loop, &err);
	evloop_del(g->loop, t);
	close(t);
}

/* A listening TCP socket on 127.0.0.1 with a port the kernel picked. */
static int listen_any(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 1) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

/* The guest's answer to slirp's "who has 10.0.2.15?". */
static size_t arp_reply(uint8_t *f, const uint8_t *req)
{
	memset(f, 0, 42);
	memcpy(f, req + 6, 6);
	memcpy(f + 6, guest_mac, 6);
	f[12] = 0x08, f[13] = 0x06;
	f[15] = 1, f[16] = 0x08, f[18] = 6, f[19] = 4;
	f[21] = 2; /* reply */
	memcpy(f + 22, guest_mac, 6);
	memcpy(f + 28, req + 38, 4); /* the address asked about: ours */
	memcpy(f + 32, req + 22, 10); /* to the asker's MAC and IP */
	return 42;
}

TEST(hostfwd_connection_reaches_the_guest_port)
{
	static struct evloop loop;
	static struct fwd_guest g;
	struct net_config cfg = { .kind = NET_USER };
	struct sockaddr_in to = { .sin_family = AF_INET };
	char opts[64];
	uint8_t f[64], *ip = g.frame + 14, *tcp;
	struct net_backend *nb;
	struct iovec iov;
	struct gerr err;
	uint16_t port;
	int probe, cli;

	/* A port that was free a moment ago (the kernel's choice). */
	probe = listen_any(&port);
	CHECK(probe >= 0);
	close(probe);
	snprintf(opts, sizeof(opts), ",hostfwd=tcp::%u-:8080", port);
	cfg.user_opts = opts;
	CHECK(evloop_init(&loop, &err) == 0);
	g = (struct fwd_guest){ .loop = &loop };
	nb = net_open(&cfg, &loop, fwd_rx, &g, &err);
	if (!nb)
		fprintf(stderr, "%s\n", err.msg);
	CHECK(nb != NULL);

	cli = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	CHECK(cli >= 0);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(port);
	CHECK(connect(cli, (struct sockaddr *)&to, sizeof(to)) == 0 || errno == EINPROGRESS);
	/* slirp accepts, and first asks who has the guest address. */
	fwd_wait(&g, 0x0806);
	CHECK(g.len >= 42);
	CHECK_EQ(g.frame[21], 1);
	CHECK_EQ(*(uint32_t *)(void *)(g.frame + 38), ip_of("10.0.2.15"));
	iov = (struct iovec){ f, arp_reply(f, g.frame) };
	CHECK(net_send(nb, &iov, 1) == 0);
	/* Then the SYN: from the gateway to 10.0.2.15:8080. */
	fwd_wait(&g, 0x0800);
	CHECK(g.len >= 14 + 20 + 20);
	CHECK_EQ(ip[9], 6);
	CHECK_EQ(*(uint32_t *)(void *)(ip + 12), ip_of("10.0.2.2"));
	CHECK_EQ(*(uint32_t *)(void *)(ip + 16), ip_of("10.0.2.15"));
	tcp = ip + (ip[0] & 15) * 4;
	CHECK_EQ((tcp[2] << 8) | tcp[3], 8080);
	CHECK_EQ(tcp[13] & 0x12, 0x02); /* SYN, no ACK */
	close(cli);
	net_close(nb);
	evloop_destroy(&loop);
}

TEST(hostfwd_taken_port_fails_the_open)
{
	static struct evloop loop;
	struct net_config cfg = { .kind = NET_USER };
	struct gerr err = { .msg = "" };
	char opts[64], want[64];
	uint16_t port;
	int busy;

	busy = listen_any(&port);
	CHECK(busy >= 0);
	snprintf(opts, sizeof(opts), ",hostfwd=tcp::%u-:80", port);
	cfg.user_opts = opts;
	CHECK(evloop_init(&loop, &err) == 0);
	CHECK(net_open(&cfg, &loop, fwd_rx, NULL, &err) == NULL);
	close(busy);
	snprintf(want, sizeof(want), "cannot listen on tcp 127.0.0.1:%u", port);
	if (!strstr(err.msg, want) || !strstr(err.msg, "Address already in use"))
		fprintf(stderr, "%s\n", err.msg);
	CHECK(strstr(err.msg, want) && strstr(err.msg, "Address already in use"));
	/* A guest address off the user network, or slirp's own, is refused. */
	cfg.user_opts = ",hostfwd=tcp::1-10.0.3.15:80";
	CHECK(net_open(&cfg, &loop, fwd_rx, NULL, &err) == NULL);
	CHECK(strstr(err.msg, "guest address 10.0.3.15 is outside the user network"));
	cfg.user_opts = ",hostfwd=tcp::1-10.0.2.3:80";
	CHECK(net_open(&cfg, &loop, fwd_rx, NULL, &err) == NULL);
	CHECK(strstr(err.msg, "guest address 10.0.2.3 is slirp's own"));
	evloop_destroy(&loop);
}
