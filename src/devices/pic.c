/* The cascaded 8259A pair (see pic.h).
 *
 * Each chip keeps IRR (requests), ISR (in service) and IMR (masked).  The
 * priority of input n is (n - priority_add) mod 8, so rotation is one
 * number.  An input marked level-triggered in the ELCR has its IRR bit
 * follow the line; an edge-triggered one latches a rising edge and keeps
 * it until acknowledged.  The slave's INT output drives the master's
 * input 2 as a level. */
#include "devices/pic.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/device.h"
#include "core/vm.h"

#define PIC_CASCADE 2
#define PIC_NONE 8 /* get_priority: no bit set */

enum pic_init { PIC_READY, PIC_ICW2, PIC_ICW3, PIC_ICW4 };

struct pic_chip {
	uint8_t irr, isr, imr;
	uint8_t elcr, elcr_mask;
	uint8_t lines;	      /* current input levels, for edge detection */
	uint8_t base;	      /* ICW2: vector of input 0 */
	uint8_t priority_add; /* the input with the highest priority */
	enum pic_init init;
	bool need_icw4, single, auto_eoi, rotate_on_aeoi;
	bool special_mask, fully_nested, poll, read_isr;
};

enum pic_port_kind { PIC_PORT_MASTER, PIC_PORT_SLAVE, PIC_PORT_ELCR };

struct pic;
struct pic_port {
	struct pic *pic;
	enum pic_port_kind kind;
	uint16_t base;
};

struct pic {
	struct vm *vm;
	pthread_mutex_t lock;
	struct pic_chip chip[2]; /* 0 master, 1 slave */
	struct pic_port port[3];
	struct bus_range ranges[3];
	bool registered; /* ranges are on the bus */
	/* The master's INT output: written under the lock, read without it
	 * (the software CPU may poll pic_pending at every instruction). */
	atomic_bool output;
};

static void pic_chip_set_line(struct pic_chip *c, unsigned irq, int level)
{
	uint8_t mask = (uint8_t)(1u << irq);

	if (c->elcr & mask) {
		if (level)
			c->irr |= mask;
		else
			c->irr &= (uint8_t)~mask;
	} else if (level && !(c->lines & mask)) {
		c->irr |= mask;
	}
	if (level)
		c->lines |= mask;
	else
		c->lines &= (uint8_t)~mask;
}

/* 0 is the highest priority, PIC_NONE means no bit of mask is set. */
static unsigned pic_priority(const struct pic_chip *c, uint8_t mask)
{
	unsigned p = 0;

	if (!mask)
		return PIC_NONE;
	while (!(mask & (1u << ((p + c->priority_add) & 7))))
		p++;
	return p;
}

/* The input this chip would interrupt with now, or -1. */
static int pic_chip_irq(const struct pic_chip *c, bool master)
{
	unsigned req = pic_priority(c, c->irr & (uint8_t)~c->imr), cur;
	uint8_t in_service = c->isr;

	if (req == PIC_NONE)
		return -1;
	if (c->special_mask)
		in_service &= (uint8_t)~c->imr;
	/* Fully nested: the slave may interrupt its own in-service IR2. */
	if (master && c->fully_nested)
		in_service &= (uint8_t)~(1u << PIC_CASCADE);
	cur = pic_priority(c, in_service);
	return req < cur ? (int)((req + c->priority_add) & 7) : -1;
}

/* Recomputes the cascade and the output; true when the output rose. */
static bool pic_update(struct pic *p)
{
	bool before = atomic_load_explicit(&p->output, memory_order_relaxed), after;

	/* The cascade is a level signal: master IRR 2 follows the slave's
	 * output, so a slave request that vanishes leaves no stale edge. */
	if (pic_chip_irq(&p->chip[1], false) >= 0)
		p->chip[0].irr |= 1u << PIC_CASCADE;
	else
		p->chip[0].irr &= (uint8_t)~(1u << PIC_CASCADE);
	after = pic_chip_irq(&p->chip[0], true) >= 0;
	atomic_store_explicit(&p->output, after, memory_order_release);
	return after && !before;
}

static void pic_unlock_and_kick(struct pic *p, bool rose)
{
	pthread_mutex_unlock(&p->lock);
	if (rose)
		vm_kick(p->vm, 0);
}

