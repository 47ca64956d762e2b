/* The i8042 keyboard controller at ports 0x60 (data) and 0x64 (status /
 * command), with a keyboard that has no keys pressed and no AUX (mouse)
 * port.
 *
 * What guests use it for: Linux's `reboot=k` pulses the reset line with
 * command 0xFE (any 0xF0-0xFF command with bit 0 clear, or bit 0 cleared
 * through "write output port" 0xD1, does the same); its i8042 driver runs
 * the self test (0xAA -> 0x55), the interface test, reads and writes the
 * command byte and probes the AUX port; atkbd then talks to the keyboard,
 * which answers the usual commands so no probe waits for a timeout.  The
 * AUX port stays disabled whatever the guest asks, which is how a driver
 * learns that there is none.  Port 0x61 belongs to the PIT (pit.c). */
#include <stdlib.h>
#include <string.h>

#include "core/device.h"
#include "core/layout.h"
#include "core/vm.h"

#define I8042_DATA   LAYOUT_PORT_I8042
#define I8042_CMD    (LAYOUT_PORT_I8042 + 4)
#define I8042_IRQ_AUX 12

#define ST_OBF	   0x01
#define ST_SYS	   0x04
#define ST_CMD	   0x08 /* last write went to the command port */
#define ST_UNLOCK  0x10
#define ST_AUX_OBF 0x20

#define CTR_KBD_INT 0x01
#define CTR_AUX_INT 0x02
#define CTR_SYS	    0x04
#define CTR_KBD_DIS 0x10
#define CTR_AUX_DIS 0x20
#define CTR_XLATE   0x40

#define OUTP_RESET 0x01 /* 0 holds the CPU in reset */
#define OUTP_A20   0x02

#define KBD_ACK	   0xfa
#define KBD_RESEND 0xfe
#define I8042_QUEUE 16

struct i8042 {
	struct vm *vm;
	pthread_mutex_t lock;
	uint8_t ram[32]; /* ram[0] is the command byte */
	uint8_t status;	 /* ST_SYS and ST_CMD; OBF bits come from the queue */
	uint8_t outp;
	uint8_t pending; /* controller command waiting for its data byte */
	uint8_t kbd_pending; /* keyboard command waiting for its argument */
	uint8_t last;	 /* the data port reads this when the queue is empty */
	uint8_t q[I8042_QUEUE];
	bool q_aux[I8042_QUEUE];
	unsigned q_head, q_count;
	bool irq_kbd, irq_aux;
};

static void i8042_set_line(struct i8042 *k, bool *cur, unsigned line, bool level)
{
	if (*cur != level) {
		*cur = level;
		vm_irq_set(k->vm, line, level);
	}
}

static void i8042_update_irq(struct i8042 *k)
{
	bool aux = k->q_count && k->q_aux[k->q_head];

	i8042_set_line(k, &k->irq_kbd, LAYOUT_IRQ_KBD,
		       k->q_count && !aux && (k->ram[0] & CTR_KBD_INT));
	i8042_set_line(k, &k->irq_aux, I8042_IRQ_AUX,
		       k->q_count && aux && (k->ram[0] & CTR_AUX_INT));
}

static void i8042_push(struct i8042 *k, uint8_t v, bool aux)
{
	unsigned i;

	if (k->q_count == I8042_QUEUE)
		return; /* a guest that never reads loses the newest bytes */
	i = (k->q_head + k->q_count++) % I8042_QUEUE;
	k->q[i] = v;
	k->q_aux[i] = aux;
}

static void i8042_reset_line(struct i8042 *k)
{
	vm_stop(k->vm, VM_STOP_RESET, 0, "guest reset (i8042 reset line)");
}

/* A byte for the keyboard itself. */
static void i8042_kbd_write(struct i8042 *k, uint8_t v)
{
	if (k->kbd_pending) { /* the argument of 0xED, 0xF0 or 0xF3 */
		k->kbd_pending = 0;
		i8042_push(k, KBD_ACK, false);
		return;
	}
	switch (v) {
	case 0xff: /* reset: ACK, then self-test passed */
		i8042_push(k, KBD_ACK, false);
		i8042_push(k, 0xaa, false);
		break;
	case 0xf2: /* identify: an MF2 keyboard */
		i8042_push(k, KBD_ACK, false);
		i8042_push(k, 0xab, false);
		i8042_push(k, (k->ram[0] & CTR_XLATE) ? 0x41 : 0x83, false);
		break;
	case 0xee: /* echo */
		i8042_push(k, 0xee, false);
		break;
	case 0xed: case 0xf0: case 0xf3:
		k->kbd_pending = v;
		i8042_push(k, KBD_ACK, false);
		break;
	case 0xf4: case 0xf5: case 0xf6: case 0xf7: case 0xf8: case 0xf9:
	case 0xfa: case 0xfb: case 0xfc: case 0xfd:
		i8042_push(k, KBD_ACK, false);
		break;
	default:
		i8042_push(k, KBD_RESEND, false);
		break;
	}
}

static void i8042_data_write(struct i8042 *k, uint8_t v)
{
	uint8_t cmd = k->pending;

	k->status &= (uint8_t)~ST_CMD;
	k->pending = 0;
	if (cmd >= 0x60 && cmd <= 0x7f) {
		k->ram[cmd & 0x1f] = v;
		if (cmd == 0x60) {
			/* No AUX port: its disable bit stays set. */
			k->ram[0] |= CTR_AUX_DIS;
			k->status = (uint8_t)((k->status & ~ST_SYS) | (v & CTR_SYS));
		}
		return;
	}
	switch (cmd) {
	case 0xd1: /* write output port */
		k->outp = v | OUTP_A20;
		if (!(v & OUTP_RESET))
			i8042_reset_line(k);
		break;
	case 0xd2: /* as if the keyboard sent v */
		i8042_push(k, v, false);
		break;
	case 0xd3: /* as if the AUX device sent v (loop test) */
		i8042_push(k, v, true);
		break;
	case 0xd4: /* to the AUX device: none is connected */
		break;
	default:
		i8042_kbd_write(k, v);
		break;
	}
}

