/* The Internet checksum (RFC 1071) as NICs with checksum offload insert
 * it: e1000's offload contexts, Xen netfront's partially checksummed
 * frames. */
#ifndef GAMUT_NET_CSUM_H
#define GAMUT_NET_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Checksum over buf[start, end) plus `extra`, stored (inverted, big-
 * endian) at `at`; end is cse + 1, or the frame's end when cse is 0.
 * Offsets outside the frame make it a no-op. */
void net_csum_insert(uint8_t *buf, size_t len, size_t start, size_t at,
		     size_t cse, uint32_t extra);

#endif
