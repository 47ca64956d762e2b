/* libFuzzer target for the platform devices: the input is a program of
 * guest port/MMIO accesses and interrupt-line changes run against a fresh
 * set of devices (console, UART, i8042, ACPI PM, PIC, IOAPIC, PIT, RTC).
 * Whatever the bytes, no device may crash, read or write out of bounds, or
 * produce an interrupt vector or MSI outside the x86 formats.
 *
 * The VM has no CPU: its backend is an interrupt sink that checks every
 * line change and MSI the devices produce.
 *
 * Input: 7-byte records: op, target, len (low 2 bits), value (4 bytes LE).
 *   op % 6: 0 port write, 1 port read, 2 IOAPIC MMIO write, 3 IOAPIC MMIO
 *   read, 4 PIC and IOAPIC input change, 5 PIC INTA + IOAPIC EOI. */
#include <stdlib.h>
#include <string.h>

#include "core/device.h"
#include "core/layout.h"
#include "core/vm.h"
#include "devices/ioapic.h"
#include "devices/pic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The interrupt sink: a CPU backend that only checks what devices emit. */
static void fz_irq_set(struct vm *vm, unsigned line, int level)
{
	(void)vm;
	if (line > 23 || (level != 0 && level != 1))
		abort();
}

static void fz_msi(struct vm *vm, uint64_t addr, uint32_t data)
{
	(void)vm;
	/* The IOAPIC only ever emits the x86 interrupt-message format. */
	if ((addr & 0xfff00ff3u) != 0xfee00000u || (data & ~0xc7ffu))
		abort();
}

static void fz_kick(struct vcpu *v)
{
	(void)v;
}

static const struct cpu_backend fz_backend = {
	.name = "fuzz",
	.irq_set = fz_irq_set,
	.msi = fz_msi,
	.vcpu_kick = fz_kick,
};

static const uint16_t fz_ports[] = {
	0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1, 0x40, 0x41, 0x42, 0x43, 0x61,
	0x60, 0x64, 0x70, 0x71, 0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd,
	0x3fe, 0x3ff, 0x600, 0x601,
};
#define FZ_NPORTS (sizeof(fz_ports) / sizeof(fz_ports[0]))

static struct mode_preset fz_mode = { .name = "fuzz", .platform = PLATFORM_PC };

static void fz_op(struct vm *vm, void *pic, void *io, const uint8_t *r)
{
	unsigned len = 1u << (r[2] & 3);
	uint32_t v;
	uint64_t buf = 0;
	int vec;

	memcpy(&v, r + 3, 4);
	memcpy(&buf, &v, 4);
	switch (r[0] % 6) {
	case 0:
		bus_access(&vm->pio, fz_ports[r[1] % FZ_NPORTS], &buf, len > 4 ? 4 : len, true, 0);
		break;
	case 1:
		bus_access(&vm->pio, fz_ports[r[1] % FZ_NPORTS], &buf, len > 4 ? 4 : len, false, 0);
		break;
	case 2:
		bus_access(&vm->mmio, LAYOUT_IOAPIC + (r[1] & 0x7c) + (r[2] >> 2 & 3), &buf, len, true, 0);
		break;
	case 3:
		bus_access(&vm->mmio, LAYOUT_IOAPIC + r[1], &buf, len, false, 0);
		break;
	case 4:
		pic_set_irq(pic, r[1] & 31, v & 1);
		ioapic_set_irq(io, r[1] & 31, v & 1);
		break;
	default:
		vec = pic_ack(pic);
		if (vec < -1 || vec > 0xff)
			abort();
		ioapic_eoi(io, (uint8_t)v);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	struct gerr err;

	if (!vm)
		return 0;
	vm->backend = &fz_backend;
	pthread_mutex_init(&vm->stop_lock, NULL);
	vm->cfg.mode = &fz_mode;
	vm->cfg.console = CONSOLE_NONE;
	vm->cfg.mem_bytes = 64u << 20;
	vm->cfg.ncpus = 1;
	bus_init(&vm->pio, "pio");
	bus_init(&vm->mmio, "mmio");
	if (evloop_init(&vm->loop, &err) == 0) {
		if (device_create_all(vm, &err) == 0) {
			void *pic = device_state(vm, "pic"), *io = device_state(vm, "ioapic");

			for (size_t off = 0; off + 7 <= size; off += 7)
				fz_op(vm, pic, io, data + off);
		}
		device_destroy_all(vm);
		evloop_destroy(&vm->loop);
	}
	bus_destroy(&vm->pio);
	bus_destroy(&vm->mmio);
	stats_destroy(&vm->stats);
	free(vm);
	return 0;
}
