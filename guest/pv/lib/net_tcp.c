/* TCP for the SDK's IPv4 stack: a server side with one listening port and
 * one connection at a time (RFC 793/9293 passive open, in-order data,
 * FIN both ways, RFC 6298 retransmission).  The limits are listed in
 * gamut/pv_tcpip.h.  The send buffer keeps every byte until the peer
 * acknowledges it, so a timeout simply goes back to the oldest unacked
 * byte and sends again from there, one segment and then a window growing
 * by a segment per ACK (slow start, RFC 5681 3.1, the only congestion
 * control here). */
#include <stdlib.h>
#include <string.h>

#include "net_ip.h"

#define TCP_HLEN    20
#define TCP_FIN	    0x01
#define TCP_SYN	    0x02
#define TCP_RST	    0x04
#define TCP_PSH	    0x08
#define TCP_ACK	    0x10
#define SBUF_SIZE   65536u /* powers of two: rings */
#define RBUF_SIZE   16384u
#define MSS_DEFAULT 536	   /* RFC 9293 3.7.1, when the SYN has no MSS option */
#define MSS_OURS    1460
#define RTO_INIT_US 1000000u
#define RTO_MIN_US  200000u /* Linux's minimum, not RFC 6298's 1 s: a LAN */
#define RTO_MAX_US  60000000u
#define TCP_TIME_WAIT_NS 2000000000ull

static bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static bool seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static uint16_t tcp_checksum(const uint8_t src[4], const uint8_t dst[4], const uint8_t *seg,
			     size_t len)
{
	uint32_t sum = net_sum(net_sum(0, src, 4), dst, 4);

	return net_fold(net_sum(sum + IPPROTO_TCP + (uint32_t)len, seg, len));
}

/* Fills the header at the TCP position of ip->tx (the data, dlen bytes
 * after a header of hl bytes, is already there) and sends it. */
static int tcp_emit_raw(struct pv_ip *ip, const uint8_t dst[4], uint16_t sport, uint16_t dport,
			uint32_t seq, uint32_t ack, uint8_t flags, uint16_t wnd, size_t hl,
			size_t dlen)
{
	uint8_t *t = ip->tx + ETH_HLEN + IP_HLEN;

	net_put16(t, sport);
	net_put16(t + 2, dport);
	net_put32(t + 4, seq);
	net_put32(t + 8, ack);
	t[12] = (uint8_t)(hl / 4 << 4);
	t[13] = flags;
	net_put16(t + 14, wnd);
	net_put32(t + 16, 0); /* checksum, urgent pointer */
	net_put16(t + 16, tcp_checksum(ip->addr, dst, t, hl + dlen));
	ip->stats.tcp_segs_out++;
	return ip_output(ip, dst, IPPROTO_TCP, hl + dlen);
}

/* One segment of the connection: dlen bytes of the send buffer from
 * sequence number seq on (SYN and FIN carry none). */
static void tcp_emit(struct pv_ip *ip, struct tcp_conn *c, uint32_t seq, uint8_t flags,
		     uint32_t dlen)
{
	uint8_t *t = ip->tx + ETH_HLEN + IP_HLEN;
	size_t hl = TCP_HLEN;

	if (flags & TCP_SYN) { /* our MSS option */
		t[20] = 2;
		t[21] = 4;
		net_put16(t + 22, MSS_OURS);
		hl += 4;
	}
	if (dlen) {
		uint32_t at = (c->shead + (seq - c->sbase)) & (SBUF_SIZE - 1);
		uint32_t first = min_u32(dlen, SBUF_SIZE - at);

		memcpy(t + hl, c->sbuf + at, first);
		memcpy(t + hl + first, c->sbuf, dlen - first);
	}
	c->rwnd_adv = RBUF_SIZE - c->rlen;
	tcp_emit_raw(ip, c->rip, ip->listen_port, c->rport, seq, c->rcv_nxt, flags | TCP_ACK,
		     (uint16_t)c->rwnd_adv, hl, dlen);
	c->ack_now = false;
}

