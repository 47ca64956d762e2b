/* Every hypercall port answers a 4-byte write at CPL 3, and reads of them
 * give all ones, without a fault: on a KVM that checks only the TSS I/O
 * bitmap (not IOPL) this holds only if the bitmap opens each of them
 * whole (pv_sys.c); exits 0. */
#include "hostile.h"

static struct {
	int64_t ret;
} blk __attribute__((aligned(8)));

int main(void)
{
	uint32_t v;

	/* Unknown call numbers, up to the one below the trap port. */
	for (unsigned nr = PV_HC_COUNT; nr < PV_PORT_TRAP; nr++) {
		blk.ret = 1;
		raw_hypercall(nr, (uint32_t)(uintptr_t)&blk);
		EXPECT(blk.ret == -PV_ENOSYS);
	}
	for (unsigned nr = 0; nr < PV_PORT_COUNT; nr++) {
		__asm__ volatile("inl %%dx, %%eax" : "=a"(v) : "d"(PV_PORT_BASE + nr) : "memory");
		EXPECT(v == 0xffffffffu);
	}
	printf("io_ports: ok\n");
	return 0;
}
