/* Error convention (see docs/conventions.md).
 *
 * A function that can fail returns 0 on success and -1 on failure, and fills
 * the caller's `struct gerr` with one human-readable line that names the
 * object (file, device, guest address) and the problem.  Nothing below the
 * CLI prints or exits: the message travels up to main(), which prints it
 * once as "gamut: <message>" and exits non-zero. */
#ifndef GAMUT_CORE_ERR_H
#define GAMUT_CORE_ERR_H

#include <stddef.h>

struct gerr {
	char msg[512];
};

/* Sets the message; always returns -1 so callers can `return gerr_set(...)`. */
int gerr_set(struct gerr *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Like gerr_set, then appends ": strerror(errnum)". Returns -1. */
int gerr_errno(struct gerr *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefixes an existing message with more context ("disk0: " + msg). Returns -1. */
int gerr_prefix(struct gerr *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
