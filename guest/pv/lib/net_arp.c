/* ARP for the SDK's IPv4 stack: answers requests for our address, learns
 * neighbours from the requests and replies it sees, and asks for a
 * neighbour it must send to but does not know (RFC 826, Ethernet/IPv4). */
#include <string.h>

#include "net_ip.h"

#define ARP_LEN	  28
#define ARP_REQUEST 1
#define ARP_REPLY   2

static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

void arp_learn(struct pv_ip *ip, const uint8_t addr[4], const uint8_t mac[6])
{
	struct arp_entry *victim = &ip->arp[0];

	if (mac[0] & 1) /* never a multicast or broadcast address */
		return;
	for (unsigned i = 0; i < ARP_ENTRIES; i++) {
		struct arp_entry *e = &ip->arp[i];

		if (e->used && !memcmp(e->ip, addr, 4)) {
			memcpy(e->mac, mac, 6);
			e->used = ++ip->ticks;
			return;
		}
		if (e->used < victim->used)
			victim = e;
	}
	memcpy(victim->ip, addr, 4);
	memcpy(victim->mac, mac, 6);
	victim->used = ++ip->ticks;
}

/* Builds an ARP packet in ip->tx and sends it. */
static void arp_send(struct pv_ip *ip, uint16_t op, const uint8_t eth_dst[6],
		     const uint8_t tha[6], const uint8_t tpa[4])
{
	uint8_t *f = ip->tx, *a = f + ETH_HLEN;

	memcpy(f, eth_dst, 6);
	memcpy(f + 6, ip->mac, 6);
	net_put16(f + 12, ETH_P_ARP);
	net_put16(a, 1);	/* Ethernet */
	net_put16(a + 2, ETH_P_IP);
	a[4] = 6;
	a[5] = 4;
	net_put16(a + 6, op);
	memcpy(a + 8, ip->mac, 6);
	memcpy(a + 14, ip->addr, 4);
	memcpy(a + 18, tha, 6);
	memcpy(a + 24, tpa, 4);
	net_send_frame(ip, ETH_HLEN + ARP_LEN);
}

void arp_input(struct pv_ip *ip, const uint8_t *f, size_t len)
{
	const uint8_t *a = f + ETH_HLEN;
	uint16_t op;

	if (len < ETH_HLEN + ARP_LEN || net_get16(a) != 1 || net_get16(a + 2) != ETH_P_IP ||
	    a[4] != 6 || a[5] != 4) {
		ip->stats.rx_dropped++;
		return;
	}
	op = net_get16(a + 6);
	if (memcmp(a + 24, ip->addr, 4)) /* not about us */
		return;
	arp_learn(ip, a + 14, a + 8);
	if (op == ARP_REQUEST) { /* f is ip->rx: building in ip->tx keeps it */
		arp_send(ip, ARP_REPLY, a + 8, a + 8, a + 14);
		ip->stats.arp_replies++;
	}
}

const uint8_t *arp_resolve(struct pv_ip *ip, const uint8_t addr[4])
{
	static const uint8_t zero[6];

	for (unsigned i = 0; i < ARP_ENTRIES; i++) {
		struct arp_entry *e = &ip->arp[i];

		if (e->used && !memcmp(e->ip, addr, 4)) {
			e->used = ++ip->ticks;
			return e->mac;
		}
	}
	/* The caller's packet in ip->tx is overwritten and dropped: TCP
	 * rebuilds its segments from the send buffer when it retransmits. */
	arp_send(ip, ARP_REQUEST, broadcast, zero, addr);
	return NULL;
}
