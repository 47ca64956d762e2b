#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int gerr_set(struct gerr *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int gerr_errno(struct gerr *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", strerror(errnum));
	return -1;
}

int gerr_prefix(struct gerr *e, const char *fmt, ...)
{
	char prefix[256];
	size_t plen, mlen;
	va_list ap;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	plen = strlen(prefix);
	mlen = strnlen(e->msg, sizeof(e->msg) - 1);
	if (plen + mlen >= sizeof(e->msg))
		mlen = sizeof(e->msg) - 1 - plen;
	memmove(e->msg + plen, e->msg, mlen);
	memcpy(e->msg, prefix, plen);
	e->msg[plen + mlen] = '\0';
	return -1;
}