/* RFC 9293 3.10.7.1: the answer to a segment for no connection. */
static void tcp_reset_reply(struct pv_ip *ip, const uint8_t *iph, const uint8_t *seg,
			    uint32_t seglen)
{
	uint8_t flags = seg[13];

	if (flags & TCP_ACK)
		tcp_emit_raw(ip, iph + 12, net_get16(seg + 2), net_get16(seg), net_get32(seg + 8), 0,
			     TCP_RST, 0, TCP_HLEN, 0);
	else
		tcp_emit_raw(ip, iph + 12, net_get16(seg + 2), net_get16(seg), 0,
			     net_get32(seg + 4) + seglen, TCP_RST | TCP_ACK, 0, TCP_HLEN, 0);
	ip->stats.tcp_resets_sent++;
}

static void tcp_closed(struct tcp_conn *c, int error)
{
	c->state = TCP_CLOSED;
	c->error = error;
	c->rto_at = 0;
}

static void tcp_abort(struct pv_ip *ip, struct tcp_conn *c, int error)
{
	tcp_emit_raw(ip, c->rip, ip->listen_port, c->rport, c->snd_nxt, c->rcv_nxt,
		     TCP_RST | TCP_ACK, 0, TCP_HLEN, 0);
	ip->stats.tcp_resets_sent++;
	tcp_closed(c, error);
}

static uint32_t tcp_unsent(const struct tcp_conn *c)
{
	uint32_t off = c->snd_nxt - c->sbase;

	return seq_lt(c->snd_nxt, c->sbase) || off >= c->slen ? 0 : c->slen - off;
}

static bool tcp_fin_acked(const struct tcp_conn *c)
{
	return c->fin_queued && c->snd_una == c->sbase + c->slen + 1;
}

static void tcp_arm(struct pv_ip *ip, struct tcp_conn *c)
{
	if (!c->rto_at)
		c->rto_at = ip->now + (uint64_t)c->rto_us * 1000;
}

/* Sender-side silly window avoidance (RFC 9293 3.8.6.2.1, with Nagle's
 * rule): a segment shorter than the MSS goes out only when it carries all
 * queued data and nothing is in flight (or the application has closed,
 * so nothing more will follow), or when it fills half the largest window
 * the peer offered; the timer (force) sends it in any case. */
static bool tcp_worth_sending(const struct tcp_conn *c, uint32_t n, uint32_t avail, bool force)
{
	return force || n == c->mss || n >= c->max_wnd / 2 ||
	       (n == avail && (c->snd_nxt == c->snd_una || c->fin_queued));
}

/* Sends what the state, the send buffer and the peer's window allow, or a
 * bare ACK when one is owed; keeps the timer armed while anything is
 * unacknowledged or waiting to be sent. */
static void tcp_output_segments(struct pv_ip *ip, struct tcp_conn *c, bool force)
{
	bool sent = false;

	if (c->state == TCP_CLOSED)
		return;
	if (c->state == TCP_SYN_RCVD) {
		if (c->snd_nxt == c->iss) {
			tcp_emit(ip, c, c->iss, TCP_SYN, 0);
			c->snd_nxt = c->iss + 1;
			sent = true;
		}
	} else {
		for (;;) {
			uint32_t avail = tcp_unsent(c);
			int32_t room = (int32_t)(c->snd_una + min_u32(c->snd_wnd, c->cwnd) - c->snd_nxt);
			uint32_t n;

			if (!avail || room <= 0)
				break;
			n = min_u32(min_u32(avail, c->mss), (uint32_t)room);
			if (!tcp_worth_sending(c, n, avail, force))
				break;
			force = false; /* one forced segment per timeout */
			if (!c->rtt_timing && c->snd_nxt == c->snd_max) { /* new data: time it */
				c->rtt_timing = true;
				c->rtt_seq = c->snd_nxt + n;
				c->rtt_start = ip->now;
			}
			tcp_emit(ip, c, c->snd_nxt, n == avail ? TCP_PSH : 0, n);
			c->snd_nxt += n;
			if (seq_lt(c->snd_max, c->snd_nxt))
				c->snd_max = c->snd_nxt;
			sent = true;
		}
		if (c->fin_queued && c->snd_nxt == c->sbase + c->slen) {
			tcp_emit(ip, c, c->snd_nxt, TCP_FIN, 0);
			c->snd_nxt++;
			sent = true;
		}
	}
	if (seq_lt(c->snd_max, c->snd_nxt))
		c->snd_max = c->snd_nxt;
	if (!sent && c->ack_now)
		tcp_emit(ip, c, c->snd_nxt, 0, 0);
	if (c->snd_una != c->snd_max || tcp_unsent(c))
		tcp_arm(ip, c);
}

