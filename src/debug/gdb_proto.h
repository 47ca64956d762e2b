/* The GDB Remote Serial Protocol's framing: "$payload#cs" packets with a
 * modulo-256 checksum, '+'/'-' acknowledgements, 0x03 interrupts and the
 * '}' escape (docs/debug.md).  Pure functions over bytes: the stub feeds
 * what the socket gives, one byte at a time, and frames its replies here. */
#ifndef GAMUT_DEBUG_GDB_PROTO_H
#define GAMUT_DEBUG_GDB_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest packet either side sends (announced as PacketSize). */
#define GDB_PACKET_SIZE 4096

enum gdb_rx_event {
	GDB_RX_NONE,	  /* need more bytes */
	GDB_RX_PACKET,	  /* a packet with a good checksum: ack '+' it */
	GDB_RX_BAD,	  /* bad checksum or oversized: nack '-' it */
	GDB_RX_INTERRUPT, /* 0x03 outside a packet (Ctrl-C) */
	GDB_RX_ACK,	  /* '+' */
	GDB_RX_NACK,	  /* '-': resend the last reply */
};

struct gdb_rx {
	enum { RX_IDLE, RX_DATA, RX_CSUM1, RX_CSUM2 } state;
	bool overflow;
	uint8_t sum;	  /* running sum of the raw payload bytes */
	uint8_t want;	  /* the checksum the packet carries */
	size_t len;	  /* raw payload bytes kept */
	char buf[GDB_PACKET_SIZE + 1]; /* the payload, unescaped, NUL-terminated */
};

void gdb_rx_init(struct gdb_rx *rx);
/* Feeds one byte; on GDB_RX_PACKET, rx->buf/rx->len hold the payload. */
enum gdb_rx_event gdb_rx_feed(struct gdb_rx *rx, uint8_t byte);

/* Frames `len` payload bytes into out ("$...#cs", escaping '$', '#', '}'
 * and '*').  Returns the framed length, or 0 when it does not fit. */
size_t gdb_frame(const char *payload, size_t len, char *out, size_t outmax);

/* Hex helpers.  gdb_hex_u64 parses 1-16 hex digits at *p and advances
 * it; -1 on none, too many or overflow. */
int gdb_hex_digit(char ch);
int gdb_hex_u64(const char **p, uint64_t *v);
/* Decodes exactly 2*n hex digits at s into out; -1 on a bad digit. */
int gdb_hex_decode(const char *s, size_t n, uint8_t *out);
/* Encodes n bytes as 2n lowercase hex digits (no NUL). */
void gdb_hex_encode(const uint8_t *in, size_t n, char *out);

#endif
