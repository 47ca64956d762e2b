/* The IDE controller and ATA disk, driven through the ports as a guest. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness.h"
#include "devices/ata_piix.h"
#include "test_pci_vm.h"

#define P 0x1f0
#define SECTORS 64

struct atat {
	struct testvm t;
	struct piix_ide *ide;
	char path[64];
};

/* A disk whose sector n is filled with byte n, plus `extra` stray bytes. */
static int atat_init(struct atat *a, bool readonly, unsigned extra)
{
	struct gerr err;
	uint8_t sec[512];
	int fd;

	snprintf(a->path, sizeof(a->path), "/tmp/gamut-ata-XXXXXX");
	fd = mkstemp(a->path);
	if (fd < 0)
		return -1;
	for (unsigned i = 0; i < SECTORS; i++) {
		memset(sec, (int)i, sizeof(sec));
		if (write(fd, sec, sizeof(sec)) != (ssize_t)sizeof(sec))
			return -1;
	}
	if (extra && write(fd, sec, extra) != (ssize_t)extra)
		return -1;
	close(fd);
	if (testvm_init(&a->t, 1 << 20, "hvm") < 0)
		return -1;
	a->t.vm.cfg.nr_disks = 1;
	a->t.vm.cfg.disk[0].path = a->path;
	a->t.vm.cfg.disk[0].readonly = readonly;
	a->ide = piix_ide_create(&a->t.vm, a->t.pci, &err);
	return a->ide ? 0 : -1;
}

static void atat_destroy(struct atat *a)
{
	piix_ide_destroy(a->ide);
	testvm_destroy(&a->t);
	unlink(a->path);
}

static uint8_t st(struct atat *a)
{
	return (uint8_t)testvm_in(&a->t, P + 7, 1);
}

static void lba28(struct atat *a, uint32_t lba, uint8_t n, uint8_t cmd)
{
	testvm_out(&a->t, P + 6, 1, 0xe0 | ((lba >> 24) & 0xf));
	testvm_out(&a->t, P + 2, 1, n);
	testvm_out(&a->t, P + 3, 1, lba & 0xff);
	testvm_out(&a->t, P + 4, 1, (lba >> 8) & 0xff);
	testvm_out(&a->t, P + 5, 1, (lba >> 16) & 0xff);
	testvm_out(&a->t, P + 7, 1, cmd);
}

static void lba48(struct atat *a, uint64_t lba, uint16_t n, uint8_t cmd)
{
	testvm_out(&a->t, P + 6, 1, 0x40);
	testvm_out(&a->t, P + 2, 1, n >> 8);
	testvm_out(&a->t, P + 3, 1, (lba >> 24) & 0xff);
	testvm_out(&a->t, P + 4, 1, (lba >> 32) & 0xff);
	testvm_out(&a->t, P + 5, 1, (lba >> 40) & 0xff);
	testvm_out(&a->t, P + 2, 1, n & 0xff);
	testvm_out(&a->t, P + 3, 1, lba & 0xff);
	testvm_out(&a->t, P + 4, 1, (lba >> 8) & 0xff);
	testvm_out(&a->t, P + 5, 1, (lba >> 16) & 0xff);
	testvm_out(&a->t, P + 7, 1, cmd);
}

