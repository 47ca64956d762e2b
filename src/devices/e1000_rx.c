/* e1000 receive: address filter and the receive ring (see e1000.h). */
#include <string.h>

#include "core/vm.h"
#include "devices/e1000.h"

#define RXD_DD	 0x01
#define RXD_EOP	 0x02
#define RXD_IXSM 0x04 /* "ignore checksum indication": none computed */

static size_t rx_buf_size(uint32_t rctl)
{
	static const size_t plain[4] = { 2048, 1024, 512, 256 };
	static const size_t ext[4] = { 2048, 16384, 8192, 4096 };
	unsigned bsize = (rctl >> 16) & 3;

	return (rctl & E1000_RCTL_BSEX) ? ext[bsize] : plain[bsize];
}

/* Unicast to a valid receive address, broadcast with BAM, any multicast
 * (the hash table is not consulted: accepting more is harmless), or
 * everything in promiscuous mode. */
static bool rx_accept(struct e1000 *e, const uint8_t *f)
{
	uint32_t rctl = e1000_reg(e, E1000_RCTL);
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	if (rctl & E1000_RCTL_UPE)
		return true;
	if (!memcmp(f, bcast, 6))
		return rctl & E1000_RCTL_BAM;
	if (f[0] & 1)
		return true;
	for (unsigned i = 0; i < 16; i++) {
		uint32_t lo = e1000_reg(e, E1000_RAL0 + 8 * i);
		uint32_t hi = e1000_reg(e, E1000_RAH0 + 8 * i);
		uint8_t a[6] = { (uint8_t)lo, (uint8_t)(lo >> 8), (uint8_t)(lo >> 16),
				 (uint8_t)(lo >> 24), (uint8_t)hi, (uint8_t)(hi >> 8) };

		if ((hi & 0x80000000u) && !memcmp(f, a, 6))
			return true;
	}
	return false;
}

static uint32_t rx_free(struct e1000 *e, uint32_t size)
{
	uint32_t head = e1000_reg(e, E1000_RDH), tail = e1000_reg(e, E1000_RDT);

	return (tail + size - head) % size;
}

bool e1000_can_receive(struct e1000 *e)
{
	uint32_t size;
	bool ok;

	pthread_mutex_lock(&e->lock);
	size = e1000_reg(e, E1000_RDLEN) / 16;
	ok = (e1000_reg(e, E1000_RCTL) & E1000_RCTL_EN) && size &&
	     e1000_reg(e, E1000_RDH) < size && rx_free(e, size) > 0;
	pthread_mutex_unlock(&e->lock);
	return ok;
}

/* Writes the frame across as many descriptors as it needs. */
static int rx_place(struct e1000 *e, const uint8_t *f, size_t len)
{
	uint32_t size = e1000_reg(e, E1000_RDLEN) / 16;
	uint64_t base = e1000_reg(e, E1000_RDBAL) |
			(uint64_t)e1000_reg(e, E1000_RDBAH) << 32;
	uint32_t head = e1000_reg(e, E1000_RDH);
	size_t bsize = rx_buf_size(e1000_reg(e, E1000_RCTL)), done = 0;

	if (!size || head >= size || e1000_reg(e, E1000_RDT) >= size)
		return -1;
	if ((len + bsize - 1) / bsize > rx_free(e, size)) {
		e1000_stat_add(e, E1000_MPC, 1);
		e1000_cause(e, E1000_ICR_RXO);
		return -1;
	}
	while (done < len) {
		uint64_t da = base + (uint64_t)head * 16;
		size_t n = len - done < bsize ? len - done : bsize;
		uint64_t addr;
		uint8_t wb[8] = { 0 };

		if (gmem_read_u64(&e->vm->mem, da, &addr) < 0 ||
		    gmem_write(&e->vm->mem, addr, f + done, n) < 0) {
			e->bad_desc++;
			/* Hand the descriptor back with an error so the ring moves. */
			wb[4] = RXD_DD | RXD_EOP;
			wb[5] = 0x80; /* RXE */
			gmem_write(&e->vm->mem, da + 8, wb, sizeof(wb));
			e1000_set_reg(e, E1000_RDH, (head + 1) % size);
			e1000_cause(e, E1000_ICR_RXT0);
			return 0;
		}
		done += n;
		wb[0] = (uint8_t)n;
		wb[1] = (uint8_t)(n >> 8);
		wb[4] = RXD_DD | RXD_IXSM | (done == len ? RXD_EOP : 0);
		gmem_write(&e->vm->mem, da + 8, wb, sizeof(wb));
		head = (head + 1) % size;
	}
	e1000_set_reg(e, E1000_RDH, head);
	e1000_stat_add(e, E1000_GPRC, 1);
	e1000_stat_add(e, E1000_TPR, 1);
	e1000_stat_add(e, E1000_GORCL, len);
	e1000_cause(e, E1000_ICR_RXT0);
	return 0;
}

int e1000_receive(struct e1000 *e, const uint8_t *frame, size_t len)
{
	size_t flen = len;
	int ret = 0;

	if (len < 14 || len > E1000_MAX_FRAME)
		return 0; /* not an Ethernet frame: nothing to deliver */
	pthread_mutex_lock(&e->lock);
	if (!(e1000_reg(e, E1000_RCTL) & E1000_RCTL_EN)) {
		ret = -1;
	} else if (rx_accept(e, frame)) {
		/* Pad runts to the 60-byte minimum; add the 4-byte FCS the
		 * driver strips unless the device is told to (SECRC). */
		memcpy(e->rxbuf, frame, len);
		if (flen < 60) {
			memset(e->rxbuf + flen, 0, 60 - flen);
			flen = 60;
		}
		if (!(e1000_reg(e, E1000_RCTL) & E1000_RCTL_SECRC)) {
			memset(e->rxbuf + flen, 0, 4);
			flen += 4;
		}
		ret = rx_place(e, e->rxbuf, flen);
	}
	pthread_mutex_unlock(&e->lock);
	return ret;
}
