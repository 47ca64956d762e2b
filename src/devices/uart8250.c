/* A 16550A UART as COM1 (0x3f8, ISA IRQ 4), wired to the VM console.
 *
 * Transmission is instant: a byte written to THR goes to the console at
 * once, so THR and the shift register always read empty and the
 * THR-empty interrupt re-arms after every byte.  Input from the console
 * waits in a backlog and enters the 16-byte receive FIFO as the guest
 * drains it, so a paste is not lost to overruns.  Loopback (MCR bit 4)
 * turns THR into RBR and the modem-control outputs into the modem-status
 * inputs, which is what Linux's 8250 probe checks. */
#include <stdlib.h>
#include <string.h>

#include "console/console.h"
#include "core/device.h"
#include "core/layout.h"
#include "core/vm.h"

enum {
	UART_RBR = 0, /* read; THR on write; DLL with DLAB */
	UART_IER = 1, /* DLM with DLAB */
	UART_IIR = 2, /* read; FCR on write */
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
	UART_MSR = 6,
	UART_SCR = 7,
	UART_NR_PORTS = 8,
};

#define IER_RDI	 0x01
#define IER_THRI 0x02
#define IER_RLSI 0x04
#define IER_MSI	 0x08
#define IIR_NONE 0x01
#define IIR_MSI	 0x00
#define IIR_THRI 0x02
#define IIR_RDI	 0x04
#define IIR_RLSI 0x06
#define IIR_TIMEOUT 0x0c
#define IIR_FIFO_ON 0xc0
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define LCR_DLAB 0x80
#define MCR_DTR	 0x01
#define MCR_RTS	 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define LSR_DR	 0x01
#define LSR_OE	 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LSR_FIFO_ERR 0x80
#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_CTS	 0x10
#define MSR_DSR	 0x20
#define MSR_RI	 0x40
#define MSR_DCD	 0x80

#define UART_FIFO_LEN 16
#define UART_BACKLOG 4096

struct uart {
	struct vm *vm;
	struct console *con;
	unsigned line;
	uint16_t base;
	pthread_mutex_t lock;
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	uint8_t lsr_err;   /* OE; cleared when LSR is read */
	uint8_t msr_delta; /* delta bits; cleared when MSR is read */
	bool thre_pending; /* THR-empty interrupt armed */
	bool irq_level;	   /* what the line was last driven to */
	uint8_t rx[UART_FIFO_LEN];
	unsigned rx_head, rx_count;
	uint8_t backlog[UART_BACKLOG];
	unsigned bl_head, bl_count;
};

static unsigned uart_rx_cap(const struct uart *u)
{
	return (u->fcr & FCR_ENABLE) ? UART_FIFO_LEN : 1;
}

static unsigned uart_rx_trigger(const struct uart *u)
{
	static const unsigned level[4] = { 1, 4, 8, 14 };

	return (u->fcr & FCR_ENABLE) ? level[u->fcr >> 6] : 1;
}

static bool uart_rx_push(struct uart *u, uint8_t b)
{
	if (u->rx_count >= uart_rx_cap(u))
		return false;
	u->rx[(u->rx_head + u->rx_count++) % UART_FIFO_LEN] = b;
	return true;
}

/* Moves console input into the FIFO; loopback disconnects the input. */
static void uart_rx_refill(struct uart *u)
{
	while (u->bl_count && !(u->mcr & MCR_LOOP) &&
	       uart_rx_push(u, u->backlog[u->bl_head])) {
		u->bl_head = (u->bl_head + 1) % UART_BACKLOG;
		u->bl_count--;
	}
}

/* The modem-status input lines: loopback mirrors MCR, otherwise a host
 * terminal is always "connected and ready". */
static uint8_t uart_msr_lines(const struct uart *u)
{
	uint8_t v = 0;

	if (!(u->mcr & MCR_LOOP))
		return MSR_CTS | MSR_DSR | MSR_DCD;
	if (u->mcr & MCR_RTS)
		v |= MSR_CTS;
	if (u->mcr & MCR_DTR)
		v |= MSR_DSR;
	if (u->mcr & MCR_OUT1)
		v |= MSR_RI;
	if (u->mcr & MCR_OUT2)
		v |= MSR_DCD;
	return v;
}

