/* The paravirtual BIOS disk port used by INT 13h in hvm-pv / pvhvm. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness.h"
#include "bios/bios_disk.h"
#include "test_pci_vm.h"

static void pv_out(struct testvm *t, unsigned reg, uint32_t v)
{
	testvm_out(t, (uint16_t)(BIOS_DISK_PORT + reg), 4, v);
}

static uint32_t pv_in(struct testvm *t, unsigned reg)
{
	return testvm_in(t, (uint16_t)(BIOS_DISK_PORT + reg), 4);
}

static uint32_t pv_cmd(struct testvm *t, uint32_t lba, uint32_t n,
		       uint32_t addr, uint32_t cmd)
{
	pv_out(t, BDISK_LBA_LO, lba);
	pv_out(t, BDISK_LBA_HI, 0);
	pv_out(t, BDISK_NSECT, n);
	pv_out(t, BDISK_ADDR, addr);
	pv_out(t, BDISK_CMD, cmd);
	return pv_in(t, BDISK_CMD);
}

TEST(bios_disk_port_reads_writes_and_refuses)
{
	struct testvm t;
	struct bios_disk *b;
	struct gerr err;
	char path[] = "/tmp/gamut-bdisk-XXXXXX";
	uint8_t sec[512];
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	for (int i = 0; i < 16; i++) {
		memset(sec, i, sizeof(sec));
		CHECK(write(fd, sec, sizeof(sec)) == (ssize_t)sizeof(sec));
	}
	close(fd);
	CHECK(testvm_init(&t, 1 << 20, "hvm-pv") == 0);
	t.vm.cfg.nr_disks = 1;
	t.vm.cfg.disk[0].path = path;
	b = bios_disk_create(&t.vm, &err);
	CHECK(b != NULL);
	CHECK_EQ(pv_in(&t, BDISK_MAGIC), BIOS_DISK_MAGIC);
	CHECK_EQ(pv_in(&t, BDISK_COUNT_DISKS), 1);
	pv_out(&t, BDISK_SELECT, 0);
	CHECK_EQ(pv_in(&t, BDISK_SECTORS_LO), 16);
	CHECK_EQ(pv_in(&t, BDISK_SECTORS_HI), 0);
	/* Two sectors from LBA 3 into RAM. */
	CHECK_EQ(pv_cmd(&t, 3, 2, 0x8000, 1), BDISK_OK);
	CHECK_EQ(*(const uint8_t *)gmem_ptr(&t.vm.mem, 0x8000, 1), 3);
	CHECK_EQ(*(const uint8_t *)gmem_ptr(&t.vm.mem, 0x8200, 1), 4);
	/* Write them back at LBA 10, then read LBA 10 elsewhere. */
	CHECK_EQ(pv_cmd(&t, 10, 2, 0x8000, 2), BDISK_OK);
	CHECK_EQ(pv_cmd(&t, 10, 1, 0x9000, 1), BDISK_OK);
	CHECK_EQ(*(const uint8_t *)gmem_ptr(&t.vm.mem, 0x9000, 1), 3);
	/* Refusals: past the end, huge counts, outside RAM, bad disk/cmd. */
	CHECK_EQ(pv_cmd(&t, 15, 2, 0x8000, 1), BDISK_ERANGE);
	CHECK_EQ(pv_cmd(&t, 0xffffffffu, 1, 0x8000, 1), BDISK_ERANGE);
	CHECK_EQ(pv_cmd(&t, 0, 0, 0x8000, 1), BDISK_EBAD);
	CHECK_EQ(pv_cmd(&t, 0, 1, (1 << 20) - 256, 1), BDISK_EMEM);
	CHECK_EQ(pv_cmd(&t, 0, 1, 0xfffffe00u, 2), BDISK_EMEM);
	CHECK_EQ(pv_cmd(&t, 0, 1, 0x8000, 7), BDISK_EBAD);
	pv_out(&t, BDISK_SELECT, 5);
	CHECK_EQ(pv_cmd(&t, 0, 1, 0x8000, 1), BDISK_EBAD);
	CHECK_EQ(pv_in(&t, BDISK_SECTORS_LO), 0);
	/* Byte accesses are ignored. */
	testvm_out(&t, BIOS_DISK_PORT + BDISK_SELECT, 1, 0);
	CHECK_EQ(pv_in(&t, BDISK_SELECT), 5);
	bios_disk_destroy(b);
	/* A read-only disk refuses writes. */
	t.vm.cfg.disk[0].readonly = true;
	bus_unregister(&t.vm.pio, BIOS_DISK_PORT);
	b = bios_disk_create(&t.vm, &err);
	CHECK(b != NULL);
	CHECK_EQ(pv_cmd(&t, 0, 1, 0x8000, 2), BDISK_ERO);
	CHECK_EQ(pv_cmd(&t, 0, 1, 0x8000, 1), BDISK_OK);
	bios_disk_destroy(b);
	testvm_destroy(&t);
	unlink(path);
}

/* The edges of the command's operands: the count limit (65536 sectors,
 * one more is a bad command, not a long transfer), LBA high bits (past any
 * real disk, never truncated to the low word), and sub-dword reads (all
 * ones, as from an unclaimed port). */
TEST(bios_disk_count_and_lba_edges)
{
	struct testvm t;
	struct bios_disk *b;
	struct gerr err;
	char tmpl[] = "/tmp/gamut-bdisk-XXXXXX", path[64];
	uint8_t sec[512] = { 0 };
	int fd = mkstemp(tmpl);

	CHECK(fd >= 0);
	unlink(tmpl); /* the open descriptor keeps the image */
	for (int i = 0; i < 8; i++)
		CHECK(write(fd, sec, sizeof(sec)) == (ssize_t)sizeof(sec));
	CHECK(testvm_init(&t, 1 << 20, "hvm-pv") == 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	t.vm.cfg.nr_disks = 1;
	t.vm.cfg.disk[0].path = path;
	b = bios_disk_create(&t.vm, &err);
	CHECK(b != NULL);
	pv_out(&t, BDISK_SELECT, 0);
	CHECK_EQ(pv_cmd(&t, 0, 65537, 0x8000, 1), BDISK_EBAD);
	CHECK_EQ(pv_cmd(&t, 0, 65536, 0x8000, 1), BDISK_ERANGE);
	CHECK_EQ(pv_cmd(&t, 0, 8, 0x8000, 1), BDISK_OK);
	/* LBA 1 << 32 with the low word 0: out of range, not LBA 0. */
	pv_out(&t, BDISK_LBA_LO, 0);
	pv_out(&t, BDISK_LBA_HI, 1);
	pv_out(&t, BDISK_NSECT, 1);
	pv_out(&t, BDISK_CMD, 1);
	CHECK_EQ(pv_in(&t, BDISK_CMD), BDISK_ERANGE);
	CHECK_EQ(testvm_in(&t, BIOS_DISK_PORT + BDISK_MAGIC, 2), 0xffff);
	CHECK_EQ(testvm_in(&t, BIOS_DISK_PORT + 1, 1), 0xff);
	bios_disk_destroy(b);
	testvm_destroy(&t);
	close(fd);
}
