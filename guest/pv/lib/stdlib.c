/* stdlib.h: number parsing, integer helpers, sorting, rand. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int errno;

/* Parses an unsigned magnitude; *neg tells the sign; *overflow when it
 * does not fit in uint64_t. Returns where parsing stopped (s if nothing). */
static const char *parse_digits(const char *s, int base, uint64_t *out,
				int *neg, int *overflow)
{
	const char *p = s, *start;
	uint64_t v = 0;

	*neg = 0;
	*overflow = 0;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '+' || *p == '-')
		*neg = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    isxdigit((unsigned char)p[2])) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	if (base < 2 || base > 36) {
		errno = EINVAL;
		*out = 0;
		return s;
	}
	start = p;
	for (;; p++) {
		int d;

		if (isdigit((unsigned char)*p))
			d = *p - '0';
		else if (isalpha((unsigned char)*p))
			d = tolower((unsigned char)*p) - 'a' + 10;
		else
			break;
		if (d >= base)
			break;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			*overflow = 1;
		else
			v = v * (uint64_t)base + (uint64_t)d;
	}
	*out = v;
	return p == start ? s : p;
}

long long strtoll(const char *restrict s, char **restrict end, int base)
{
	uint64_t v;
	int neg, of;
	const char *p = parse_digits(s, base, &v, &neg, &of);

	if (end)
		*end = (char *)p;
	if (of || (!neg && v > (uint64_t)LLONG_MAX) ||
	    (neg && v > (uint64_t)LLONG_MAX + 1)) {
		errno = ERANGE;
		return neg ? LLONG_MIN : LLONG_MAX;
	}
	return neg ? (long long)(0 - v) : (long long)v;
}

unsigned long long strtoull(const char *restrict s, char **restrict end, int base)
{
	uint64_t v;
	int neg, of;
	const char *p = parse_digits(s, base, &v, &neg, &of);

	if (end)
		*end = (char *)p;
	if (of) {
		errno = ERANGE;
		return ULLONG_MAX;
	}
	return neg ? 0 - v : v;
}

long strtol(const char *restrict s, char **restrict end, int base)
{
	return strtoll(s, end, base);
}

unsigned long strtoul(const char *restrict s, char **restrict end, int base)
{
	return strtoull(s, end, base);
}

intmax_t strtoimax(const char *restrict s, char **restrict end, int base)
{
	return strtoll(s, end, base);
}

uintmax_t strtoumax(const char *restrict s, char **restrict end, int base)
{
	return strtoull(s, end, base);
}

int atoi(const char *s)
{
	return (int)strtol(s, NULL, 10);
}

long atol(const char *s)
{
	return strtol(s, NULL, 10);
}

long long atoll(const char *s)
{
	return strtoll(s, NULL, 10);
}

int abs(int v)
{
	return v < 0 ? -v : v;
}

long labs(long v)
{
	return v < 0 ? -v : v;
}

long long llabs(long long v)
{
	return v < 0 ? -v : v;
}

intmax_t imaxabs(intmax_t v)
{
	return v < 0 ? -v : v;
}

div_t div(int a, int b)
{
	return (div_t){ a / b, a % b };
}

ldiv_t ldiv(long a, long b)
{
	return (ldiv_t){ a / b, a % b };
}

static uint64_t rand_state = 1;

void srand(unsigned seed)
{
	rand_state = seed;
}

int rand(void)
{
	rand_state = rand_state * 6364136223846793005ull + 1442695040888963407ull;
	return (int)(rand_state >> 33);
}

char *getenv(const char *name)
{
	(void)name;
	return NULL; /* a PV guest has no environment */
}

static void swap_bytes(char *a, char *b, size_t size)
{
	while (size--) {
		char t = *a;

		*a++ = *b;
		*b++ = t;
	}
}

typedef int (*cmp_fn)(const void *, const void *);

static void insertion_sort(char *base, size_t n, size_t size, cmp_fn cmp)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && cmp(base + (j - 1) * size, base + j * size) > 0; j--)
			swap_bytes(base + (j - 1) * size, base + j * size, size);
}

/* Quicksort, median of three, recursing into the smaller part so the
 * stack stays O(log n); insertion sort for small ranges. */
void qsort(void *b, size_t n, size_t size, cmp_fn cmp)
{
	char *base = b;

	while (n > 12) {
		char *lo = base, *mid = base + (n / 2) * size, *hi = base + (n - 1) * size;
		size_t i = 0, j = n - 1;

		if (cmp(mid, lo) < 0)
			swap_bytes(mid, lo, size);
		if (cmp(hi, mid) < 0) {
			swap_bytes(hi, mid, size);
			if (cmp(mid, lo) < 0)
				swap_bytes(mid, lo, size);
		}
		swap_bytes(mid, lo, size); /* pivot at base[0] */
		for (;;) {
			do
				i++;
			while (i < n && cmp(base + i * size, base) < 0);
			do
				j--;
			while (cmp(base + j * size, base) > 0);
			if (i >= j)
				break;
			swap_bytes(base + i * size, base + j * size, size);
		}
		swap_bytes(base, base + j * size, size);
		if (j < n - j - 1) {
			qsort(base, j, size, cmp);
			base += (j + 1) * size;
			n -= j + 1;
		} else {
			qsort(base + (j + 1) * size, n - j - 1, size, cmp);
			n = j;
		}
	}
	insertion_sort(base, n, size, cmp);
}

void *bsearch(const void *key, const void *b, size_t n, size_t size, cmp_fn cmp)
{
	const char *base = b;

	while (n > 0) {
		const char *mid = base + (n / 2) * size;
		int c = cmp(key, mid);

		if (c == 0)
			return (void *)mid;
		if (c > 0) {
			base = mid + size;
			n -= n / 2 + 1;
		} else {
			n /= 2;
		}
	}
	return NULL;
}
