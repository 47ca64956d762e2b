/* libFuzzer target for the BIOS disk port (src/bios/bios_disk.c, the
 * interface described in bios_disk.h): register accesses of any width and
 * offset, and read/write commands with any disk, LBA, sector count and
 * buffer address, on a VM with two disks on one scratch image (the second
 * read-only).  No command may crash gamut, move bytes outside guest RAM or
 * past an image's end, write a read-only disk, or leak.
 *
 * Input: operations, one byte each and its operands:
 *   op % 4: 0 port write: u8 register (up to 8 bytes past the block),
 *             u8 width (1, 2, 4), u32 value
 *           1 port read: u8 register, u8 width
 *           2 RAM write (fz_ram_write in fuzz_common.h)
 *           3 a whole command: u8 disk, u32 LBA low, u8 LBA high, u32
 *             count, u32 buffer, u8 command, then the status is read */
#include "bios/bios_disk.h"
#include "fuzz_common.h"

static void fz_port(struct vm *vm, unsigned reg, unsigned w, uint32_t v,
		    bool write)
{
	bus_access(&vm->pio, BIOS_DISK_PORT + reg, &v, w, write, 0);
}

/* A command as the BIOS's INT 13h issues it, register by register. */
static void fz_command(struct vm *vm, const uint8_t **p, const uint8_t *end)
{
	fz_port(vm, BDISK_SELECT, 4, fz_get(p, end, 1) % 3, true);
	fz_port(vm, BDISK_LBA_LO, 4, fz_get(p, end, 4), true);
	fz_port(vm, BDISK_LBA_HI, 4, fz_get(p, end, 1), true);
	fz_port(vm, BDISK_NSECT, 4, fz_get(p, end, 4), true);
	fz_port(vm, BDISK_ADDR, 4, fz_get(p, end, 4), true);
	fz_port(vm, BDISK_CMD, 4, fz_get(p, end, 1) % 4, true);
	fz_port(vm, BDISK_CMD, 4, 0, false);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm vm;
	const uint8_t *p = data, *end = data + size;
	const char *disk;

	if (fz_vm_init(&vm, "hvm-pv") < 0 || !(disk = fz_disk(64))) {
		fprintf(stderr, "fuzz: cannot set the VM up\n");
		abort();
	}
	vm.cfg.disk[0].path = vm.cfg.disk[1].path = disk;
	vm.cfg.disk[1].readonly = true;
	vm.cfg.nr_disks = 2;
	if (fz_attach(&vm, "bios-disk", NULL) < 0) {
		fprintf(stderr, "fuzz: no bios-disk\n");
		abort();
	}
	for (unsigned ops = 0; p < end && ops < FZ_MAX_OPS; ops++) {
		unsigned op = fz_get(&p, end, 1) % 4, reg, w;

		switch (op) {
		case 0:
		case 1:
			reg = fz_get(&p, end, 1) % (BIOS_DISK_LEN + 8);
			w = 1u << (fz_get(&p, end, 1) % 3);
			fz_port(&vm, reg, w, op == 0 ? fz_get(&p, end, 4) : 0, op == 0);
			break;
		case 2:
			fz_ram_write(&vm, &p, end);
			break;
		default:
			fz_command(&vm, &p, end);
			break;
		}
	}
	fz_vm_done(&vm);
	return 0;
}
