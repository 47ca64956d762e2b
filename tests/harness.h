/* A small self-registering unit-test harness.
 *
 *   TEST(gmem_rejects_overflow) { CHECK(gmem_ptr(&m, ~0ull, 2) == NULL); }
 *
 * Each TEST registers itself before main(); tests/unit/main.c runs them all
 * (or those whose name contains argv[1]) and ends with the summary line
 * "N passed, N failed, N skipped".  SKIP("why") marks a test skipped. */
#ifndef GAMUT_TESTS_HARNESS_H
#define GAMUT_TESTS_HARNESS_H

#include <stdio.h>

struct test_case {
	const char *name;
	void (*fn)(void);
	struct test_case *next;
};

void harness_register(struct test_case *tc);
void harness_fail(const char *file, int line, const char *expr);
void harness_skip(const char *why);
int harness_failed_now(void);

#define TEST(name)                                                             \
	static void test_##name(void);                                         \
	static struct test_case tc_##name = { #name, test_##name, NULL };      \
	__attribute__((constructor)) static void reg_##name(void)              \
	{                                                                      \
		harness_register(&tc_##name);                                  \
	}                                                                      \
	static void test_##name(void)

/* Records a failure and returns from the test. */
#define CHECK(expr)                                                            \
	do {                                                                   \
		if (!(expr)) {                                                 \
			harness_fail(__FILE__, __LINE__, #expr);               \
			return;                                                \
		}                                                              \
	} while (0)

#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		unsigned long long va_ = (unsigned long long)(a);              \
		unsigned long long vb_ = (unsigned long long)(b);              \
		if (va_ != vb_) {                                              \
			char m_[256];                                          \
			snprintf(m_, sizeof(m_), "%s == %s (0x%llx != 0x%llx)",  \
				 #a, #b, va_, vb_);                            \
			harness_fail(__FILE__, __LINE__, m_);                  \
			return;                                                \
		}                                                              \
	} while (0)

#define SKIP(why)                                                              \
	do {                                                                   \
		harness_skip(why);                                             \
		return;                                                        \
	} while (0)

#endif
