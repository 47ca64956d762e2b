/* Network backends brought up for real: slirp answers ARP and DHCP from a
 * guest that does not exist; a TAP passes frames both ways (root only). */
#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../harness.h"
#include "net/net.h"

static const uint8_t guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

struct catcher {
	struct evloop *loop;
	uint8_t frame[2048];
	size_t len;
	uint16_t want_type; /* ethertype to wait for */
	int refuse;	    /* refuse this many frames first (flow control) */
	int seen;
	struct net_backend *nb;
};

static bool catch_rx(void *opaque, const void *frame, size_t len)
{
	struct catcher *c = opaque;
	const uint8_t *f = frame;

	if (c->refuse > 0) {
		/* As a NIC would once the guest posts buffers again. */
		c->refuse--;
		net_rx_ready(c->nb);
		return false;
	}
	c->seen++;
	if (len >= 14 && len <= sizeof(c->frame) &&
	    ((f[12] << 8) | f[13]) == c->want_type) {
		memcpy(c->frame, frame, len);
		c->len = len;
		evloop_quit(c->loop);
	}
	return true;
}

static void give_up(void *opaque, uint32_t events)
{
	(void)events;
	evloop_quit(opaque); /* the test then fails on c.len == 0 */
}

/* Runs the loop until the catcher has its frame or 5 s pass. */
static void run_until_caught(struct evloop *l)
{
	struct gerr err;
	int t = evloop_timer_add(l, give_up, l, &err);

	evloop_timer_set(t, 5000000000ull, 0);
	atomic_store(&l->quit, false);
	evloop_run(l, &err);
	evloop_del(l, t);
	close(t);
}

static size_t arp_request(uint8_t *f, const char *target_ip)
{
	memset(f, 0, 42);
	memset(f, 0xff, 6);
	memcpy(f + 6, guest_mac, 6);
	f[12] = 0x08, f[13] = 0x06;
	f[14] = 0, f[15] = 1;	  /* Ethernet */
	f[16] = 0x08, f[17] = 0;  /* IPv4 */
	f[18] = 6, f[19] = 4;
	f[20] = 0, f[21] = 1;	  /* request */
	memcpy(f + 22, guest_mac, 6);
	inet_pton(AF_INET, "10.0.2.15", f + 28);
	inet_pton(AF_INET, target_ip, f + 38);
	return 42;
}

