/* A network echo server reachable from the host: answers ARP for its
 * address and echoes every UDP datagram sent to port 7; a datagram "quit"
 * ends it with status 0.
 *   ip tuntap add pv0 mode tap   (or let gamut create it)
 *   build/gamut run --mode pv --kernel udpecho.pv --net lan=tap:pv0 \
 *       --cmdline 10.0.77.2 &
 *   ip addr add 10.0.77.1/24 dev pv0; ip link set pv0 up
 *   echo hi | nc -u -w1 10.0.77.2 7 */
#include <gamut/pv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

PV_MANIFEST(PV_NET("lan"));

static uint8_t mac[6], ip[4] = { 10, 0, 77, 2 };

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t ip_checksum(const uint8_t *h, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += be16(h + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void parse_ip(const char *s)
{
	for (int i = 0; i < 4 && *s; i++) {
		char *end;

		ip[i] = (uint8_t)strtol(s, &end, 10);
		s = *end == '.' ? end + 1 : end;
	}
}

/* ARP request for our address: answer in place. */
static int arp(struct pv_net *n, uint8_t *f, int len)
{
	uint8_t *a = f + 14;

	if (len < 42 || be16(a + 6) != 1 || memcmp(a + 24, ip, 4))
		return 0;
	memcpy(f, f + 6, 6);
	memcpy(f + 6, mac, 6);
	put16(a + 6, 2);
	memcpy(a + 18, a + 8, 10); /* target = the asker */
	memcpy(a + 8, mac, 6);
	memcpy(a + 14, ip, 4);
	return pv_net_send(n, f, 42);
}

/* UDP to port 7: swap addresses and ports and send it back. */
static int udp(struct pv_net *n, uint8_t *f, int len, int *quit)
{
	uint8_t *h = f + 14, tmp[6], *u;
	int hl = (h[0] & 15) * 4, total;

	if (len < 34 || (h[0] >> 4) != 4 || h[9] != 17 || memcmp(h + 16, ip, 4))
		return 0;
	total = be16(h + 2);
	u = h + hl;
	if (14 + total > len || hl < 20 || be16(u + 2) != 7)
		return 0;
	*quit = be16(u + 4) == 8 + 4 && !memcmp(u + 8, "quit", 4);
	memcpy(tmp, f, 6);
	memcpy(f, f + 6, 6);
	memcpy(f + 6, tmp, 6);
	memcpy(tmp, h + 12, 4);
	memcpy(h + 12, h + 16, 4);
	memcpy(h + 16, tmp, 4);
	memcpy(tmp, u, 2);
	memcpy(u, u + 2, 2);
	memcpy(u + 2, tmp, 2);
	put16(u + 6, 0); /* no UDP checksum (allowed for IPv4) */
	h[8] = 64;
	put16(h + 10, 0);
	put16(h + 10, ip_checksum(h, (size_t)hl));
	return pv_net_send(n, f, (size_t)(14 + total));
}

int main(int argc, char **argv)
{
	struct pv_net *n = pv_net_open("lan");
	uint8_t frame[PV_NET_FRAME_MAX];
	int quit = 0, echoed = 0;

	if (argc > 1)
		parse_ip(argv[1]);
	if (!n) {
		fprintf(stderr, "udpecho: no net device 'lan'\n");
		return 2;
	}
	pv_net_mac(n, mac);
	printf("udpecho: %d.%d.%d.%d port 7, mac %02x:%02x:%02x:%02x:%02x:%02x\n",
	       ip[0], ip[1], ip[2], ip[3], mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	while (!quit) {
		int len = pv_net_recv(n, frame, sizeof(frame), PV_DEADLINE_NEVER);

		if (len < 14)
			continue;
		if (be16(frame + 12) == 0x0806)
			arp(n, frame, len);
		else if (be16(frame + 12) == 0x0800 && udp(n, frame, len, &quit) == 0 && !quit)
			echoed++;
	}
	printf("udpecho: echoed %d datagrams, quitting\n", echoed);
	return 0;
}
