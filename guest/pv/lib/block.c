/* Block devices over a PV ring (docs/pv-abi.md section 7): a request is
 * cut into ring requests of up to PV_BLK_MAX_LEN, as many as the ring
 * holds are published at once, and gamut is notified only when its
 * req_event asks for it, so a large transfer costs one exit per ring-full. */
#include <gamut/pv.h>
#include <stdlib.h>
#include <string.h>

#define BLK_ORDER 5

struct pv_blk {
	unsigned dev;
	uint64_t sectors;
	bool readonly;
	volatile struct pv_ring *ring;
	uint32_t req_prod, rsp_cons;
	uint64_t next_id;
};

struct pv_blk *pv_blk_open(const char *name)
{
	struct pv_hc_device_info info;
	struct pv_hc_ring_setup rs = { 0, 0, PV_QUEUE_BLK, 0, BLK_ORDER, 0 };
	struct pv_blk *b;
	int dev = pv_device_find(PV_DEV_BLOCK, name);

	if (dev < 0 || pv_device_info((unsigned)dev, &info) < 0)
		return NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->ring = aligned_alloc(PV_PAGE_SIZE, PV_RING_BYTES(BLK_ORDER));
	if (!b->ring) {
		free(b);
		return NULL;
	}
	memset((void *)b->ring, 0, PV_RING_BYTES(BLK_ORDER));
	b->dev = (unsigned)dev;
	b->sectors = info.capacity;
	b->readonly = info.flags & PV_DEVF_READONLY;
	rs.device = b->dev;
	rs.ring = pv_gpa((const void *)b->ring);
	pv_hypercall(PV_HC_RING_SETUP, &rs);
	if (rs.ret < 0) {
		free((void *)b->ring);
		free(b);
		return NULL;
	}
	return b;
}

uint64_t pv_blk_sectors(const struct pv_blk *b)
{
	return b->sectors;
}

bool pv_blk_readonly(const struct pv_blk *b)
{
	return b->readonly;
}

static void publish(struct pv_blk *b)
{
	uint32_t old = b->ring->req_prod;
	struct pv_hc_ring_notify n = { 0, b->dev, PV_QUEUE_BLK };

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	b->ring->req_prod = b->req_prod;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (pv_ring_need_event(b->ring->req_event, b->req_prod, old))
		pv_hypercall(PV_HC_RING_NOTIFY, &n);
}

/* Collects responses; returns how many, keeping the first error. */
static unsigned collect(struct pv_blk *b, int *status)
{
	unsigned got = 0;
	uint32_t mask = (1u << BLK_ORDER) - 1;

	while (b->rsp_cons != b->ring->rsp_prod) {
		const volatile struct pv_blk_rsp *r =
			&b->ring->slot[b->rsp_cons & mask].blk_rsp;

		if (r->status < 0 && *status == 0)
			*status = r->status;
		b->rsp_cons++;
		got++;
	}
	return got;
}

static int transfer(struct pv_blk *b, uint32_t op, uint64_t sector, char *buf,
		    size_t len)
{
	uint32_t size = 1u << BLK_ORDER;
	size_t off = 0;
	unsigned outstanding = 0;
	int status = 0;

	if (len % PV_SECTOR_SIZE)
		return -PV_EINVAL;
	while (off < len || outstanding || op == PV_BLK_FLUSH) {
		while ((off < len || op == PV_BLK_FLUSH) &&
		       b->req_prod - b->rsp_cons < size) {
			volatile struct pv_blk_req *r =
				&b->ring->slot[b->req_prod & (size - 1)].blk_req;
			uint32_t n = len - off > PV_BLK_MAX_LEN ? PV_BLK_MAX_LEN
								: (uint32_t)(len - off);

			r->id = b->next_id++;
			r->op = op;
			r->len = op == PV_BLK_FLUSH ? 0 : n;
			r->sector = sector + off / PV_SECTOR_SIZE;
			r->buf = op == PV_BLK_FLUSH ? 0 : pv_gpa(buf + off);
			b->req_prod++;
			outstanding++;
			off += op == PV_BLK_FLUSH ? 0 : n;
			if (op == PV_BLK_FLUSH) {
				op = 0; /* one flush request only */
				break;
			}
		}
		publish(b);
		outstanding -= collect(b, &status);
		if (outstanding && b->rsp_cons == b->ring->rsp_prod) {
			b->ring->rsp_event = b->rsp_cons + 1;
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if (b->rsp_cons == b->ring->rsp_prod)
				pv_poll(PV_DEADLINE_NEVER, PV_EVENT_DEVICE(b->dev));
		}
	}
	return status;
}

int pv_blk_read(struct pv_blk *b, uint64_t sector, void *buf, size_t len)
{
	return transfer(b, PV_BLK_READ, sector, buf, len);
}

int pv_blk_write(struct pv_blk *b, uint64_t sector, const void *buf, size_t len)
{
	return transfer(b, PV_BLK_WRITE, sector, (char *)buf, len);
}

int pv_blk_flush(struct pv_blk *b)
{
	return transfer(b, PV_BLK_FLUSH, 0, NULL, 0);
}
