/* The I/O APIC (see ioapic.h).
 *
 * `irr` holds the requests: a level-triggered pin's bit follows its line,
 * an edge-triggered pin's bit is set by a rising edge and cleared when the
 * interrupt is sent.  A masked request waits in irr and is sent when the
 * guest unmasks the pin, as KVM's and QEMU's I/O APICs do.  Sends are
 * collected under the lock and made after it is dropped, because a LAPIC
 * may call ioapic_eoi() from inside its MSI delivery. */
#include "devices/ioapic.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/device.h"
#include "core/layout.h"
#include "core/vm.h"

#define IOAPIC_MMIO_SIZE 0x1000
#define IOAPIC_REGSEL	 0x00
#define IOAPIC_WINDOW	 0x10
#define IOAPIC_EOI	 0x40 /* the EOI register of later versions */
#define IOAPIC_VERSION	 0x11

#define REG_ID	    0x00
#define REG_VER	    0x01
#define REG_ARB	    0x02
#define REG_REDIR   0x10

#define RTE_VECTOR	0xffull
#define RTE_DELIVERY(e) (((e) >> 8) & 7)
#define RTE_DEST_LOGICAL (1ull << 11)
#define RTE_REMOTE_IRR	(1ull << 14)
#define RTE_LEVEL	(1ull << 15)
#define RTE_MASKED	(1ull << 16)
#define RTE_DEST(e)	((e) >> 56)
/* Writable: vector, delivery mode, dest mode, polarity, trigger, mask;
 * destination.  Delivery status and Remote IRR are read-only. */
#define RTE_LO_WRITABLE 0x1afffu
#define RTE_HI_WRITABLE 0xff000000u

#define DM_LOWEST 1
#define MSI_ADDR_BASE 0xfee00000ull

struct ioapic_msg {
	uint64_t addr;
	uint32_t data;
};

/* At most one send per pin per operation. */
struct ioapic_sends {
	struct ioapic_msg m[IOAPIC_NR_PINS];
	unsigned n;
};

struct ioapic {
	struct vm *vm;
	pthread_mutex_t lock;
	uint32_t id; /* bits 27:24 as read */
	uint8_t sel;
	uint32_t lines, irr;
	uint64_t rte[IOAPIC_NR_PINS];
};

static bool ioapic_delivery_reserved(unsigned dm)
{
	return dm == 3 || dm == 6;
}

static struct ioapic_msg ioapic_msg(uint64_t e)
{
	unsigned dm = RTE_DELIVERY(e);
	struct ioapic_msg m;

	m.addr = MSI_ADDR_BASE | (RTE_DEST(e) << 12) |
		 ((e & RTE_DEST_LOGICAL) ? 1u << 2 : 0) |
		 (dm == DM_LOWEST ? 1u << 3 : 0);
	m.data = (uint32_t)(e & RTE_VECTOR) | dm << 8 | 1u << 14 |
		 ((e & RTE_LEVEL) ? 1u << 15 : 0);
	return m;
}

/* Sends pin's pending request if the RTE allows it now. */
static void ioapic_service(struct ioapic *io, unsigned pin, struct ioapic_sends *out)
{
	uint32_t bit = 1u << pin;
	uint64_t *e = &io->rte[pin];

	if (!(io->irr & bit) || (*e & RTE_MASKED))
		return;
	if (*e & RTE_LEVEL) {
		if (*e & RTE_REMOTE_IRR)
			return; /* the previous one is not EOI'd yet */
		if (ioapic_delivery_reserved(RTE_DELIVERY(*e)))
			return;
		*e |= RTE_REMOTE_IRR;
	} else {
		io->irr &= ~bit;
		if (ioapic_delivery_reserved(RTE_DELIVERY(*e)))
			return;
	}
	out->m[out->n++] = ioapic_msg(*e);
}

static void ioapic_unlock_and_send(struct ioapic *io, const struct ioapic_sends *s)
{
	pthread_mutex_unlock(&io->lock);
	for (unsigned i = 0; i < s->n; i++)
		vm_msi_routed(io->vm, s->m[i].addr, s->m[i].data);
}

void ioapic_set_irq(void *opaque, unsigned pin, int level)
{
	struct ioapic *io = opaque;
	struct ioapic_sends s = { .n = 0 };
	uint32_t bit;

	if (!io || pin >= IOAPIC_NR_PINS)
		return;
	bit = 1u << pin;
	pthread_mutex_lock(&io->lock);
	if (io->rte[pin] & RTE_LEVEL) {
		if (level)
			io->irr |= bit;
		else
			io->irr &= ~bit;
	} else if (level && !(io->lines & bit)) {
		io->irr |= bit;
	}
	if (level)
		io->lines |= bit;
	else
		io->lines &= ~bit;
	ioapic_service(io, pin, &s);
	ioapic_unlock_and_send(io, &s);
}

static void ioapic_eoi_locked(struct ioapic *io, uint8_t vector,
			      struct ioapic_sends *s)
{
	for (unsigned pin = 0; pin < IOAPIC_NR_PINS; pin++) {
		uint64_t *e = &io->rte[pin];

		if (!(*e & RTE_LEVEL) || !(*e & RTE_REMOTE_IRR) ||
		    (*e & RTE_VECTOR) != vector)
			continue;
		*e &= ~RTE_REMOTE_IRR;
		ioapic_service(io, pin, s);
	}
}

