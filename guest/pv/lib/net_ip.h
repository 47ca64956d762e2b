/* Internal to the SDK's IPv4 stack (gamut/pv_tcpip.h): the stack state
 * shared by net_arp.c, net_ip.c and net_tcp.c, and their entry points. */
#ifndef GAMUT_PV_NET_IP_H
#define GAMUT_PV_NET_IP_H

#include <gamut/pv_tcpip.h>
#include <stdbool.h>

#define ETH_HLEN     14
#define IP_HLEN	     20
#define ETH_P_IP     0x0800
#define ETH_P_ARP    0x0806
#define IPPROTO_ICMP 1
#define IPPROTO_TCP  6
#define ARP_ENTRIES  8
/* Room for a TCP header with the MSS option in the transmit frame. */
#define TCP_PAYLOAD_MAX (PV_NET_FRAME_MAX - ETH_HLEN - IP_HLEN - 20)

struct arp_entry {
	uint8_t ip[4], mac[6];
	uint64_t used; /* ticks of last use: the oldest is replaced */
};

enum tcp_state {
	TCP_CLOSED,	 /* no connection: the listening port is free */
	TCP_SYN_RCVD,
	TCP_ESTABLISHED,
	TCP_CLOSE_WAIT,	 /* the peer sent FIN */
	TCP_LAST_ACK,	 /* ... and we sent ours */
	TCP_FIN_WAIT_1,	 /* we sent FIN */
	TCP_FIN_WAIT_2,	 /* ... the peer acknowledged it */
	TCP_CLOSING,	 /* both sent FIN, ours not yet acknowledged */
};

struct tcp_conn {
	enum tcp_state state;
	int error;	 /* why the last connection ended abnormally, or 0 */
	bool accepted;	 /* handed to the application by pv_tcp_accept */
	uint8_t rip[4];
	uint16_t rport;
	/* send side: sbuf holds the bytes from sequence number sbase on,
	 * sent or not; snd_max is the highest sequence number sent. */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, sbase;
	uint32_t cwnd; /* the full buffer, or less while recovering from a timeout */
	uint32_t max_wnd; /* the largest window the peer offered */
	uint16_t mss;
	bool fin_queued; /* the application closed: FIN follows the data */
	uint8_t *sbuf;
	uint32_t shead, slen; /* a ring: slen bytes from index shead */
	/* receive side: rbuf is a ring of unread bytes */
	uint32_t rcv_nxt;
	uint8_t *rbuf;
	uint32_t rhead, rlen;
	uint32_t rwnd_adv; /* the window our last segment advertised */
	bool peer_fin, ack_now;
	/* retransmission (RFC 6298), in microseconds */
	uint64_t rto_at;    /* monotonic ns; 0: timer off */
	uint32_t rto_us;
	int32_t srtt_us, rttvar_us;
	bool rtt_timing;
	uint32_t rtt_seq;
	uint64_t rtt_start;
	unsigned retries;
};

/* The last connection that ended cleanly, for TCP_TIME_WAIT_NS: its stray
 * segments are absorbed (a FIN is acknowledged again) instead of reset. */
struct tcp_time_wait {
	uint8_t rip[4];
	uint16_t rport;
	uint32_t snd_nxt, rcv_nxt;
	uint64_t until; /* monotonic ns; 0: none */
};

struct pv_ip {
	struct pv_net *net;
	uint8_t mac[6], addr[4];
	uint16_t ip_id;
	uint64_t ticks;
	uint64_t now; /* monotonic ns, read once per frame or call */
	struct arp_entry arp[ARP_ENTRIES];
	uint16_t listen_port;
	struct tcp_conn tcp;
	struct tcp_time_wait tw;
	struct pv_ip_stats stats;
	uint8_t rx[PV_NET_FRAME_MAX];
	uint8_t tx[PV_NET_FRAME_MAX];
};

static inline uint16_t net_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t net_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void net_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void net_put32(uint8_t *p, uint32_t v)
{
	net_put16(p, (uint16_t)(v >> 16));
	net_put16(p + 2, (uint16_t)v);
}

/* net_ip.c */
/* The one's-complement sum of len bytes added to sum, not yet folded. */
uint32_t net_sum(uint32_t sum, const uint8_t *p, size_t len);
uint16_t net_fold(uint32_t sum);
/* Sends the len payload bytes already at ip->tx + ETH_HLEN + IP_HLEN to
 * dst as protocol proto; 0 or -PV_E* (no neighbour yet: ARP asked). */
int ip_output(struct pv_ip *ip, const uint8_t dst[4], uint8_t proto, size_t len);
int net_send_frame(struct pv_ip *ip, size_t len);

/* net_arp.c */
void arp_input(struct pv_ip *ip, const uint8_t *f, size_t len);
void arp_learn(struct pv_ip *ip, const uint8_t addr[4], const uint8_t mac[6]);
/* The MAC for addr, or NULL after sending an ARP request for it. */
const uint8_t *arp_resolve(struct pv_ip *ip, const uint8_t addr[4]);

/* net_tcp.c */
void tcp_input(struct pv_ip *ip, const uint8_t *iph, const uint8_t *seg, size_t len);
/* Retransmits when the timer (at ip->now) has expired. */
void tcp_timer(struct pv_ip *ip);
/* The monotonic time the TCP timer wants to run at, or PV_DEADLINE_NEVER. */
uint64_t tcp_next_timer(const struct pv_ip *ip);

#endif
