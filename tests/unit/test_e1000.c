/* e1000: EEPROM, PHY, TX/RX rings, offloads, hostile descriptors. */
#include <string.h>

#include "../harness.h"
#include "devices/e1000.h"
#include "test_pci_vm.h"

#define RAM (1u << 20)

static uint8_t sent[8][2048];
static size_t sent_len[8];
static unsigned nsent;

static void capture(void *opaque, const uint8_t *f, size_t len)
{
	(void)opaque;
	if (nsent < 8) {
		memcpy(sent[nsent], f, len < 2048 ? len : 2048);
		sent_len[nsent] = len;
	}
	nsent++;
}

struct nict {
	struct testvm t;
	struct e1000 *e;
	uint64_t bar;
};

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static int nict_init(struct nict *n)
{
	struct gerr err;

	nsent = 0;
	if (testvm_init(&n->t, RAM, "hvm") < 0)
		return -1;
	n->e = e1000_create(&n->t.vm, n->t.pci, mac, capture, NULL, &err);
	if (!n->e)
		return -1;
	n->bar = pci_bar_address(&n->e->pci, 0);
	return 0;
}

static void nict_destroy(struct nict *n)
{
	e1000_destroy(n->e);
	testvm_destroy(&n->t);
}

static uint32_t rd(struct nict *n, unsigned reg)
{
	return (uint32_t)testvm_mmio_read(&n->t, n->bar + reg, 4);
}

static void wr(struct nict *n, unsigned reg, uint32_t v)
{
	testvm_mmio_write(&n->t, n->bar + reg, 4, v);
}

static uint16_t eerd(struct nict *n, unsigned word)
{
	wr(n, E1000_EERD, word << 8 | 1);
	return (uint16_t)(rd(n, E1000_EERD) >> 16);
}

/* Microwire read, bit by bit, as Linux's e1000 does it for the 82540. */
static uint16_t microwire(struct nict *n, unsigned word)
{
	uint32_t bits = 0x6u << 6 | word; /* start, READ, 6-bit address */
	uint16_t v = 0;

	wr(n, E1000_EECD, 0x40 | 0x02);
	for (int i = 8; i >= 0; i--) {
		uint32_t di = (bits >> i) & 1 ? 0x04 : 0;

		wr(n, E1000_EECD, 0x42 | di);
		wr(n, E1000_EECD, 0x43 | di);
		wr(n, E1000_EECD, 0x42 | di);
	}
	for (int i = 0; i < 16; i++) {
		wr(n, E1000_EECD, 0x43);
		v = (uint16_t)(v << 1 | !!(rd(n, E1000_EECD) & 0x08));
		wr(n, E1000_EECD, 0x42);
	}
	wr(n, E1000_EECD, 0x40);
	return v;
}

TEST(e1000_identity_eeprom_phy)
{
	struct nict n;
	uint16_t sum = 0;

	CHECK(nict_init(&n) == 0);
	CHECK_EQ(testvm_cfg_read(&n.t, n.e->pci.devfn, 0, 4), 0x100e8086);
	CHECK(n.bar >= PCI_MMIO_BASE);
	CHECK_EQ(rd(&n, E1000_STATUS) & 3, 3); /* link up, full duplex */
	CHECK_EQ(eerd(&n, 0), 0x5452);
	CHECK_EQ(eerd(&n, 2), 0x5634);
	for (unsigned i = 0; i < 64; i++)
		sum = (uint16_t)(sum + eerd(&n, i));
	CHECK_EQ(sum, 0xbaba);
	CHECK(rd(&n, E1000_EECD) & 0x100); /* EEPROM present */
	CHECK_EQ(microwire(&n, 0), 0x5452);
	CHECK_EQ(microwire(&n, 1), 0x1200);
	CHECK_EQ(microwire(&n, 0x3f), eerd(&n, 0x3f));
	/* PHY id through MDIC (PHY address 1); other addresses fail. */
	wr(&n, E1000_MDIC, 0x08000000u | 1u << 21 | 2u << 16);
	CHECK_EQ(rd(&n, E1000_MDIC) & 0x1000ffffu, 0x10000141u);
	wr(&n, E1000_MDIC, 0x08000000u | 2u << 21 | 2u << 16);
	CHECK(rd(&n, E1000_MDIC) & 0x40000000u);
	/* RAL/RAH hold the MAC; a reset keeps it. */
	CHECK_EQ(rd(&n, E1000_RAL0), 0x12005452);
	wr(&n, E1000_CTRL, E1000_CTRL_RST);
	CHECK_EQ(rd(&n, E1000_RAH0), 0x80005634u);
	nict_destroy(&n);
}

