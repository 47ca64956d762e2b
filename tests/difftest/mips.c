/* Guest MIPS of the software CPU on a CPU-bound integer loop (long mode,
 * paging on): `make emu-mips`.  Prints instructions, seconds and MIPS. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cpu/emu/emu.h"

/* The loop: a checksum over a 4 KiB buffer, repeated; ordinary integer code
 * with loads, ALU, a compare and a taken branch per iteration.
 *   mov ecx, 200000        ; outer
 * o: xor esi, esi
 * i: mov eax, [rbx+rsi*4]
 *    add edx, eax
 *    rol edx, 3
 *    xor edx, esi
 *    inc esi
 *    cmp esi, 1024
 *    jne i
 *    dec ecx
 *    jnz o
 *    hlt */
static const uint8_t loop[] = {
	0xb9, 0x20, 0x4e, 0x00, 0x00,	/* mov ecx, 20000 */
	0x31, 0xf6,			/* xor esi, esi */
	0x8b, 0x04, 0xb3,		/* mov eax, [rbx+rsi*4] */
	0x01, 0xc2,			/* add edx, eax */
	0xc1, 0xc2, 0x03,		/* rol edx, 3 */
	0x31, 0xf2,			/* xor edx, esi */
	0xff, 0xc6,			/* inc esi */
	0x81, 0xfe, 0x00, 0x04, 0x00, 0x00, /* cmp esi, 1024 */
	0x75, 0xec,			/* jne i */
	0xff, 0xc9,			/* dec ecx */
	0x75, 0xe6,			/* jnz o */
	0xf4,				/* hlt */
};

int main(void)
{
	struct guest_mem mem;
	struct gerr err;
	struct emu_solo *s;
	struct x86_state st;
	struct timespec a, b, ca, cb;
	uint64_t n;
	double secs, cpu;

	if (gmem_init(&mem, 4 << 20, false, &err) < 0)
		return 1;
	/* Identity map the first 2 MiB with one large page. */
	gmem_write_u64(&mem, 0x1000, 0x2000 | 3);
	gmem_write_u64(&mem, 0x2000, 0x3000 | 3);
	gmem_write_u64(&mem, 0x3000, 0x0 | 0x83);
	gmem_write(&mem, 0x10000, loop, sizeof(loop));
	s = emu_solo_new(&mem, NULL, NULL, &err);
	if (!s)
		return 1;
	x86_state_reset(&st);
	st.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_ET;
	st.cr3 = 0x1000;
	st.cr4 = X86_CR4_PAE;
	st.efer = X86_EFER_LME | X86_EFER_LMA;
	st.seg[X86_CS] = x86_flat_code64(0x8);
	for (int i = 0; i < X86_NR_SREGS; i++)
		if (i != X86_CS)
			st.seg[i] = x86_flat_data(0x10);
	st.rip = 0x10000;
	st.gpr[X86_RBX] = 0x20000;
	emu_solo_set_state(s, &st);
	clock_gettime(CLOCK_MONOTONIC, &a);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ca);
	emu_solo_run(s, UINT64_MAX);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cb);
	clock_gettime(CLOCK_MONOTONIC, &b);
	n = emu_solo_cpu(s)->icount;
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	cpu = (double)(cb.tv_sec - ca.tv_sec) + (double)(cb.tv_nsec - ca.tv_nsec) / 1e9;
	/* On a shared host the CPU-time figure is the one to compare. */
	printf("emu: %llu instructions in %.3f s wall, %.3f s CPU: %.1f MIPS (CPU time), %.1f MIPS (wall)\n",
	       (unsigned long long)n, secs, cpu, (double)n / cpu / 1e6,
	       (double)n / secs / 1e6);
	emu_solo_free(s);
	gmem_destroy(&mem);
	return 0;
}