static void tcp_output(struct pv_ip *ip, struct tcp_conn *c)
{
	tcp_output_segments(ip, c, false);
}

/* RFC 6298 2.2-2.4 with one segment timed at a time (Karn: never a
 * retransmitted one). */
static void tcp_rtt_sample(struct tcp_conn *c, uint64_t now)
{
	int32_t r = (int32_t)((now - c->rtt_start) / 1000), rto;

	c->rtt_timing = false;
	if (!c->srtt_us) {
		c->srtt_us = r ? r : 1;
		c->rttvar_us = r / 2;
	} else {
		int32_t d = c->srtt_us - r;

		c->rttvar_us += ((d < 0 ? -d : d) - c->rttvar_us) / 4;
		c->srtt_us += (r - c->srtt_us) / 8;
	}
	rto = c->srtt_us + 4 * c->rttvar_us;
	c->rto_us = rto < (int32_t)RTO_MIN_US ? RTO_MIN_US : rto > (int32_t)RTO_MAX_US ? RTO_MAX_US
										      : (uint32_t)rto;
}

/* The peer acknowledged everything before ack (snd_una < ack <= snd_max). */
static void tcp_acked(struct pv_ip *ip, struct tcp_conn *c, uint32_t ack)
{
	uint32_t n = ack - c->snd_una, d;

	if (c->snd_una == c->iss) /* our SYN */
		n--;
	d = min_u32(n, c->slen);
	c->shead = (c->shead + d) & (SBUF_SIZE - 1);
	c->slen -= d;
	c->sbase += d;
	c->snd_una = ack;
	if (c->cwnd < SBUF_SIZE) /* slow start back to the full window */
		c->cwnd += c->mss;
	if (seq_lt(c->snd_nxt, ack))
		c->snd_nxt = ack;
	if (c->rtt_timing && seq_le(c->rtt_seq, ack))
		tcp_rtt_sample(c, ip->now);
	c->rto_at = 0; /* tcp_output arms it again for what is left */
}

