/* The GDB stub's packet framing (src/debug/gdb_proto.c): untrusted bytes
 * from the network. */
#include <string.h>

#include "debug/gdb_proto.h"
#include "../harness.h"

/* Feeds a whole string; returns the last event that was not NONE. */
static enum gdb_rx_event feed(struct gdb_rx *rx, const char *s, size_t n)
{
	enum gdb_rx_event last = GDB_RX_NONE, e;

	for (size_t i = 0; i < n; i++)
		if ((e = gdb_rx_feed(rx, (uint8_t)s[i])) != GDB_RX_NONE)
			last = e;
	return last;
}

TEST(gdb_rx_accepts_a_good_packet)
{
	static struct gdb_rx rx;

	gdb_rx_init(&rx);
	CHECK_EQ(feed(&rx, "$g#67", 5), GDB_RX_PACKET);
	CHECK_EQ(rx.len, 1);
	CHECK(!strcmp(rx.buf, "g"));
}

TEST(gdb_rx_rejects_bad_checksums_and_digits)
{
	static struct gdb_rx rx;

	gdb_rx_init(&rx);
	CHECK_EQ(feed(&rx, "$g#68", 5), GDB_RX_BAD);
	CHECK_EQ(feed(&rx, "$g#6z", 5), GDB_RX_BAD);
	CHECK_EQ(feed(&rx, "$g#z7", 5), GDB_RX_BAD);
	/* The state machine recovers for the next packet. */
	CHECK_EQ(feed(&rx, "$g#67", 5), GDB_RX_PACKET);
}

TEST(gdb_rx_rejects_oversized_packets)
{
	static struct gdb_rx rx;
	static char big[GDB_PACKET_SIZE + 8];
	char tail[4];
	unsigned sum = 0;

	gdb_rx_init(&rx);
	CHECK_EQ(gdb_rx_feed(&rx, '$'), GDB_RX_NONE);
	memset(big, 'a', GDB_PACKET_SIZE + 1);
	for (unsigned i = 0; i < GDB_PACKET_SIZE + 1; i++)
		sum += 'a';
	CHECK_EQ(feed(&rx, big, GDB_PACKET_SIZE + 1), GDB_RX_NONE);
	snprintf(tail, sizeof(tail), "#%02x", sum & 0xff);
	CHECK_EQ(feed(&rx, tail, 3), GDB_RX_BAD);
	CHECK(rx.len <= GDB_PACKET_SIZE);
}

TEST(gdb_rx_unescapes_and_refuses_a_dangling_escape)
{
	static struct gdb_rx rx;
	char out[32];
	size_t n;

	gdb_rx_init(&rx);
	/* "}]" is an escaped '}' (0x7d ^ 0x20 = 0x5d). */
	n = gdb_frame("X}#", 3, out, sizeof(out));
	CHECK(n > 0);
	CHECK(!memchr(out + 1, '#', n - 4)); /* the payload's '#' is escaped */
	CHECK_EQ(feed(&rx, out, n), GDB_RX_PACKET);
	CHECK_EQ(rx.len, 3);
	CHECK(!memcmp(rx.buf, "X}#", 3));
	CHECK_EQ(feed(&rx, "$a}#dd", 6), GDB_RX_BAD); /* ends inside an escape */
}

TEST(gdb_rx_interrupts_acks_and_restarts)
{
	static struct gdb_rx rx;

	gdb_rx_init(&rx);
	CHECK_EQ(gdb_rx_feed(&rx, 0x03), GDB_RX_INTERRUPT);
	CHECK_EQ(gdb_rx_feed(&rx, '+'), GDB_RX_ACK);
	CHECK_EQ(gdb_rx_feed(&rx, '-'), GDB_RX_NACK);
	CHECK_EQ(gdb_rx_feed(&rx, 'x'), GDB_RX_NONE); /* noise */
	/* A '$' inside a packet starts over. */
	CHECK_EQ(feed(&rx, "$mm$g#67", 8), GDB_RX_PACKET);
	CHECK(!strcmp(rx.buf, "g"));
}

TEST(gdb_frame_round_trips_every_byte)
{
	static struct gdb_rx rx;
	static char payload[256], out[600];
	size_t n;

	for (unsigned i = 0; i < 256; i++)
		payload[i] = (char)i;
	n = gdb_frame(payload, 256, out, sizeof(out));
	CHECK(n > 256 + 4);
	gdb_rx_init(&rx);
	CHECK_EQ(feed(&rx, out, n), GDB_RX_PACKET);
	CHECK_EQ(rx.len, 256);
	CHECK(!memcmp(rx.buf, payload, 256));
	CHECK_EQ(gdb_frame(payload, 256, out, 100), 0); /* does not fit */
	CHECK_EQ(gdb_frame("", 0, out, 3), 0);
	CHECK_EQ(gdb_frame("", 0, out, 4), 4);
	CHECK(!memcmp(out, "$#00", 4));
}

TEST(gdb_hex_parsers_refuse_junk)
{
	const char *p;
	uint64_t v;
	uint8_t b[2];

	p = "ffffffffffffffff,";
	CHECK_EQ(gdb_hex_u64(&p, &v), 0);
	CHECK_EQ(v, ~0ull);
	CHECK_EQ(*p, ',');
	p = "10000000000000000"; /* 17 digits */
	CHECK_EQ(gdb_hex_u64(&p, &v), -1);
	p = ",1";
	CHECK_EQ(gdb_hex_u64(&p, &v), -1);
	p = "";
	CHECK_EQ(gdb_hex_u64(&p, &v), -1);
	CHECK_EQ(gdb_hex_decode("a5Ff", 2, b), 0);
	CHECK_EQ(b[0], 0xa5);
	CHECK_EQ(b[1], 0xff);
	CHECK_EQ(gdb_hex_decode("a", 1, b), -1); /* stops at the NUL */
	CHECK_EQ(gdb_hex_decode("g0", 1, b), -1);
}