static uint16_t ip_checksum(const uint8_t *h, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < len; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Ethernet + IPv4 + UDP 68->67 + a minimal BOOTP DHCPDISCOVER. */
static size_t dhcp_discover(uint8_t *f)
{
	size_t bootp = 300, udp = 8 + bootp, ip = 20 + udp;
	uint8_t *iph = f + 14, *u = iph + 20, *b = u + 8;
	uint16_t ck;

	memset(f, 0, 14 + ip);
	memset(f, 0xff, 6);
	memcpy(f + 6, guest_mac, 6);
	f[12] = 0x08;
	iph[0] = 0x45;
	iph[2] = (uint8_t)(ip >> 8), iph[3] = (uint8_t)ip;
	iph[8] = 64, iph[9] = 17;
	memset(iph + 16, 0xff, 4);
	ck = ip_checksum(iph, 20);
	iph[10] = (uint8_t)(ck >> 8), iph[11] = (uint8_t)ck;
	u[1] = 68, u[3] = 67;
	u[4] = (uint8_t)(udp >> 8), u[5] = (uint8_t)udp;
	b[0] = 1, b[1] = 1, b[2] = 6;
	b[4] = 0xde, b[5] = 0xad, b[6] = 0xbe, b[7] = 0xef; /* xid */
	memcpy(b + 28, guest_mac, 6);
	b[236] = 0x63, b[237] = 0x82, b[238] = 0x53, b[239] = 0x63;
	b[240] = 53, b[241] = 1, b[242] = 1; /* DHCP message type: DISCOVER */
	b[243] = 255;
	return 14 + ip;
}

TEST(net_slirp_answers_arp_and_dhcp)
{
	static struct evloop loop;
	static struct catcher c;
	struct net_config cfg = { .kind = NET_USER };
	struct net_backend *nb;
	struct gerr err;
	uint8_t f[400], ip[4];
	struct iovec iov;

	CHECK(evloop_init(&loop, &err) == 0);
	c = (struct catcher){ .loop = &loop, .want_type = 0x0806 };
	nb = net_open(&cfg, &loop, catch_rx, &c, &err);
	CHECK(nb != NULL);
	CHECK(!strcmp(nb->name, "user"));
	iov = (struct iovec){ f, arp_request(f, "10.0.2.2") };
	CHECK(net_send(nb, &iov, 1) == 0);
	run_until_caught(&loop);
	CHECK(c.len >= 42);
	CHECK_EQ((c.frame[20] << 8) | c.frame[21], 2); /* ARP reply */
	inet_pton(AF_INET, "10.0.2.2", ip);
	CHECK(!memcmp(c.frame + 28, ip, 4));	     /* from the gateway */
	CHECK(!memcmp(c.frame + 32, guest_mac, 6));  /* to us */
	/* DHCP: an OFFER of 10.0.2.15 comes back. */
	c.len = 0;
	c.want_type = 0x0800;
	iov = (struct iovec){ f, dhcp_discover(f) };
	CHECK(net_send(nb, &iov, 1) == 0);
	run_until_caught(&loop);
	CHECK(c.len > 14 + 20 + 8 + 240);
	CHECK_EQ(c.frame[14 + 9], 17);			       /* UDP */
	CHECK_EQ((c.frame[34] << 8) | c.frame[35], 67);	       /* from the server */
	inet_pton(AF_INET, "10.0.2.15", ip);
	CHECK(!memcmp(c.frame + 42 + 16, ip, 4));	       /* yiaddr */
	CHECK(!memcmp(c.frame + 42 + 4, "\xde\xad\xbe\xef", 4)); /* our xid */
	net_close(nb);
	evloop_destroy(&loop);
}

TEST(net_backend_holds_frames_until_rx_ready)
{
	static struct evloop loop;
	static struct catcher c;
	struct net_config cfg = { .kind = NET_USER };
	struct net_backend *nb;
	struct gerr err;
	uint8_t f[64];
	struct iovec iov;

	CHECK(evloop_init(&loop, &err) == 0);
	/* The NIC refuses the ARP reply once: it must be held, not lost. */
	c = (struct catcher){ .loop = &loop, .want_type = 0x0806, .refuse = 1 };
	nb = net_open(&cfg, &loop, catch_rx, &c, &err);
	CHECK(nb != NULL);
	c.nb = nb;
	iov = (struct iovec){ f, arp_request(f, "10.0.2.3") };
	CHECK(net_send(nb, &iov, 1) == 0);
	run_until_caught(&loop);
	CHECK(c.len >= 42);
	CHECK_EQ(c.refuse, 0);
	CHECK_EQ(nb->count, 0);
	net_close(nb);
	evloop_destroy(&loop);
}

TEST(net_tap_passes_frames_both_ways)
{
	static struct evloop loop;
	static struct catcher c;
	struct net_config cfg = { .kind = NET_TAP };
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct net_backend *nb;
	struct ifreq ifr = { 0 };
	struct gerr err;
	char name[IFNAMSIZ];
	uint8_t f[64], got[2048];
	struct iovec iov;
	int ps, ok = 0;

	if (access("/dev/net/tun", R_OK | W_OK) != 0)
		SKIP("no /dev/net/tun access (TAP needs it)");
	if (geteuid() != 0)
		SKIP("creating a TAP needs root (CAP_NET_ADMIN)");
	snprintf(name, sizeof(name), "gtap%d", (int)getpid() % 100000);
	cfg.ifname = name;
	CHECK(evloop_init(&loop, &err) == 0);
	c = (struct catcher){ .loop = &loop, .want_type = 0x88b5 };
	nb = net_open(&cfg, &loop, catch_rx, &c, &err);
	if (!nb && strstr(err.msg, "Operation not permitted")) {
		evloop_destroy(&loop);
		SKIP("TAP creation not permitted here");
	}
	CHECK(nb != NULL);
	/* Bring it up and attach a packet socket to its host side. */
	ps = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	CHECK(ps >= 0);
	strcpy(ifr.ifr_name, name);
	CHECK(ioctl(ps, SIOCGIFFLAGS, &ifr) == 0);
	ifr.ifr_flags |= IFF_UP;
	CHECK(ioctl(ps, SIOCSIFFLAGS, &ifr) == 0);
	CHECK(ioctl(ps, SIOCGIFINDEX, &ifr) == 0);
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifr.ifr_ifindex;
	CHECK(bind(ps, (struct sockaddr *)&sll, sizeof(sll)) == 0);
	/* Guest -> host: a frame of local experimental ethertype 0x88b5. */
	memset(f, 0, sizeof(f));
	memset(f, 0xff, 6);
	memcpy(f + 6, guest_mac, 6);
	f[12] = 0x88, f[13] = 0xb5;
	memcpy(f + 14, "gamut-tap-test", 14);
	iov = (struct iovec){ f, sizeof(f) };
	CHECK(net_send(nb, &iov, 1) == 0);
	for (int i = 0; i < 50 && !ok; i++) {
		ssize_t n = recv(ps, got, sizeof(got), MSG_DONTWAIT);

		if (n == sizeof(f) && !memcmp(got, f, sizeof(f)))
			ok = 1;
		else if (n < 0)
			usleep(10000);
	}
	CHECK(ok);
	/* Host -> guest: sent on the interface, read by the backend. */
	memcpy(f + 14, "host-to-guest!", 14);
	CHECK(send(ps, f, sizeof(f), 0) == sizeof(f));
	run_until_caught(&loop);
	CHECK_EQ(c.len, sizeof(f));
	CHECK(!memcmp(c.frame + 14, "host-to-guest!", 14));
	close(ps);
	net_close(nb);
	evloop_destroy(&loop);
}

TEST(net_tap_error_names_the_interface)
{
	static struct evloop loop;
	struct net_config cfg = { .kind = NET_TAP, .ifname = "this-name-is-too-long" };
	struct gerr err;

	CHECK(evloop_init(&loop, &err) == 0);
	CHECK(net_open(&cfg, &loop, catch_rx, NULL, &err) == NULL);
	CHECK(!strncmp(err.msg, "net tap:this-name-is-too-long: ", 31));
	/* The kernel refuses the name (as root), or /dev/net/tun is closed to
	 * us: either way one line that names the TAP. */
	cfg.ifname = "bad/name";
	CHECK(net_open(&cfg, &loop, catch_rx, NULL, &err) == NULL);
	CHECK(!strncmp(err.msg, "net tap:bad/name: cannot create TAP: ", 37));
	evloop_destroy(&loop);
}