TEST(ata_identify_contents)
{
	struct atat a;
	uint16_t id[256];
	char model[41];

	CHECK(atat_init(&a, false, 100) == 0);
	/* Reset signature of an ATA disk. */
	CHECK_EQ(testvm_in(&a.t, P + 2, 1), 1);
	CHECK_EQ(testvm_in(&a.t, P + 3, 1), 1);
	CHECK_EQ(testvm_in(&a.t, P + 4, 1), 0);
	CHECK_EQ(testvm_in(&a.t, P + 5, 1), 0);
	testvm_out(&a.t, P + 6, 1, 0xa0);
	testvm_out(&a.t, P + 7, 1, 0xec);
	CHECK_EQ(testvm_irq_level[14], 1);
	CHECK_EQ(st(&a), ATA_ST_DRDY | ATA_ST_DSC | ATA_ST_DRQ);
	CHECK_EQ(testvm_irq_level[14], 0);
	for (unsigned i = 0; i < 256; i++)
		id[i] = (uint16_t)testvm_in(&a.t, P, 2);
	CHECK_EQ(st(&a) & ATA_ST_DRQ, 0);
	for (unsigned i = 0; i < 20; i++) {
		model[2 * i] = (char)(id[27 + i] >> 8);
		model[2 * i + 1] = (char)id[27 + i];
	}
	model[40] = 0;
	CHECK(strncmp(model, "GAMUT ATA DISK ", 15) == 0);
	CHECK_EQ(id[0], 0x0040);
	CHECK(id[49] & 0x0200);		    /* LBA */
	CHECK(id[83] & 0x0400);		    /* LBA48 */
	CHECK_EQ(id[60] | id[61] << 16, SECTORS); /* the stray bytes don't count */
	CHECK_EQ(id[100], SECTORS);
	CHECK_EQ(id[101] | id[102] | id[103], 0);
	CHECK_EQ(id[47] & 0xff, ATA_MAX_MULT);
	/* The slave is absent: its status reads 0 and commands are ignored. */
	testvm_out(&a.t, P + 6, 1, 0xb0);
	CHECK_EQ(st(&a), 0);
	testvm_out(&a.t, P + 7, 1, 0xec);
	CHECK_EQ(st(&a), 0);
	/* The secondary channel has no drives at all. */
	CHECK_EQ(testvm_in(&a.t, 0x177, 1), 0);
	/* PCI identity as ata_piix expects it. */
	CHECK_EQ(testvm_cfg_read(&a.t, PCI_DEVFN(1, 1), 0, 4), 0x70108086);
	CHECK_EQ(testvm_cfg_read(&a.t, PCI_DEVFN(1, 1), 0x08, 4) >> 8, 0x010180);
	CHECK_EQ(testvm_cfg_read(&a.t, PCI_DEVFN(1, 1), 0x41, 1) & 0x80, 0x80);
	CHECK_EQ(testvm_cfg_read(&a.t, PCI_DEVFN(1, 0), PCI_HEADER_TYPE, 1), 0x80);
	atat_destroy(&a);
}

TEST(ata_pio_read_good_and_bad_lba)
{
	struct atat a;

	CHECK(atat_init(&a, false, 0) == 0);
	lba28(&a, 5, 2, 0x20);
	CHECK_EQ(testvm_irq_level[14], 1);
	CHECK_EQ(st(&a) & (ATA_ST_DRQ | ATA_ST_ERR), ATA_ST_DRQ);
	for (unsigned i = 0; i < 256; i++)
		CHECK_EQ(testvm_in(&a.t, P, 2), 0x0505);
	/* Next sector: new interrupt, 32-bit reads work too. */
	CHECK_EQ(testvm_irq_level[14], 1);
	CHECK_EQ(st(&a) & ATA_ST_DRQ, ATA_ST_DRQ);
	for (unsigned i = 0; i < 128; i++)
		CHECK_EQ(testvm_in(&a.t, P, 4), 0x06060606);
	CHECK_EQ(st(&a), ATA_ST_DRDY | ATA_ST_DSC);
	/* Extra reads past the transfer are harmless. */
	CHECK_EQ(testvm_in(&a.t, P, 2), 0xffff);
	/* The last sector is fine, one past it is IDNF. */
	lba28(&a, SECTORS - 1, 1, 0x20);
	CHECK_EQ(st(&a) & ATA_ST_ERR, 0);
	CHECK_EQ(testvm_in(&a.t, P, 2), (SECTORS - 1) * 0x101);
	lba28(&a, SECTORS - 1, 2, 0x20);
	CHECK_EQ(st(&a) & (ATA_ST_ERR | ATA_ST_DRQ), ATA_ST_ERR);
	CHECK(testvm_in(&a.t, P + 1, 1) & ATA_ER_IDNF);
	lba28(&a, 0x0fffffff, 1, 0x20);
	CHECK(st(&a) & ATA_ST_ERR);
	/* LBA48: in range, then a huge address. */
	lba48(&a, 9, 1, 0x24);
	CHECK_EQ(st(&a) & (ATA_ST_ERR | ATA_ST_DRQ), ATA_ST_DRQ);
	CHECK_EQ(testvm_in(&a.t, P, 2), 0x0909);
	lba48(&a, 0xffffffffffffull, 1, 0x24);
	CHECK(st(&a) & ATA_ST_ERR);
	CHECK(testvm_in(&a.t, P + 1, 1) & ATA_ER_IDNF);
	lba48(&a, 1, 0, 0x24); /* count 0 is 65536 sectors: too many */
	CHECK(st(&a) & ATA_ST_ERR);
	/* HOB reads back the high bytes. */
	lba48(&a, 0x0102030405ull, 1, 0x00);
	testvm_out(&a.t, 0x3f6, 1, ATA_DC_HOB);
	CHECK_EQ(testvm_in(&a.t, P + 3, 1), 0x02);
	CHECK_EQ(testvm_in(&a.t, P + 4, 1), 0x01);
	testvm_out(&a.t, 0x3f6, 1, 0);
	CHECK_EQ(testvm_in(&a.t, P + 3, 1), 0x05);
	/* Unknown command and IDENTIFY PACKET abort. */
	testvm_out(&a.t, P + 7, 1, 0xa1);
	CHECK(st(&a) & ATA_ST_ERR);
	CHECK_EQ(testvm_in(&a.t, P + 1, 1), ATA_ER_ABRT);
	atat_destroy(&a);
}

