#include "net/csum.h"

void net_csum_insert(uint8_t *buf, size_t len, size_t start, size_t at,
		     size_t cse, uint32_t extra)
{
	size_t end = cse ? cse + 1 : len;
	uint32_t sum = extra;

	if (end > len)
		end = len;
	if (start >= end || at + 2 > len)
		return;
	for (size_t i = start; i + 1 < end; i += 2)
		sum += (uint32_t)buf[i] << 8 | buf[i + 1];
	if ((end - start) & 1)
		sum += (uint32_t)buf[end - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	buf[at] = (uint8_t)(~sum >> 8);
	buf[at + 1] = (uint8_t)~sum;
}