static uint16_t tcp_mss_option(const uint8_t *seg, size_t hl)
{
	for (size_t i = TCP_HLEN; i < hl;) {
		if (seg[i] == 0)
			break;
		if (seg[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= hl || seg[i + 1] < 2 || i + seg[i + 1] > hl)
			break;
		if (seg[i] == 2 && seg[i + 1] == 4)
			return net_get16(seg + i + 2);
		i += seg[i + 1];
	}
	return MSS_DEFAULT;
}

/* A SYN for the listening port while it is free. */
static void tcp_open(struct pv_ip *ip, const uint8_t *iph, const uint8_t *seg, size_t hl)
{
	static uint32_t opens;
	struct tcp_conn *c = &ip->tcp;
	uint16_t mss = tcp_mss_option(seg, hl);

	memcpy(c->rip, iph + 12, 4);
	c->rport = net_get16(seg);
	c->iss = (uint32_t)(ip->now >> 12) + 0x9e3779b9u * ++opens; /* ticks like RFC 9293's clock */
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->sbase = c->iss + 1;
	c->snd_wnd = c->max_wnd = net_get16(seg + 14);
	c->mss = (uint16_t)(mss < 64 ? 64 : mss > TCP_PAYLOAD_MAX ? TCP_PAYLOAD_MAX : mss);
	c->fin_queued = c->peer_fin = c->ack_now = c->rtt_timing = false;
	c->shead = c->slen = c->rhead = c->rlen = 0;
	c->rcv_nxt = net_get32(seg + 4) + 1; /* data on a SYN is dropped */
	c->rto_at = 0;
	c->rto_us = RTO_INIT_US;
	c->cwnd = SBUF_SIZE;
	c->srtt_us = c->rttvar_us = 0;
	c->retries = 0;
	c->error = 0;
	c->state = TCP_SYN_RCVD;
	tcp_output(ip, c);
}

/* Data and FIN at rcv_nxt (the segment was trimmed to start there). */
static void tcp_receive(struct tcp_conn *c, const uint8_t *data, uint32_t dlen, bool fin)
{
	uint32_t room = RBUF_SIZE - c->rlen, n = min_u32(dlen, room);
	uint32_t at = (c->rhead + c->rlen) & (RBUF_SIZE - 1), first = min_u32(n, RBUF_SIZE - at);

	memcpy(c->rbuf + at, data, first);
	memcpy(c->rbuf, data + first, n - first);
	c->rlen += n;
	c->rcv_nxt += n;
	if (fin && n == dlen && !c->peer_fin) {
		c->rcv_nxt++;
		c->peer_fin = true;
		if (c->state == TCP_ESTABLISHED)
			c->state = TCP_CLOSE_WAIT;
		else if (c->state == TCP_FIN_WAIT_1)
			c->state = TCP_CLOSING;
	}
}

/* RFC 9293 3.10.7.4, for a segment of the current connection. */
static void tcp_segment(struct pv_ip *ip, struct tcp_conn *c, const uint8_t *seg, size_t hl,
			size_t len)
{
	uint8_t flags = seg[13];
	uint32_t seq = net_get32(seg + 4), ack = net_get32(seg + 8);
	uint32_t dlen = (uint32_t)(len - hl), seglen = dlen + !!(flags & TCP_SYN) + !!(flags & TCP_FIN);
	uint32_t rwnd = RBUF_SIZE - c->rlen, skip;
	int32_t off = (int32_t)(seq - c->rcv_nxt);
	const uint8_t *data = seg + hl;
	bool ok;

	if (seglen == 0)
		ok = off >= 0 && (uint32_t)off <= rwnd;
	else
		ok = (off >= 0 && (uint32_t)off < (rwnd ? rwnd : 1)) || (off < 0 && off + (int32_t)seglen > 0);
	if (flags & TCP_RST) {
		if (ok)
			tcp_closed(c, PV_TCP_ERESET);
		return;
	}
	if (!ok) {
		if (c->state == TCP_SYN_RCVD && (flags & TCP_SYN) && seq + 1 == c->rcv_nxt)
			c->snd_nxt = c->iss; /* the client did not get our SYN-ACK */
		else
			c->ack_now = true;
		tcp_output(ip, c);
		return;
	}
	if (flags & TCP_SYN) { /* inside the window: a challenge ACK (RFC 5961 4) */
		c->ack_now = true;
		tcp_output(ip, c);
		return;
	}
	if (!(flags & TCP_ACK))
		return;
	if (c->state == TCP_SYN_RCVD) {
		if (ack != c->iss + 1) {
			tcp_emit_raw(ip, c->rip, ip->listen_port, c->rport, ack, 0, TCP_RST, 0, TCP_HLEN, 0);
			ip->stats.tcp_resets_sent++;
			return;
		}
		c->state = TCP_ESTABLISHED;
	}
	if (seq_lt(c->snd_una, ack) && seq_le(ack, c->snd_max)) {
		tcp_acked(ip, c, ack);
	} else if (seq_lt(c->snd_max, ack)) { /* acknowledges what we never sent */
		c->ack_now = true;
		tcp_output(ip, c);
		return;
	}
	if (ack == c->snd_una) {
		c->snd_wnd = net_get16(seg + 14);
		if (c->snd_wnd > c->max_wnd)
			c->max_wnd = c->snd_wnd;
	}
	c->retries = 0; /* the peer is alive */
	if (tcp_fin_acked(c) && c->state == TCP_FIN_WAIT_1)
		c->state = TCP_FIN_WAIT_2;
	/* Data: trim what we already have; keep only what starts at rcv_nxt. */
	if (off < 0) {
		skip = (uint32_t)-off;
		data += skip;
		dlen -= skip < dlen ? skip : dlen;
		off = 0;
	}
	if (dlen || (flags & TCP_FIN))
		c->ack_now = true; /* in order or not: say what we expect */
	if (off == 0 && (c->state == TCP_ESTABLISHED || c->state == TCP_FIN_WAIT_1 ||
			 c->state == TCP_FIN_WAIT_2))
		tcp_receive(c, data, dlen, (flags & TCP_FIN) != 0);
	tcp_output(ip, c);
	/* Both FINs acknowledged: the port is free at once; the old
	 * connection's stray segments are absorbed for a while (see the header). */
	if (c->peer_fin && tcp_fin_acked(c)) {
		memcpy(ip->tw.rip, c->rip, 4);
		ip->tw.rport = c->rport;
		ip->tw.snd_nxt = c->snd_max;
		ip->tw.rcv_nxt = c->rcv_nxt;
		ip->tw.until = ip->now + TCP_TIME_WAIT_NS;
		tcp_closed(c, 0);
	}
}

void tcp_input(struct pv_ip *ip, const uint8_t *iph, const uint8_t *seg, size_t len)
{
	struct tcp_conn *c = &ip->tcp;
	size_t hl;
	uint8_t flags;
	uint16_t dport;

	if (len < TCP_HLEN)
		goto drop;
	hl = (size_t)(seg[12] >> 4) * 4;
	if (hl < TCP_HLEN || hl > len || tcp_checksum(iph + 12, iph + 16, seg, len) != 0)
		goto drop;
	ip->stats.tcp_segs_in++;
	flags = seg[13];
	dport = net_get16(seg + 2);
	if (c->state != TCP_CLOSED && dport == ip->listen_port && c->rport == net_get16(seg) &&
	    !memcmp(c->rip, iph + 12, 4)) {
		tcp_segment(ip, c, seg, hl, len);
		return;
	}
	if (flags & TCP_RST)
		return;
	if (!(flags & TCP_SYN) && ip->now < ip->tw.until && dport == ip->listen_port &&
	    ip->tw.rport == net_get16(seg) && !memcmp(ip->tw.rip, iph + 12, 4)) {
		if (flags & TCP_FIN) /* our last ACK was lost: say it again */
			tcp_emit_raw(ip, ip->tw.rip, ip->listen_port, ip->tw.rport, ip->tw.snd_nxt,
				     ip->tw.rcv_nxt, TCP_ACK, 0, TCP_HLEN, 0);
		return;
	}
	if ((flags & (TCP_SYN | TCP_ACK)) == TCP_SYN && ip->listen_port && dport == ip->listen_port) {
		/* A half-open connection gives way to a new client, so that one
		 * stray SYN cannot hold the port for minutes of SYN-ACK retries. */
		if ((c->state == TCP_CLOSED && !c->accepted) || c->state == TCP_SYN_RCVD)
			tcp_open(ip, iph, seg, hl);
		return; /* busy: the client's retransmitted SYN may find it free */
	}
	tcp_reset_reply(ip, iph, seg,
			(uint32_t)(len - hl) + !!(flags & TCP_SYN) + !!(flags & TCP_FIN));
	return;
drop:
	ip->stats.rx_dropped++;
}

uint64_t tcp_next_timer(const struct pv_ip *ip)
{
	return ip->tcp.state != TCP_CLOSED && ip->tcp.rto_at ? ip->tcp.rto_at : PV_DEADLINE_NEVER;
}

void tcp_timer(struct pv_ip *ip)
{
	struct tcp_conn *c = &ip->tcp;

	if (c->state == TCP_CLOSED || !c->rto_at || ip->now < c->rto_at)
		return;
	c->rto_at = 0;
	if (c->snd_una == c->snd_max && !tcp_unsent(c))
		return;
	if (++c->retries > PV_TCP_RETRIES_MAX) {
		tcp_abort(ip, c, PV_TCP_ETIMEDOUT);
		return;
	}
	c->rto_us = c->rto_us * 2 > RTO_MAX_US ? RTO_MAX_US : c->rto_us * 2;
	c->rtt_timing = false;
	/* Go back to the oldest unacknowledged byte, one segment at first:
	 * the receiver may hold much of what followed, and its next ACK
	 * says how much. */
	c->snd_nxt = c->snd_una;
	c->cwnd = c->mss;
	ip->stats.tcp_retransmits++;
	tcp_output_segments(ip, c, true);
	if (c->state != TCP_SYN_RCVD && c->snd_wnd == 0 && c->snd_una == c->snd_max &&
	    tcp_unsent(c)) {
		/* Zero-window probe: a segment just below the window makes the
		 * peer answer with an ACK carrying its current window. */
		tcp_emit(ip, c, c->snd_una - 1, 0, 0);
		tcp_arm(ip, c);
	}
}

/* ---- the application's side ---- */

int pv_tcp_listen(struct pv_ip *ip, uint16_t port)
{
	struct tcp_conn *c = &ip->tcp;

	if (!port || ip->listen_port)
		return -PV_EINVAL;
	c->sbuf = malloc(SBUF_SIZE);
	c->rbuf = malloc(RBUF_SIZE);
	if (!c->sbuf || !c->rbuf)
		return -PV_ENOMEM;
	ip->listen_port = port;
	return 0;
}

int pv_tcp_accept(struct pv_ip *ip, uint64_t deadline_ns, uint8_t peer[4], uint16_t *peer_port)
{
	struct tcp_conn *c = &ip->tcp;

	if (!ip->listen_port || c->accepted)
		return -PV_EINVAL; /* one connection at a time: close it first */
	for (;;) {
		if (c->state != TCP_CLOSED && c->state != TCP_SYN_RCVD) {
			c->accepted = true;
			if (peer)
				memcpy(peer, c->rip, 4);
			if (peer_port)
				*peer_port = c->rport;
			return 0;
		}
		if (ip->now >= deadline_ns)
			return -PV_TCP_ETIMEDOUT;
		pv_ip_poll(ip, deadline_ns);
	}
}

long pv_tcp_recv(struct pv_ip *ip, void *buf, size_t cap, uint64_t deadline_ns)
{
	struct tcp_conn *c = &ip->tcp;

	if (!c->accepted)
		return -PV_TCP_ENOTCONN;
	for (;;) {
		if (c->rlen && cap) {
			uint32_t n = min_u32(c->rlen, cap > RBUF_SIZE ? RBUF_SIZE : (uint32_t)cap);
			uint32_t first = min_u32(n, RBUF_SIZE - c->rhead);

			memcpy(buf, c->rbuf + c->rhead, first);
			memcpy((uint8_t *)buf + first, c->rbuf, n - first);
			c->rhead = (c->rhead + n) & (RBUF_SIZE - 1);
			c->rlen -= n;
			/* Tell the peer about the space once it is worth a segment or two. */
			if (c->state != TCP_CLOSED && RBUF_SIZE - c->rlen >= c->rwnd_adv + 2u * c->mss) {
				c->ack_now = true;
				tcp_output(ip, c);
			}
			return n;
		}
		if (c->peer_fin)
			return 0;
		if (c->state == TCP_CLOSED)
			return c->error ? -c->error : 0;
		if (ip->now >= deadline_ns)
			return -PV_TCP_ETIMEDOUT;
		pv_ip_poll(ip, deadline_ns);
	}
}

long pv_tcp_send(struct pv_ip *ip, const void *buf, size_t len)
{
	struct tcp_conn *c = &ip->tcp;
	size_t done = 0;

	if (!c->accepted)
		return -PV_TCP_ENOTCONN;
	while (done < len) {
		uint32_t space = SBUF_SIZE - c->slen, n, at, first;

		if (c->fin_queued || (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT))
			return c->error ? -c->error : -PV_TCP_ENOTCONN;
		if (!space) {
			pv_ip_poll(ip, PV_DEADLINE_NEVER);
			continue;
		}
		n = len - done < space ? (uint32_t)(len - done) : space;
		at = (c->shead + c->slen) & (SBUF_SIZE - 1);
		first = min_u32(n, SBUF_SIZE - at);
		memcpy(c->sbuf + at, (const uint8_t *)buf + done, first);
		memcpy(c->sbuf, (const uint8_t *)buf + done + first, n - first);
		c->slen += n;
		done += n;
		ip->now = pv_monotonic_ns();
		tcp_output(ip, c);
	}
	return (long)len;
}

int pv_tcp_close(struct pv_ip *ip, unsigned linger_ms)
{
	struct tcp_conn *c = &ip->tcp;
	uint64_t deadline;
	int r;

	if (!c->accepted)
		return -PV_TCP_ENOTCONN;
	ip->now = pv_monotonic_ns();
	deadline = ip->now + (uint64_t)linger_ms * 1000000;
	if (c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT) {
		c->state = c->state == TCP_ESTABLISHED ? TCP_FIN_WAIT_1 : TCP_LAST_ACK;
		c->fin_queued = true;
		tcp_output(ip, c);
	}
	while (c->state != TCP_CLOSED) {
		if (ip->now >= deadline) {
			tcp_abort(ip, c, PV_TCP_ETIMEDOUT);
			break;
		}
		pv_ip_poll(ip, deadline);
	}
	r = c->error ? -c->error : 0;
	c->accepted = false;
	return r;
}