void ioapic_eoi(void *opaque, uint8_t vector)
{
	struct ioapic *io = opaque;
	struct ioapic_sends s = { .n = 0 };

	if (!io)
		return;
	pthread_mutex_lock(&io->lock);
	ioapic_eoi_locked(io, vector, &s);
	ioapic_unlock_and_send(io, &s);
}

static uint32_t ioapic_reg_read(const struct ioapic *io)
{
	unsigned pin;

	switch (io->sel) {
	case REG_ID:
	case REG_ARB:
		return io->id;
	case REG_VER:
		return (IOAPIC_NR_PINS - 1) << 16 | IOAPIC_VERSION;
	}
	if (io->sel < REG_REDIR || io->sel >= REG_REDIR + 2 * IOAPIC_NR_PINS)
		return 0;
	pin = (io->sel - REG_REDIR) / 2;
	return (io->sel & 1) ? (uint32_t)(io->rte[pin] >> 32) : (uint32_t)io->rte[pin];
}

static void ioapic_reg_write(struct ioapic *io, uint32_t v, struct ioapic_sends *s)
{
	unsigned pin;
	uint64_t *e;
	bool was_level;

	if (io->sel == REG_ID) {
		io->id = v & 0x0f000000u;
		return;
	}
	if (io->sel < REG_REDIR || io->sel >= REG_REDIR + 2 * IOAPIC_NR_PINS)
		return; /* VER, ARB and unknown registers are read-only */
	pin = (io->sel - REG_REDIR) / 2;
	e = &io->rte[pin];
	if (io->sel & 1) {
		*e = (*e & 0x00ffffffffffffffull) | (uint64_t)(v & RTE_HI_WRITABLE) << 32;
		return;
	}
	was_level = *e & RTE_LEVEL;
	*e = (*e & ~(uint64_t)RTE_LO_WRITABLE) | (v & RTE_LO_WRITABLE);
	if (!(*e & RTE_LEVEL)) {
		/* Edge mode has no Remote IRR (OSes clear a stuck one this
		 * way), and a level pin's request becomes an edge's only on
		 * a new rising edge. */
		*e &= ~RTE_REMOTE_IRR;
		if (was_level)
			io->irr &= ~(1u << pin);
	} else if (io->lines & (1u << pin)) {
		io->irr |= 1u << pin;
	}
	ioapic_service(io, pin, s);
}

static void ioapic_io(void *opaque, uint64_t off, void *data, unsigned len,
		      bool is_write, int cpu)
{
	struct ioapic *io = opaque;
	struct ioapic_sends s = { .n = 0 };
	uint32_t v = 0;

	(void)cpu;
	pthread_mutex_lock(&io->lock);
	if (!is_write) {
		/* Any size reads the bytes of the 32-bit register it covers. */
		uint64_t reg = off & ~3ull, r = 0;

		if (reg == IOAPIC_REGSEL)
			r = io->sel;
		else if (reg == IOAPIC_WINDOW)
			r = ioapic_reg_read(io);
		r >>= 8 * (off & 3);
		memcpy(data, &r, len);
		pthread_mutex_unlock(&io->lock);
		return;
	}
	memcpy(&v, data, len < 4 ? len : 4);
	if (off == IOAPIC_REGSEL)
		io->sel = (uint8_t)v; /* byte writes are common here */
	else if (off == IOAPIC_WINDOW && len >= 4)
		ioapic_reg_write(io, v, &s);
	else if (off == IOAPIC_EOI && len >= 4)
		ioapic_eoi_locked(io, (uint8_t)v, &s);
	/* Anything else (partial window writes, other offsets) is ignored. */
	ioapic_unlock_and_send(io, &s);
}

static void ioapic_reset(void *state)
{
	struct ioapic *io = state;

	if (!io)
		return;
	pthread_mutex_lock(&io->lock);
	io->id = 0;
	io->sel = 0;
	io->irr = 0;
	for (unsigned i = 0; i < IOAPIC_NR_PINS; i++)
		io->rte[i] = RTE_MASKED;
	pthread_mutex_unlock(&io->lock);
}

static int ioapic_create(struct vm *vm, void **state, struct gerr *err)
{
	struct ioapic *io;

	*state = NULL;
	/* KVM brings its own; a PV machine has no interrupt hardware at all. */
	if (vm->irqchip_in_backend || vm->cfg.mode->platform == PLATFORM_PV)
		return 0;
	io = calloc(1, sizeof(*io));
	if (!io)
		return gerr_set(err, "out of memory");
	io->vm = vm;
	pthread_mutex_init(&io->lock, NULL);
	ioapic_reset(io);
	if (bus_register(&vm->mmio, LAYOUT_IOAPIC, IOAPIC_MMIO_SIZE, ioapic_io, io,
			 "ioapic", err) < 0) {
		pthread_mutex_destroy(&io->lock);
		free(io);
		return -1;
	}
	*state = io;
	return 0;
}

static void ioapic_destroy(void *state)
{
	struct ioapic *io = state;

	if (!io)
		return;
	bus_unregister(&io->vm->mmio, LAYOUT_IOAPIC);
	pthread_mutex_destroy(&io->lock);
	free(io);
}

static const struct device_class ioapic_class = {
	.name = "ioapic",
	.stage = DEVICE_STAGE_IRQCHIP,
	.create = ioapic_create,
	.destroy = ioapic_destroy,
	.reset = ioapic_reset,
};
DEVICE_CLASS(ioapic_class);
