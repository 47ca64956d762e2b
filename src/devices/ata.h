/* The ATA disks of the legacy PC, behind a PIIX-class IDE controller.
 *
 * ata.c implements one IDE channel (two drive positions sharing a task-file
 * latch): the ATA command set on raw disk images, PIO data transfer and the
 * bus-master DMA engine.  ata_piix.c puts two channels on the legacy ports
 * (0x1F0/0x3F6 on ISA IRQ 14, 0x170/0x376 on IRQ 15) and the bus-master
 * registers in BAR 4 of PCI function 01.1 (8086:7010, PIIX3 IDE).
 *
 * Every command runs to completion on the vCPU thread that issues it (the
 * image is read or written with pread/pwrite before the access returns), so
 * there is no asynchronous state to tear down.  FLUSH CACHE is fdatasync().
 * An LBA past the end of the image fails the command with IDNF; a DMA
 * descriptor outside guest RAM fails it with ABRT and sets the bus-master
 * error bit.  Nothing a guest writes makes gamut touch memory outside RAM.
 *
 * The one exception to "runs to completion": a data command that the
 * drive's rate limit (--disk ...,iops=N,bw=N) does not let through yet is
 * held with the status BSY, as a slow disk would be; the gate's timer
 * starts it on the event-loop thread, which raises the interrupt.  The
 * vCPU never waits for it. */
#ifndef GAMUT_DEVICES_ATA_H
#define GAMUT_DEVICES_ATA_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "core/ratelimit_gate.h"

struct vm;
struct ata_channel;

#define ATA_SECTOR	 512
#define ATA_MAX_MULT	 16 /* sectors per DRQ block of READ/WRITE MULTIPLE */
#define ATA_HEADS	 16
#define ATA_SPT		 63

/* Status register bits. */
#define ATA_ST_ERR  0x01
#define ATA_ST_DRQ  0x08
#define ATA_ST_DSC  0x10
#define ATA_ST_DRDY 0x40
#define ATA_ST_BSY  0x80
/* Error register bits. */
#define ATA_ER_ABRT 0x04
#define ATA_ER_IDNF 0x10
#define ATA_ER_UNC  0x40
/* Device control register bits. */
#define ATA_DC_NIEN 0x02
#define ATA_DC_SRST 0x04
#define ATA_DC_HOB  0x80
/* Bus-master registers (offsets in a channel's 8-byte block). */
#define ATA_BM_CMD    0
#define ATA_BM_STATUS 2
#define ATA_BM_PRD    4
#define ATA_BM_CMD_START 0x01
#define ATA_BM_CMD_TOMEM 0x08 /* the device writes guest memory */
#define ATA_BM_ST_ACTIVE 0x01
#define ATA_BM_ST_ERROR	 0x02
#define ATA_BM_ST_INTR	 0x04

struct ata_drive {
	bool present;
	bool readonly;
	int fd;
	uint64_t sectors;
	unsigned mult;	     /* READ/WRITE MULTIPLE block; 0: not set */
	uint16_t id[256];    /* IDENTIFY DEVICE data */
	char name[16];	     /* "disk0" */
	struct ata_channel *ch;
	struct rl_gate gate; /* iops=, bw= */
	bool gate_ready;
};

enum ata_xfer { ATA_XFER_NONE, ATA_XFER_PIO_IN, ATA_XFER_PIO_OUT,
		ATA_XFER_DMA_IN, ATA_XFER_DMA_OUT };

struct ata_channel {
	struct vm *vm;
	unsigned irq;
	pthread_mutex_t lock;
	struct ata_drive drive[2];
	/* The task file: each register keeps its previous value in hob_*
	 * for LBA48 (the "high order byte" read with DC_HOB). */
	uint8_t feature, nsect, lbal, lbam, lbah;
	uint8_t hob_feature, hob_nsect, hob_lbal, hob_lbam, hob_lbah;
	uint8_t select, status, error, devctl;
	bool irq_pending;
	/* The command in progress. */
	enum ata_xfer xfer;
	uint64_t lba;	    /* next sector to transfer */
	uint32_t remaining; /* sectors left */
	unsigned block;	    /* sectors per DRQ block */
	uint8_t buf[ATA_MAX_MULT * ATA_SECTOR];
	unsigned buf_pos, buf_len;
	/* A data command the rate limit holds (status BSY); 0: none. */
	uint8_t held_cmd;
	/* Bus master. */
	uint8_t bm_cmd, bm_status;
	uint32_t bm_prd;
};

/* Sets up a channel with no drives on interrupt line `irq`. */
void ata_channel_init(struct ata_channel *ch, struct vm *vm, unsigned irq);
/* Opens the disk dc names as drive `unit` (0 master, 1 slave). */
int ata_drive_open(struct ata_channel *ch, unsigned unit, const char *name,
		   const struct disk_config *dc, struct gerr *err);
void ata_channel_close(struct ata_channel *ch);

/* Command block (reg 0-7), control block (alt status / device control)
 * and bus-master register accesses, as the guest makes them. */
uint32_t ata_cmd_read(struct ata_channel *ch, unsigned reg, unsigned len);
void ata_cmd_write(struct ata_channel *ch, unsigned reg, unsigned len,
		   uint32_t v);
uint8_t ata_ctl_read(struct ata_channel *ch);
void ata_ctl_write(struct ata_channel *ch, uint8_t v);
uint32_t ata_bm_read(struct ata_channel *ch, unsigned reg, unsigned len);
void ata_bm_write(struct ata_channel *ch, unsigned reg, unsigned len,
		  uint32_t v);

#endif
