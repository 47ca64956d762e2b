/* Not hostile: checks the SDK's libc subset from inside a guest and exits
 * 0 when every result matches what a hosted C library gives. */
#include "hostile.h"
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>
#include <time.h>

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static void check_printf(void)
{
	char b[128];

	snprintf(b, sizeof(b), "%d|%5d|%-5d|%05d|%+d|%x|%X|%#x|%o|%u", -42, 42, 42, 42,
		 42, 255, 255, 255, 8, 4000000000u);
	EXPECT(!strcmp(b, "-42|   42|42   |00042|+42|ff|FF|0xff|10|4000000000"));
	snprintf(b, sizeof(b), "%ld|%lld|%" PRIu64 "|%zu|%hhd|%hd", LONG_MIN, -1ll,
		 UINT64_MAX, sizeof(int), 300, 70000);
	EXPECT(!strcmp(b, "-9223372036854775808|-1|18446744073709551615|4|44|4464"));
	snprintf(b, sizeof(b), "%s|%.2s|%5s|%-5s|%c|%%|%p", "abc", "abc", "ab", "ab",
		 'z', (void *)0x1234);
	EXPECT(!strcmp(b, "abc|ab|   ab|ab   |z|%|0x1234"));
	snprintf(b, sizeof(b), "%.3f|%f|%.0f|%8.2f|%e|%g|%g|%g", 3.14159, 1.5, 2.5,
		 -1.25, 12345.678, 0.0001, 100000.0, 1e20);
	EXPECT(!strcmp(b, "3.142|1.500000|3|   -1.25|1.234568e+04|0.0001|100000|1e+20"));
	volatile size_t four = 4; /* not a constant: gcc would warn */

	EXPECT(snprintf(b, four, "%s", "abcdef") == 6 && !strcmp(b, "abc"));
	EXPECT(snprintf(b, sizeof(b), "%.5d|%.0d|%3.1x", 42, 0, 7) == 10);
	EXPECT(!strcmp(b, "00042||  7"));
}

static void check_stdlib(void)
{
	char *end;
	int v[100];
	char *p, *q;

	EXPECT(strtol("  -123xyz", &end, 10) == -123 && !strcmp(end, "xyz"));
	EXPECT(strtol("0x1F", NULL, 0) == 31 && strtol("017", NULL, 0) == 15);
	EXPECT(strtoul("ff", NULL, 16) == 255 && atoi("42") == 42);
	errno = 0;
	EXPECT(strtol("99999999999999999999", NULL, 10) == LONG_MAX && errno == ERANGE);
	EXPECT(strtol("abc", &end, 10) == 0 && !strcmp(end, "abc"));
	EXPECT(abs(-5) == 5 && labs(-6l) == 6);
	for (int i = 0; i < 100; i++)
		v[i] = (i * 7919) % 101 - 50;
	qsort(v, 100, sizeof(int), cmp_int);
	for (int i = 1; i < 100; i++)
		EXPECT(v[i - 1] <= v[i]);
	EXPECT(bsearch(&v[37], v, 100, sizeof(int), cmp_int) != NULL);
	p = malloc(10);
	EXPECT(p);
	strcpy(p, "123456789");
	q = realloc(p, 100000);
	EXPECT(q && !strcmp(q, "123456789"));
	free(q);
	p = calloc(1000, 1000);
	EXPECT(p && p[999999] == 0);
	free(p);
	p = aligned_alloc(4096, 100);
	EXPECT(p && ((uintptr_t)p & 4095) == 0);
	free(p);
	for (int i = 0; i < 10000; i++) {
		p = malloc((size_t)(i % 300) + 1);
		EXPECT(p);
		p[0] = 1;
		free(p);
	}
}

static void check_string(void)
{
	char b[64] = "hello";
	char t[] = "a,b,,c";

	EXPECT(strlen(b) == 5 && !strcmp(strcat(b, " world"), "hello world"));
	EXPECT(strchr(b, 'o') == b + 4 && strrchr(b, 'o') == b + 7);
	EXPECT(strstr(b, "wor") == b + 6 && !strstr(b, "xyz"));
	EXPECT(memcmp("abc", "abd", 3) < 0 && strncmp("abc", "abd", 2) == 0);
	memmove(b + 1, b, 5);
	EXPECT(!memcmp(b, "hhello", 6));
	EXPECT(!strcmp(strtok(t, ","), "a") && !strcmp(strtok(NULL, ","), "b") &&
	       !strcmp(strtok(NULL, ","), "c") && !strtok(NULL, ","));
	EXPECT(toupper('a') == 'A' && isdigit('7') && !isalpha('7') && isspace('\n'));
}

/* memcpy/memset at every small length and alignment (quadwords, then a
 * tail): exactly the bytes asked for change.  The length is volatile so
 * the compiler calls the SDK's functions instead of inlining them. */
static void check_mem(void)
{
	static unsigned char src[64], dst[64];

	for (int i = 0; i < 64; i++)
		src[i] = (unsigned char)(i * 7 + 1);
	for (volatile size_t n = 0; n <= 40; n++) {
		for (size_t off = 0; off < 8; off++) {
			int ok = 1;

			for (size_t i = 0; i < sizeof(dst); i++)
				dst[i] = 0xee;
			memcpy(dst + off, src + (7 - off), n);
			for (size_t i = 0; i < sizeof(dst); i++)
				ok &= dst[i] == (i >= off && i < off + n ? src[7 - off + i - off] : 0xee);
			memset(dst + off, 0x5a, n);
			for (size_t i = 0; i < sizeof(dst); i++)
				ok &= dst[i] == (i >= off && i < off + n ? 0x5a : 0xee);
			EXPECT(ok);
		}
	}
}

static void check_time(void)
{
	struct timespec a, b, d = { 0, 2000000 };

	EXPECT(clock_gettime(CLOCK_MONOTONIC, &a) == 0);
	EXPECT(nanosleep(&d, NULL) == 0);
	EXPECT(clock_gettime(CLOCK_MONOTONIC, &b) == 0);
	EXPECT((b.tv_sec - a.tv_sec) * 1000000000l + (b.tv_nsec - a.tv_nsec) >= 2000000);
	EXPECT(time(NULL) > 1500000000);
}

int main(void)
{
	check_printf();
	check_stdlib();
	check_string();
	check_mem();
	check_time();
	printf("libc_check: all ok\n");
	return 0;
}
