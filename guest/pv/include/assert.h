/* gamut PV SDK: assert.h. */
#undef assert
#ifdef NDEBUG
#define assert(e) ((void)0)
#else
void __pv_assert_fail(const char *expr, const char *file, int line,
		      const char *func) __attribute__((noreturn));
#define assert(e) ((e) ? (void)0 : __pv_assert_fail(#e, __FILE__, __LINE__, __func__))
#endif
#ifndef static_assert
#define static_assert _Static_assert
#endif
