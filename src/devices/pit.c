/* The 8254 PIT (see pit.h).
 *
 * A channel does not tick in software: it remembers when it started
 * counting (`since`) and the ticks counted before a pause (`base`), and
 * its counter and OUT are computed from the clock whenever read.  Linux
 * calibrates the TSC by polling channel 2 in mode 0 through port 0x61,
 * so this keeps those reads exact and cheap.  Only channel 0's interrupt
 * needs a host timer. */
#include "devices/pit.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/device.h"
#include "core/layout.h"
#include "core/vm.h"

#define PIT_PORT_BASE 0x40
#define PIT_PORT_CTRL 3
#define PIT_PORT_61   0x61
#define PIT_MIN_PERIOD_NS 100000ull /* at most 10 kHz of host wakeups */

#define P61_GATE2   0x01
#define P61_SPEAKER 0x02
#define P61_WRITABLE 0x0f
#define P61_REFRESH 0x10
#define P61_OUT2    0x20
#define REFRESH_NS  15085 /* the DRAM refresh toggle period */

enum pit_access { PIT_LATCH = 0, PIT_LSB = 1, PIT_MSB = 2, PIT_WORD = 3 };

struct pit_channel {
	uint8_t mode;	/* 0-5 */
	uint8_t access;	/* enum pit_access */
	bool bcd;
	uint32_t reload; /* 1..65536 (10000 in BCD) */
	bool loaded;	/* a full count was written */
	bool counting;	/* started (modes 1 and 5: triggered by the gate) */
	bool gate;
	uint64_t since;	/* clock when the current run began */
	uint64_t base;	/* ticks counted before `since` */
	bool write_msb;	/* word access: the next write is the MSB */
	uint8_t write_lsb;
	bool read_msb;	/* word access: the next read is the MSB */
	bool count_latched, status_latched;
	uint16_t latch;
	uint8_t status;
};

struct pit_port {
	struct pit *pit;
	bool port61;
};

struct pit {
	struct vm *vm;
	pthread_mutex_t lock;
	struct pit_channel ch[3];
	uint8_t port61; /* writable bits as last written */
	pit_clock_fn now;
	void *now_opaque;
	int tfd; /* channel 0's interrupt timer, -1 if none */
	bool oneshot_armed;
	struct pit_port ports[2];
	struct bus_range ranges[2];
	bool registered; /* ranges are on the bus */
};

static uint64_t pit_monotonic(void *opaque)
{
	struct timespec ts;

	(void)opaque;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t pit_ns_to_ticks(uint64_t ns)
{
	return (uint64_t)(((unsigned __int128)ns * PIT_HZ) / 1000000000u);
}

static uint64_t pit_ticks_to_ns(uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks * 1000000000u + PIT_HZ - 1) / PIT_HZ);
}

static uint16_t pit_to_bcd(uint32_t v)
{
	return (uint16_t)((v / 1000 % 10) << 12 | (v / 100 % 10) << 8 |
			  (v / 10 % 10) << 4 | (v % 10));
}

static uint32_t pit_from_bcd(uint16_t v)
{
	uint32_t d[4] = { v >> 12, (v >> 8) & 15, (v >> 4) & 15, v & 15 };

	for (int i = 0; i < 4; i++)
		if (d[i] > 9)
			d[i] = 9; /* not a BCD digit: the nearest one */
	return d[0] * 1000 + d[1] * 100 + d[2] * 10 + d[3];
}

/* Whether the channel's count advances: modes 2 and 3 stop (and 0 and 4
 * pause) while the gate is low; 1 and 5 run once triggered. */
static bool pit_running(const struct pit_channel *c)
{
	if (!c->counting)
		return false;
	return c->mode == 1 || c->mode == 5 || c->gate;
}

static uint64_t pit_ticks(const struct pit *p, const struct pit_channel *c)
{
	uint64_t t = c->base;

	if (pit_running(c))
		t += pit_ns_to_ticks(p->now(p->now_opaque) - c->since);
	return t;
}

