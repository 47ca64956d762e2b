/* The paravirtual BIOS disk port: how gamut's BIOS reads and writes the
 * disks in BIOS modes that have no emulated disk controller (hvm-pv,
 * pvhvm put the disks on virtio-blk, which a 16-bit BIOS cannot drive).
 * Documented as what it is: a gamut-specific port interface, used only by
 * the BIOS's INT 13h; guest kernels never see it (no firmware table lists
 * it).  In `hvm` the BIOS uses the real IDE controller instead.
 *
 * 32-bit registers at BIOS_DISK_PORT:
 *   0x00 r   magic 'GPVD'            0x04 r  number of disks
 *   0x08 rw  selected disk           0x0c r  its sectors, low 32 bits
 *   0x10 r   its sectors, high bits  0x14 rw LBA, low 32 bits
 *   0x18 rw  LBA, high bits          0x1c rw sector count (1..65536)
 *   0x20 rw  guest-physical buffer
 *   0x24 w   command: 1 read, 2 write;  r  status of the last command
 * Status: 0 done, 1 bad disk or command, 2 sectors past the end, 3 buffer
 * outside guest RAM, 4 host I/O error, 5 disk is read-only.  A command
 * runs to completion before the OUT returns. */
#ifndef GAMUT_BIOS_BIOS_DISK_H
#define GAMUT_BIOS_BIOS_DISK_H

#include <stdint.h>

#include "core/config.h"
#include "core/err.h"

struct vm;

#define BIOS_DISK_PORT	 0x510
#define BIOS_DISK_LEN	 0x28
#define BIOS_DISK_MAGIC	 0x44565047u /* "GPVD" */

enum bios_disk_reg {
	BDISK_MAGIC = 0x00, BDISK_COUNT_DISKS = 0x04, BDISK_SELECT = 0x08,
	BDISK_SECTORS_LO = 0x0c, BDISK_SECTORS_HI = 0x10, BDISK_LBA_LO = 0x14,
	BDISK_LBA_HI = 0x18, BDISK_NSECT = 0x1c, BDISK_ADDR = 0x20,
	BDISK_CMD = 0x24,
};

enum bios_disk_status {
	BDISK_OK, BDISK_EBAD, BDISK_ERANGE, BDISK_EMEM, BDISK_EIO, BDISK_ERO,
};

struct bios_disk_file {
	int fd;
	uint64_t sectors;
	int readonly;
};

struct bios_disk {
	struct vm *vm;
	struct bios_disk_file disk[CONFIG_MAX_DISKS];
	unsigned nr;
	uint32_t select, lba_lo, lba_hi, nsect, addr, status;
};

/* Opens vm->cfg's disks and registers the port (tests call it directly). */
struct bios_disk *bios_disk_create(struct vm *vm, struct gerr *err);
void bios_disk_destroy(struct bios_disk *b);

#endif
