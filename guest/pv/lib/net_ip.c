/* IPv4 and ICMP echo for the SDK's stack (gamut/pv_tcpip.h): checks each
 * received header (RFC 791: version, length, checksum, our address, no
 * fragments), hands TCP to net_tcp.c and ARP to net_arp.c, answers echo
 * requests, and frames what the stack sends. */
#include <stdlib.h>
#include <string.h>

#include "net_ip.h"

uint32_t net_sum(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t acc = sum;
	size_t i = 0;

	/* Big-endian 32-bit words at a time: 2^16 = 1 modulo 0xffff, so a
	 * word counts as its two 16-bit halves (RFC 1071 2(C)). */
	for (; i + 4 <= len; i += 4)
		acc += net_get32(p + i);
	for (; i + 1 < len; i += 2)
		acc += net_get16(p + i);
	if (i < len)
		acc += (uint32_t)p[i] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint32_t)acc;
}

uint16_t net_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int net_send_frame(struct pv_ip *ip, size_t len)
{
	int r = pv_net_send(ip->net, ip->tx, len);

	if (r == 0)
		ip->stats.tx_frames++;
	return r;
}

int ip_output(struct pv_ip *ip, const uint8_t dst[4], uint8_t proto, size_t len)
{
	uint8_t *f = ip->tx, *h = f + ETH_HLEN;
	const uint8_t *mac = arp_resolve(ip, dst);

	if (!mac)
		return -PV_ENOENT;
	memcpy(f, mac, 6);
	memcpy(f + 6, ip->mac, 6);
	net_put16(f + 12, ETH_P_IP);
	h[0] = 0x45;
	h[1] = 0;
	net_put16(h + 2, (uint16_t)(IP_HLEN + len));
	net_put16(h + 4, ip->ip_id++);
	net_put16(h + 6, 0x4000); /* DF: we never fragment */
	h[8] = 64;
	h[9] = proto;
	net_put16(h + 10, 0);
	memcpy(h + 12, ip->addr, 4);
	memcpy(h + 16, dst, 4);
	net_put16(h + 10, net_fold(net_sum(0, h, IP_HLEN)));
	return net_send_frame(ip, ETH_HLEN + IP_HLEN + len);
}

/* Echo request -> echo reply with the same identifier, sequence and data. */
static void icmp_input(struct pv_ip *ip, const uint8_t *iph, const uint8_t *m, size_t len)
{
	uint8_t *out = ip->tx + ETH_HLEN + IP_HLEN;

	if (len < 8 || net_fold(net_sum(0, m, len)) != 0 || m[0] != 8 || m[1] != 0 ||
	    len > PV_NET_FRAME_MAX - ETH_HLEN - IP_HLEN) {
		ip->stats.rx_dropped++;
		return;
	}
	memcpy(out, m, len);
	out[0] = 0; /* echo reply */
	net_put16(out + 2, 0);
	net_put16(out + 2, net_fold(net_sum(0, out, len)));
	if (ip_output(ip, iph + 12, IPPROTO_ICMP, len) == 0)
		ip->stats.icmp_echoes++;
}

static void ip_input(struct pv_ip *ip, const uint8_t *f, size_t len)
{
	const uint8_t *h = f + ETH_HLEN;
	size_t hl, total;

	if (len < ETH_HLEN + IP_HLEN || (h[0] >> 4) != 4)
		goto drop;
	hl = (size_t)(h[0] & 15) * 4;
	total = net_get16(h + 2);
	if (hl < IP_HLEN || total < hl || total > len - ETH_HLEN ||
	    net_fold(net_sum(0, h, hl)) != 0)
		goto drop;
	if (memcmp(h + 16, ip->addr, 4))
		return; /* not ours (no forwarding, no broadcast services) */
	if (net_get16(h + 6) & 0x3fff) /* MF or a fragment offset */
		goto drop;
	/* The sender is a neighbour: replies go to the MAC it came from. */
	arp_learn(ip, h + 12, f + 6);
	if (h[9] == IPPROTO_ICMP)
		icmp_input(ip, h, h + hl, total - hl);
	else if (h[9] == IPPROTO_TCP)
		tcp_input(ip, h, h + hl, total - hl);
	return;
drop:
	ip->stats.rx_dropped++;
}

struct pv_ip *pv_ip_open(struct pv_net *net, const uint8_t addr[4])
{
	struct pv_ip *ip = calloc(1, sizeof(*ip));

	if (!ip)
		return NULL;
	ip->net = net;
	pv_net_mac(net, ip->mac);
	memcpy(ip->addr, addr, 4);
	ip->now = pv_monotonic_ns();
	ip->ip_id = (uint16_t)ip->now;
	return ip;
}

void pv_ip_poll(struct pv_ip *ip, uint64_t deadline_ns)
{
	uint64_t t = tcp_next_timer(ip);
	int len;

	if (t > deadline_ns)
		t = deadline_ns;
	len = pv_net_recv(ip->net, ip->rx, sizeof(ip->rx), t);
	ip->now = pv_monotonic_ns(); /* for round-trip samples and timers */
	if (len >= ETH_HLEN) {
		ip->stats.rx_frames++;
		if (net_get16(ip->rx + 12) == ETH_P_ARP)
			arp_input(ip, ip->rx, (size_t)len);
		else if (net_get16(ip->rx + 12) == ETH_P_IP)
			ip_input(ip, ip->rx, (size_t)len);
	}
	tcp_timer(ip);
}

const struct pv_ip_stats *pv_ip_stats(const struct pv_ip *ip)
{
	return &ip->stats;
}
