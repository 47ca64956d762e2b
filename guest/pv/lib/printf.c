/* The printf family and stdio output.  One formatter writes into a sink
 * (a bounded buffer or a FILE); stdout is line-buffered, stderr is not,
 * and both end in PV_HC_CONSOLE_WRITE. */
#include <gamut/pv.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct pv_file {
	bool line_buffered;
	size_t len;
	char buf[BUFSIZ];
};

static struct pv_file files[2] = { { true, 0, { 0 } }, { false, 0, { 0 } } };
FILE *const stdout = &files[0];
FILE *const stderr = &files[1];

int fflush(FILE *f)
{
	if (!f) {
		fflush(stdout);
		return fflush(stderr);
	}
	if (f->len)
		pv_console_write(f->buf, f->len);
	f->len = 0;
	return 0;
}

static void file_putc(FILE *f, char c)
{
	f->buf[f->len++] = c;
	if (f->len == sizeof(f->buf) || (c == '\n' && f->line_buffered))
		fflush(f);
}

struct sink {
	FILE *f;     /* or: */
	char *buf;
	size_t cap;
	size_t len;  /* characters produced (snprintf's return value) */
};

static void put(struct sink *s, char c)
{
	if (s->f)
		file_putc(s->f, c);
	else if (s->len + 1 < s->cap)
		s->buf[s->len] = c;
	s->len++;
}

static void put_n(struct sink *s, const char *p, size_t n)
{
	while (n--)
		put(s, *p++);
}

static void pad(struct sink *s, char c, int n)
{
	while (n-- > 0)
		put(s, c);
}

struct spec {
	bool left, plus, space, alt, zero;
	int width, prec; /* prec -1: none */
	char conv;
};

/* Emits prefix + body with the spec's width, padding and zero fill. */
static void emit(struct sink *s, const struct spec *sp, const char *prefix,
		 const char *body, size_t blen, int zeros)
{
	int plen = (int)strlen(prefix), total = plen + zeros + (int)blen;

	if (!sp->left && !sp->zero)
		pad(s, ' ', sp->width - total);
	put_n(s, prefix, (size_t)plen);
	if (!sp->left && sp->zero)
		pad(s, '0', sp->width - total);
	pad(s, '0', zeros);
	put_n(s, body, blen);
	if (sp->left)
		pad(s, ' ', sp->width - total);
}

static void fmt_int(struct sink *s, struct spec sp, uint64_t v, bool neg)
{
	char digits[24], prefix[4] = "";
	const char *set = sp.conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	unsigned base = sp.conv == 'o' ? 8 : (sp.conv == 'x' || sp.conv == 'X' || sp.conv == 'p') ? 16 : 10;
	int n = 0, zeros;

	do {
		digits[sizeof(digits) - 1 - n++] = set[v % base];
		v /= base;
	} while (v);
	if (sp.prec == 0 && n == 1 && digits[sizeof(digits) - 1] == '0')
		n = 0;
	if (neg)
		strcpy(prefix, "-");
	else if (sp.plus)
		strcpy(prefix, "+");
	else if (sp.space)
		strcpy(prefix, " ");
	if ((sp.alt && base == 16 && n) || sp.conv == 'p')
		strcat(prefix, sp.conv == 'X' ? "0X" : "0x");
	zeros = sp.prec > n ? sp.prec - n : 0;
	if (sp.alt && base == 8 && !zeros && (n == 0 || digits[sizeof(digits) - n] != '0'))
		zeros = 1;
	if (sp.prec >= 0)
		sp.zero = false;
	emit(s, &sp, prefix, digits + sizeof(digits) - n, (size_t)n, zeros);
}

static const double pow10_tab[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
				    1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				    1e16, 1e17 };