TEST(ata_chs_and_multiple)
{
	struct atat a;

	CHECK(atat_init(&a, false, 0) == 0);
	/* CHS 0/0/sector 8 is LBA 7. */
	testvm_out(&a.t, P + 6, 1, 0xa0);
	testvm_out(&a.t, P + 2, 1, 1);
	testvm_out(&a.t, P + 3, 1, 8);
	testvm_out(&a.t, P + 4, 1, 0);
	testvm_out(&a.t, P + 5, 1, 0);
	testvm_out(&a.t, P + 7, 1, 0x20);
	CHECK_EQ(testvm_in(&a.t, P, 2), 0x0707);
	/* Sector number 0 does not exist in CHS. */
	testvm_out(&a.t, P + 3, 1, 0);
	testvm_out(&a.t, P + 7, 1, 0x20);
	CHECK(st(&a) & ATA_ST_ERR);
	/* READ MULTIPLE needs SET MULTIPLE first; bad sizes are refused. */
	lba28(&a, 0, 4, 0xc4);
	CHECK(st(&a) & ATA_ST_ERR);
	lba28(&a, 0, 3, 0xc6);
	CHECK(st(&a) & ATA_ST_ERR);
	lba28(&a, 0, 4, 0xc6);
	CHECK_EQ(st(&a) & ATA_ST_ERR, 0);
	lba28(&a, 10, 8, 0xc4);
	CHECK_EQ(testvm_irq_level[14], 1);
	CHECK_EQ(st(&a) & ATA_ST_DRQ, ATA_ST_DRQ);
	for (unsigned i = 0; i < 4 * 256; i++)
		CHECK_EQ(testvm_in(&a.t, P, 2), (10 + i / 256) * 0x101);
	CHECK_EQ(testvm_irq_level[14], 1); /* one interrupt per 4-sector block */
	for (unsigned i = 0; i < 4 * 256; i++)
		CHECK_EQ(testvm_in(&a.t, P, 2), (14 + i / 256) * 0x101);
	CHECK_EQ(st(&a), ATA_ST_DRDY | ATA_ST_DSC);
	atat_destroy(&a);
}

TEST(ata_pio_write_and_flush)
{
	struct atat a;
	uint8_t buf[512];
	int fd;

	CHECK(atat_init(&a, false, 0) == 0);
	lba48(&a, 3, 2, 0x34);
	CHECK_EQ(testvm_irq_level[14], 0); /* no interrupt before the data */
	CHECK_EQ(st(&a) & ATA_ST_DRQ, ATA_ST_DRQ);
	for (unsigned i = 0; i < 512; i++)
		testvm_out(&a.t, P, 2, 0xabcd);
	CHECK_EQ(st(&a), ATA_ST_DRDY | ATA_ST_DSC);
	testvm_out(&a.t, P + 7, 1, 0xe7);
	CHECK_EQ(st(&a), ATA_ST_DRDY | ATA_ST_DSC);
	fd = open(a.path, O_RDONLY);
	CHECK(fd >= 0);
	CHECK(pread(fd, buf, 512, 4 * 512) == 512);
	close(fd);
	CHECK_EQ(buf[0], 0xcd);
	CHECK_EQ(buf[511], 0xab);
	atat_destroy(&a);
}