static uint32_t pit_modulus(const struct pit_channel *c)
{
	return c->bcd ? 10000 : 65536;
}

/* The counting element's value, in binary. */
static uint32_t pit_count(const struct pit *p, const struct pit_channel *c)
{
	uint64_t t = pit_ticks(p, c), n = c->reload, half;

	if (!c->counting)
		return c->reload % pit_modulus(c);
	switch (c->mode) {
	case 2:
		return (uint32_t)(n - t % n);
	case 3: /* counts down by two, twice per period */
		half = (n + 1) / 2;
		t %= n;
		return (uint32_t)((n - 2 * (t < half ? t : t - half)) & ~1ull) %
		       pit_modulus(c);
	default: /* 0, 1, 4, 5: down through zero, wrapping */
		return (uint32_t)((n + pit_modulus(c) * 2 - t % pit_modulus(c)) %
				  pit_modulus(c));
	}
}

static bool pit_out(const struct pit *p, const struct pit_channel *c)
{
	uint64_t t, n = c->reload;

	if (!c->counting)
		return c->mode != 0; /* mode 0 drives OUT low from its control word */
	t = pit_ticks(p, c);
	switch (c->mode) {
	case 0:
	case 1:
		return t >= n;
	case 2:
		return !c->gate || t % n != n - 1;
	case 3:
		return !c->gate || t % n < (n + 1) / 2;
	default: /* 4, 5: low for the one tick at terminal count */
		return t != n;
	}
}

static uint16_t pit_read_value(const struct pit *p, const struct pit_channel *c)
{
	uint32_t v = pit_count(p, c);

	return c->bcd ? pit_to_bcd(v) : (uint16_t)v;
}

/* Channel 0's host timer follows its mode and count. */
static void pit_arm_ch0(struct pit *p)
{
	struct pit_channel *c = &p->ch[0];
	uint64_t period;

	p->oneshot_armed = false;
	if (p->tfd < 0)
		return;
	if (!c->counting) {
		evloop_timer_set(p->tfd, 0, 0);
		return;
	}
	period = pit_ticks_to_ns(c->reload);
	if (period < PIT_MIN_PERIOD_NS)
		period = PIT_MIN_PERIOD_NS;
	if (c->mode == 2 || c->mode == 3) {
		evloop_timer_set(p->tfd, period, period);
	} else if (c->mode == 0 || c->mode == 4) {
		p->oneshot_armed = true;
		evloop_timer_set(p->tfd, period, 0);
	} else {
		evloop_timer_set(p->tfd, 0, 0); /* 1 and 5 need a gate edge */
	}
}

static void pit_timer(void *opaque, uint32_t events)
{
	struct pit *p = opaque;
	uint64_t expirations;
	bool fire;

	(void)events;
	/* Reprogrammed since it fired: the read finds nothing. */
	if (read(p->tfd, &expirations, sizeof(expirations)) != sizeof(expirations))
		return;
	pthread_mutex_lock(&p->lock);
	fire = p->ch[0].counting &&
	       (p->ch[0].mode == 2 || p->ch[0].mode == 3 || p->oneshot_armed);
	p->oneshot_armed = false;
	pthread_mutex_unlock(&p->lock);
	/* Missed periods are coalesced into one interrupt, as lost ticks. */
	if (fire)
		vm_irq_pulse(p->vm, LAYOUT_IRQ_PIT);
}

static void pit_start(struct pit *p, unsigned i)
{
	struct pit_channel *c = &p->ch[i];

	c->loaded = true;
	c->base = 0;
	c->since = p->now(p->now_opaque);
	/* Modes 1 and 5 wait for a rising gate. */
	c->counting = !(c->mode == 1 || c->mode == 5);
	if (i == 0)
		pit_arm_ch0(p);
}