/* Writes v >= 0 with prec fractional digits into out; returns the length. */
static int fixed(char *out, size_t cap, double v, int prec, bool alt)
{
	uint64_t ip, fr, scale;
	int n = 0, extra = 0;
	char tmp[32];

	if (prec > 17) {
		extra = prec - 17;
		prec = 17;
	}
	scale = (uint64_t)pow10_tab[prec];
	if (v >= 1e19) { /* beyond uint64: digits, then zeros */
		int e = 0;

		while (v >= 1e18) {
			v /= 10;
			e++;
		}
		n = fixed(out, cap - (size_t)e, v, 0, false);
		while (e-- && (size_t)n + 1 < cap)
			out[n++] = '0';
		if (prec || alt)
			out[n++] = '.';
		for (int i = 0; i < prec + extra && (size_t)n + 1 < cap; i++)
			out[n++] = '0';
		return n;
	}
	ip = (uint64_t)v;
	fr = (uint64_t)((v - (double)ip) * (double)scale + 0.5);
	if (fr >= scale) {
		ip++;
		fr -= scale;
	}
	do {
		tmp[n++] = (char)('0' + ip % 10);
		ip /= 10;
	} while (ip);
	for (int i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	if (prec || alt)
		out[n++] = '.';
	for (int i = prec - 1; i >= 0; i--) {
		out[n + i] = (char)('0' + fr % 10);
		fr /= 10;
	}
	n += prec;
	for (int i = 0; i < extra && (size_t)n + 1 < cap; i++)
		out[n++] = '0';
	return n;
}

/* v = m * 10^e with 1 <= m < 10 (v > 0). */
static int decimal_exponent(double *v)
{
	int e = 0;

	while (*v >= 10.0) {
		*v /= 10.0;
		e++;
	}
	while (*v < 1.0) {
		*v *= 10.0;
		e--;
	}
	return e;
}

static int expo(char *out, size_t cap, double v, int prec, bool alt, bool upper)
{
	int e = 0, n;

	if (v != 0.0)
		e = decimal_exponent(&v);
	if (prec <= 17 && v + 0.5 / pow10_tab[prec] >= 10.0) {
		v /= 10.0;
		e++;
	}
	n = fixed(out, cap - 8, v, prec, alt);
	out[n++] = upper ? 'E' : 'e';
	out[n++] = e < 0 ? '-' : '+';
	if (e < 0)
		e = -e;
	if (e >= 100)
		out[n++] = (char)('0' + e / 100);
	out[n++] = (char)('0' + e / 10 % 10);
	out[n++] = (char)('0' + e % 10);
	return n;
}

static int strip_zeros(char *out, int n)
{
	char *dot = memchr(out, '.', (size_t)n);
	char *e = memchr(out, 'e', (size_t)n);
	int tail, end;

	if (!dot)
		return n;
	if (!e)
		e = memchr(out, 'E', (size_t)n);
	end = e ? (int)(e - out) : n;
	tail = n - end;
	while (end > 0 && out[end - 1] == '0')
		end--;
	if (end > 0 && out[end - 1] == '.')
		end--;
	memmove(out + end, out + n - tail, (size_t)tail);
	return end + tail;
}

static void fmt_float(struct sink *s, struct spec sp, double v)
{
	char body[400], prefix[2] = "";
	bool upper = sp.conv == 'E' || sp.conv == 'G' || sp.conv == 'F';
	int n, prec = sp.prec < 0 ? 6 : sp.prec;

	if (prec > 300)
		prec = 300;
	if (v < 0 || (v == 0 && 1 / v < 0)) {
		prefix[0] = '-';
		v = -v;
	} else if (sp.plus) {
		prefix[0] = '+';
	} else if (sp.space) {
		prefix[0] = ' ';
	}
	if (v != v || v > 1.7976931348623157e308) {
		sp.zero = false;
		emit(s, &sp, prefix, v != v ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf"),
		     3, 0);
		return;
	}
	switch (sp.conv) {
	case 'e': case 'E':
		n = expo(body, sizeof(body), v, prec, sp.alt, upper);
		break;
	case 'g': case 'G': {
		double m = v;
		int p = prec ? prec : 1, x = v == 0 ? 0 : decimal_exponent(&m);

		if (p > x && x >= -4)
			n = fixed(body, sizeof(body), v, p - 1 - x, sp.alt);
		else
			n = expo(body, sizeof(body), v, p - 1, sp.alt, upper);
		if (!sp.alt)
			n = strip_zeros(body, n);
		break;
	}
	default:
		n = fixed(body, sizeof(body), v, prec, sp.alt);
	}
	emit(s, &sp, prefix, body, (size_t)n, 0);
}

static const char *parse_spec(const char *p, struct spec *sp, va_list *ap)
{
	memset(sp, 0, sizeof(*sp));
	sp->prec = -1;
	for (;; p++) {
		if (*p == '-') sp->left = true;
		else if (*p == '+') sp->plus = true;
		else if (*p == ' ') sp->space = true;
		else if (*p == '#') sp->alt = true;
		else if (*p == '0') sp->zero = true;
		else break;
	}
	if (*p == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = -sp->width;
		}
		p++;
	}
	while (*p >= '0' && *p <= '9')
		sp->width = sp->width * 10 + (*p++ - '0');
	if (*p == '.') {
		p++;
		sp->prec = 0;
		if (*p == '*') {
			sp->prec = va_arg(*ap, int);
			p++;
		}
		while (*p >= '0' && *p <= '9')
			sp->prec = sp->prec * 10 + (*p++ - '0');
		if (sp->prec < 0)
			sp->prec = -1;
	}
	return p;
}

