/* gamut PV SDK: time.h.  Both clocks come from gamut (PV_HC_CLOCK). */
#ifndef GAMUT_PV_TIME_H
#define GAMUT_PV_TIME_H
#include <stddef.h>
typedef long time_t;
typedef long clock_t;
typedef int clockid_t;
struct timespec {
	time_t tv_sec;
	long tv_nsec;
};
#define CLOCK_REALTIME	0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCKS_PER_SEC	1000000l
#define TIME_UTC	1
int clock_gettime(clockid_t id, struct timespec *ts);
int nanosleep(const struct timespec *req, struct timespec *rem);
time_t time(time_t *t);
clock_t clock(void);
double difftime(time_t a, time_t b);
int timespec_get(struct timespec *ts, int base);
#endif
