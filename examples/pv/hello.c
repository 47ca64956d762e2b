/* The smallest PV guest: prints, reads the clock, exits with a status.
 *   build/gamut-pv-cc hello.c -o hello.pv
 *   build/gamut run --mode pv --kernel hello.pv     (exit status 0) */
#include <stdio.h>
#include <time.h>

int main(int argc, char **argv)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("hello from a gamut PV guest (%d argument%s, clock %s)\n",
	       argc - 1, argc == 2 ? "" : "s", ts.tv_sec || ts.tv_nsec ? "ok" : "zero");
	for (int i = 1; i < argc; i++)
		printf("  argv[%d] = %s\n", i, argv[i]);
	return 0;
}