static void i8042_command(struct i8042 *k, uint8_t cmd)
{
	k->status |= ST_CMD;
	k->pending = 0;
	if (cmd >= 0x20 && cmd <= 0x3f) {
		i8042_push(k, k->ram[cmd & 0x1f], false);
		return;
	}
	if ((cmd >= 0x60 && cmd <= 0x7f) || (cmd >= 0xd1 && cmd <= 0xd4)) {
		k->pending = cmd;
		return;
	}
	if (cmd >= 0xf0) { /* pulse output lines whose bit is 0 */
		if (!(cmd & OUTP_RESET))
			i8042_reset_line(k);
		return;
	}
	switch (cmd) {
	case 0xa7: k->ram[0] |= CTR_AUX_DIS; break;
	case 0xa8: break; /* enable AUX: there is none, it stays disabled */
	case 0xa9: i8042_push(k, 0xff, false); break; /* AUX test: error */
	case 0xaa: /* self test */
		k->status |= ST_SYS;
		i8042_push(k, 0x55, false);
		break;
	case 0xab: i8042_push(k, 0x00, false); break; /* keyboard test: ok */
	case 0xad: k->ram[0] |= CTR_KBD_DIS; break;
	case 0xae: k->ram[0] &= (uint8_t)~CTR_KBD_DIS; break;
	case 0xc0: i8042_push(k, 0x80, false); break; /* input port */
	case 0xd0: i8042_push(k, k->outp, false); break;
	default: break; /* A20 (0xdd/0xdf) and unknown commands: no effect */
	}
}

static uint8_t i8042_status(const struct i8042 *k)
{
	uint8_t v = k->status | ST_UNLOCK;

	if (k->q_count)
		v |= k->q_aux[k->q_head] ? ST_OBF | ST_AUX_OBF : ST_OBF;
	return v;
}

static uint8_t i8042_data_read(struct i8042 *k)
{
	if (k->q_count) {
		k->last = k->q[k->q_head];
		k->q_head = (k->q_head + 1) % I8042_QUEUE;
		k->q_count--;
		/* Drop the line so the next byte is a new edge. */
		i8042_set_line(k, &k->irq_kbd, LAYOUT_IRQ_KBD, false);
		i8042_set_line(k, &k->irq_aux, I8042_IRQ_AUX, false);
	}
	return k->last;
}

static void i8042_access(struct i8042 *k, bool cmd_port, uint8_t *data,
			 unsigned len, bool is_write)
{
	pthread_mutex_lock(&k->lock);
	if (!is_write)
		memset(data, 0xff, len);
	/* Wider accesses use their low byte: these are byte registers. */
	if (is_write)
		cmd_port ? i8042_command(k, data[0]) : i8042_data_write(k, data[0]);
	else
		data[0] = cmd_port ? i8042_status(k) : i8042_data_read(k);
	i8042_update_irq(k);
	pthread_mutex_unlock(&k->lock);
}

static void i8042_data_io(void *opaque, uint64_t off, void *data, unsigned len,
			  bool is_write, int cpu)
{
	(void)off;
	(void)cpu;
	i8042_access(opaque, false, data, len, is_write);
}

static void i8042_cmd_io(void *opaque, uint64_t off, void *data, unsigned len,
			 bool is_write, int cpu)
{
	(void)off;
	(void)cpu;
	i8042_access(opaque, true, data, len, is_write);
}

static void i8042_reset(void *state)
{
	struct i8042 *k = state;

	if (!k)
		return;
	pthread_mutex_lock(&k->lock);
	memset(k->ram, 0, sizeof(k->ram));
	k->ram[0] = CTR_KBD_INT | CTR_AUX_DIS | CTR_XLATE;
	k->status = 0;
	k->outp = OUTP_RESET | OUTP_A20;
	k->pending = k->kbd_pending = 0;
	k->q_count = 0;
	i8042_update_irq(k);
	pthread_mutex_unlock(&k->lock);
}

static void i8042_destroy(void *state)
{
	struct i8042 *k = state;

	if (!k)
		return;
	bus_unregister(&k->vm->pio, I8042_DATA);
	bus_unregister(&k->vm->pio, I8042_CMD);
	pthread_mutex_destroy(&k->lock);
	free(k);
}

static int i8042_create(struct vm *vm, void **state, struct gerr *err)
{
	struct i8042 *k;

	*state = NULL;
	if (vm->cfg.mode->platform == PLATFORM_PV)
		return 0;
	k = calloc(1, sizeof(*k));
	if (!k)
		return gerr_set(err, "out of memory");
	k->vm = vm;
	pthread_mutex_init(&k->lock, NULL);
	i8042_reset(k);
	if (bus_register(&vm->pio, I8042_DATA, 1, i8042_data_io, k, "i8042", err) < 0 ||
	    bus_register(&vm->pio, I8042_CMD, 1, i8042_cmd_io, k, "i8042", err) < 0) {
		i8042_destroy(k); /* a failed create() gets no destroy() call */
		return -1;
	}
	*state = k;
	return 0;
}

static const struct device_class i8042 = {
	.name = "i8042",
	.stage = DEVICE_STAGE_PLATFORM,
	.create = i8042_create,
	.destroy = i8042_destroy,
	.reset = i8042_reset,
};
DEVICE_CLASS(i8042);