static void pic_chip_intack(struct pic_chip *c, unsigned irq)
{
	uint8_t mask = (uint8_t)(1u << irq);

	if (c->auto_eoi) {
		if (c->rotate_on_aeoi)
			c->priority_add = (uint8_t)((irq + 1) & 7);
	} else {
		c->isr |= mask;
	}
	if (!(c->elcr & mask))
		c->irr &= (uint8_t)~mask;
}

void pic_set_irq(void *opaque, unsigned irq, int level)
{
	struct pic *p = opaque;

	if (!p || irq >= 16)
		return;
	pthread_mutex_lock(&p->lock);
	pic_chip_set_line(&p->chip[irq >> 3], irq & 7, level);
	pic_unlock_and_kick(p, pic_update(p));
}

int pic_ack(void *opaque)
{
	struct pic *p = opaque;
	int irq, irq2, vector = -1;

	if (!p)
		return -1;
	pthread_mutex_lock(&p->lock);
	irq = pic_chip_irq(&p->chip[0], true);
	if (irq >= 0) {
		pic_chip_intack(&p->chip[0], (unsigned)irq);
		if (irq == PIC_CASCADE) {
			irq2 = pic_chip_irq(&p->chip[1], false);
			if (irq2 >= 0)
				pic_chip_intack(&p->chip[1], (unsigned)irq2);
			else
				irq2 = 7; /* the request went away: spurious IRQ 15 */
			vector = p->chip[1].base + irq2;
		} else {
			vector = p->chip[0].base + irq;
		}
	}
	pic_unlock_and_kick(p, pic_update(p));
	return vector;
}

bool pic_pending(void *opaque)
{
	struct pic *p = opaque;

	return p && atomic_load_explicit(&p->output, memory_order_acquire);
}

/* Keeps the wiring (ELCR, input levels): after ICW1 an edge input needs
 * a new rising edge, while a level input still requests. */
static void pic_chip_reset(struct pic_chip *c)
{
	uint8_t elcr = c->elcr, elcr_mask = c->elcr_mask, lines = c->lines;

	memset(c, 0, sizeof(*c));
	c->elcr = elcr;
	c->elcr_mask = elcr_mask;
	c->lines = lines;
	c->irr = lines & elcr;
}

static void pic_write_icw1(struct pic_chip *c, uint8_t v)
{
	/* ICW1 clears IMR, ISR and IRR and restarts the sequence; LTIM
	 * (bit 3) is ignored: the ELCR decides edge or level on a PC. */
	pic_chip_reset(c);
	c->init = PIC_ICW2;
	c->need_icw4 = v & 0x01;
	c->single = v & 0x02;
}

static void pic_write_ocw2(struct pic_chip *c, uint8_t v)
{
	unsigned cmd = v >> 5, irq = v & 7, prio;

	switch (cmd) {
	case 0: /* clear rotate in auto-EOI */
	case 4: /* set rotate in auto-EOI */
		c->rotate_on_aeoi = cmd == 4;
		break;
	case 1: /* non-specific EOI */
	case 5: /* rotate on non-specific EOI */
		prio = pic_priority(c, c->isr);
		if (prio == PIC_NONE)
			break;
		irq = (prio + c->priority_add) & 7;
		c->isr &= (uint8_t)~(1u << irq);
		if (cmd == 5)
			c->priority_add = (uint8_t)((irq + 1) & 7);
		break;
	case 3: /* specific EOI */
	case 7: /* rotate on specific EOI */
		c->isr &= (uint8_t)~(1u << irq);
		if (cmd == 7)
			c->priority_add = (uint8_t)((irq + 1) & 7);
		break;
	case 6: /* set priority: irq becomes the lowest */
		c->priority_add = (uint8_t)((irq + 1) & 7);
		break;
	default: /* 2: no operation */
		break;
	}
}