static void legacy_desc(struct nict *n, uint64_t at, uint64_t buf, uint16_t len,
			uint8_t cmd)
{
	uint8_t d[16] = { 0 };

	memcpy(d, &buf, 8);
	d[8] = (uint8_t)len;
	d[9] = (uint8_t)(len >> 8);
	d[11] = cmd;
	gmem_write(&n->t.vm.mem, at, d, 16);
}

static void tx_ring(struct nict *n, uint64_t base, unsigned count)
{
	wr(n, E1000_TDBAL, (uint32_t)base);
	wr(n, E1000_TDBAH, (uint32_t)(base >> 32));
	wr(n, E1000_TDLEN, count * 16);
	wr(n, E1000_TDH, 0);
	wr(n, E1000_TDT, 0);
	wr(n, E1000_TCTL, E1000_TCTL_EN);
}

TEST(e1000_tx_legacy_and_interrupts)
{
	struct nict n;
	uint8_t frame[64], st = 0;
	unsigned line;

	CHECK(nict_init(&n) == 0);
	line = n.e->pci.intx_line;
	for (unsigned i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)i;
	gmem_write(&n.t.vm.mem, 0x20000, frame, sizeof(frame));
	tx_ring(&n, 0x10000, 8);
	/* Two descriptors make one frame (EOP on the second). */
	legacy_desc(&n, 0x10000, 0x20000, 20, 0x08);
	legacy_desc(&n, 0x10010, 0x20000 + 20, 44, 0x09);
	wr(&n, E1000_IMS, E1000_ICR_TXDW);
	wr(&n, E1000_TDT, 2);
	CHECK_EQ(nsent, 1);
	CHECK_EQ(sent_len[0], 64);
	CHECK(!memcmp(sent[0], frame, 64));
	CHECK_EQ(rd(&n, E1000_TDH), 2);
	gmem_read(&n.t.vm.mem, 0x1001c, &st, 1);
	CHECK_EQ(st & 1, 1); /* DD written back (RS set) */
	CHECK_EQ(testvm_irq_level[line], 1);
	CHECK(rd(&n, E1000_ICR) & E1000_ICR_TXDW);
	CHECK_EQ(testvm_irq_level[line], 0);
	CHECK_EQ(rd(&n, E1000_ICR), 0);
	CHECK_EQ(rd(&n, E1000_GPTC), 1);
	CHECK_EQ(rd(&n, E1000_GPTC), 0); /* statistics clear on read */
	/* A masked cause does not raise the line. */
	wr(&n, E1000_IMC, 0xffffffff);
	wr(&n, E1000_ICS, E1000_ICR_LSC);
	CHECK_EQ(testvm_irq_level[line], 0);
	wr(&n, E1000_IMS, E1000_ICR_LSC);
	CHECK_EQ(testvm_irq_level[line], 1);
	nict_destroy(&n);
}

TEST(e1000_tx_descriptors_outside_ram_refused)
{
	struct nict n;

	CHECK(nict_init(&n) == 0);
	tx_ring(&n, 0x10000, 8);
	/* Buffer past the end of RAM, and one that wraps the address space. */
	legacy_desc(&n, 0x10000, RAM - 8, 64, 0x09);
	legacy_desc(&n, 0x10010, ~0ull - 4, 64, 0x09);
	legacy_desc(&n, 0x10020, 0x20000, 0xffff, 0x01);
	wr(&n, E1000_TDT, 3);
	CHECK_EQ(nsent, 1); /* only the good one */
	CHECK_EQ(n.e->bad_desc, 2);
	CHECK_EQ(rd(&n, E1000_TDH), 3);
	/* The ring itself outside RAM: nothing is sent, nothing crashes. */
	wr(&n, E1000_TDBAL, 0xfffff000u);
	wr(&n, E1000_TDBAH, 0x7);
	wr(&n, E1000_TDH, 0);
	wr(&n, E1000_TDT, 5);
	CHECK_EQ(nsent, 1);
	CHECK_EQ(n.e->bad_desc, 3);
	/* Head or tail beyond the ring are refused. */
	tx_ring(&n, 0x10000, 8);
	wr(&n, E1000_TDT, 100);
	CHECK_EQ(nsent, 1);
	/* A ring whose length wraps round from RAM's end. */
	tx_ring(&n, RAM - 32, 8);
	wr(&n, E1000_TDT, 7);
	CHECK(n.e->bad_desc >= 5);
	nict_destroy(&n);
}

