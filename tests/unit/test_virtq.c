/* Split virtqueues fed well-formed and hostile rings: every hostile case
 * must end with the queue broken (and the callback run once), never a crash
 * or an endless walk. */
#include "../harness.h"
#include "test_virtq_ring.h"

static int broken_calls;

static void on_broken(void *opaque, struct virtq *vq)
{
	(void)opaque;
	(void)vq;
	broken_calls++;
}

struct fixture {
	struct guest_mem mem;
	struct virtq vq;
	struct test_ring r;
	struct virtq_chain c;
};

static int fx_init(struct fixture *f, uint16_t size)
{
	struct gerr err;

	if (gmem_init(&f->mem, TR_RAM, false, &err) < 0)
		return -1;
	virtq_init(&f->vq, &f->mem, 0, on_broken, NULL);
	tr_init(&f->r, &f->mem, &f->vq, size);
	f->vq.indirect = true;
	broken_calls = 0;
	return virtq_enable(&f->vq);
}

static void fx_done(struct fixture *f)
{
	virtq_destroy(&f->vq);
	gmem_destroy(&f->mem);
}

/* Runs one pop expected to break the queue; returns 1 when it did. */
static int pops_broken(struct fixture *f)
{
	int r = virtq_pop(&f->vq, &f->c);

	return r == -1 && f->vq.broken && broken_calls == 1 &&
	       virtq_pop(&f->vq, &f->c) == -1 && broken_calls == 1;
}

TEST(virtq_pop_push_roundtrip)
{
	static struct fixture f;
	uint32_t id, len;
	char buf[8];

	CHECK(fx_init(&f, 8) == 0);
	gmem_write(&f.mem, TR_BUF, "request", 8);
	tr_desc(&f.r, 3, TR_BUF, 8, VIRTQ_DESC_F_NEXT, 5);
	tr_desc(&f.r, 5, TR_BUF + 0x100, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 6);
	tr_desc(&f.r, 6, TR_BUF + 0x200, 4, VIRTQ_DESC_F_WRITE, 0);
	CHECK_EQ(virtq_pop(&f.vq, &f.c), 0); /* empty */
	tr_avail(&f.r, 3);
	CHECK_EQ(virtq_pop(&f.vq, &f.c), 1);
	CHECK_EQ(f.c.head, 3);
	CHECK_EQ(f.c.nr_read, 1);
	CHECK_EQ(f.c.nr_write, 2);
	CHECK_EQ(f.c.read_len, 8);
	CHECK_EQ(f.c.write_len, 20);
	CHECK_EQ(virtq_copy_from(&f.c, 0, buf, 8), 8);
	CHECK(!memcmp(buf, "request", 8));
	/* A copy that spans both writable buffers. */
	CHECK_EQ(virtq_copy_to(&f.c, 14, "abcdef", 6), 6);
	CHECK_EQ(virtq_copy_to(&f.c, 18, "xyz", 3), 2);
	CHECK(gmem_read(&f.mem, TR_BUF + 0x10e, buf, 2) == 0 && !memcmp(buf, "ab", 2));
	CHECK(gmem_read(&f.mem, TR_BUF + 0x200, buf, 4) == 0 && !memcmp(buf, "cdxy", 4));
	CHECK_EQ(virtq_pop(&f.vq, &f.c), 0);
	virtq_push(&f.vq, &f.c, 1000); /* clamped to the writable length */
	CHECK_EQ(tr_used_idx(&f.r), 1);
	tr_used(&f.r, 0, &id, &len);
	CHECK_EQ(id, 3);
	CHECK_EQ(len, 20);
	CHECK(!f.vq.broken);
	fx_done(&f);
}

