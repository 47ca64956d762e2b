/* PV MMU requests for foreign frames, gamut's structures, already-mapped
 * addresses and W+X are refused; then a write to the read-only start info
 * page faults and, with no handler, gamut stops the guest ("#PF"). */
#include "hostile.h"

#define VA 0x40000000ull

static char frame[4096] __attribute__((aligned(4096)));

static int op(uint32_t code, uint32_t flags, uint64_t va, uint64_t gpa, uint64_t n)
{
	struct pv_mmu_op o = { code, flags, va, gpa, n };

	return pv_mmu(&o, 1, NULL);
}

int main(void)
{
	const struct pv_start_info *si = pv_start_info();

	EXPECT(op(PV_MMU_MAP, 0, VA, si->frames_end, 1) == -PV_EPERM);	/* page tables */
	EXPECT(op(PV_MMU_MAP, 0, VA, PV_SYS_GPA, 1) == -PV_EPERM);	/* GDT/IDT */
	EXPECT(op(PV_MMU_MAP, 0, VA, 1ull << 40, 1) == -PV_EPERM);	/* not RAM */
	EXPECT(op(PV_MMU_MAP, 0, PV_STUB_GPA, pv_gpa(frame), 1) == -PV_EPERM);
	EXPECT(op(PV_MMU_UNMAP, 0, PV_SYS_GPA, 0, 1) == -PV_EPERM);
	EXPECT(op(PV_MMU_MAP, PV_MMU_W | PV_MMU_X, VA, pv_gpa(frame), 1) == -PV_EPERM);
	EXPECT(op(PV_MMU_MAP, 0, VA, pv_gpa(frame), ~0ull) == -PV_EINVAL);
	EXPECT(op(PV_MMU_MAP, PV_MMU_X, VA, pv_gpa(frame), 1) == -PV_EPERM); /* frame is W at its own address */
	EXPECT(op(PV_MMU_MAP, 0, VA, pv_gpa(frame), 1) == 0);
	EXPECT(op(PV_MMU_MAP, 0, VA, pv_gpa(frame), 1) == -PV_EEXIST);
	EXPECT(op(PV_MMU_UNMAP, 0, VA + 4096, 0, 1) == -PV_ENOENT);
	printf("hostile: PV MMU refusals ok\n");
	*(volatile uint32_t *)(uintptr_t)PV_START_INFO_GPA = 0; /* read-only */
	return 4;
}