TEST(ata_readonly_disk_refuses_writes)
{
	struct atat a;

	CHECK(atat_init(&a, true, 0) == 0);
	lba28(&a, 0, 1, 0x30);
	CHECK_EQ(st(&a) & (ATA_ST_ERR | ATA_ST_DRQ), ATA_ST_ERR);
	CHECK_EQ(testvm_in(&a.t, P + 1, 1), ATA_ER_ABRT);
	atat_destroy(&a);
}

TEST(ata_bad_disk_files)
{
	struct testvm t;
	struct gerr err;
	char path[] = "/tmp/gamut-ata-XXXXXX";
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	CHECK(write(fd, "short", 5) == 5);
	close(fd);
	CHECK(testvm_init(&t, 1 << 20, "hvm") == 0);
	t.vm.cfg.nr_disks = 1;
	t.vm.cfg.disk[0].path = path;
	CHECK(piix_ide_create(&t.vm, t.pci, &err) == NULL);
	CHECK(strstr(err.msg, "smaller than one sector") != NULL);
	t.vm.cfg.disk[0].path = "/nonexistent/disk.img";
	CHECK(piix_ide_create(&t.vm, t.pci, &err) == NULL);
	CHECK(!strcmp(err.msg, "--disk /nonexistent/disk.img: cannot open: No such file or directory"));
	testvm_destroy(&t);
	unlink(path);
}

static uint16_t bm_base(struct atat *a)
{
	return (uint16_t)pci_bar_address(&a->ide->pci, 4);
}

TEST(ata_dma_read_write)
{
	struct atat a;
	uint16_t bm;
	const uint8_t *p;

	CHECK(atat_init(&a, false, 0) == 0);
	bm = bm_base(&a);
	CHECK(bm >= PCI_IO_BASE);
	/* Two PRDs: 512 bytes at 0x10000, 1024 at 0x20000 (last). */
	CHECK(gmem_write_u32(&a.t.vm.mem, 0x8000, 0x10000) == 0);
	CHECK(gmem_write_u32(&a.t.vm.mem, 0x8004, 512) == 0);
	CHECK(gmem_write_u32(&a.t.vm.mem, 0x8008, 0x20000) == 0);
	CHECK(gmem_write_u32(&a.t.vm.mem, 0x800c, 0x80000000u | 1024) == 0);
	testvm_out(&a.t, bm + ATA_BM_PRD, 4, 0x8000);
	lba28(&a, 20, 3, 0xc8);
	CHECK_EQ(testvm_irq_level[14], 0);
	testvm_out(&a.t, bm, 1, ATA_BM_CMD_START | ATA_BM_CMD_TOMEM);
	CHECK_EQ(testvm_irq_level[14], 1);
	CHECK_EQ(testvm_in(&a.t, bm + 2, 1) & 7, ATA_BM_ST_INTR);
	CHECK_EQ(st(&a), ATA_ST_DRDY | ATA_ST_DSC);
	p = gmem_ptr(&a.t.vm.mem, 0x10000, 512);
	CHECK(p && p[0] == 20 && p[511] == 20);
	p = gmem_ptr(&a.t.vm.mem, 0x20000, 1024);
	CHECK(p && p[0] == 21 && p[1023] == 22);
	testvm_out(&a.t, bm + 2, 1, ATA_BM_ST_INTR); /* write-one-to-clear */
	CHECK_EQ(testvm_in(&a.t, bm + 2, 1) & 7, 0);
	testvm_out(&a.t, bm, 1, 0);
	/* WRITE DMA EXT of sector 0x10000's data to LBA 40, start first. */
	CHECK(gmem_write_u32(&a.t.vm.mem, 0x8004, 0x80000000u | 512) == 0);
	testvm_out(&a.t, bm, 1, ATA_BM_CMD_START);
	lba48(&a, 40, 1, 0x35);
	CHECK_EQ(st(&a), ATA_ST_DRDY | ATA_ST_DSC);
	testvm_out(&a.t, bm, 1, 0);
	lba28(&a, 40, 1, 0x20);
	CHECK_EQ(testvm_in(&a.t, P, 2), 0x1414);
	atat_destroy(&a);
}