TEST(virtq_indirect_table)
{
	static struct fixture f;
	uint64_t t = TR_BUF + 0x1000;

	CHECK(fx_init(&f, 4) == 0);
	tr_table(&f.r, t, 0, TR_BUF, 16, VIRTQ_DESC_F_NEXT, 2);
	tr_table(&f.r, t, 2, TR_BUF + 0x100, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	tr_table(&f.r, t, 1, TR_BUF + 0x400, 1, VIRTQ_DESC_F_WRITE, 0);
	tr_desc(&f.r, 0, t, 48, VIRTQ_DESC_F_INDIRECT, 0);
	tr_avail(&f.r, 0);
	CHECK_EQ(virtq_pop(&f.vq, &f.c), 1);
	CHECK_EQ(f.c.nr_read, 1);
	CHECK_EQ(f.c.nr_write, 2);
	CHECK_EQ(f.c.write_len, 513);
	fx_done(&f);
}

TEST(virtq_zero_length_chain)
{
	static struct fixture f;

	CHECK(fx_init(&f, 4) == 0);
	tr_desc(&f.r, 1, TR_BUF, 0, 0, 0);
	tr_avail(&f.r, 1);
	/* Legal but empty: the device sees no buffers and decides. */
	CHECK_EQ(virtq_pop(&f.vq, &f.c), 1);
	CHECK_EQ(f.c.nr_read + f.c.nr_write, 0);
	CHECK(!f.vq.broken);
	fx_done(&f);
}

TEST(virtq_hostile_descriptor_loop)
{
	static struct fixture f;

	CHECK(fx_init(&f, 8) == 0);
	tr_desc(&f.r, 0, TR_BUF, 1, VIRTQ_DESC_F_NEXT, 1);
	tr_desc(&f.r, 1, TR_BUF, 1, VIRTQ_DESC_F_NEXT, 0);
	tr_avail(&f.r, 0);
	CHECK(pops_broken(&f));
	CHECK(strstr(f.vq.why, "loop") != NULL);
	fx_done(&f);
}

TEST(virtq_hostile_self_loop_zero_length)
{
	static struct fixture f;

	/* Zero-length descriptors add nothing, so only the walk bound stops it. */
	CHECK(fx_init(&f, 256) == 0);
	tr_desc(&f.r, 7, TR_BUF, 0, VIRTQ_DESC_F_NEXT, 7);
	tr_avail(&f.r, 7);
	CHECK(pops_broken(&f));
	fx_done(&f);
}

TEST(virtq_hostile_next_out_of_range)
{
	static struct fixture f;

	CHECK(fx_init(&f, 8) == 0);
	tr_desc(&f.r, 0, TR_BUF, 1, VIRTQ_DESC_F_NEXT, 8);
	tr_avail(&f.r, 0);
	CHECK(pops_broken(&f));
	fx_done(&f);
}

TEST(virtq_hostile_head_out_of_range)
{
	static struct fixture f;

	CHECK(fx_init(&f, 8) == 0);
	tr_avail(&f.r, 0xffff);
	CHECK(pops_broken(&f));
	fx_done(&f);
}

TEST(virtq_hostile_buffer_outside_ram)
{
	static struct fixture f;

	CHECK(fx_init(&f, 8) == 0);
	tr_desc(&f.r, 0, TR_RAM - 4, 8, 0, 0); /* straddles the end */
	tr_avail(&f.r, 0);
	CHECK(pops_broken(&f));
	fx_done(&f);
	CHECK(fx_init(&f, 8) == 0);
	tr_desc(&f.r, 0, ~0ull - 2, 16, VIRTQ_DESC_F_WRITE, 0); /* wraps */
	tr_avail(&f.r, 0);
	CHECK(pops_broken(&f));
	fx_done(&f);
}

TEST(virtq_hostile_huge_length)
{
	static struct fixture f;

	CHECK(fx_init(&f, 8) == 0);
	tr_desc(&f.r, 0, TR_BUF, 0xffffffffu, 0, 0);
	tr_avail(&f.r, 0);
	CHECK(pops_broken(&f));
	fx_done(&f);
	/* Several buffers inside RAM whose sum passes the cap. */
	CHECK(fx_init(&f, 8) == 0);
	for (unsigned i = 0; i < 8; i++)
		tr_desc(&f.r, i, 0, 12u << 20, i < 7 ? VIRTQ_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	tr_avail(&f.r, 0);
	CHECK(pops_broken(&f));
	CHECK(strstr(f.vq.why, "longer than") != NULL);
	fx_done(&f);
}

TEST(virtq_hostile_indirect_in_indirect)
{
	static struct fixture f;
	uint64_t t1 = TR_BUF + 0x1000, t2 = TR_BUF + 0x2000;

	CHECK(fx_init(&f, 4) == 0);
	tr_table(&f.r, t2, 0, TR_BUF, 16, 0, 0);
	tr_table(&f.r, t1, 0, t2, 16, VIRTQ_DESC_F_INDIRECT, 0);
	tr_desc(&f.r, 0, t1, 16, VIRTQ_DESC_F_INDIRECT, 0);
	tr_avail(&f.r, 0);
	CHECK(pops_broken(&f));
	CHECK(strstr(f.vq.why, "inside an indirect") != NULL);
	fx_done(&f);
}

TEST(virtq_hostile_indirect_bad_tables)
{
	static struct fixture f;
	uint64_t t = TR_BUF + 0x1000;

	/* Loop inside the table. */
	CHECK(fx_init(&f, 4) == 0);
	tr_table(&f.r, t, 0, TR_BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	tr_table(&f.r, t, 1, TR_BUF, 16, VIRTQ_DESC_F_NEXT, 0);
	tr_desc(&f.r, 0, t, 32, VIRTQ_DESC_F_INDIRECT, 0);
	tr_avail(&f.r, 0);
	CHECK(pops_broken(&f));
	fx_done(&f);
	/* Length not a multiple of 16, and zero. */
	CHECK(fx_init(&f, 4) == 0);
	tr_desc(&f.r, 0, t, 17, VIRTQ_DESC_F_INDIRECT, 0);
	tr_avail(&f.r, 0);
	CHECK(pops_broken(&f));
	fx_done(&f);
	CHECK(fx_init(&f, 4) == 0);
	tr_desc(&f.r, 0, t, 0, VIRTQ_DESC_F_INDIRECT, 0);
	tr_avail(&f.r, 0);
	CHECK(pops_broken(&f));
	fx_done(&f);
	/* A table bigger than any chain may be. */
	CHECK(fx_init(&f, 4) == 0);
	tr_desc(&f.r, 0, t, 16 * (VIRTQ_IOV_MAX + 1), VIRTQ_DESC_F_INDIRECT, 0);
	tr_avail(&f.r, 0);
	CHECK(pops_broken(&f));
	fx_done(&f);
	/* INDIRECT together with NEXT. */
	CHECK(fx_init(&f, 4) == 0);
	tr_table(&f.r, t, 0, TR_BUF, 16, 0, 0);
	tr_desc(&f.r, 0, t, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	tr_avail(&f.r, 0);
	CHECK(pops_broken(&f));
	fx_done(&f);
	/* Table outside RAM. */
	CHECK(fx_init(&f, 4) == 0);
	tr_desc(&f.r, 0, TR_RAM - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
	tr_avail(&f.r, 0);
	CHECK(pops_broken(&f));
	fx_done(&f);
	/* Not negotiated. */
	CHECK(fx_init(&f, 4) == 0);
	f.vq.indirect = false;
	tr_table(&f.r, t, 0, TR_BUF, 16, 0, 0);
	tr_desc(&f.r, 0, t, 16, VIRTQ_DESC_F_INDIRECT, 0);
	tr_avail(&f.r, 0);
	CHECK(pops_broken(&f));
	fx_done(&f);
}

TEST(virtq_hostile_avail_runaway)
{
	static struct fixture f;

	CHECK(fx_init(&f, 8) == 0);
	tr_desc(&f.r, 0, TR_BUF, 1, 0, 0);
	tr_set_avail_idx(&f.r, 9); /* 9 chains claimed in an 8-entry ring */
	CHECK(pops_broken(&f));
	CHECK(strstr(f.vq.why, "ahead") != NULL);
	fx_done(&f);
	/* Exactly the queue size is fine. */
	CHECK(fx_init(&f, 8) == 0);
	tr_desc(&f.r, 0, TR_BUF, 1, 0, 0);
	tr_set_avail_idx(&f.r, 8);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(virtq_pop(&f.vq, &f.c), 1);
	CHECK_EQ(virtq_pop(&f.vq, &f.c), 0);
	fx_done(&f);
}

TEST(virtq_hostile_readable_after_writable)
{
	static struct fixture f;

	CHECK(fx_init(&f, 8) == 0);
	tr_desc(&f.r, 0, TR_BUF, 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	tr_desc(&f.r, 1, TR_BUF + 4, 4, 0, 0);
	tr_avail(&f.r, 0);
	CHECK(pops_broken(&f));
	CHECK(strstr(f.vq.why, "readable") != NULL);
	fx_done(&f);
}

TEST(virtq_hostile_ring_placement)
{
	static struct fixture f;
	struct gerr err;

	CHECK(gmem_init(&f.mem, TR_RAM, false, &err) == 0);
	virtq_init(&f.vq, &f.mem, 0, on_broken, NULL);
	broken_calls = 0;
	f.vq.size = 8;
	f.vq.desc_gpa = TR_RAM - 64; /* table runs past RAM */
	f.vq.avail_gpa = TR_AVAIL;
	f.vq.used_gpa = TR_USED;
	CHECK(virtq_enable(&f.vq) == -1);
	CHECK(f.vq.broken && broken_calls == 1);
	CHECK_EQ(virtq_pop(&f.vq, &f.c), -1);
	virtq_reset(&f.vq);
	CHECK(!f.vq.broken);
	f.vq.size = 6; /* not a power of two */
	f.vq.desc_gpa = TR_DESC;
	f.vq.avail_gpa = TR_AVAIL;
	f.vq.used_gpa = TR_USED;
	CHECK(virtq_enable(&f.vq) == -1);
	virtq_reset(&f.vq);
	f.vq.size = 8;
	f.vq.desc_gpa = TR_DESC + 8; /* misaligned */
	f.vq.avail_gpa = TR_AVAIL;
	f.vq.used_gpa = TR_USED;
	CHECK(virtq_enable(&f.vq) == -1);
	virtq_reset(&f.vq);
	f.vq.size = 8;
	f.vq.desc_gpa = TR_DESC;
	f.vq.avail_gpa = TR_AVAIL;
	f.vq.used_gpa = 0xd0000000ull; /* MMIO hole, not RAM */
	CHECK(virtq_enable(&f.vq) == -1);
	CHECK_EQ(broken_calls, 4);
	fx_done(&f);
}

TEST(virtq_stale_chain_after_reset_not_pushed)
{
	static struct fixture f;

	CHECK(fx_init(&f, 8) == 0);
	tr_desc(&f.r, 0, TR_BUF, 4, VIRTQ_DESC_F_WRITE, 0);
	tr_avail(&f.r, 0);
	CHECK_EQ(virtq_pop(&f.vq, &f.c), 1);
	virtq_reset(&f.vq);
	tr_init(&f.r, &f.mem, &f.vq, 8);
	CHECK(virtq_enable(&f.vq) == 0);
	virtq_push(&f.vq, &f.c, 4);
	CHECK_EQ(tr_used_idx(&f.r), 0);
	fx_done(&f);
}

TEST(virtq_notify_suppression)
{
	static struct fixture f;

	/* Without EVENT_IDX: the NO_INTERRUPT flag decides. */
	CHECK(fx_init(&f, 8) == 0);
	tr_desc(&f.r, 0, TR_BUF, 4, VIRTQ_DESC_F_WRITE, 0);
	CHECK(!virtq_should_notify(&f.vq)); /* nothing pushed yet... */
	tr_avail(&f.r, 0);
	CHECK_EQ(virtq_pop(&f.vq, &f.c), 1);
	virtq_push(&f.vq, &f.c, 4);
	CHECK(virtq_should_notify(&f.vq));
	CHECK(!virtq_should_notify(&f.vq)); /* ...or since the last one */
	gmem_write_u16(&f.mem, TR_AVAIL, VIRTQ_AVAIL_F_NO_INTERRUPT);
	tr_avail(&f.r, 0);
	CHECK_EQ(virtq_pop(&f.vq, &f.c), 1);
	virtq_push(&f.vq, &f.c, 4);
	CHECK(!virtq_should_notify(&f.vq));
	fx_done(&f);
}

TEST(virtq_event_idx_both_directions)
{
	static struct fixture f;
	struct gerr err;

	CHECK(gmem_init(&f.mem, TR_RAM, false, &err) == 0);
	virtq_init(&f.vq, &f.mem, 0, on_broken, NULL);
	tr_init(&f.r, &f.mem, &f.vq, 8);
	f.vq.event_idx = true;
	CHECK(virtq_enable(&f.vq) == 0);
	tr_desc(&f.r, 0, TR_BUF, 4, VIRTQ_DESC_F_WRITE, 0);
	/* Device side: an empty pop asks to be kicked at the next entry. */
	CHECK_EQ(virtq_pop(&f.vq, &f.c), 0);
	CHECK_EQ(tr_avail_event(&f.r), 0);
	for (int i = 0; i < 3; i++)
		tr_avail(&f.r, 0);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(virtq_pop(&f.vq, &f.c), 1);
		virtq_push(&f.vq, &f.c, 1);
	}
	CHECK_EQ(virtq_pop(&f.vq, &f.c), 0);
	CHECK_EQ(tr_avail_event(&f.r), 3);
	/* Driver side: the first check always interrupts. */
	CHECK(virtq_should_notify(&f.vq));
	/* The driver asks for an interrupt only once used reaches 6. */
	tr_set_used_event(&f.r, 5);
	for (int i = 0; i < 2; i++) {
		tr_avail(&f.r, 0);
		CHECK_EQ(virtq_pop(&f.vq, &f.c), 1);
		virtq_push(&f.vq, &f.c, 1);
		CHECK(!virtq_should_notify(&f.vq)); /* used now 4, 5 */
	}
	tr_avail(&f.r, 0);
	CHECK_EQ(virtq_pop(&f.vq, &f.c), 1);
	virtq_push(&f.vq, &f.c, 1);
	CHECK(virtq_should_notify(&f.vq)); /* used 6 passes used_event 5 */
	fx_done(&f);
}

TEST(virtq_unpop_gives_chains_back)
{
	static struct fixture f;

	CHECK(fx_init(&f, 8) == 0);
	tr_desc(&f.r, 0, TR_BUF, 4, VIRTQ_DESC_F_WRITE, 0);
	tr_desc(&f.r, 1, TR_BUF, 4, VIRTQ_DESC_F_WRITE, 0);
	tr_avail(&f.r, 0);
	tr_avail(&f.r, 1);
	CHECK_EQ(virtq_pop(&f.vq, &f.c), 1);
	CHECK_EQ(virtq_pop(&f.vq, &f.c), 1);
	virtq_unpop(&f.vq, 2);
	CHECK(virtq_has_avail(&f.vq));
	CHECK_EQ(virtq_pop(&f.vq, &f.c), 1);
	CHECK_EQ(f.c.head, 0);
	fx_done(&f);
}
