/* PV network devices over a real TAP device, without a CPU backend: frames
 * the "guest" puts on the TX ring reach the host's side of the TAP, and a
 * frame the host sends fills a posted RX buffer through the event loop.
 * Skips without root and /dev/net/tun. */
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../harness.h"
#include "test_pv_fixture.h"

#define TX_RING 0x220000ull
#define RX_RING 0x230000ull
#define ETHERTYPE_TEST 0x88b5 /* IEEE local experimental */

static struct pvt t;
static char ifname[IFNAMSIZ];

static int64_t call(unsigned nr, void *blk, size_t len)
{
	gmem_write(&t.vm->mem, PVT_ARG, blk, len);
	pvt_call(&t, nr, PVT_ARG);
	gmem_read(&t.vm->mem, PVT_ARG, blk, len);
	return *(int64_t *)blk;
}

/* The host's end: link up, IPv6 off (no noise frames), a packet socket. */
static int host_side(void)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_ll sll = { 0 };
	char path[128];
	FILE *f;
	int s = socket(AF_INET, SOCK_DGRAM, 0), p;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	if ((f = fopen(path, "w"))) {
		fputs("1", f);
		fclose(f);
	}
	strcpy(ifr.ifr_name, ifname);
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return -1;
	close(s);
	p = socket(AF_PACKET, SOCK_RAW, htons(ETHERTYPE_TEST));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETHERTYPE_TEST);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (p < 0 || bind(p, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return -1;
	return p;
}

static size_t frame(uint8_t *f, const uint8_t *dst, const uint8_t *src, const char *text)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = ETHERTYPE_TEST >> 8;
	f[13] = ETHERTYPE_TEST & 0xff;
	memset(f + 14, 0, 46);
	strcpy((char *)f + 14, text);
	return 60;
}

static void *loop_thread(void *arg)
{
	struct gerr err;

	(void)arg;
	evloop_run(&t.vm->loop, &err);
	return NULL;
}

TEST(pv_net_tap_tx_and_rx)
{
	static const struct pvt_dev devs[] = { { PV_DEV_NET, "lan" } };
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static uint8_t img[PVT_IMG_SIZE];
	struct pv_hc_device_info di = { 0 };
	struct pv_hc_ring_setup rs = { 0, 0, PV_QUEUE_TX, TX_RING, 3, 0 };
	struct pv_hc_ring_notify nt = { 0, 0, PV_QUEUE_TX };
	struct pv_net_req req;
	struct pv_net_rsp rsp;
	uint8_t f[2048], host_mac[6] = { 0x02, 0, 0, 0, 0, 1 };
	struct pollfd pfd;
	pthread_t loop;
	uint32_t rsp_prod = 0;
	uint64_t word = 0;
	int pkt, got = 0;

	if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) < 0)
		SKIP("needs root and /dev/net/tun");
	snprintf(ifname, sizeof(ifname), "pvu%d", (int)getpid() % 100000);
	CHECK(pvt_init(&t) == 0);
	t.vm->cfg.net[0] = (struct net_config){ .kind = NET_TAP, .ifname = ifname, .name = "lan" };
	t.vm->cfg.nr_nets = 1;
	CHECK(pvt_load(&t, img, pvt_image(img, devs, 1)) == 0);
	CHECK((pkt = host_side()) >= 0);
	CHECK_EQ(call(PV_HC_DEVICE_INFO, &di, sizeof(di)), 0);
	CHECK(di.type == PV_DEV_NET && di.mtu == 1500 && di.mac[0] == 0x52);

	/* TX: one good frame, one too short, one from gamut's page tables. */
	CHECK_EQ(call(PV_HC_RING_SETUP, &rs, sizeof(rs)), 0);
	gmem_write(&t.vm->mem, PVT_BUF, f, frame(f, bcast, di.mac, "gamut-pv-tx"));
	req = (struct pv_net_req){ 1, PVT_BUF, 60, 0 };
	gmem_write(&t.vm->mem, TX_RING + 64, &req, sizeof(req));
	req = (struct pv_net_req){ 2, PVT_BUF, 10, 0 };
	gmem_write(&t.vm->mem, TX_RING + 128, &req, sizeof(req));
	req = (struct pv_net_req){ 3, PVT_MEM - 0x1000, 60, 0 };
	gmem_write(&t.vm->mem, TX_RING + 192, &req, sizeof(req));
	gmem_write_u32(&t.vm->mem, TX_RING, 3);
	CHECK_EQ(call(PV_HC_RING_NOTIFY, &nt, sizeof(nt)), 0);
	gmem_read(&t.vm->mem, TX_RING + 64, &rsp, sizeof(rsp));
	CHECK_EQ(rsp.status, 0);
	gmem_read(&t.vm->mem, TX_RING + 128, &rsp, sizeof(rsp));
	CHECK_EQ(rsp.status, -PV_EINVAL);
	gmem_read(&t.vm->mem, TX_RING + 192, &rsp, sizeof(rsp));
	CHECK_EQ(rsp.status, -PV_EFAULT);
	pfd = (struct pollfd){ pkt, POLLIN, 0 };
	while (!got && poll(&pfd, 1, 2000) > 0) {
		ssize_t n = recv(pkt, f, sizeof(f), 0);

		got = n >= 60 && !strcmp((char *)f + 14, "gamut-pv-tx");
	}
	CHECK(got);

	/* RX: post two buffers, ask for the event, let the host send. */
	rs = (struct pv_hc_ring_setup){ 0, 0, PV_QUEUE_RX, RX_RING, 3, 0 };
	CHECK_EQ(call(PV_HC_RING_SETUP, &rs, sizeof(rs)), 0);
	for (uint64_t i = 0; i < 2; i++) {
		req = (struct pv_net_req){ i, PVT_BUF + 0x1000 * (i + 1), 2048, 0 };
		gmem_write(&t.vm->mem, RX_RING + 64 + 64 * i, &req, sizeof(req));
	}
	gmem_write_u32(&t.vm->mem, RX_RING, 2);
	gmem_write_u32(&t.vm->mem, RX_RING + 12, 1); /* wake me for response 1 */
	nt.queue = PV_QUEUE_RX;
	CHECK_EQ(call(PV_HC_RING_NOTIFY, &nt, sizeof(nt)), 0);
	CHECK(pthread_create(&loop, NULL, loop_thread, NULL) == 0);
	CHECK(send(pkt, f, frame(f, di.mac, host_mac, "gamut-pv-rx"), 0) == 60);
	for (int i = 0; i < 200 && rsp_prod == 0; i++) {
		usleep(10000);
		gmem_read_u32(&t.vm->mem, RX_RING + 8, &rsp_prod);
	}
	evloop_quit(&t.vm->loop);
	pthread_join(loop, NULL);
	CHECK_EQ(rsp_prod, 1);
	gmem_read(&t.vm->mem, RX_RING + 64, &rsp, sizeof(rsp));
	CHECK(rsp.status == 0 && rsp.id == 0 && rsp.len == 60);
	gmem_read(&t.vm->mem, PVT_BUF + 0x1000, f, 60);
	CHECK(!strcmp((char *)f + 14, "gamut-pv-rx"));
	gmem_read_u64(&t.vm->mem, PV_SHARED_GPA, &word);
	CHECK(word & PV_EVENT_DEVICE(0));
	close(pkt);
	pvt_fini(&t);
}