TEST(ata_dma_outside_guest_ram_is_refused)
{
	struct atat a;
	uint16_t bm;

	CHECK(atat_init(&a, false, 0) == 0);
	bm = bm_base(&a);
	/* A buffer that runs off the end of the 1 MiB of RAM. */
	CHECK(gmem_write_u32(&a.t.vm.mem, 0x8000, 0xfff00) == 0);
	CHECK(gmem_write_u32(&a.t.vm.mem, 0x8004, 0x80000000u | 512) == 0);
	testvm_out(&a.t, bm + ATA_BM_PRD, 4, 0x8000);
	lba28(&a, 0, 1, 0xc8);
	testvm_out(&a.t, bm, 1, ATA_BM_CMD_START | ATA_BM_CMD_TOMEM);
	CHECK_EQ(testvm_in(&a.t, bm + 2, 1) & 7, ATA_BM_ST_INTR | ATA_BM_ST_ERROR);
	CHECK(st(&a) & ATA_ST_ERR);
	CHECK_EQ(testvm_irq_level[14], 0);
	testvm_out(&a.t, bm, 1, 0);
	/* A PRD table itself outside RAM, for a write. */
	testvm_out(&a.t, bm + ATA_BM_PRD, 4, 0xfffffff0u);
	testvm_out(&a.t, bm + 2, 1, 0x06);
	lba28(&a, 0, 1, 0xca);
	testvm_out(&a.t, bm, 1, ATA_BM_CMD_START);
	CHECK(testvm_in(&a.t, bm + 2, 1) & ATA_BM_ST_ERROR);
	CHECK(st(&a) & ATA_ST_ERR);
	testvm_out(&a.t, bm, 1, 0);
	/* PRDs shorter than the transfer: error, not a partial success. */
	CHECK(gmem_write_u32(&a.t.vm.mem, 0x8000, 0x10000) == 0);
	testvm_out(&a.t, bm + ATA_BM_PRD, 4, 0x8000);
	testvm_out(&a.t, bm + 2, 1, 0x06);
	lba28(&a, 0, 2, 0xc8);
	testvm_out(&a.t, bm, 1, ATA_BM_CMD_START | ATA_BM_CMD_TOMEM);
	CHECK(testvm_in(&a.t, bm + 2, 1) & ATA_BM_ST_ERROR);
	CHECK(st(&a) & ATA_ST_ERR);
	/* The device still works afterwards. */
	testvm_out(&a.t, bm, 1, 0);
	lba28(&a, 2, 1, 0x20);
	CHECK_EQ(testvm_in(&a.t, P, 2), 0x0202);
	atat_destroy(&a);
}

TEST(ata_software_reset_and_nien)
{
	struct atat a;

	CHECK(atat_init(&a, false, 0) == 0);
	testvm_out(&a.t, 0x3f6, 1, ATA_DC_NIEN);
	lba28(&a, 0, 1, 0x20);
	CHECK_EQ(testvm_irq_level[14], 0); /* masked by nIEN */
	testvm_out(&a.t, 0x3f6, 1, ATA_DC_SRST);
	CHECK(testvm_in(&a.t, 0x3f6, 1) & ATA_ST_BSY);
	testvm_out(&a.t, 0x3f6, 1, 0);
	CHECK_EQ(testvm_in(&a.t, 0x3f6, 1), ATA_ST_DRDY | ATA_ST_DSC);
	CHECK_EQ(testvm_in(&a.t, P + 2, 1), 1);
	CHECK_EQ(testvm_in(&a.t, P + 3, 1), 1);
	CHECK_EQ(testvm_in(&a.t, P, 2), 0xffff); /* the transfer was cancelled */
	atat_destroy(&a);
}