static uint8_t uart_iir_id(const struct uart *u)
{
	if ((u->ier & IER_RLSI) && u->lsr_err)
		return IIR_RLSI;
	if ((u->ier & IER_RDI) && u->rx_count)
		return u->rx_count >= uart_rx_trigger(u) ? IIR_RDI : IIR_TIMEOUT;
	if ((u->ier & IER_THRI) && u->thre_pending)
		return IIR_THRI;
	if ((u->ier & IER_MSI) && u->msr_delta)
		return IIR_MSI;
	return IIR_NONE;
}

static void uart_update_irq(struct uart *u)
{
	bool level = uart_iir_id(u) != IIR_NONE;

	if (level != u->irq_level) {
		u->irq_level = level;
		vm_irq_set(u->vm, u->line, level);
	}
}

static void uart_write_thr(struct uart *u, uint8_t v)
{
	u->thre_pending = false;
	uart_update_irq(u);
	if (u->mcr & MCR_LOOP) {
		if (!uart_rx_push(u, v))
			u->lsr_err |= LSR_OE;
	} else {
		console_write(u->con, &v, 1);
	}
	/* Sent already: THR is empty again, which is a new interrupt. */
	u->thre_pending = true;
}

static void uart_write_mcr(struct uart *u, uint8_t v)
{
	uint8_t before = uart_msr_lines(u), after, changed;

	u->mcr = v & 0x1f;
	after = uart_msr_lines(u);
	changed = before ^ after;
	if (changed & MSR_CTS)
		u->msr_delta |= MSR_DCTS;
	if (changed & MSR_DSR)
		u->msr_delta |= MSR_DDSR;
	if ((before & MSR_RI) && !(after & MSR_RI))
		u->msr_delta |= MSR_TERI;
	if (changed & MSR_DCD)
		u->msr_delta |= MSR_DDCD;
	uart_rx_refill(u);
}

static void uart_write_fcr(struct uart *u, uint8_t v)
{
	if ((v ^ u->fcr) & FCR_ENABLE)
		v |= FCR_CLEAR_RX; /* toggling the FIFOs empties them */
	if (v & FCR_CLEAR_RX)
		u->rx_count = 0;
	u->fcr = v & 0xc1;
	uart_rx_refill(u);
}

static void uart_write(struct uart *u, unsigned reg, uint8_t v)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (reg) {
	case UART_RBR:
		if (dlab)
			u->dll = v;
		else
			uart_write_thr(u, v);
		break;
	case UART_IER:
		if (dlab) {
			u->dlm = v;
			break;
		}
		/* Enabling the THR-empty interrupt with THR empty raises it. */
		if (!(u->ier & IER_THRI) && (v & IER_THRI))
			u->thre_pending = true;
		u->ier = v & 0x0f;
		break;
	case UART_IIR:
		uart_write_fcr(u, v);
		break;
	case UART_LCR:
		u->lcr = v;
		break;
	case UART_MCR:
		uart_write_mcr(u, v);
		break;
	case UART_SCR:
		u->scr = v;
		break;
	default: /* LSR and MSR are read-only (factory test writes). */
		break;
	}
	uart_update_irq(u);
}

static uint8_t uart_read_rbr(struct uart *u)
{
	uint8_t v;

	if (!u->rx_count)
		return 0;
	v = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_FIFO_LEN;
	u->rx_count--;
	uart_rx_refill(u);
	return v;
}

