/* A small AML byte-code writer (ACPI 6.x, chapter 20) for the DSDT: just the
 * objects gamut emits (Scope, Device, Name, Package, Buffer, integers,
 * strings, EISA IDs) and the resource descriptors of _CRS (chapter 6.4).
 *
 * Writes go to a fixed buffer; running out of room sets `overflow` and
 * later writes are dropped, so callers check once at the end. */
#ifndef GAMUT_BOOT_AML_H
#define GAMUT_BOOT_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AML_MAX_DEPTH 8

struct aml {
	uint8_t *buf;
	size_t cap, len;
	bool overflow;
	size_t open[AML_MAX_DEPTH]; /* start of each open PkgLength body */
	bool is_buffer[AML_MAX_DEPTH]; /* BufferSize goes in front at close */
	unsigned depth;
};

void aml_init(struct aml *a, uint8_t *buf, size_t cap);
void aml_bytes(struct aml *a, const void *p, size_t n);
void aml_byte(struct aml *a, uint8_t b);

/* A NameString: "\\_SB_", "COM1", "\\_SB_.VR00"; segments shorter than four
 * characters are padded with '_'. */
void aml_namestring(struct aml *a, const char *path);
/* The smallest integer encoding (Zero, One, Byte, Word, DWord, QWord). */
void aml_integer(struct aml *a, uint64_t v);
void aml_string(struct aml *a, const char *s);
/* A compressed EISA ID ("PNP0501") as a DWord integer. */
void aml_eisaid(struct aml *a, const char *id);
uint32_t aml_eisaid_value(const char *id);

/* Name(path, <object that follows>). */
void aml_name(struct aml *a, const char *path);

/* Objects with a PkgLength: open, write the contents, close. */
void aml_scope_open(struct aml *a, const char *path);
void aml_device_open(struct aml *a, const char *name);
void aml_package_open(struct aml *a, unsigned nr_elements);
void aml_buffer_open(struct aml *a); /* size computed at close */
void aml_close(struct aml *a);

/* Resource descriptors (inside a buffer opened for a ResourceTemplate);
 * aml_res_end closes the template with its End Tag. */
void aml_res_io(struct aml *a, uint16_t base, uint8_t len);
void aml_res_irq_noflags(struct aml *a, unsigned irq);
void aml_res_mem32_fixed(struct aml *a, uint32_t base, uint32_t len, bool rw);
/* Extended Interrupt: consumer, exclusive; `level` / `active_high`. */
void aml_res_interrupt(struct aml *a, uint32_t gsi, bool level, bool active_high);
/* Address space descriptors (6.4.3.5) for a bridge's windows: producer,
 * fixed min and max, length max-min+1.  `type`: AML_RES_MEM, AML_RES_IO,
 * AML_RES_BUS; `tflags` the type-specific flags byte. */
#define AML_RES_MEM 0
#define AML_RES_IO  1
#define AML_RES_BUS 2
void aml_res_word(struct aml *a, uint8_t type, uint8_t tflags, uint16_t min, uint16_t max);
void aml_res_dword(struct aml *a, uint8_t type, uint8_t tflags, uint32_t min, uint32_t max);
void aml_res_end(struct aml *a);

#endif
