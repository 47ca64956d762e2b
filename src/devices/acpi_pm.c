/* The ACPI registers the FADT points at (ports in core/layout.h), in one
 * of two register sets:
 *
 * - hardware-reduced (microvm): SLEEP_CONTROL_REG, SLEEP_STATUS_REG and
 *   RESET_REG, three byte ports;
 * - fixed hardware (PC): RESET_REG, the PM1a event block (PM1_STS,
 *   PM1_EN), the PM1a control block and the 32-bit PM timer, one port
 *   range from RESET_REG to the timer's last byte; the SCI is ISA line 9,
 *   level-triggered, active high (the MADT says so).
 *
 * Both power off on SLP_EN with SLP_TYP == LAYOUT_ACPI_S5_SLP_TYP (the
 * DSDT's \_S5) and reset on LAYOUT_ACPI_RESET_VALUE written to RESET_REG.
 * Sleep states S1-S4 are not offered by the DSDT, so other SLP_TYP values
 * are ignored, as a platform without them would.  Nothing ever wakes the
 * machine, so WAK_STS reads 0.
 *
 * On the PC, ACPI is always on (FADT SMI_CMD 0): SCI_EN reads 1.  The only
 * fixed event that ever happens is the PM timer's carry (TMR_STS, each
 * time bit 31 of the counter changes): the buttons are not fixed hardware
 * and RTC wake is not in fixed space (FADT flags), and no firmware ever
 * releases the global lock (GBL_STS).  Enable bits read back as written,
 * which ACPICA checks when it enables an event. */
#include "devices/acpi_pm.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/device.h"
#include "core/layout.h"
#include "core/vm.h"

/* SLP_TYP and SLP_EN as they sit in a byte: the hardware-reduced control
 * register, and the high byte of PM1_CNT (bits 10-13). */
#define SLP_TYP_SHIFT 2
#define SLP_TYP_MASK  0x1c
#define SLP_EN	      0x20
#define HWR_NR_PORTS  3
#define PC_BASE	      LAYOUT_PORT_ACPI_RESET
#define PC_NR_PORTS   (LAYOUT_PORT_ACPI_PM_TMR + 4 - PC_BASE)
#define TMR_CARRY_BIT 31 /* FADT TMR_VAL_EXT: a 32-bit counter */
#define PM1_CNT_RW    (ACPI_PM1_BM_RLD | 7u << ACPI_PM1_SLP_TYP_SHIFT)

struct acpi_pm {
	struct vm *vm;
	bool pc;
	pthread_mutex_t lock;
	/* PC only, under lock. */
	uint16_t sts, en, cnt;
	uint64_t carries; /* counter carries already reflected in TMR_STS */
	bool sci;
	acpi_pm_clock_fn now;
	void *now_opaque;
	uint64_t epoch; /* clock value at which the counter was 0 */
	int tfd;	/* the next carry, while TMR_EN waits for it; -1 if none */
	uint64_t armed; /* the carry tfd is set for (ns after epoch), 0: none */
};