static uint8_t uart_read(struct uart *u, unsigned reg)
{
	bool dlab = u->lcr & LCR_DLAB;
	uint8_t v = 0;

	switch (reg) {
	case UART_RBR:
		v = dlab ? u->dll : uart_read_rbr(u);
		break;
	case UART_IER:
		v = dlab ? u->dlm : u->ier;
		break;
	case UART_IIR:
		v = uart_iir_id(u);
		/* Reading IIR acknowledges a THR-empty interrupt. */
		if (v == IIR_THRI)
			u->thre_pending = false;
		if (u->fcr & FCR_ENABLE)
			v |= IIR_FIFO_ON;
		break;
	case UART_LCR:
		v = u->lcr;
		break;
	case UART_MCR:
		v = u->mcr;
		break;
	case UART_LSR:
		v = LSR_THRE | LSR_TEMT | u->lsr_err;
		if (u->rx_count)
			v |= LSR_DR;
		if ((u->fcr & FCR_ENABLE) && u->lsr_err)
			v |= LSR_FIFO_ERR;
		u->lsr_err = 0;
		break;
	case UART_MSR:
		v = uart_msr_lines(u) | u->msr_delta;
		u->msr_delta = 0;
		break;
	case UART_SCR:
		v = u->scr;
		break;
	}
	uart_update_irq(u);
	return v;
}

/* A wider access is a run of byte accesses at consecutive ports, as the
 * ISA bus splits it. */
static void uart_io(void *opaque, uint64_t off, void *data, unsigned len,
		    bool is_write, int cpu)
{
	struct uart *u = opaque;
	uint8_t *p = data;

	(void)cpu;
	pthread_mutex_lock(&u->lock);
	for (unsigned i = 0; i < len; i++) {
		unsigned reg = (unsigned)(off + i);

		if (reg >= UART_NR_PORTS) {
			if (!is_write)
				p[i] = 0xff;
		} else if (is_write) {
			uart_write(u, reg, p[i]);
		} else {
			p[i] = uart_read(u, reg);
		}
	}
	pthread_mutex_unlock(&u->lock);
}

/* Console input, on the event-loop thread. */
static void uart_input(void *opaque, const uint8_t *buf, size_t len)
{
	struct uart *u = opaque;

	pthread_mutex_lock(&u->lock);
	for (size_t i = 0; i < len && u->bl_count < UART_BACKLOG; i++)
		u->backlog[(u->bl_head + u->bl_count++) % UART_BACKLOG] = buf[i];
	uart_rx_refill(u);
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

static void uart_reset(void *state)
{
	struct uart *u = state;

	if (!u)
		return;
	pthread_mutex_lock(&u->lock);
	u->ier = u->lcr = u->mcr = u->scr = u->fcr = 0;
	u->dll = 12; /* 9600 baud, as after a PC BIOS */
	u->dlm = 0;
	u->lsr_err = u->msr_delta = 0;
	u->thre_pending = false;
	u->rx_head = u->rx_count = 0;
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

static int uart_create(struct vm *vm, void **state, struct gerr *err)
{
	struct uart *u;

	*state = NULL;
	if (vm->cfg.mode->platform == PLATFORM_PV)
		return 0;
	u = calloc(1, sizeof(*u));
	if (!u)
		return gerr_set(err, "out of memory");
	u->vm = vm;
	u->line = LAYOUT_IRQ_COM1;
	u->base = LAYOUT_PORT_COM1;
	u->dll = 12;
	pthread_mutex_init(&u->lock, NULL);
	u->con = console_get(vm, err);
	/* The range is "uart": --stats counts its accesses as pio.uart. */
	if (!u->con ||
	    bus_register(&vm->pio, u->base, UART_NR_PORTS, uart_io, u, "uart",
			 err) < 0) {
		pthread_mutex_destroy(&u->lock);
		free(u);
		return -1;
	}
	console_attach_input(u->con, uart_input, u);
	*state = u;
	return 0;
}

static void uart_destroy(void *state)
{
	struct uart *u = state;

	if (!u)
		return;
	console_attach_input(u->con, NULL, NULL);
	bus_unregister(&u->vm->pio, u->base);
	pthread_mutex_destroy(&u->lock);
	free(u);
}

static const struct device_class uart8250 = {
	.name = "uart8250",
	.stage = DEVICE_STAGE_PLATFORM,
	.create = uart_create,
	.destroy = uart_destroy,
	.reset = uart_reset,
};
DEVICE_CLASS(uart8250);