static void pit_write_count(struct pit *p, unsigned i, uint8_t v)
{
	struct pit_channel *c = &p->ch[i];
	uint16_t raw;

	switch (c->access) {
	case PIT_LSB:
		raw = v;
		break;
	case PIT_MSB:
		raw = (uint16_t)(v << 8);
		break;
	default:
		if (!c->write_msb) {
			c->write_lsb = v;
			c->write_msb = true;
			/* Mode 0 stops counting (OUT low) until the MSB. */
			if (c->mode == 0 && c->counting) {
				c->counting = false;
				if (i == 0)
					pit_arm_ch0(p);
			}
			return;
		}
		c->write_msb = false;
		raw = (uint16_t)(c->write_lsb | v << 8);
		break;
	}
	c->reload = c->bcd ? pit_from_bcd(raw) : raw;
	if (c->reload == 0)
		c->reload = pit_modulus(c);
	/* A count of 1 never completes a period in modes 2 and 3. */
	if ((c->mode == 2 || c->mode == 3) && c->reload < 2)
		c->reload = 2;
	pit_start(p, i);
}

static void pit_latch_count(struct pit *p, struct pit_channel *c)
{
	if (c->count_latched)
		return; /* the first latch holds until read */
	c->latch = pit_read_value(p, c);
	c->count_latched = true;
	c->read_msb = false;
}

static void pit_latch_status(struct pit *p, struct pit_channel *c)
{
	if (c->status_latched)
		return;
	c->status = (uint8_t)((pit_out(p, c) ? 0x80 : 0) | (c->loaded ? 0 : 0x40) |
			      c->access << 4 | c->mode << 1 | (c->bcd ? 1 : 0));
	c->status_latched = true;
}

