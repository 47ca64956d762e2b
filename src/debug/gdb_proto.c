#include "debug/gdb_proto.h"

#include <string.h>

void gdb_rx_init(struct gdb_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
	rx->state = RX_IDLE;
}

int gdb_hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Undoes the '}' escape in place; false on a dangling escape. */
static bool unescape(struct gdb_rx *rx)
{
	size_t o = 0;

	for (size_t i = 0; i < rx->len; i++) {
		char ch = rx->buf[i];

		if (ch == '}') {
			if (++i == rx->len)
				return false;
			ch = (char)(rx->buf[i] ^ 0x20);
		}
		rx->buf[o++] = ch;
	}
	rx->len = o;
	rx->buf[o] = '\0';
	return true;
}

static enum gdb_rx_event rx_idle(struct gdb_rx *rx, uint8_t byte)
{
	switch (byte) {
	case '$':
		rx->state = RX_DATA;
		rx->len = 0;
		rx->sum = 0;
		rx->overflow = false;
		return GDB_RX_NONE;
	case 0x03:
		return GDB_RX_INTERRUPT;
	case '+':
		return GDB_RX_ACK;
	case '-':
		return GDB_RX_NACK;
	default:
		return GDB_RX_NONE; /* line noise between packets */
	}
}

enum gdb_rx_event gdb_rx_feed(struct gdb_rx *rx, uint8_t byte)
{
	int d;

	switch (rx->state) {
	case RX_IDLE:
		return rx_idle(rx, byte);
	case RX_DATA:
		if (byte == '#') {
			rx->state = RX_CSUM1;
		} else if (byte == '$') {
			/* gdb gave up on a packet and started another. */
			rx->len = 0;
			rx->sum = 0;
			rx->overflow = false;
		} else {
			rx->sum = (uint8_t)(rx->sum + byte);
			if (rx->len < GDB_PACKET_SIZE)
				rx->buf[rx->len++] = (char)byte;
			else
				rx->overflow = true;
		}
		return GDB_RX_NONE;
	case RX_CSUM1:
		d = gdb_hex_digit((char)byte);
		rx->want = (uint8_t)((d < 0 ? 0 : d) << 4);
		rx->overflow |= d < 0;
		rx->state = RX_CSUM2;
		return GDB_RX_NONE;
	case RX_CSUM2:
		d = gdb_hex_digit((char)byte);
		rx->want |= (uint8_t)(d < 0 ? 0 : d);
		rx->state = RX_IDLE;
		if (d < 0 || rx->overflow || rx->want != rx->sum || !unescape(rx)) {
			rx->len = 0;
			rx->buf[0] = '\0';
			return GDB_RX_BAD;
		}
		return GDB_RX_PACKET;
	}
	return GDB_RX_NONE;
}

size_t gdb_frame(const char *payload, size_t len, char *out, size_t outmax)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t sum = 0;
	size_t o = 0;

	if (outmax < 4)
		return 0;
	out[o++] = '$';
	for (size_t i = 0; i < len; i++) {
		char ch = payload[i];
		bool esc = ch == '$' || ch == '#' || ch == '}' || ch == '*';

		if (o + (esc ? 2 : 1) + 3 > outmax)
			return 0;
		if (esc) {
			out[o++] = '}';
			sum = (uint8_t)(sum + '}');
			ch = (char)(ch ^ 0x20);
		}
		out[o++] = ch;
		sum = (uint8_t)(sum + (uint8_t)ch);
	}
	out[o++] = '#';
	out[o++] = hex[sum >> 4];
	out[o++] = hex[sum & 15];
	return o;
}

int gdb_hex_u64(const char **p, uint64_t *v)
{
	const char *s = *p;
	uint64_t r = 0;
	unsigned n = 0;
	int d;

	while ((d = gdb_hex_digit(*s)) >= 0) {
		if (++n > 16)
			return -1;
		r = (r << 4) | (uint64_t)d;
		s++;
	}
	if (!n)
		return -1;
	*v = r;
	*p = s;
	return 0;
}

int gdb_hex_decode(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi = gdb_hex_digit(s[2 * i]);
		int lo = hi < 0 ? -1 : gdb_hex_digit(s[2 * i + 1]);

		if (lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void gdb_hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
}
