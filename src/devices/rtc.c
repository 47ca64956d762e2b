/* The CMOS RTC (see rtc.h).
 *
 * Time registers are not stored: a read converts "now + offset" to the
 * format register B asks for (BCD or binary, 12 or 24 hours).  While the
 * guest holds SET in register B, its writes go to a frozen copy that
 * becomes the new offset when SET is released; a write without SET takes
 * effect at once.  The seconds tick on host second boundaries, and
 * update-in-progress is reported for the last 244 us before each.
 *
 * Interrupt flags come from two event-loop timers that run only while
 * their interrupt is enabled: one at each second boundary (update-ended
 * and alarm), one at the periodic rate.  Reading register C returns and
 * clears the flags and drops the line. */
#include "devices/rtc.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/device.h"
#include "core/gmem.h"
#include "core/layout.h"
#include "core/vm.h"

#define RTC_PORT 0x70
#define NS 1000000000ull
#define RTC_UIP_NS 244000ull
/* The update timer fires this long after the second boundary, so a
 * guest reading the time from its handler already sees the new second. */
#define RTC_TICK_SLACK_NS 500000ull
#define RTC_MIN_PERIOD_NS (NS / 1024) /* periodic rates above 1 kHz are capped */

enum {
	REG_SEC = 0x00, REG_SEC_ALARM = 0x01, REG_MIN = 0x02,
	REG_MIN_ALARM = 0x03, REG_HOUR = 0x04, REG_HOUR_ALARM = 0x05,
	REG_WDAY = 0x06, REG_MDAY = 0x07, REG_MON = 0x08, REG_YEAR = 0x09,
	REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c, REG_D = 0x0d,
	REG_CENTURY = 0x32,
};

#define A_UIP	0x80
#define B_SET	0x80
#define B_PIE	0x40
#define B_AIE	0x20
#define B_UIE	0x10
#define B_BINARY 0x04
#define B_24H	0x02
#define C_IRQF	0x80
#define C_PF	0x40
#define C_AF	0x20
#define C_UF	0x10
#define D_VRT	0x80
#define ALARM_ANY 0xc0 /* an alarm byte >= 0xc0 matches every value */

struct rtc {
	struct vm *vm;
	pthread_mutex_t lock;
	uint8_t cmos[128]; /* registers A-D and plain CMOS bytes */
	uint8_t index;
	bool nmi_masked;
	int64_t offset;	 /* guest seconds minus host seconds */
	struct tm set_tm; /* the frozen time while SET is held */
	uint8_t flags;	 /* register C */
	bool irq_level;
	rtc_clock_fn now;
	void *now_opaque;
	int tfd_second, tfd_periodic;
	bool registered; /* on the bus */
};

