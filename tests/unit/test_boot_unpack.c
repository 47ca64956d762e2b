/* The vmlinux inside a bzImage (src/boot/unpack.c): each compression a
 * kernel ships with, and payloads that lie. */
#include <lz4.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "../harness.h"
#include "boot/bzimage.h"
#include "test_boot_fixture.h"

#define PLEN_MAX (FX_BZ_KERNEL - FX_BZ_PAYLOAD)

static uint8_t plain[2048];

/* The fixture's bzImage with `pl` (n bytes, the uncompressed size
 * appended as the kernel's build does) as its payload. */
static void bz_with(uint8_t *b, const uint8_t *pl, size_t n, uint32_t size)
{
	fx_bzimage(b);
	memcpy(b + FX_BZ_SETUP + FX_BZ_PAYLOAD, pl, n);
	fx_put32(b + FX_BZ_SETUP + FX_BZ_PAYLOAD + n, size);
	fx_put32(b + 0x24c, (uint32_t)n + 4);
}

static int unpack(const uint8_t *b, uint8_t **out, size_t *n, char *msg)
{
	struct gerr err = { "" };
	int r = bzimage_vmlinux(b, FX_BZ_LEN, out, n, &err);

	strcpy(msg, err.msg);
	return r;
}

static void fill(void)
{
	for (size_t i = 0; i < sizeof(plain); i++)
		plain[i] = (uint8_t)(i % 17 == 0 ? i : 'k');
	memcpy(plain, "\177ELF", 4);
}

TEST(bzimage_unpack_gzip_lz4_zstd)
{
	uint8_t b[FX_BZ_LEN], pl[PLEN_MAX], *out;
	size_t n, got;
	char msg[512];
	z_stream z;

	fill();
	/* gzip */
	memset(&z, 0, sizeof(z));
	CHECK(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
	z.next_in = plain;
	z.avail_in = sizeof(plain);
	z.next_out = pl;
	z.avail_out = sizeof(pl) - 4;
	CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
	n = sizeof(pl) - 4 - z.avail_out;
	deflateEnd(&z);
	bz_with(b, pl, n, sizeof(plain));
	CHECK(unpack(b, &out, &got, msg) == 0);
	CHECK(got == sizeof(plain) && !memcmp(out, plain, got));
	free(out);
	/* LZ4 as the kernel frames it: magic, then size-prefixed blocks */
	fx_put32(pl, 0x184c2102u);
	n = (size_t)LZ4_compress_default((const char *)plain, (char *)pl + 8, sizeof(plain),
					 (int)(sizeof(pl) - 16));
	fx_put32(pl + 4, (uint32_t)n);
	bz_with(b, pl, n + 8, sizeof(plain));
	CHECK(unpack(b, &out, &got, msg) == 0);
	CHECK(got == sizeof(plain) && !memcmp(out, plain, got));
	free(out);
	/* zstd */
	n = ZSTD_compress(pl, sizeof(pl) - 4, plain, sizeof(plain), 3);
	CHECK(!ZSTD_isError(n));
	bz_with(b, pl, n, sizeof(plain));
	CHECK(unpack(b, &out, &got, msg) == 0);
	CHECK(got == sizeof(plain) && !memcmp(out, plain, got));
	free(out);
}

TEST(bzimage_unpack_refuses_lies)
{
	uint8_t b[FX_BZ_LEN], pl[64], *out = NULL;
	size_t got;
	char msg[512];

	/* The fixture's payload: gzip magic, garbage after it. */
	memset(pl, 0x55, sizeof(pl));
	pl[0] = 0x1f;
	pl[1] = 0x8b;
	bz_with(b, pl, sizeof(pl), 4096);
	CHECK(unpack(b, &out, &got, msg) < 0 && strstr(msg, "gzip"));
	/* A size far beyond what any kernel is. */
	bz_with(b, pl, sizeof(pl), 0xf0000000u);
	CHECK(unpack(b, &out, &got, msg) < 0 && strstr(msg, "claims"));
	/* xz is named, not guessed at. */
	pl[0] = 0xfd;
	pl[1] = '7';
	bz_with(b, pl, sizeof(pl), 4096);
	CHECK(unpack(b, &out, &got, msg) < 0 && strstr(msg, "xz"));
	/* LZ4 whose block says more than there is: what decompressed is less
	 * than the header says. */
	fx_put32(pl, 0x184c2102u);
	fx_put32(pl + 4, 40);
	memset(pl + 8, 0x11, 40);
	bz_with(b, pl, 48, 4096);
	CHECK(unpack(b, &out, &got, msg) < 0);
}
