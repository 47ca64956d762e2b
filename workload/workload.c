/* The spectrum workload: the same CPU-bound integer job in every mode.
 *
 * It prints a start line, runs a fixed amount of ordinary integer work
 * (a hash over a table, branches, loads and stores, a multiply and a divide
 * now and then), and prints a done line with a checksum, so the host can time
 * it from outside by the arrival of the two lines and check that every mode
 * computed the same result.  It uses only printf, so the same source builds
 * natively, for a Linux guest's initramfs, for a container and as a PV guest.
 *
 * Usage: gamut-workload [ROUNDS]   (default 2000) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define TABLE_WORDS 4096

static uint32_t table[TABLE_WORDS];

static uint32_t round_once(uint32_t seed)
{
	uint32_t h = seed;

	for (uint32_t i = 0; i < TABLE_WORDS; i++) {
		uint32_t v = table[(h ^ i) & (TABLE_WORDS - 1)];

		h = (h ^ v) * 0x01000193u;
		h ^= h >> 13;
		if (h & 1)
			table[i] += h;
		else
			table[i] ^= h >> 3;
		if ((i & 255) == 0)
			h += (h | 1) / ((i | 7) + 1);
	}
	return h;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
	uint32_t sum = 2166136261u;

	if (rounds <= 0)
		rounds = 2000;
	for (uint32_t i = 0; i < TABLE_WORDS; i++)
		table[i] = i * 2654435761u;
	printf("gamut-workload: start %ld\n", rounds);
	fflush(stdout);
	for (long r = 0; r < rounds; r++)
		sum = round_once(sum + (uint32_t)r);
	printf("gamut-workload: done %08x\n", (unsigned)sum);
	fflush(stdout);
	return 0;
}
