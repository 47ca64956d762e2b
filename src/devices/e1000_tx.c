/* e1000 transmit: descriptor ring, checksum offload and TSO (see e1000.h). */
#include <string.h>

#include "core/vm.h"
#include "devices/e1000.h"
#include "net/csum.h"

/* Command bits (byte 11 of a descriptor). */
#define TXD_EOP	 0x01
#define TXD_IC	 0x04 /* legacy: insert checksum */
#define TXD_TSE	 0x04 /* data/context: segmentation */
#define TXD_RS	 0x08
#define TXD_DEXT 0x20
/* Context TUCMD bits. */
#define TUCMD_TCP 0x01
#define TUCMD_IP  0x02 /* IPv4 */
/* Data descriptor POPTS bits. */
#define POPTS_IXSM 0x01
#define POPTS_TXSM 0x02

static uint16_t get16be(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16be(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t get32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void e1000_send(struct e1000 *e, const uint8_t *frame, size_t len)
{
	if (e->tx_fn)
		e->tx_fn(e->tx_opaque, frame, len);
	e1000_stat_add(e, E1000_GPTC, 1);
	e1000_stat_add(e, E1000_TPT, 1);
	e1000_stat_add(e, E1000_GOTCL, len);
}

static void tx_offload(struct e1000 *e, uint8_t *f, size_t len, uint32_t l4_len)
{
	const struct e1000_tx_ctx *c = &e->ctx;

	if (e->tx_ixsm) {
		if (c->ipcso + 2u <= len)
			put16be(f + c->ipcso, 0);
		net_csum_insert(f, len, c->ipcss, c->ipcso, c->ipcse, 0);
	}
	if (e->tx_txsm)
		net_csum_insert(f, len, c->tucss, c->tucso, c->tucse, l4_len);
}

/* Cuts the assembled super-frame into MSS-sized frames, each with a copy
 * of the headers fixed up (IP length and id, TCP sequence and flags) and
 * fresh checksums.  The guest seeded the TCP checksum with the pseudo
 * header without its length; each segment adds its own. */
static void tx_tso(struct e1000 *e)
{
	const struct e1000_tx_ctx *c = &e->ctx;
	size_t hdr = c->hdr_len, payload, off;
	uint8_t *f = e->rxbuf; /* scratch: RX uses it only under the same lock */
	unsigned seg_no = 0;

	if (!c->mss || hdr > e->txlen || c->tucss + 20u > hdr || c->ipcss + 20u > hdr) {
		e->bad_desc++;
		return;
	}
	payload = e->txlen - hdr;
	for (off = 0; off < payload || (off == 0 && payload == 0); off += c->mss) {
		size_t seg = payload - off < c->mss ? payload - off : c->mss;
		size_t flen = hdr + seg;
		bool last = off + seg >= payload;

		memcpy(f, e->txbuf, hdr);
		memcpy(f + hdr, e->txbuf + hdr + off, seg);
		if (c->tucmd & TUCMD_IP) {
			put16be(f + c->ipcss + 2, (uint16_t)(flen - c->ipcss));
			put16be(f + c->ipcss + 4,
				(uint16_t)(get16be(f + c->ipcss + 4) + seg_no));
		} else {
			put16be(f + c->ipcss + 4, (uint16_t)(flen - c->ipcss - 40));
		}
		if (c->tucmd & TUCMD_TCP) {
			uint32_t seq = (uint32_t)get16be(f + c->tucss + 4) << 16 |
				       get16be(f + c->tucss + 6);

			seq += (uint32_t)off;
			put16be(f + c->tucss + 4, (uint16_t)(seq >> 16));
			put16be(f + c->tucss + 6, (uint16_t)seq);
			if (!last)
				f[c->tucss + 13] &= (uint8_t)~0x09; /* FIN, PSH */
		} else {
			put16be(f + c->tucss + 4, (uint16_t)(flen - c->tucss));
		}
		tx_offload(e, f, flen, (uint32_t)(flen - c->tucss));
		e1000_send(e, f, flen);
		seg_no++;
		if (payload == 0)
			break;
	}
}

static void tx_append(struct e1000 *e, uint64_t addr, size_t len)
{
	const void *p;

	if (e->tx_drop || !len)
		return;
	p = gmem_ptr(&e->vm->mem, addr, len);
	if (!p || len > E1000_MAX_FRAME - e->txlen) {
		e->tx_drop = true;
		e->bad_desc++;
		return;
	}
	memcpy(e->txbuf + e->txlen, p, len);
	e->txlen += len;
}

static void tx_end_of_packet(struct e1000 *e)
{
	if (!e->tx_drop && e->txlen) {
		if (e->tx_tse) {
			tx_tso(e);
		} else {
			tx_offload(e, e->txbuf, e->txlen, 0);
			e1000_send(e, e->txbuf, e->txlen);
		}
	}
	e->txlen = 0;
	e->tx_drop = false;
}

static void tx_context(struct e1000 *e, const uint8_t *d)
{
	struct e1000_tx_ctx *c = &e->ctx;

	c->ipcss = d[0];
	c->ipcso = d[1];
	c->ipcse = (uint16_t)(d[2] | d[3] << 8);
	c->tucss = d[4];
	c->tucso = d[5];
	c->tucse = (uint16_t)(d[6] | d[7] << 8);
	c->paylen = get32le(d + 8) & 0xfffff;
	c->tucmd = d[11];
	c->hdr_len = d[13];
	c->mss = (uint16_t)(d[14] | d[15] << 8);
}

/* One descriptor; returns its command byte (for RS). */
static uint8_t tx_descriptor(struct e1000 *e, const uint8_t *d)
{
	uint64_t addr = get32le(d) | (uint64_t)get32le(d + 4) << 32;
	uint8_t cmd = d[11];

	if (!(cmd & TXD_DEXT)) {
		/* Legacy: length, checksum offset and start in the descriptor. */
		tx_append(e, addr, (size_t)(d[8] | d[9] << 8));
		if (cmd & TXD_EOP) {
			if ((cmd & TXD_IC) && !e->tx_drop)
				net_csum_insert(e->txbuf, e->txlen, d[13], d[10], 0, 0);
			e->tx_tse = e->tx_ixsm = e->tx_txsm = false;
			tx_end_of_packet(e);
		}
		return cmd;
	}
	switch ((d[10] >> 4) & 0xf) {
	case 0:
		tx_context(e, d);
		break;
	case 1:
		if (e->txlen == 0 && !e->tx_drop) {
			e->tx_tse = cmd & TXD_TSE;
			e->tx_ixsm = d[13] & POPTS_IXSM;
			e->tx_txsm = d[13] & POPTS_TXSM;
		}
		tx_append(e, addr, get32le(d + 8) & 0xfffff);
		if (cmd & TXD_EOP)
			tx_end_of_packet(e);
		break;
	default:
		e->bad_desc++;
		break;
	}
	return cmd;
}

/* An end-of-packet descriptor sends a frame: the rate limit says whether
 * now.  If not, the descriptor stays at the head for e1000_tx_resume; the
 * ones before it are in txbuf already.  (A TSO frame is charged for its
 * bytes as the guest gave them, not for the headers of each segment.) */
static bool tx_admitted(struct e1000 *e, const uint8_t *d)
{
	uint8_t cmd = d[11];
	size_t len;

	if (!e->tx_admit || !(cmd & TXD_EOP) || e->tx_drop)
		return true;
	if (!(cmd & TXD_DEXT))
		len = (size_t)(d[8] | d[9] << 8);
	else if (((d[10] >> 4) & 0xf) == 1)
		len = get32le(d + 8) & 0xfffff;
	else
		return true;
	return e->tx_admit(e->tx_opaque, e->txlen + len);
}

void e1000_tx_resume(struct e1000 *e)
{
	pthread_mutex_lock(&e->lock);
	e1000_tx_doorbell(e);
	pthread_mutex_unlock(&e->lock);
}

void e1000_tx_doorbell(struct e1000 *e)
{
	uint32_t size = e1000_reg(e, E1000_TDLEN) / 16;
	uint64_t base = e1000_reg(e, E1000_TDBAL) |
			(uint64_t)e1000_reg(e, E1000_TDBAH) << 32;
	uint32_t head = e1000_reg(e, E1000_TDH), tail = e1000_reg(e, E1000_TDT);
	bool sent = false;

	if (!(e1000_reg(e, E1000_TCTL) & E1000_TCTL_EN) || !size)
		return;
	if (head >= size || tail >= size) {
		e->bad_desc++;
		return;
	}
	/* At most one trip round the ring per doorbell. */
	for (uint32_t n = 0; n < size && head != tail; n++) {
		uint64_t da = base + (uint64_t)head * 16;
		uint8_t d[16];

		if (gmem_read(&e->vm->mem, da, d, sizeof(d)) < 0) {
			e->bad_desc++;
			break;
		}
		if (!tx_admitted(e, d))
			break;
		if (tx_descriptor(e, d) & TXD_RS) {
			uint8_t status = d[12] | 0x01; /* DD */

			gmem_write(&e->vm->mem, da + 12, &status, 1);
		}
		head = (head + 1) % size;
		sent = true;
	}
	e1000_set_reg(e, E1000_TDH, head);
	if (sent)
		e1000_cause(e, E1000_ICR_TXDW | (head == tail ? E1000_ICR_TXQE : 0));
}
