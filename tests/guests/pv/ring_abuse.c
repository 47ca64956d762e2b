/* Block ring requests whose buffers point at gamut's structures are
 * answered with -PV_EFAULT; then a producer index that runs away stops
 * the guest ("ring index ran away"). */
#include "hostile.h"
#include <string.h>

PV_MANIFEST(PV_BLOCK("data"));

static union {
	struct pv_ring r;
	char bytes[PV_RING_BYTES(2)];
} ring __attribute__((aligned(4096)));

int main(void)
{
	const struct pv_start_info *si = pv_start_info();
	int dev = pv_device_find(PV_DEV_BLOCK, "data");
	struct pv_hc_ring_setup rs = { 0, 0, PV_QUEUE_BLK, pv_gpa(&ring), 2, 0 };
	struct pv_hc_ring_notify n = { 0, 0, PV_QUEUE_BLK };
	uint64_t bad[4] = { si->frames_end, PV_SYS_GPA, PV_START_INFO_GPA, 0xfffff000ull };

	EXPECT(dev == 0);
	pv_hypercall(PV_HC_RING_SETUP, &rs);
	EXPECT(rs.ret == 0);
	for (int i = 0; i < 4; i++)
		ring.r.slot[i].blk_req = (struct pv_blk_req){ (uint64_t)i, PV_BLK_READ, 512, 0, bad[i] };
	ring.r.req_prod = 4;
	pv_hypercall(PV_HC_RING_NOTIFY, &n);
	EXPECT(n.ret == 0 && ring.r.rsp_prod == 4);
	for (int i = 0; i < 4; i++)
		EXPECT(ring.r.slot[i].blk_rsp.status == -PV_EFAULT);
	printf("hostile: ring refusals ok\n");
	ring.r.req_prod = 4 + 1000; /* 1000 requests in a 4-slot ring */
	pv_hypercall(PV_HC_RING_NOTIFY, &n);
	return 4;
}