static uint64_t acpi_pm_monotonic(void *opaque)
{
	struct timespec ts;

	(void)opaque;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Counter ticks since the epoch (the register shows the low 32 bits). */
static uint64_t acpi_pm_ticks(const struct acpi_pm *p, uint64_t now)
{
	return (uint64_t)(((unsigned __int128)(now - p->epoch) * ACPI_PM_TIMER_HZ) /
			  1000000000u);
}

static void acpi_pm_sleep(struct vm *vm, uint8_t ctl_byte)
{
	if ((ctl_byte & SLP_EN) &&
	    ((ctl_byte & SLP_TYP_MASK) >> SLP_TYP_SHIFT) == LAYOUT_ACPI_S5_SLP_TYP)
		vm_stop(vm, VM_STOP_POWEROFF, 0, "guest powered off (ACPI S5)");
}

static void acpi_pm_reset_reg(struct vm *vm, uint8_t v)
{
	if (v == LAYOUT_ACPI_RESET_VALUE)
		vm_stop(vm, VM_STOP_RESET, 0, "guest reset (ACPI reset register)");
}

/* ---- hardware-reduced registers ---- */

static void acpi_pm_hwr_io(void *opaque, uint64_t off, void *data, unsigned len,
			   bool is_write, int cpu)
{
	struct acpi_pm *p = opaque;
	uint8_t *b = data;

	(void)cpu;
	if (!is_write) {
		/* Control and reset are write-only; status has no event. */
		memset(data, 0, len);
		return;
	}
	for (unsigned i = 0; i < len; i++) {
		uint64_t port = LAYOUT_PORT_ACPI_SLEEP_CTL + off + i;

		if (port == LAYOUT_PORT_ACPI_SLEEP_CTL)
			acpi_pm_sleep(p->vm, b[i]);
		else if (port == LAYOUT_PORT_ACPI_RESET)
			acpi_pm_reset_reg(p->vm, b[i]);
		/* SLEEP_STATUS: write-1-to-clear WAK_STS, never set */
	}
}

/* ---- PC fixed hardware ---- */

/* Brings TMR_STS up to date with the counter, drives the SCI from the
 * enabled status bits and arms the host timer for the next carry when
 * TMR_EN waits for one.  Under lock. */
static void acpi_pm_update(struct acpi_pm *p, uint64_t now)
{
	uint64_t carries = acpi_pm_ticks(p, now) >> TMR_CARRY_BIT;
	bool sci;

	if (carries != p->carries) {
		p->sts |= ACPI_PM1_TMR_STS;
		p->carries = carries;
	}
	sci = (p->sts & p->en & (ACPI_PM1_TMR_STS | ACPI_PM1_GBL_STS | ACPI_PM1_PWRBTN_STS |
				 ACPI_PM1_SLPBTN_STS | ACPI_PM1_RTC_STS)) != 0;
	if (sci != p->sci) {
		p->sci = sci;
		vm_irq_set(p->vm, LAYOUT_IRQ_ACPI, sci);
	}
	if (p->tfd < 0)
		return;
	if ((p->en & ACPI_PM1_TMR_STS) && !(p->sts & ACPI_PM1_TMR_STS)) {
		unsigned __int128 next = (unsigned __int128)(carries + 1) << TMR_CARRY_BIT;
		uint64_t at = (uint64_t)((next * 1000000000u + ACPI_PM_TIMER_HZ - 1) /
					 ACPI_PM_TIMER_HZ);

		/* at > now - epoch: the carry is ahead (at least 1 ns). */
		if (at != p->armed)
			evloop_timer_set(p->tfd, at - (now - p->epoch), 0);
		p->armed = at;
	} else if (p->armed) {
		evloop_timer_set(p->tfd, 0, 0);
		p->armed = 0;
	}
}

static void acpi_pm_timer(void *opaque, uint32_t events)
{
	struct acpi_pm *p = opaque;
	uint64_t expirations;

	(void)events;
	/* Rearmed since it fired: the read finds nothing. */
	if (read(p->tfd, &expirations, sizeof(expirations)) != sizeof(expirations))
		return;
	pthread_mutex_lock(&p->lock);
	p->armed = 0; /* one-shot: it is spent */
	acpi_pm_update(p, p->now(p->now_opaque));
	pthread_mutex_unlock(&p->lock);
}

static uint8_t acpi_pm_pc_read(struct acpi_pm *p, uint64_t port, uint32_t counter)
{
	uint16_t v;

	if (port >= LAYOUT_PORT_ACPI_PM_TMR)
		return (uint8_t)(counter >> 8 * (port - LAYOUT_PORT_ACPI_PM_TMR));
	switch (port & ~1ull) {
	case LAYOUT_PORT_ACPI_PM1A_EVT:
		v = p->sts;
		break;
	case LAYOUT_PORT_ACPI_PM1A_EVT + 2:
		v = p->en;
		break;
	case LAYOUT_PORT_ACPI_PM1A_CNT:
		v = p->cnt | ACPI_PM1_SCI_EN;
		break;
	default: /* RESET_REG is write-only; the gaps read 0 */
		return 0;
	}
	return (uint8_t)(v >> 8 * (port & 1));
}

static void acpi_pm_pc_write(struct acpi_pm *p, uint64_t port, uint8_t b)
{
	unsigned shift = 8 * (port & 1);
	uint16_t mask = (uint16_t)(0xff << shift), v = (uint16_t)(b << shift);

	switch (port & ~1ull) {
	case LAYOUT_PORT_ACPI_RESET & ~1ull:
		if (port == LAYOUT_PORT_ACPI_RESET)
			acpi_pm_reset_reg(p->vm, b);
		break;
	case LAYOUT_PORT_ACPI_PM1A_EVT: /* write 1 to clear */
		p->sts &= (uint16_t)~v;
		break;
	case LAYOUT_PORT_ACPI_PM1A_EVT + 2:
		p->en = (uint16_t)((p->en & ~mask) | (v & ACPI_PM1_EN_MASK));
		break;
	case LAYOUT_PORT_ACPI_PM1A_CNT:
		/* GBL_RLS would signal firmware, and there is none. */
		p->cnt = (uint16_t)((p->cnt & ~mask) | (v & PM1_CNT_RW));
		if (port & 1) /* SLP_TYP and SLP_EN are in the high byte */
			acpi_pm_sleep(p->vm, b);
		break;
	default: /* the timer is read-only; the gaps ignore writes */
		break;
	}
}

static void acpi_pm_pc_io(void *opaque, uint64_t off, void *data, unsigned len,
			  bool is_write, int cpu)
{
	struct acpi_pm *p = opaque;
	uint8_t *b = data;
	uint64_t now;

	(void)cpu;
	pthread_mutex_lock(&p->lock);
	/* One counter value for the whole access: a 32-bit read is atomic. */
	now = p->now(p->now_opaque);
	acpi_pm_update(p, now);
	for (unsigned i = 0; i < len; i++) {
		if (is_write)
			acpi_pm_pc_write(p, PC_BASE + off + i, b[i]);
		else
			b[i] = acpi_pm_pc_read(p, PC_BASE + off + i,
					       (uint32_t)acpi_pm_ticks(p, now));
	}
	if (is_write)
		acpi_pm_update(p, now);
	pthread_mutex_unlock(&p->lock);
}

static void acpi_pm_reset(void *state)
{
	struct acpi_pm *p = state;

	if (!p || !p->pc)
		return;
	pthread_mutex_lock(&p->lock);
	p->sts = 0;
	p->en = 0;
	p->cnt = 0;
	acpi_pm_update(p, p->now(p->now_opaque));
	pthread_mutex_unlock(&p->lock);
}

void acpi_pm_set_clock(void *pm, acpi_pm_clock_fn now, void *opaque)
{
	struct acpi_pm *p = pm;

	if (!p || !p->pc)
		return;
	pthread_mutex_lock(&p->lock);
	p->now = now;
	p->now_opaque = opaque;
	p->epoch = now(opaque);
	p->carries = 0;
	p->armed = 1; /* force rearming against the new clock */
	acpi_pm_update(p, p->epoch);
	pthread_mutex_unlock(&p->lock);
}

static void acpi_pm_destroy(void *state)
{
	struct acpi_pm *p = state;

	if (!p)
		return;
	bus_unregister(&p->vm->pio, p->pc ? PC_BASE : LAYOUT_PORT_ACPI_SLEEP_CTL);
	if (p->tfd >= 0) {
		evloop_del(&p->vm->loop, p->tfd);
		close(p->tfd);
	}
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static int acpi_pm_create(struct vm *vm, void **state, struct gerr *err)
{
	struct acpi_pm *p;
	int ret;

	*state = NULL;
	if (vm->cfg.mode->platform == PLATFORM_PV)
		return 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		return gerr_set(err, "out of memory");
	p->vm = vm;
	p->pc = vm->cfg.mode->platform == PLATFORM_PC;
	p->tfd = -1;
	pthread_mutex_init(&p->lock, NULL);
	if (!p->pc) {
		ret = bus_register(&vm->pio, LAYOUT_PORT_ACPI_SLEEP_CTL, HWR_NR_PORTS,
				   acpi_pm_hwr_io, p, "acpi-pm", err);
	} else {
		p->now = acpi_pm_monotonic;
		p->epoch = p->now(NULL);
		p->tfd = evloop_timer_add(&vm->loop, acpi_pm_timer, p, err);
		ret = p->tfd < 0 ? -1 : bus_register(&vm->pio, PC_BASE, PC_NR_PORTS,
						     acpi_pm_pc_io, p, "acpi-pm", err);
	}
	if (ret < 0) {
		if (p->tfd >= 0) {
			evloop_del(&vm->loop, p->tfd);
			close(p->tfd);
		}
		pthread_mutex_destroy(&p->lock);
		free(p);
		return -1;
	}
	*state = p;
	return 0;
}

static const struct device_class acpi_pm = {
	.name = "acpi-pm",
	.stage = DEVICE_STAGE_PLATFORM,
	.create = acpi_pm_create,
	.destroy = acpi_pm_destroy,
	.reset = acpi_pm_reset,
};
DEVICE_CLASS(acpi_pm);
