/* Shared by the hostile PV guests: each does one thing the PV ABI must
 * refuse, checks the refusal where it is an error code, and exits with
 * HOSTILE_OK (0) when gamut behaved; tests/integration/pv_hostile.sh
 * checks the exit status and, where gamut must stop the guest, its reason. */
#ifndef GAMUT_TESTS_PV_HOSTILE_H
#define GAMUT_TESTS_PV_HOSTILE_H
#include <gamut/pv.h>
#include <stdio.h>
#include <stdlib.h>

#define EXPECT(cond)                                                           \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("hostile: FAILED %s (line %d)\n", #cond, __LINE__); \
			exit(3);                                               \
		}                                                              \
	} while (0)

/* A hypercall whose argument block address is any 32-bit value. */
static inline void raw_hypercall(unsigned nr, uint32_t arg)
{
	__asm__ volatile("outl %0, %w1" : : "a"(arg), "Nd"((uint16_t)(PV_PORT_BASE + nr))
			 : "memory");
}
#endif
