/* A minimal IPv4 stack for PV guest servers (docs/pv-abi.md section 8),
 * on top of a pv_net device's raw Ethernet frames.  It answers ARP for
 * its one address, replies to ICMP echo, and serves TCP on one listening
 * port with one connection at a time.  Everything runs inside the calls
 * below (there are no interrupts in a PV guest): a call that waits keeps
 * receiving frames and running the retransmission timer meanwhile.
 *
 * What the TCP does: passive open (SYN, SYN-ACK with an MSS option),
 * in-order data both ways (out-of-order segments are dropped and answered
 * with a duplicate ACK, so the peer retransmits), flow control by the
 * peer's window and our receive buffer, FIN in both directions,
 * retransmission of our unacknowledged segments on a timer (RFC 6298 RTO
 * from measured round trips, 200 ms minimum, doubling per timeout, the
 * connection aborted with a RST after PV_TCP_RETRIES_MAX timeouts in a
 * row, resending from the oldest unacknowledged byte with a window that
 * restarts at one segment and grows by one per ACK), sender-side silly
 * window avoidance with Nagle's rule (lifted once the application closes),
 * zero-window probes, RST both ways.
 *
 * Limits, by design: IPv4 only, no IP fragments (dropped), one address,
 * no routing (replies go to the sender's MAC, learned from its frames; an
 * unknown neighbour gets an ARP request and the segment is retransmitted
 * later), no TCP options but MSS (no window scaling: windows up to 64 KiB,
 * no SACK, no timestamps), no congestion control but that restart after a
 * timeout (meant for a LAN or a TAP link), no fast retransmit, no delayed
 * ACKs, no urgent data, no active open.  A SYN that arrives while a
 * connection is established is dropped (the client's SYN retransmission
 * finds the port free later); one that arrives while the connection is
 * half-open (SYN-ACK sent, no ACK yet) replaces it.  After both FINs are
 * acknowledged the port takes the next client at once; instead of a full
 * TIME_WAIT the old connection's late segments are absorbed for 2 s (a
 * retransmitted FIN gets its ACK again) rather than answered with RST. */
#ifndef GAMUT_PV_TCPIP_H
#define GAMUT_PV_TCPIP_H

#include <gamut/pv.h>

/* Errors beyond the PV_E* set (returned negated). */
#define PV_TCP_ERESET	  104 /* the peer reset the connection */
#define PV_TCP_ETIMEDOUT  110 /* a deadline passed, or retransmissions gave up */
#define PV_TCP_ENOTCONN	  107 /* no connection */
#define PV_TCP_RETRIES_MAX 10

struct pv_ip;

struct pv_ip_stats {
	uint64_t rx_frames, tx_frames, rx_dropped;
	uint64_t arp_replies, icmp_echoes;
	uint64_t tcp_segs_in, tcp_segs_out, tcp_retransmits, tcp_resets_sent;
};

/* The stack for addr (four bytes, most significant first) on net. */
struct pv_ip *pv_ip_open(struct pv_net *net, const uint8_t addr[4]);
/* Handles the frames that arrive and the timers that expire until
 * monotonic deadline_ns, or returns early after handling one frame. */
void pv_ip_poll(struct pv_ip *ip, uint64_t deadline_ns);
const struct pv_ip_stats *pv_ip_stats(const struct pv_ip *ip);

/* TCP: listens on port (one port; 0 or -PV_EINVAL). */
int pv_tcp_listen(struct pv_ip *ip, uint16_t port);
/* Waits until a client's connection is established: 0, or
 * -PV_TCP_ETIMEDOUT at deadline_ns.  peer (may be NULL) gets its address. */
int pv_tcp_accept(struct pv_ip *ip, uint64_t deadline_ns, uint8_t peer[4], uint16_t *peer_port);
/* Receives up to cap bytes: the count, 0 once the peer has sent FIN and
 * everything before it was read, or -PV_TCP_E* (ETIMEDOUT at deadline_ns). */
long pv_tcp_recv(struct pv_ip *ip, void *buf, size_t cap, uint64_t deadline_ns);
/* Queues all len bytes for sending, waiting for buffer space as the peer
 * acknowledges: len, or -PV_TCP_E* when the connection failed. */
long pv_tcp_send(struct pv_ip *ip, const void *buf, size_t len);
/* Sends FIN after the queued data and waits (at most linger_ms) until
 * both sides' FINs are acknowledged; then, or at once on timeout with a
 * RST, the listening port takes the next client.  0 or -PV_TCP_E*. */
int pv_tcp_close(struct pv_ip *ip, unsigned linger_ms);

#endif