static void pit_write_control(struct pit *p, uint8_t v)
{
	unsigned sel = v >> 6, access = (v >> 4) & 3;
	struct pit_channel *c;

	if (sel == 3) { /* read-back: bits 3:1 pick channels */
		for (unsigned i = 0; i < 3; i++) {
			if (!(v & (2u << i)))
				continue;
			if (!(v & 0x20))
				pit_latch_count(p, &p->ch[i]);
			if (!(v & 0x10))
				pit_latch_status(p, &p->ch[i]);
		}
		return;
	}
	c = &p->ch[sel];
	if (access == PIT_LATCH) {
		pit_latch_count(p, c);
		return;
	}
	c->access = (uint8_t)access;
	c->mode = (v >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4; /* 6 and 7 are aliases of 2 and 3 */
	c->bcd = v & 1;
	c->write_msb = c->read_msb = false;
	c->count_latched = c->status_latched = false;
	/* A new mode stops the channel until its count is written. */
	c->loaded = c->counting = false;
	c->base = 0;
	if (sel == 0)
		pit_arm_ch0(p);
}

static uint8_t pit_read_counter(struct pit *p, struct pit_channel *c)
{
	uint16_t v;
	bool msb;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	v = c->count_latched ? c->latch : pit_read_value(p, c);
	if (c->access == PIT_WORD) {
		msb = c->read_msb;
		c->read_msb = !c->read_msb;
		if (msb)
			c->count_latched = false;
	} else {
		msb = c->access == PIT_MSB;
		c->count_latched = false;
	}
	return msb ? (uint8_t)(v >> 8) : (uint8_t)v;
}

static void pit_set_gate2(struct pit *p, bool gate)
{
	struct pit_channel *c = &p->ch[2];
	uint64_t now = p->now(p->now_opaque);

	if (gate == c->gate)
		return;
	if (pit_running(c))
		c->base += pit_ns_to_ticks(now - c->since);
	c->since = now;
	if (gate && c->loaded) {
		/* A rising gate triggers 1 and 5 and restarts 2 and 3. */
		if (c->mode == 1 || c->mode == 5 || c->mode == 2 || c->mode == 3) {
			c->base = 0;
			c->counting = true;
		}
	}
	c->gate = gate;
}

static uint8_t pit_read_61(struct pit *p)
{
	uint8_t v = p->port61 & P61_WRITABLE;

	if ((p->now(p->now_opaque) / REFRESH_NS) & 1)
		v |= P61_REFRESH;
	if (pit_out(p, &p->ch[2]))
		v |= P61_OUT2;
	return v;
}

static void pit_io(void *opaque, uint64_t off, void *data, unsigned len,
		   bool is_write, int cpu)
{
	struct pit_port *pp = opaque;
	struct pit *p = pp->pit;
	uint8_t *b = data;

	(void)cpu;
	pthread_mutex_lock(&p->lock);
	/* Byte registers; a wider access is consecutive byte accesses. */
	for (unsigned i = 0; i < len; i++) {
		unsigned reg = (unsigned)off + i;

		if (pp->port61 && is_write) {
			p->port61 = b[i] & P61_WRITABLE;
			pit_set_gate2(p, b[i] & P61_GATE2);
		} else if (pp->port61) {
			b[i] = pit_read_61(p);
		} else if (reg == PIT_PORT_CTRL) {
			if (is_write)
				pit_write_control(p, b[i]);
			else
				b[i] = 0xff; /* the control word is write-only */
		} else if (is_write) {
			pit_write_count(p, reg, b[i]);
		} else {
			b[i] = pit_read_counter(p, &p->ch[reg]);
		}
	}
	pthread_mutex_unlock(&p->lock);
}

void pit_set_clock(void *opaque, pit_clock_fn now, void *clock_opaque)
{
	struct pit *p = opaque;

	pthread_mutex_lock(&p->lock);
	p->now = now ? now : pit_monotonic;
	p->now_opaque = clock_opaque;
	pthread_mutex_unlock(&p->lock);
}

static void pit_reset(void *state)
{
	struct pit *p = state;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	memset(p->ch, 0, sizeof(p->ch));
	for (int i = 0; i < 3; i++) {
		p->ch[i].reload = 65536;
		p->ch[i].access = PIT_WORD;
		p->ch[i].gate = i != 2; /* channel 2's gate is port 0x61 bit 0 */
	}
	p->port61 = 0;
	pit_arm_ch0(p);
	pthread_mutex_unlock(&p->lock);
}

static void pit_destroy(void *state)
{
	struct pit *p = state;

	if (!p)
		return;
	if (p->registered)
		bus_unregister_all(&p->vm->pio, p->ranges, 2);
	if (p->tfd >= 0) {
		evloop_del(&p->vm->loop, p->tfd);
		close(p->tfd);
	}
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static int pit_create(struct vm *vm, void **state, struct gerr *err)
{
	struct pit *p;

	*state = NULL;
	/* KVM brings its own; a PV machine has no interrupt hardware at all. */
	if (vm->irqchip_in_backend || vm->cfg.mode->platform == PLATFORM_PV)
		return 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		return gerr_set(err, "out of memory");
	p->vm = vm;
	p->now = pit_monotonic;
	pthread_mutex_init(&p->lock, NULL);
	p->tfd = evloop_timer_add(&vm->loop, pit_timer, p, err);
	if (p->tfd < 0) {
		pit_destroy(p);
		return -1;
	}
	pit_reset(p);
	p->ports[0] = (struct pit_port){ p, false };
	p->ports[1] = (struct pit_port){ p, true };
	p->ranges[0] = (struct bus_range){ .base = PIT_PORT_BASE, .len = 4, .fn = pit_io,
					   .opaque = &p->ports[0], .name = "pit" };
	p->ranges[1] = (struct bus_range){ .base = PIT_PORT_61, .len = 1, .fn = pit_io,
					   .opaque = &p->ports[1], .name = "port61" };
	if (bus_register_all(&vm->pio, p->ranges, 2, err) < 0) {
		pit_destroy(p);
		return -1;
	}
	p->registered = true;
	*state = p;
	return 0;
}

static const struct device_class pit_class = {
	.name = "pit",
	.stage = DEVICE_STAGE_PLATFORM,
	.create = pit_create,
	.destroy = pit_destroy,
	.reset = pit_reset,
};
DEVICE_CLASS(pit_class);