static uint64_t rtc_realtime(void *opaque)
{
	struct timespec ts;

	(void)opaque;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

static bool rtc_binary(const struct rtc *r)
{
	return r->cmos[REG_B] & B_BINARY;
}

static uint8_t rtc_encode(const struct rtc *r, unsigned v)
{
	return rtc_binary(r) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

static unsigned rtc_decode(const struct rtc *r, uint8_t v)
{
	return rtc_binary(r) ? v : (v >> 4) * 10u + (v & 15);
}

/* The guest's time now, broken down (UTC). */
static void rtc_guest_tm(const struct rtc *r, struct tm *tm)
{
	time_t t;

	if (r->cmos[REG_B] & B_SET) {
		*tm = r->set_tm;
		return;
	}
	t = (time_t)(r->now(r->now_opaque) / NS) + (time_t)r->offset;
	gmtime_r(&t, tm);
}

static uint8_t rtc_encode_hour(const struct rtc *r, int hour)
{
	bool pm = hour >= 12;

	if (r->cmos[REG_B] & B_24H)
		return rtc_encode(r, (unsigned)hour);
	hour %= 12;
	return (uint8_t)(rtc_encode(r, hour ? (unsigned)hour : 12) | (pm ? 0x80 : 0));
}

static int rtc_decode_hour(const struct rtc *r, uint8_t v)
{
	int h;

	if (r->cmos[REG_B] & B_24H)
		return (int)rtc_decode(r, v);
	h = (int)rtc_decode(r, v & 0x7f) % 12;
	return (v & 0x80) ? h + 12 : h;
}

static uint8_t rtc_read_time(const struct rtc *r, unsigned reg)
{
	struct tm tm;

	rtc_guest_tm(r, &tm);
	switch (reg) {
	case REG_SEC: return rtc_encode(r, (unsigned)tm.tm_sec);
	case REG_MIN: return rtc_encode(r, (unsigned)tm.tm_min);
	case REG_HOUR: return rtc_encode_hour(r, tm.tm_hour);
	case REG_WDAY: return rtc_encode(r, (unsigned)tm.tm_wday + 1);
	case REG_MDAY: return rtc_encode(r, (unsigned)tm.tm_mday);
	case REG_MON: return rtc_encode(r, (unsigned)tm.tm_mon + 1);
	case REG_YEAR: return rtc_encode(r, (unsigned)(tm.tm_year + 1900) % 100);
	default: return rtc_encode(r, (unsigned)(tm.tm_year + 1900) / 100);
	}
}

/* Applies a write to one time field of tm (values out of range are
 * normalised by timegm, as a real chip would roll them over). */
static void rtc_tm_set(const struct rtc *r, struct tm *tm, unsigned reg, uint8_t v)
{
	int d = (int)rtc_decode(r, v);

	switch (reg) {
	case REG_SEC: tm->tm_sec = d; break;
	case REG_MIN: tm->tm_min = d; break;
	case REG_HOUR: tm->tm_hour = rtc_decode_hour(r, v); break;
	case REG_WDAY: break; /* derived from the date */
	case REG_MDAY: tm->tm_mday = d; break;
	case REG_MON: tm->tm_mon = d - 1; break;
	case REG_YEAR: tm->tm_year = (tm->tm_year + 1900) / 100 * 100 + d % 100 - 1900; break;
	default: tm->tm_year = d * 100 + (tm->tm_year + 1900) % 100 - 1900; break;
	}
}

static void rtc_commit(struct rtc *r, struct tm *tm)
{
	time_t t = timegm(tm);

	if (t != (time_t)-1)
		r->offset = (int64_t)t - (int64_t)(r->now(r->now_opaque) / NS);
}

static void rtc_write_time(struct rtc *r, unsigned reg, uint8_t v)
{
	struct tm tm;

	if (r->cmos[REG_B] & B_SET) {
		rtc_tm_set(r, &r->set_tm, reg, v);
		return;
	}
	rtc_guest_tm(r, &tm);
	rtc_tm_set(r, &tm, reg, v);
	rtc_commit(r, &tm);
}

static void rtc_update_irq(struct rtc *r)
{
	uint8_t b = r->cmos[REG_B];
	bool level = (r->flags & C_PF && b & B_PIE) || (r->flags & C_AF && b & B_AIE) ||
		     (r->flags & C_UF && b & B_UIE);

	r->flags = (uint8_t)((r->flags & ~C_IRQF) | (level ? C_IRQF : 0));
	if (level != r->irq_level) {
		r->irq_level = level;
		vm_irq_set(r->vm, LAYOUT_IRQ_RTC, level);
	}
}

static uint64_t rtc_period_ns(const struct rtc *r)
{
	unsigned rs = r->cmos[REG_A] & 15;
	uint64_t p;

	if (!rs)
		return 0;
	/* 32.768 kHz divided by 2^(rs-1); rates 1 and 2 alias 8 and 9. */
	p = ((1ull << ((rs <= 2 ? rs + 7 : rs) - 1)) * NS) / 32768;
	return p < RTC_MIN_PERIOD_NS ? RTC_MIN_PERIOD_NS : p;
}

/* Arms the timers for the interrupts register B enables. */
static void rtc_arm(struct rtc *r)
{
	uint8_t b = r->cmos[REG_B];
	uint64_t period = rtc_period_ns(r), now;

	if (r->tfd_second >= 0) {
		now = r->now(r->now_opaque);
		if ((b & (B_UIE | B_AIE)) && !(b & B_SET))
			evloop_timer_set(r->tfd_second, NS - now % NS + RTC_TICK_SLACK_NS, NS);
		else
			evloop_timer_set(r->tfd_second, 0, 0);
	}
	if (r->tfd_periodic >= 0) {
		if ((b & B_PIE) && period)
			evloop_timer_set(r->tfd_periodic, period, period);
		else
			evloop_timer_set(r->tfd_periodic, 0, 0);
	}
}

static bool rtc_alarm_field(const struct rtc *r, unsigned alarm_reg, unsigned now_reg)
{
	uint8_t a = r->cmos[alarm_reg];

	return a >= ALARM_ANY || a == rtc_read_time(r, now_reg);
}

/* A second boundary passed: update-ended, and the alarm if it matches. */
static void rtc_second(struct rtc *r)
{
	r->flags |= C_UF;
	if (rtc_alarm_field(r, REG_SEC_ALARM, REG_SEC) &&
	    rtc_alarm_field(r, REG_MIN_ALARM, REG_MIN) &&
	    rtc_alarm_field(r, REG_HOUR_ALARM, REG_HOUR))
		r->flags |= C_AF;
	rtc_update_irq(r);
}

static void rtc_timer_second(void *opaque, uint32_t events)
{
	struct rtc *r = opaque;
	uint64_t n;

	(void)events;
	if (read(r->tfd_second, &n, sizeof(n)) != sizeof(n))
		return;
	pthread_mutex_lock(&r->lock);
	if (!(r->cmos[REG_B] & B_SET))
		rtc_second(r);
	pthread_mutex_unlock(&r->lock);
}

static void rtc_timer_periodic(void *opaque, uint32_t events)
{
	struct rtc *r = opaque;
	uint64_t n;

	(void)events;
	if (read(r->tfd_periodic, &n, sizeof(n)) != sizeof(n))
		return;
	pthread_mutex_lock(&r->lock);
	r->flags |= C_PF;
	rtc_update_irq(r);
	pthread_mutex_unlock(&r->lock);
}

static void rtc_write_b(struct rtc *r, uint8_t v)
{
	uint8_t old = r->cmos[REG_B];

	if ((v & B_SET) && !(old & B_SET)) {
		rtc_guest_tm(r, &r->set_tm); /* freeze */
		v &= (uint8_t)~B_UIE; /* SET clears UIE */
	}
	r->cmos[REG_B] = v;
	if (!(v & B_SET) && (old & B_SET))
		rtc_commit(r, &r->set_tm);
	rtc_update_irq(r);
	rtc_arm(r);
}

static bool rtc_is_time_reg(unsigned reg)
{
	return reg == REG_SEC || reg == REG_MIN || reg == REG_HOUR ||
	       (reg >= REG_WDAY && reg <= REG_YEAR) || reg == REG_CENTURY;
}

static uint8_t rtc_read(struct rtc *r, unsigned reg)
{
	uint64_t frac;
	uint8_t v;

	if (rtc_is_time_reg(reg))
		return rtc_read_time(r, reg);
	switch (reg) {
	case REG_A:
		frac = r->now(r->now_opaque) % NS;
		v = r->cmos[REG_A];
		if (!(r->cmos[REG_B] & B_SET) && frac >= NS - RTC_UIP_NS)
			v |= A_UIP;
		return v;
	case REG_C:
		v = r->flags;
		r->flags = 0;
		rtc_update_irq(r);
		return v;
	case REG_D:
		return D_VRT;
	default:
		return r->cmos[reg];
	}
}

static void rtc_write(struct rtc *r, unsigned reg, uint8_t v)
{
	if (rtc_is_time_reg(reg)) {
		rtc_write_time(r, reg, v);
		return;
	}
	switch (reg) {
	case REG_A:
		r->cmos[REG_A] = v & 0x7f; /* UIP is read-only */
		rtc_arm(r);
		break;
	case REG_B:
		rtc_write_b(r, v);
		break;
	case REG_C:
	case REG_D:
		break; /* read-only */
	default:
		r->cmos[reg] = v;
		break;
	}
}

static void rtc_io(void *opaque, uint64_t off, void *data, unsigned len,
		   bool is_write, int cpu)
{
	struct rtc *r = opaque;
	uint8_t *b = data;

	(void)cpu;
	pthread_mutex_lock(&r->lock);
	/* Byte registers; a wider access is consecutive byte accesses. */
	for (unsigned i = 0; i < len; i++) {
		bool index_port = ((off + i) & 1) == 0;

		if (index_port && is_write) {
			r->index = b[i] & 0x7f;
			r->nmi_masked = b[i] & 0x80;
		} else if (index_port) {
			b[i] = 0xff; /* the index port is write-only */
		} else if (is_write) {
			rtc_write(r, r->index, b[i]);
		} else {
			b[i] = rtc_read(r, r->index);
		}
	}
	pthread_mutex_unlock(&r->lock);
}

/* The memory-size bytes a PC BIOS reads, and their checksum. */
static void rtc_cmos_memory(struct rtc *r, uint64_t ram)
{
	uint64_t low = ram < GMEM_LOW_LIMIT ? ram : GMEM_LOW_LIMIT;
	uint64_t high = ram - low, kb, above16;
	unsigned sum = 0;

	kb = low > (1u << 20) ? (low - (1u << 20)) >> 10 : 0;
	if (kb > 0xffff)
		kb = 0xffff;
	r->cmos[0x15] = 0x80; /* 640 KiB of base memory */
	r->cmos[0x16] = 0x02;
	r->cmos[0x17] = r->cmos[0x30] = (uint8_t)kb;
	r->cmos[0x18] = r->cmos[0x31] = (uint8_t)(kb >> 8);
	above16 = low > (16u << 20) ? (low - (16u << 20)) >> 16 : 0;
	if (above16 > 0xffff)
		above16 = 0xffff;
	r->cmos[0x34] = (uint8_t)above16;
	r->cmos[0x35] = (uint8_t)(above16 >> 8);
	high >>= 16;
	r->cmos[0x5b] = (uint8_t)high;
	r->cmos[0x5c] = (uint8_t)(high >> 8);
	r->cmos[0x5d] = (uint8_t)(high >> 16);
	r->cmos[0x14] = 0x02; /* equipment: FPU, VGA, no floppy */
	for (unsigned i = 0x10; i <= 0x2d; i++)
		sum += r->cmos[i];
	r->cmos[0x2e] = (uint8_t)(sum >> 8);
	r->cmos[0x2f] = (uint8_t)sum;
}

void rtc_set_clock(void *opaque, rtc_clock_fn now, void *clock_opaque)
{
	struct rtc *r = opaque;

	pthread_mutex_lock(&r->lock);
	r->now = now ? now : rtc_realtime;
	r->now_opaque = clock_opaque;
	pthread_mutex_unlock(&r->lock);
}

static void rtc_reset(void *state)
{
	struct rtc *r = state;

	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->cmos[REG_A] = 0x26; /* 32.768 kHz time base, 1024 Hz rate */
	r->cmos[REG_B] = B_24H;
	r->flags = 0;
	rtc_update_irq(r);
	rtc_arm(r);
	pthread_mutex_unlock(&r->lock);
}

static void rtc_destroy(void *state)
{
	struct rtc *r = state;

	if (!r)
		return;
	if (r->registered)
		bus_unregister(&r->vm->pio, RTC_PORT);
	for (int i = 0; i < 2; i++) {
		int fd = i ? r->tfd_periodic : r->tfd_second;

		if (fd >= 0) {
			evloop_del(&r->vm->loop, fd);
			close(fd);
		}
	}
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static int rtc_create(struct vm *vm, void **state, struct gerr *err)
{
	enum platform_kind pk = vm->cfg.mode->platform;
	struct rtc *r;

	*state = NULL;
	if (pk != PLATFORM_PC && pk != PLATFORM_MICROVM)
		return 0;
	r = calloc(1, sizeof(*r));
	if (!r)
		return gerr_set(err, "out of memory");
	r->vm = vm;
	r->now = rtc_realtime;
	r->tfd_second = r->tfd_periodic = -1;
	pthread_mutex_init(&r->lock, NULL);
	rtc_cmos_memory(r, vm->cfg.mem_bytes);
	r->tfd_second = evloop_timer_add(&vm->loop, rtc_timer_second, r, err);
	if (r->tfd_second >= 0)
		r->tfd_periodic = evloop_timer_add(&vm->loop, rtc_timer_periodic, r, err);
	if (r->tfd_periodic < 0 ||
	    bus_register(&vm->pio, RTC_PORT, 2, rtc_io, r, "rtc", err) < 0) {
		rtc_destroy(r);
		return -1;
	}
	r->registered = true;
	rtc_reset(r);
	*state = r;
	return 0;
}

static const struct device_class rtc_class = {
	.name = "rtc",
	.stage = DEVICE_STAGE_PLATFORM,
	.create = rtc_create,
	.destroy = rtc_destroy,
	.reset = rtc_reset,
};
DEVICE_CLASS(rtc_class);
