/* Decompressing a bzImage's payload to the vmlinux inside (bzimage.h):
 * what a loader that needs the ELF itself (Xen PV's domain builder) does
 * with a kernel as distributions ship it.  Formats as the kernel's build
 * makes them (Documentation/x86/boot.rst, payload_offset): each ends with
 * the uncompressed size, 32-bit little-endian, which bounds the output. */
#include <lz4.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "boot/bzimage.h"

#define UNPACK_MAX	  (512u << 20)
#define LZ4_LEGACY_MAGIC  0x184c2102u
#define LZ4_LEGACY_BLOCK  (8u << 20) /* each block's output at most */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static int gunzip(const uint8_t *in, size_t len, uint8_t *out, size_t cap,
		  size_t *got, struct gerr *err)
{
	z_stream z;
	int rc;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return gerr_set(err, "gzip: cannot start zlib");
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	rc = inflate(&z, Z_FINISH);
	*got = cap - z.avail_out;
	inflateEnd(&z);
	if (rc != Z_STREAM_END)
		return gerr_set(err, "gzip payload is corrupt (zlib %d)", rc);
	return 0;
}

/* The kernel's LZ4 framing: the legacy magic, then blocks each preceded
 * by its compressed size; what follows the last block is the size the
 * kernel's build appends. */
static int unlz4(const uint8_t *in, size_t len, uint8_t *out, size_t cap,
		 size_t *got, struct gerr *err)
{
	size_t pos = 4, n = 0;

	while (len - pos >= 4) {
		uint32_t bsize = le32(in + pos);
		int d;

		if (bsize == LZ4_LEGACY_MAGIC) {
			pos += 4; /* a second stream concatenated */
			continue;
		}
		if (bsize > len - pos - 4)
			break; /* the appended size, or the end */
		pos += 4;
		d = LZ4_decompress_safe((const char *)in + pos, (char *)out + n, (int)bsize,
					(int)(cap - n < LZ4_LEGACY_BLOCK ? cap - n : LZ4_LEGACY_BLOCK));
		if (d < 0)
			return gerr_set(err, "LZ4 payload is corrupt at byte %zu", pos);
		n += (size_t)d;
		pos += bsize;
	}
	*got = n;
	return 0;
}

static int unzstd(const uint8_t *in, size_t len, uint8_t *out, size_t cap,
		  size_t *got, struct gerr *err)
{
	size_t r = ZSTD_decompress(out, cap, in, len);

	if (ZSTD_isError(r))
		return gerr_set(err, "zstd payload: %s", ZSTD_getErrorName(r));
	*got = r;
	return 0;
}

int bzimage_vmlinux(const uint8_t *buf, size_t len, uint8_t **elf, size_t *elf_len,
		    struct gerr *err)
{
	struct bzimage_info bz;
	const uint8_t *p;
	size_t plen, got = 0;
	uint32_t size;
	uint8_t *out;
	int rc;

	if (bzimage_parse(buf, len, &bz, err) < 0)
		return -1;
	if (!bz.payload_len || bz.payload_len < 8)
		return gerr_set(err, "bzImage declares no compressed payload (boot protocol 2.08 or later has one)");
	p = buf + bz.payload_off;
	plen = bz.payload_len;
	/* Some builders pad the payload: the appended size is its last 4
	 * bytes only when nothing follows; trust it only as a bound. */
	size = le32(p + plen - 4);
	if (size < 64 || size > UNPACK_MAX)
		return gerr_set(err, "bzImage payload claims %u bytes uncompressed", size);
	out = malloc(size);
	if (!out)
		return gerr_set(err, "out of memory for the %u-byte vmlinux", size);
	if (p[0] == 0x1f && p[1] == 0x8b)
		rc = gunzip(p, plen, out, size, &got, err);
	else if (le32(p) == LZ4_LEGACY_MAGIC)
		rc = unlz4(p, plen, out, size, &got, err);
	else if (le32(p) == 0xfd2fb528u)
		rc = unzstd(p, plen - 4, out, size, &got, err);
	else
		rc = gerr_set(err, "bzImage payload compressed as %s: gamut unpacks gzip, LZ4 and zstd (extract the vmlinux with the kernel's scripts/extract-vmlinux)",
			      p[0] == 0xfd ? "xz" : p[0] == 0x5d ? "lzma" : p[0] == 'B' ? "bzip2" : "an unknown format");
	if (rc == 0 && got != size)
		rc = gerr_set(err, "bzImage payload unpacked to %zu bytes, its header says %u", got, size);
	if (rc < 0) {
		free(out);
		return -1;
	}
	*elf = out;
	*elf_len = got;
	return 0;
}
