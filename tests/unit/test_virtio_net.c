/* virtio-net on the slirp backend: the test plays the guest driver, sends
 * an ARP request through the transmit queue and waits for slirp's reply in
 * the receive queue, with and without mergeable receive buffers. */
#include <unistd.h>

#include "../harness.h"
#include "test_virtio_fixture.h"

#define RXBUF (TR_BUF + 0x4000) /* receive buffers, 0x800 apart */
#define TXBUF (TR_BUF)

struct net_fx {
	struct vm vm;
	struct test_ring tx, rx;
	struct virtq scratch;
	void *state;
	uint16_t rx_target; /* stop the loop once rx used reaches this */
	int ticks, max_ticks;
	int tfd;
};

static const uint8_t guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static int net_fx_init(struct net_fx *f, uint64_t features)
{
	struct gerr err;

	if (fx_vm_init(&f->vm, "pvh") < 0)
		return -1;
	f->vm.cfg.net[0].kind = NET_USER;
	f->vm.cfg.nr_nets = 1;
	if (fx_create(&f->vm, "virtio-net", &f->state, &err) < 0)
		return -1;
	if (!(mm_negotiate(&f->vm, 0, features) & VIRTIO_STATUS_FEATURES_OK))
		return -1;
	tr_init_at(&f->rx, &f->vm.mem, &f->scratch, 16, TR_RING2);
	mm_queue(&f->vm, 0, 0, 16, f->rx.desc, f->rx.avail, f->rx.used);
	tr_init(&f->tx, &f->vm.mem, &f->scratch, 16);
	mm_queue(&f->vm, 0, 1, 16, f->tx.desc, f->tx.avail, f->tx.used);
	mm_driver_ok(&f->vm, 0);
	return 0;
}

static void net_fx_done(struct net_fx *f)
{
	fx_destroy("virtio-net", f->state);
	fx_vm_done(&f->vm);
}

/* Offers `n` receive chains of `size` bytes each (descriptors 0..n-1). */
static void rx_offer(struct net_fx *f, unsigned n, uint32_t size)
{
	for (unsigned i = 0; i < n; i++) {
		tr_desc(&f->rx, i, RXBUF + 0x800ull * i, size, VIRTQ_DESC_F_WRITE, 0);
		tr_avail(&f->rx, (uint16_t)i);
	}
}

/* Sends an ARP who-has 10.0.2.2 through the transmit queue. */
static void tx_arp(struct net_fx *f)
{
	uint8_t p[12 + 42] = { 0 }, *e = p + 12;

	memset(e, 0xff, 6);
	memcpy(e + 6, guest_mac, 6);
	e[12] = 0x08, e[13] = 0x06, e[15] = 1, e[16] = 0x08, e[18] = 6, e[19] = 4;
	e[21] = 1;
	memcpy(e + 22, guest_mac, 6);
	e[28] = 10, e[29] = 0, e[30] = 2, e[31] = 15;
	e[38] = 10, e[39] = 0, e[40] = 2, e[41] = 2;
	gmem_write(&f->vm.mem, TXBUF, p, sizeof(p));
	/* Header and frame in separate descriptors, as Linux may do. */
	tr_desc(&f->tx, 0, TXBUF, 12, VIRTQ_DESC_F_NEXT, 1);
	tr_desc(&f->tx, 1, TXBUF + 12, 42, 0, 0);
	tr_avail(&f->tx, 0);
	mm_wr(&f->vm, 0, 0x50, 1);
}

static void tick(void *opaque, uint32_t events)
{
	struct net_fx *f = opaque;
	uint64_t n;

	(void)events;
	if (read(f->tfd, &n, sizeof(n)) != sizeof(n))
		return;
	if (tr_used_idx(&f->rx) >= f->rx_target ||
	    (mm_rd(&f->vm, 0, 0x70) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) ||
	    ++f->ticks > f->max_ticks)
		evloop_quit(&f->vm.loop);
}

/* Runs the VM's event loop until rx used reaches `target` or the device
 * wants a reset, or for at most
 * `ms` milliseconds (short where the test expects nothing to arrive). */
static void run_until_rx(struct net_fx *f, uint16_t target, int ms)
{
	struct gerr err;
	int t = evloop_timer_add(&f->vm.loop, tick, f, &err);

	f->tfd = t;
	f->rx_target = target;
	f->ticks = 0;
	f->max_ticks = ms / 5;
	evloop_timer_set(t, 5000000, 5000000);
	atomic_store(&f->vm.loop.quit, false);
	evloop_run(&f->vm.loop, &err);
	evloop_del(&f->vm.loop, t);
	close(t);
}