static uint16_t csum16(const uint8_t *p, size_t len)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* TCP checksum check: pseudo header + segment must sum to 0xffff. */
static int tcp_ok(const uint8_t *f, size_t len)
{
	uint8_t ph[12];
	uint32_t s;
	size_t l4 = len - 34;

	memcpy(ph, f + 26, 8);
	ph[8] = 0;
	ph[9] = 6;
	ph[10] = (uint8_t)(l4 >> 8);
	ph[11] = (uint8_t)l4;
	s = (uint32_t)csum16(ph, 12) + csum16(f + 34, l4);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s == 0xffff;
}

TEST(e1000_tx_tso_and_checksums)
{
	struct nict n;
	uint8_t f[54 + 2500] = { 0 };
	uint8_t ctx[16] = { 0 }, dd[16] = { 0 };
	uint64_t buf = 0x20000;
	uint32_t paylen = 2500, v;
	uint32_t ph;

	CHECK(nict_init(&n) == 0);
	/* Ethernet + IPv4 (20) + TCP (20), with the stack's seeds: IP length
	 * and checksum 0, TCP checksum = pseudo header without length. */
	f[12] = 0x08;
	f[14] = 0x45;
	f[14 + 8] = 64;
	f[14 + 9] = 6;
	memcpy(f + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	f[34 + 4] = 0x10; /* seq 0x10000000 */
	f[34 + 12] = 0x50;
	f[34 + 13] = 0x19; /* ACK PSH FIN */
	ph = 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 6;
	f[34 + 16] = (uint8_t)(ph >> 8);
	f[34 + 17] = (uint8_t)ph;
	for (unsigned i = 54; i < sizeof(f); i++)
		f[i] = (uint8_t)(i * 7);
	gmem_write(&n.t.vm.mem, buf, f, sizeof(f));
	/* Context: IPCSS 14, IPCSO 24, IPCSE 33, TUCSS 34, TUCSO 50,
	 * TUCMD = TSE|IP|TCP, DEXT, HDRLEN 54, MSS 1000. */
	ctx[0] = 14; ctx[1] = 24; ctx[2] = 33;
	ctx[4] = 34; ctx[5] = 50;
	v = paylen | 0u << 20;
	memcpy(ctx + 8, &v, 4);
	ctx[11] = 0x20 | 0x04 | 0x02 | 0x01;
	ctx[13] = 54;
	ctx[14] = 1000 & 0xff; ctx[15] = 1000 >> 8;
	gmem_write(&n.t.vm.mem, 0x10000, ctx, 16);
	memcpy(dd, &buf, 8);
	v = (uint32_t)sizeof(f) | 1u << 20;
	memcpy(dd + 8, &v, 4);
	dd[11] = 0x20 | 0x04 | 0x08 | 0x01; /* DEXT TSE RS EOP */
	dd[13] = 0x03;			   /* IXSM TXSM */
	gmem_write(&n.t.vm.mem, 0x10010, dd, 16);
	tx_ring(&n, 0x10000, 8);
	wr(&n, E1000_TDT, 2);
	CHECK_EQ(nsent, 3);
	CHECK_EQ(sent_len[0], 54 + 1000);
	CHECK_EQ(sent_len[2], 54 + 500);
	for (unsigned i = 0; i < 3; i++) {
		const uint8_t *s = sent[i];

		CHECK_EQ(s[16] << 8 | s[17], sent_len[i] - 14);	/* IP length */
		CHECK_EQ(csum16(s + 14, 20), 0xffff);		/* IP checksum */
		CHECK_EQ((uint32_t)(s[38] << 24 | s[39] << 16 | s[40] << 8 | s[41]),
			 0x10000000u + 1000 * i);
		CHECK(tcp_ok(s, sent_len[i]));
		CHECK_EQ(s[47] & 0x09, i == 2 ? 0x09 : 0); /* FIN/PSH on the last */
		CHECK_EQ(s[18] << 8 | s[19], i);	    /* IP id increments */
	}
	CHECK(!memcmp(sent[1] + 54, f + 54 + 1000, 1000));
	/* A TSO context whose header length exceeds the frame is refused. */
	ctx[13] = 200;
	gmem_write(&n.t.vm.mem, 0x10020, ctx, 16);
	v = 100 | 1u << 20;
	memcpy(dd + 8, &v, 4);
	gmem_write(&n.t.vm.mem, 0x10030, dd, 16);
	wr(&n, E1000_TDT, 4);
	CHECK_EQ(nsent, 3);
	CHECK_EQ(rd(&n, E1000_TDH), 4);
	nict_destroy(&n);
}

static void rx_ring(struct nict *n, uint64_t base, unsigned count, uint64_t bufs)
{
	for (unsigned i = 0; i < count; i++) {
		uint64_t a = bufs + 2048ull * i;
		uint8_t d[16] = { 0 };

		memcpy(d, &a, 8);
		gmem_write(&n->t.vm.mem, base + 16 * i, d, 16);
	}
	wr(n, E1000_RDBAL, (uint32_t)base);
	wr(n, E1000_RDLEN, count * 16);
	wr(n, E1000_RDH, 0);
	wr(n, E1000_RDT, count - 1);
	wr(n, E1000_RCTL, E1000_RCTL_EN | E1000_RCTL_BAM);
}

TEST(e1000_rx_ring_and_filter)
{
	struct nict n;
	static uint8_t f[4096];
	uint8_t d[16], got[100];
	unsigned line;

	CHECK(nict_init(&n) == 0);
	line = n.e->pci.intx_line;
	memset(f, 0xab, sizeof(f));
	memcpy(f, mac, 6);
	CHECK(e1000_receive(n.e, f, 100) == -1); /* receiver off */
	rx_ring(&n, 0x10000, 8, 0x40000);
	wr(&n, E1000_IMS, E1000_ICR_RXT0);
	CHECK(e1000_can_receive(n.e));
	CHECK(e1000_receive(n.e, f, 100) == 0);
	gmem_read(&n.t.vm.mem, 0x10000, d, 16);
	CHECK_EQ(d[8] | d[9] << 8, 100 + 4); /* + FCS */
	CHECK_EQ(d[12] & 3, 3);			   /* DD EOP */
	gmem_read(&n.t.vm.mem, 0x40000, got, sizeof(got));
	CHECK(!memcmp(got, f, sizeof(got)));
	CHECK_EQ(rd(&n, E1000_RDH), 1);
	CHECK_EQ(testvm_irq_level[line], 1);
	/* Another station's unicast is filtered; runts are padded. */
	f[5] = 0x57;
	CHECK(e1000_receive(n.e, f, 100) == 0);
	CHECK_EQ(rd(&n, E1000_RDH), 1);
	memset(f, 0xff, 6);
	CHECK(e1000_receive(n.e, f, 20) == 0);
	gmem_read(&n.t.vm.mem, 0x10010, d, 16);
	CHECK_EQ(d[8], 64);
	/* One descriptor left (RDT = 3): a frame needing two is dropped. */
	wr(&n, E1000_RDT, 3);
	CHECK(e1000_receive(n.e, f, 2 * 2048 - 100) == -1);
	CHECK(rd(&n, E1000_ICR) & E1000_ICR_RXO);
	CHECK(e1000_receive(n.e, f, 60) == 0);
	CHECK_EQ(rd(&n, E1000_RDH), 3);
	CHECK(!e1000_can_receive(n.e));
	CHECK(e1000_receive(n.e, f, 60) == -1);
	/* A frame spanning two descriptors. */
	wr(&n, E1000_RDT, 6);
	CHECK(e1000_receive(n.e, f, 3000) == 0);
	CHECK_EQ(rd(&n, E1000_RDH), 5);
	gmem_read(&n.t.vm.mem, 0x10030, d, 16);
	CHECK_EQ(d[12] & 3, 1); /* DD, not EOP */
	gmem_read(&n.t.vm.mem, 0x10040, d, 16);
	CHECK_EQ(d[12] & 3, 3);
	CHECK_EQ(d[8] | d[9] << 8, 3004 - 2048);
	nict_destroy(&n);
}

TEST(e1000_rx_buffers_outside_ram_refused)
{
	struct nict n;
	uint8_t f[64] = { 0 }, d[16];

	CHECK(nict_init(&n) == 0);
	memset(f, 0xff, 6);
	rx_ring(&n, 0x10000, 8, RAM - 1024); /* buffers 1.. run off the end */
	CHECK(e1000_receive(n.e, f, sizeof(f)) == 0);
	CHECK(e1000_receive(n.e, f, sizeof(f)) == 0);
	gmem_read(&n.t.vm.mem, 0x10010, d, 16);
	CHECK_EQ(d[13], 0x80); /* error descriptor handed back */
	CHECK_EQ(n.e->bad_desc, 1);
	/* The ring itself outside RAM. */
	wr(&n, E1000_RDBAL, 0xfffffff0u);
	wr(&n, E1000_RDH, 0);
	wr(&n, E1000_RDT, 2);
	CHECK(e1000_receive(n.e, f, sizeof(f)) == 0);
	CHECK_EQ(n.e->bad_desc, 2);
	/* Garbage frames are ignored. */
	CHECK(e1000_receive(n.e, f, 3) == 0);
	nict_destroy(&n);
}

static int ready_calls;

static void count_ready(void *opaque)
{
	(void)opaque;
	ready_calls++;
}

/* Frames the backend held for lack of buffers are retried when the
 * driver hands buffers back (RDT write). */
TEST(e1000_rdt_write_signals_rx_ready)
{
	struct nict n;

	CHECK(nict_init(&n) == 0);
	ready_calls = 0;
	n.e->rx_ready = count_ready;
	rx_ring(&n, 0x10000, 8, 0x40000);
	CHECK(ready_calls >= 1);
	wr(&n, E1000_RDT, 5);
	CHECK(ready_calls >= 2);
	nict_destroy(&n);
}

/* The transmit rate limit's hook: admits `budget` frames, records sizes. */
static unsigned tx_budget;
static size_t tx_asked[8];
static unsigned tx_nasked;

static bool admit_budget(void *opaque, size_t len)
{
	(void)opaque;
	if (tx_nasked < 8)
		tx_asked[tx_nasked] = len;
	tx_nasked++;
	if (!tx_budget)
		return false;
	tx_budget--;
	return true;
}

TEST(e1000_tx_rate_limit_holds_the_end_of_packet)
{
	struct nict n;
	uint8_t frame[64] = { 0 }, st = 0;

	CHECK(nict_init(&n) == 0);
	n.e->tx_admit = admit_budget;
	tx_budget = 1;
	tx_nasked = 0;
	gmem_write(&n.t.vm.mem, 0x20000, frame, sizeof(frame));
	tx_ring(&n, 0x10000, 8);
	/* Frame 1: one descriptor; frame 2: two, EOP on the second. */
	legacy_desc(&n, 0x10000, 0x20000, 60, 0x09);
	legacy_desc(&n, 0x10010, 0x20000, 20, 0x08);
	legacy_desc(&n, 0x10020, 0x20000, 44, 0x09);
	wr(&n, E1000_TDT, 3);
	/* The first frame went; the second's EOP descriptor waits at the
	 * head with the first part gathered, its DD not written. */
	CHECK_EQ(nsent, 1);
	CHECK_EQ(rd(&n, E1000_TDH), 2);
	CHECK_EQ(tx_nasked, 2);
	CHECK_EQ(tx_asked[0], 60);
	CHECK_EQ(tx_asked[1], 64); /* the whole frame, both parts */
	gmem_read(&n.t.vm.mem, 0x1002c, &st, 1);
	CHECK_EQ(st & 1, 0);
	/* Still no room: nothing moves. */
	e1000_tx_resume(n.e);
	CHECK_EQ(nsent, 1);
	CHECK_EQ(rd(&n, E1000_TDH), 2);
	/* Room again: the held frame goes whole. */
	tx_budget = 1;
	e1000_tx_resume(n.e);
	CHECK_EQ(nsent, 2);
	CHECK_EQ(sent_len[1], 64);
	CHECK_EQ(rd(&n, E1000_TDH), 3);
	gmem_read(&n.t.vm.mem, 0x1002c, &st, 1);
	CHECK_EQ(st & 1, 1);
	nict_destroy(&n);
}