static int vformat(struct sink *s, const char *fmt, va_list ap0)
{
	va_list ap;

	va_copy(ap, ap0);
	for (const char *p = fmt; *p; p++) {
		struct spec sp;
		int lng = 0; /* 1 h, 2 hh, 3 l, 4 ll/j/z/t */

		if (*p != '%') {
			put(s, *p);
			continue;
		}
		p = parse_spec(p + 1, &sp, &ap);
		for (;; p++) {
			if (*p == 'h') lng = lng == 1 ? 2 : 1;
			else if (*p == 'l') lng = lng == 3 ? 4 : 3;
			else if (*p == 'j' || *p == 'z' || *p == 't') lng = 4;
			else if (*p == 'L') lng = 4;
			else break;
		}
		sp.conv = *p;
		switch (*p) {
		case 'd': case 'i': {
			int64_t v = lng >= 3 ? va_arg(ap, int64_t) : va_arg(ap, int);

			if (lng == 1) v = (short)v;
			if (lng == 2) v = (signed char)v;
			fmt_int(s, sp, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0);
			break;
		}
		case 'u': case 'x': case 'X': case 'o': {
			uint64_t v = lng >= 3 ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);

			if (lng == 1) v = (unsigned short)v;
			if (lng == 2) v = (unsigned char)v;
			fmt_int(s, sp, v, false);
			break;
		}
		case 'p':
			fmt_int(s, sp, (uintptr_t)va_arg(ap, void *), false);
			break;
		case 'c': {
			char c = (char)va_arg(ap, int);

			emit(s, &sp, "", &c, 1, 0);
			break;
		}
		case 's': {
			const char *str = va_arg(ap, const char *);
			size_t n;

			if (!str)
				str = "(null)";
			n = sp.prec >= 0 ? strnlen(str, (size_t)sp.prec) : strlen(str);
			sp.zero = false;
			emit(s, &sp, "", str, n, 0);
			break;
		}
		case 'f': case 'F': case 'e': case 'E': case 'g': case 'G':
			fmt_float(s, sp, va_arg(ap, double));
			break;
		case 'n':
			*va_arg(ap, int *) = (int)s->len;
			break;
		case '%':
			put(s, '%');
			break;
		case '\0':
			p--;
			break;
		default:
			put(s, '%');
			put(s, *p);
		}
	}
	va_end(ap);
	return (int)s->len;
}

int vsnprintf(char *restrict buf, size_t n, const char *restrict fmt, va_list ap)
{
	struct sink s = { NULL, buf, n, 0 };
	int len = vformat(&s, fmt, ap);

	if (n)
		buf[s.len < n ? s.len : n - 1] = '\0';
	return len;
}

int snprintf(char *restrict buf, size_t n, const char *restrict fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

int vsprintf(char *restrict buf, const char *restrict fmt, va_list ap)
{
	return vsnprintf(buf, SIZE_MAX, fmt, ap);
}

int sprintf(char *restrict buf, const char *restrict fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsprintf(buf, fmt, ap);
	va_end(ap);
	return r;
}

int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
	struct sink s = { f, NULL, 0, 0 };
	int r = vformat(&s, fmt, ap);

	if (!f->line_buffered)
		fflush(f);
	return r;
}

int fprintf(FILE *restrict f, const char *restrict fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfprintf(f, fmt, ap);
	va_end(ap);
	return r;
}

int vprintf(const char *restrict fmt, va_list ap)
{
	return vfprintf(stdout, fmt, ap);
}

int printf(const char *restrict fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return r;
}

int fputc(int c, FILE *f)
{
	file_putc(f, (char)c);
	if (!f->line_buffered)
		fflush(f);
	return (unsigned char)c;
}

int putc(int c, FILE *f)
{
	return fputc(c, f);
}

int putchar(int c)
{
	return fputc(c, stdout);
}

int fputs(const char *restrict str, FILE *restrict f)
{
	while (*str)
		file_putc(f, *str++);
	if (!f->line_buffered)
		fflush(f);
	return 0;
}

int puts(const char *s)
{
	fputs(s, stdout);
	return fputc('\n', stdout);
}

size_t fwrite(const void *restrict p, size_t size, size_t n, FILE *restrict f)
{
	const char *c = p;

	for (size_t i = 0; i < size * n; i++)
		file_putc(f, c[i]);
	if (!f->line_buffered)
		fflush(f);
	return n;
}

void perror(const char *s)
{
	extern int errno;

	if (s && *s)
		fprintf(stderr, "%s: %s\n", s, strerror(errno));
	else
		fprintf(stderr, "%s\n", strerror(errno));
}
