/* PV block benchmark: reads the whole disk "data" sequentially (and, with
 * "write" on the command line, first fills it), reporting MiB/s.
 *   dd if=/dev/zero of=disk.img bs=1M count=256
 *   build/gamut run --mode pv --kernel blkbench.pv --disk data=disk.img \
 *       --cmdline "16"      (buffer size in MiB; default 8)
 * Exit status 0 when every request succeeded. */
#include <gamut/pv.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

PV_MANIFEST(PV_BLOCK("data"));

static double elapsed_ms(uint64_t t0)
{
	return (double)(pv_monotonic_ns() - t0) / 1e6;
}

static int fill(struct pv_blk *b, char *buf, size_t chunk, uint64_t total)
{
	uint64_t t0 = pv_monotonic_ns(), off = 0;

	memset(buf, 0x5a, chunk);
	while (off < total) {
		size_t n = total - off < chunk ? (size_t)(total - off) : chunk;

		if (pv_blk_write(b, off / PV_SECTOR_SIZE, buf, n) < 0)
			return -1;
		off += n;
	}
	if (pv_blk_flush(b) < 0)
		return -1;
	printf("blkbench: wrote %" PRIu64 " MiB in %.1f ms\n", total >> 20,
	       elapsed_ms(t0));
	return 0;
}

int main(int argc, char **argv)
{
	struct pv_blk *b = pv_blk_open("data");
	long mib = 8;
	size_t chunk;
	uint64_t total, off = 0, t0, sum = 0;
	char *buf;
	double ms;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "write"))
			mib = strtol(argv[i], NULL, 0);
	if (!b) {
		fprintf(stderr, "blkbench: no block device 'data'\n");
		return 2;
	}
	chunk = (size_t)(mib > 0 ? mib : 8) << 20;
	total = pv_blk_sectors(b) * PV_SECTOR_SIZE;
	buf = aligned_alloc(4096, chunk);
	if (!buf)
		return 3;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "write") && fill(b, buf, chunk, total) < 0)
			return 4;
	t0 = pv_monotonic_ns();
	while (off < total) {
		size_t n = total - off < chunk ? (size_t)(total - off) : chunk;

		if (pv_blk_read(b, off / PV_SECTOR_SIZE, buf, n) < 0) {
			fprintf(stderr, "blkbench: read error at %" PRIu64 "\n", off);
			return 1;
		}
		sum += (unsigned char)buf[n - 1];
		off += n;
	}
	ms = elapsed_ms(t0);
	printf("blkbench: read %" PRIu64 " MiB in %.1f ms: %.1f MiB/s (sum %" PRIu64 ")\n",
	       total >> 20, ms, ms > 0 ? (double)(total >> 20) * 1000.0 / ms : 0.0, sum);
	return 0;
}