static void pic_write(struct pic_chip *c, unsigned reg, uint8_t v)
{
	if (reg == 0) {
		if (v & 0x10)
			pic_write_icw1(c, v);
		else if (v & 0x08) { /* OCW3 */
			if (v & 0x04)
				c->poll = true;
			if (v & 0x02)
				c->read_isr = v & 0x01;
			if (v & 0x40)
				c->special_mask = (v >> 5) & 1;
		} else {
			pic_write_ocw2(c, v);
		}
		return;
	}
	switch (c->init) {
	case PIC_READY: /* OCW1 */
		c->imr = v;
		break;
	case PIC_ICW2:
		c->base = v & 0xf8;
		c->init = !c->single ? PIC_ICW3 : c->need_icw4 ? PIC_ICW4 : PIC_READY;
		break;
	case PIC_ICW3: /* the cascade is wired to input 2 whatever it says */
		c->init = c->need_icw4 ? PIC_ICW4 : PIC_READY;
		break;
	case PIC_ICW4: /* bit 0 (8086 mode) assumed; buffered mode unused */
		c->auto_eoi = v & 0x02;
		c->fully_nested = v & 0x10;
		c->init = PIC_READY;
		break;
	}
}

static uint8_t pic_read(struct pic_chip *c, unsigned reg, bool master)
{
	int irq;

	if (reg == 1)
		return c->imr;
	if (!c->poll)
		return c->read_isr ? c->isr : c->irr;
	/* Poll: the highest request is acknowledged and reported. */
	c->poll = false;
	irq = pic_chip_irq(c, master);
	if (irq < 0)
		return 0;
	pic_chip_intack(c, (unsigned)irq);
	return (uint8_t)(0x80 | irq);
}

static void pic_io(void *opaque, uint64_t off, void *data, unsigned len,
		   bool is_write, int cpu)
{
	struct pic_port *pp = opaque;
	struct pic *p = pp->pic;
	uint8_t *b = data;

	(void)cpu;
	pthread_mutex_lock(&p->lock);
	/* Byte registers; a wider access is consecutive byte accesses. */
	for (unsigned i = 0; i < len; i++) {
		unsigned reg = (unsigned)(off + i) & 1;

		if (pp->kind == PIC_PORT_ELCR) {
			struct pic_chip *c = &p->chip[reg];

			if (is_write)
				c->elcr = b[i] & c->elcr_mask;
			else
				b[i] = c->elcr;
		} else if (is_write) {
			pic_write(&p->chip[pp->kind], reg, b[i]);
		} else {
			b[i] = pic_read(&p->chip[pp->kind], reg,
					pp->kind == PIC_PORT_MASTER);
		}
	}
	pic_unlock_and_kick(p, pic_update(p));
}

static void pic_reset(void *state)
{
	struct pic *p = state;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	for (int i = 0; i < 2; i++) {
		p->chip[i].elcr = 0;
		pic_chip_reset(&p->chip[i]);
		/* Masked until the guest programs it: vector base 0 would
		 * otherwise land IRQs on exception vectors. */
		p->chip[i].imr = 0xff;
	}
	atomic_store(&p->output, false);
	pthread_mutex_unlock(&p->lock);
}

static void pic_destroy(void *state)
{
	struct pic *p = state;

	if (!p)
		return;
	if (p->registered)
		bus_unregister_all(&p->vm->pio, p->ranges, 3);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static int pic_create(struct vm *vm, void **state, struct gerr *err)
{
	static const uint16_t bases[3] = { 0x20, 0xa0, 0x4d0 };
	struct pic *p;

	*state = NULL;
	/* KVM brings its own; a PV machine has no interrupt hardware at all. */
	if (vm->irqchip_in_backend || vm->cfg.mode->platform == PLATFORM_PV)
		return 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		return gerr_set(err, "out of memory");
	p->vm = vm;
	pthread_mutex_init(&p->lock, NULL);
	/* IRQ 0, 1, 2 (master) and 8, 13 (slave) are always edge. */
	p->chip[0].elcr_mask = 0xf8;
	p->chip[1].elcr_mask = 0xde;
	pic_reset(p);
	for (int i = 0; i < 3; i++) {
		p->port[i] = (struct pic_port){ p, (enum pic_port_kind)i, bases[i] };
		p->ranges[i] = (struct bus_range){
			.base = bases[i], .len = 2, .fn = pic_io,
			.opaque = &p->port[i], .name = i == 2 ? "elcr" : "pic" };
	}
	if (bus_register_all(&vm->pio, p->ranges, 3, err) < 0) {
		pic_destroy(p);
		return -1;
	}
	p->registered = true;
	*state = p;
	return 0;
}

static const struct device_class pic_class = {
	.name = "pic",
	.stage = DEVICE_STAGE_IRQCHIP,
	.create = pic_create,
	.destroy = pic_destroy,
	.reset = pic_reset,
};
DEVICE_CLASS(pic_class);