TEST(virtio_net_arp_through_slirp)
{
	static struct net_fx f;
	uint8_t mac[6], got[64];
	uint32_t id, len;
	uint16_t nbuf;

	CHECK(net_fx_init(&f, ~0ull & ~VIRTIO_BIT(15)) == 0); /* no MRG_RXBUF */
	CHECK_EQ(mm_rd(&f.vm, 0, 0x008), VIRTIO_ID_NET);
	for (int i = 0; i < 6; i++)
		bus_access(&f.vm.mmio, LAYOUT_VIRTIO_MMIO_BASE + 0x100 + i, &mac[i], 1,
			   false, 0);
	CHECK(!memcmp(mac, guest_mac, 6));
	rx_offer(&f, 2, 2048);
	tx_arp(&f);
	CHECK_EQ(tr_used_idx(&f.tx), 1); /* transmit chain returned at once */
	tr_used(&f.tx, 0, &id, &len);
	CHECK_EQ(len, 0);
	run_until_rx(&f, 1, 2000);
	CHECK_EQ(tr_used_idx(&f.rx), 1);
	tr_used(&f.rx, 0, &id, &len);
	CHECK(len >= 12 + 42);
	gmem_read(&f.vm.mem, RXBUF + 0x800ull * id, got, sizeof(got));
	memcpy(&nbuf, got + 10, 2);
	CHECK_EQ(nbuf, 1);
	CHECK(!memcmp(got + 12, guest_mac, 6));	     /* to us */
	CHECK_EQ((got + 12)[12], 0x08);
	CHECK_EQ((got + 12)[13], 0x06);	     /* ARP */
	CHECK_EQ((got + 12)[21], 2);	     /* reply */
	CHECK(mm_rd(&f.vm, 0, 0x60) & VIRTIO_INT_USED);
	net_fx_done(&f);
}

TEST(virtio_net_rx_waits_for_buffers_and_merges)
{
	static struct net_fx f;
	uint32_t id, len, total = 0;
	uint16_t nbuf;

	CHECK(net_fx_init(&f, ~0ull) == 0); /* with MRG_RXBUF */
	tx_arp(&f); /* the reply arrives while the guest has no buffers */
	run_until_rx(&f, 1, 100);
	CHECK_EQ(tr_used_idx(&f.rx), 0);
	/* Small buffers: the held frame is spread over several. */
	rx_offer(&f, 8, 16);
	mm_wr(&f.vm, 0, 0x50, 0);
	run_until_rx(&f, 4, 2000);
	CHECK(tr_used_idx(&f.rx) >= 4);
	gmem_read_u16(&f.vm.mem, RXBUF + 10, &nbuf);
	CHECK_EQ(nbuf, tr_used_idx(&f.rx));
	for (unsigned i = 0; i < nbuf; i++) {
		tr_used(&f.rx, i, &id, &len);
		CHECK_EQ(id, i);
		total += len;
	}
	CHECK(total >= 12 + 42);
	net_fx_done(&f);
}

TEST(virtio_net_hostile_tx_and_rx_chains)
{
	static struct net_fx f;
	uint32_t id, len;

	CHECK(net_fx_init(&f, ~0ull & ~VIRTIO_BIT(15)) == 0);
	/* Transmit chain shorter than the header: dropped, returned. */
	tr_desc(&f.tx, 0, TXBUF, 4, 0, 0);
	tr_avail(&f.tx, 0);
	mm_wr(&f.vm, 0, 0x50, 1);
	CHECK_EQ(tr_used_idx(&f.tx), 1);
	/* Receive buffer readable instead of writable: nothing can be
	 * written, and without MRG_RXBUF one chain must hold the frame, so
	 * the frame is dropped and the chain stays with the device. */
	tr_desc(&f.rx, 0, RXBUF, 2048, 0, 0);
	tr_avail(&f.rx, 0);
	tx_arp(&f);
	run_until_rx(&f, 1, 100);
	CHECK_EQ(tr_used_idx(&f.rx), 0);
	CHECK(!(mm_rd(&f.vm, 0, 0x70) & VIRTIO_STATUS_DEVICE_NEEDS_RESET));
	tr_used(&f.tx, 1, &id, &len);
	CHECK_EQ(id, 0);
	net_fx_done(&f);
	/* A receive chain that loops marks the device for reset. */
	CHECK(net_fx_init(&f, ~0ull) == 0);
	tr_desc(&f.rx, 0, RXBUF, 2048, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0);
	tr_avail(&f.rx, 0);
	tx_arp(&f);
	run_until_rx(&f, 1, 2000);
	CHECK_EQ(tr_used_idx(&f.rx), 0);
	CHECK(mm_rd(&f.vm, 0, 0x70) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	net_fx_done(&f);
}

/* Regression (found by fuzz/fuzz_virtio_net.c): with MRG_RXBUF, a first
 * receive buffer smaller than the 12-byte header made vnet_rx step its
 * frame offset back by the difference (an unsigned wrap), so the next
 * buffer got host memory from before the frame.  Such a buffer breaks the
 * spec's rule for merged buffers: the device now asks for a reset and
 * delivers nothing. */
TEST(virtio_net_merged_rx_buffer_smaller_than_header)
{
	static struct net_fx f;

	CHECK(net_fx_init(&f, ~0ull) == 0); /* with MRG_RXBUF */
	tr_desc(&f.rx, 0, RXBUF, 4, VIRTQ_DESC_F_WRITE, 0);
	tr_avail(&f.rx, 0);
	tr_desc(&f.rx, 1, RXBUF + 0x800, 2048, VIRTQ_DESC_F_WRITE, 0);
	tr_avail(&f.rx, 1);
	tx_arp(&f);
	run_until_rx(&f, 1, 2000);
	CHECK_EQ(tr_used_idx(&f.rx), 0);
	CHECK(mm_rd(&f.vm, 0, 0x70) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	net_fx_done(&f);
}
