#include "boot/aml.h"

#include <string.h>

#define AML_ZERO_OP	0x00
#define AML_ONE_OP	0x01
#define AML_NAME_OP	0x08
#define AML_BYTE_PFX	0x0a
#define AML_WORD_PFX	0x0b
#define AML_DWORD_PFX	0x0c
#define AML_STRING_PFX	0x0d
#define AML_QWORD_PFX	0x0e
#define AML_SCOPE_OP	0x10
#define AML_BUFFER_OP	0x11
#define AML_PACKAGE_OP	0x12
#define AML_EXT_PFX	0x5b
#define AML_DEVICE_OP	0x82 /* after AML_EXT_PFX */
#define AML_ROOT_CHAR	'\\'
#define AML_DUAL_PFX	0x2e
#define AML_MULTI_PFX	0x2f
/* A body is reserved this much room for its PkgLength, then moved down. */
#define PKGLEN_MAX	4

void aml_init(struct aml *a, uint8_t *buf, size_t cap)
{
	memset(a, 0, sizeof(*a));
	a->buf = buf;
	a->cap = cap;
}

void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (a->overflow || n > a->cap - a->len) {
		a->overflow = true;
		return;
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

void aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

static void le(struct aml *a, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		aml_byte(a, (uint8_t)(v >> (8 * i)));
}

static void nameseg(struct aml *a, const char *s, size_t n)
{
	for (size_t i = 0; i < 4; i++)
		aml_byte(a, i < n ? (uint8_t)s[i] : '_');
}

void aml_namestring(struct aml *a, const char *path)
{
	unsigned segs = 1;

	if (*path == AML_ROOT_CHAR) {
		aml_byte(a, AML_ROOT_CHAR);
		path++;
	}
	for (const char *p = path; *p; p++)
		segs += *p == '.';
	if (segs == 2)
		aml_byte(a, AML_DUAL_PFX);
	else if (segs > 2) {
		aml_byte(a, AML_MULTI_PFX);
		aml_byte(a, (uint8_t)segs);
	}
	while (segs--) {
		size_t n = strcspn(path, ".");

		nameseg(a, path, n > 4 ? 4 : n);
		path += n + (path[n] == '.');
	}
}

void aml_integer(struct aml *a, uint64_t v)
{
	if (v == 0)
		aml_byte(a, AML_ZERO_OP);
	else if (v == 1)
		aml_byte(a, AML_ONE_OP);
	else if (v <= 0xff) {
		aml_byte(a, AML_BYTE_PFX);
		le(a, v, 1);
	} else if (v <= 0xffff) {
		aml_byte(a, AML_WORD_PFX);
		le(a, v, 2);
	} else if (v <= 0xffffffff) {
		aml_byte(a, AML_DWORD_PFX);
		le(a, v, 4);
	} else {
		aml_byte(a, AML_QWORD_PFX);
		le(a, v, 8);
	}
}

void aml_string(struct aml *a, const char *s)
{
	aml_byte(a, AML_STRING_PFX);
	aml_bytes(a, s, strlen(s) + 1);
}

static unsigned hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0');
	if (c >= 'A' && c <= 'F')
		return (unsigned)(c - 'A' + 10);
	return 0;
}

/* Three letters of five bits each, then four hex digits; stored so that
 * the bytes read in order: the 16-bit vendor part big-endian first. */
uint32_t aml_eisaid_value(const char *id)
{
	uint32_t v = (uint32_t)((id[0] - 0x40) & 0x1f) << 26 |
		     (uint32_t)((id[1] - 0x40) & 0x1f) << 21 |
		     (uint32_t)((id[2] - 0x40) & 0x1f) << 16;

	for (int i = 3; i < 7; i++)
		v |= hexval(id[i]) << (4 * (6 - i));
	return __builtin_bswap32(v);
}

void aml_eisaid(struct aml *a, const char *id)
{
	aml_byte(a, AML_DWORD_PFX);
	le(a, aml_eisaid_value(id), 4);
}

void aml_name(struct aml *a, const char *path)
{
	aml_byte(a, AML_NAME_OP);
	aml_namestring(a, path);
}

static void open_body(struct aml *a)
{
	static const uint8_t room[PKGLEN_MAX];

	if (a->depth >= AML_MAX_DEPTH) {
		a->overflow = true;
		return;
	}
	aml_bytes(a, room, sizeof(room));
	a->is_buffer[a->depth] = false;
	a->open[a->depth++] = a->len;
}

void aml_scope_open(struct aml *a, const char *path)
{
	aml_byte(a, AML_SCOPE_OP);
	open_body(a);
	aml_namestring(a, path);
}

void aml_device_open(struct aml *a, const char *name)
{
	aml_byte(a, AML_EXT_PFX);
	aml_byte(a, AML_DEVICE_OP);
	open_body(a);
	aml_namestring(a, name);
}

void aml_package_open(struct aml *a, unsigned nr_elements)
{
	aml_byte(a, AML_PACKAGE_OP);
	open_body(a);
	aml_byte(a, (uint8_t)nr_elements);
}

/* A buffer's BufferSize is written at close, in front of its bytes. */
void aml_buffer_open(struct aml *a)
{
	aml_byte(a, AML_BUFFER_OP);
	open_body(a);
	if (!a->overflow)
		a->is_buffer[a->depth - 1] = true;
}

/* PkgLength (ACPI 20.2.4): the count includes its own bytes; one byte holds
 * up to 63, otherwise the top two bits say how many bytes follow and the
 * low nibble of the first byte starts the value. */
static unsigned pkglen_encode(size_t body, uint8_t out[PKGLEN_MAX])
{
	size_t total;
	unsigned n;

	if (body + 1 <= 0x3f) {
		out[0] = (uint8_t)(body + 1);
		return 1;
	}
	for (n = 2; n < PKGLEN_MAX; n++)
		if (body + n < ((size_t)1 << (4 + 8 * (n - 1))))
			break;
	total = body + n;
	out[0] = (uint8_t)(((n - 1) << 6) | (total & 0xf));
	for (unsigned i = 1; i < n; i++)
		out[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
	return n;
}

void aml_close(struct aml *a)
{
	uint8_t head[PKGLEN_MAX + 6];
	size_t start, body;
	unsigned n;
	bool buffer;

	if (a->depth == 0 || a->overflow) {
		a->overflow = true;
		return;
	}
	start = a->open[--a->depth];
	buffer = a->is_buffer[a->depth];
	body = a->len - start;
	if (buffer) {
		/* Integer BufferSize goes first; encode it into head after the PkgLength. */
		struct aml t;
		uint8_t sz[9];

		aml_init(&t, sz, sizeof(sz));
		aml_integer(&t, body);
		n = pkglen_encode(body + t.len, head);
		memcpy(head + n, sz, t.len);
		n += (unsigned)t.len;
	} else {
		n = pkglen_encode(body, head);
	}
	/* head replaces the PKGLEN_MAX reserved bytes in front of the body. */
	if (n > PKGLEN_MAX) {
		if (n - PKGLEN_MAX > a->cap - a->len) {
			a->overflow = true;
			return;
		}
		memmove(a->buf + start + (n - PKGLEN_MAX), a->buf + start, body);
	} else {
		memmove(a->buf + start - PKGLEN_MAX + n, a->buf + start, body);
	}
	memcpy(a->buf + start - PKGLEN_MAX, head, n);
	a->len = start - PKGLEN_MAX + n + body;
}

void aml_res_io(struct aml *a, uint16_t base, uint8_t len)
{
	const uint8_t d[8] = { 0x47, 0x01, (uint8_t)base, (uint8_t)(base >> 8),
			       (uint8_t)base, (uint8_t)(base >> 8), 1, len };

	aml_bytes(a, d, sizeof(d));
}

void aml_res_irq_noflags(struct aml *a, unsigned irq)
{
	uint16_t mask = (uint16_t)(1u << (irq & 15));
	const uint8_t d[3] = { 0x22, (uint8_t)mask, (uint8_t)(mask >> 8) };

	aml_bytes(a, d, sizeof(d));
}

void aml_res_mem32_fixed(struct aml *a, uint32_t base, uint32_t len, bool rw)
{
	aml_byte(a, 0x86);
	le(a, 9, 2);
	aml_byte(a, rw ? 1 : 0);
	le(a, base, 4);
	le(a, len, 4);
}

void aml_res_interrupt(struct aml *a, uint32_t gsi, bool level, bool active_high)
{
	/* Flags: bit0 consumer, bit1 edge (0: level), bit2 active low,
	 * bit3 shared (0: exclusive). */
	uint8_t flags = (uint8_t)(0x01 | (level ? 0 : 0x02) | (active_high ? 0 : 0x04));

	aml_byte(a, 0x89);
	le(a, 6, 2);
	aml_byte(a, flags);
	aml_byte(a, 1);
	le(a, gsi, 4);
}

/* General flags: bit3 max fixed, bit2 min fixed, bit0 clear (producer). */
#define ADDR_GENERAL_FLAGS 0x0c

/* Word (6.4.3.5.3) and DWord (6.4.3.5.2) address space descriptors differ
 * only in the width of their five numeric fields: granularity, min, max,
 * translation offset and length. */
static void res_addr(struct aml *a, unsigned width, uint8_t type, uint8_t tflags,
		     uint32_t min, uint32_t max)
{
	aml_byte(a, width == 2 ? 0x88 : 0x87);
	le(a, 3 + 5 * width, 2); /* type and two flag bytes, then the fields */
	aml_byte(a, type);
	aml_byte(a, ADDR_GENERAL_FLAGS);
	aml_byte(a, tflags);
	le(a, 0, width); /* granularity */
	le(a, min, width);
	le(a, max, width);
	le(a, 0, width); /* translation offset */
	le(a, max - min + 1u, width); /* a full range wraps to 0 */
}

void aml_res_word(struct aml *a, uint8_t type, uint8_t tflags, uint16_t min, uint16_t max)
{
	res_addr(a, 2, type, tflags, min, max);
}

void aml_res_dword(struct aml *a, uint8_t type, uint8_t tflags, uint32_t min, uint32_t max)
{
	res_addr(a, 4, type, tflags, min, max);
}

void aml_res_end(struct aml *a)
{
	const uint8_t d[2] = { 0x79, 0x00 }; /* checksum 0: "treat as correct" */

	aml_bytes(a, d, sizeof(d));
}
