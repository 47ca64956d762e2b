/* One IDE channel: the ATA command set, PIO and bus-master DMA (see ata.h). */
#include "devices/ata.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/gmem.h"
#include "core/vm.h"

enum {
	CMD_RECALIBRATE = 0x10,
	CMD_READ_SECTORS = 0x20, CMD_READ_SECTORS_NR = 0x21,
	CMD_READ_SECTORS_EXT = 0x24, CMD_READ_DMA_EXT = 0x25,
	CMD_READ_NATIVE_MAX_EXT = 0x27, CMD_READ_MULTIPLE_EXT = 0x29,
	CMD_WRITE_SECTORS = 0x30, CMD_WRITE_SECTORS_NR = 0x31,
	CMD_WRITE_SECTORS_EXT = 0x34, CMD_WRITE_DMA_EXT = 0x35,
	CMD_WRITE_MULTIPLE_EXT = 0x39,
	CMD_VERIFY = 0x40, CMD_VERIFY_NR = 0x41, CMD_VERIFY_EXT = 0x42,
	CMD_SEEK = 0x70, CMD_DIAGNOSE = 0x90, CMD_INIT_PARAMS = 0x91,
	CMD_IDENTIFY_PACKET = 0xa1,
	CMD_READ_MULTIPLE = 0xc4, CMD_WRITE_MULTIPLE = 0xc5,
	CMD_SET_MULTIPLE = 0xc6, CMD_READ_DMA = 0xc8, CMD_READ_DMA_NR = 0xc9,
	CMD_WRITE_DMA = 0xca, CMD_WRITE_DMA_NR = 0xcb,
	CMD_STANDBY_NOW = 0xe0, CMD_IDLE_NOW = 0xe1, CMD_STANDBY = 0xe2,
	CMD_IDLE = 0xe3, CMD_CHECK_POWER = 0xe5, CMD_FLUSH = 0xe7,
	CMD_IDENTIFY = 0xec, CMD_FLUSH_EXT = 0xea, CMD_SET_FEATURES = 0xef,
	CMD_READ_NATIVE_MAX = 0xf8,
};

/* ---- interrupts and status ---- */

static void ata_update_irq(struct ata_channel *ch)
{
	vm_irq_set(ch->vm, ch->irq,
		   ch->irq_pending && !(ch->devctl & ATA_DC_NIEN));
}

static void ata_raise(struct ata_channel *ch)
{
	ch->irq_pending = true;
	ch->bm_status |= ATA_BM_ST_INTR;
	ata_update_irq(ch);
}

static struct ata_drive *cur_drive(struct ata_channel *ch)
{
	return &ch->drive[(ch->select >> 4) & 1];
}

static void ata_done(struct ata_channel *ch)
{
	ch->xfer = ATA_XFER_NONE;
	ch->status = ATA_ST_DRDY | ATA_ST_DSC;
	ch->error = 0;
	ata_raise(ch);
}

static void ata_fail(struct ata_channel *ch, uint8_t error)
{
	ch->xfer = ATA_XFER_NONE;
	ch->status = ATA_ST_DRDY | ATA_ST_ERR;
	ch->error = error;
	ata_raise(ch);
}

/* The reset signature of an ATA (not ATAPI) device. */
static void ata_set_signature(struct ata_channel *ch)
{
	ch->nsect = 1;
	ch->lbal = 1;
	ch->lbam = 0;
	ch->lbah = 0;
	ch->select &= 0x10;
	ch->error = 1; /* diagnostic code: device 0 passed */
	ch->status = cur_drive(ch)->present ? ATA_ST_DRDY | ATA_ST_DSC : 0;
}

/* ---- IDENTIFY DEVICE ---- */

/* ATA strings hold two characters per word, the first in the high byte. */
static void id_string(uint16_t *w, unsigned nwords, const char *s)
{
	size_t n = strlen(s);

	for (unsigned i = 0; i < nwords * 2; i++) {
		uint8_t c = i < n ? (uint8_t)s[i] : ' ';

		if (i & 1)
			w[i / 2] |= c;
		else
			w[i / 2] = (uint16_t)(c << 8);
	}
}

static void ata_build_identify(struct ata_drive *d, unsigned index)
{
	uint16_t *id = d->id;
	uint64_t cyl = d->sectors / (ATA_HEADS * ATA_SPT);
	uint64_t lba28 = d->sectors < 0x0fffffff ? d->sectors : 0x0fffffff;
	uint32_t chs_cap;
	char serial[24];

	if (cyl > 16383)
		cyl = 16383;
	chs_cap = (uint32_t)(cyl * ATA_HEADS * ATA_SPT);
	memset(id, 0, sizeof(d->id));
	id[0] = 0x0040;			/* fixed, non-removable ATA device */
	id[1] = (uint16_t)cyl;
	id[3] = ATA_HEADS;
	id[6] = ATA_SPT;
	snprintf(serial, sizeof(serial), "GAMUT%04u", index);
	id_string(&id[10], 10, serial);
	id_string(&id[23], 4, "1.0");
	id_string(&id[27], 20, "GAMUT ATA DISK");
	id[47] = 0x8000 | ATA_MAX_MULT;
	id[49] = 0x0b00;		/* IORDY, LBA, DMA */
	id[50] = 0x4000;
	id[51] = 0x0200;		/* PIO timing mode 2 */
	id[53] = 0x0007;		/* words 54-58, 64-70, 88 valid */
	id[54] = (uint16_t)cyl;
	id[55] = ATA_HEADS;
	id[56] = ATA_SPT;
	id[57] = (uint16_t)chs_cap;
	id[58] = (uint16_t)(chs_cap >> 16);
	id[60] = (uint16_t)lba28;
	id[61] = (uint16_t)(lba28 >> 16);
	id[63] = 0x0407;		/* MWDMA 0-2, mode 2 selected */
	id[64] = 0x0003;		/* PIO 3-4 */
	id[65] = id[66] = id[67] = id[68] = 120;
	id[80] = 0x00f0;		/* ATA-4 to ATA-7 */
	id[82] = 0x4020;		/* write cache */
	id[83] = 0x7400;		/* LBA48, FLUSH CACHE (EXT) */
	id[84] = 0x4000;
	id[85] = 0x4020;
	id[86] = 0x3400;
	id[87] = 0x4000;
	id[88] = 0x003f;		/* UDMA 0-5 supported, none selected */
	id[93] = 0x6001;
	for (unsigned i = 0; i < 4; i++)
		id[100 + i] = (uint16_t)(d->sectors >> (16 * i));
}

/* ---- drives ---- */

void ata_channel_init(struct ata_channel *ch, struct vm *vm, unsigned irq)
{
	memset(ch, 0, sizeof(*ch));
	ch->vm = vm;
	ch->irq = irq;
	ch->drive[0].fd = ch->drive[1].fd = -1;
	pthread_mutex_init(&ch->lock, NULL);
	ata_set_signature(ch);
}

static void ata_resume(void *opaque);

int ata_drive_open(struct ata_channel *ch, unsigned unit, const char *name,
		   const struct disk_config *dc, struct gerr *err)
{
	struct ata_drive *d = &ch->drive[unit & 1];
	const char *path = dc->path;
	bool readonly = dc->readonly;
	struct stat st;
	int fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);

	if (fd < 0)
		return gerr_errno(err, errno, "--disk %s: cannot open", path);
	if (fstat(fd, &st) < 0 || st.st_size < ATA_SECTOR) {
		close(fd);
		return gerr_set(err, "--disk %s: empty or smaller than one sector",
				path);
	}
	d->ch = ch;
	d->gate_ready = true;
	if (rl_gate_init(&d->gate, &dc->limit, &ch->vm->loop, ata_resume, d, path,
			 err) < 0) {
		close(fd);
		return -1;
	}
	d->present = true;
	d->readonly = readonly;
	d->fd = fd;
	/* A trailing partial sector is not addressable. */
	d->sectors = (uint64_t)st.st_size / ATA_SECTOR;
	snprintf(d->name, sizeof(d->name), "%s", name);
	ata_build_identify(d, unit);
	ata_set_signature(ch);
	return 0;
}

void ata_channel_close(struct ata_channel *ch)
{
	for (unsigned i = 0; i < 2; i++) {
		if (ch->drive[i].fd >= 0)
			close(ch->drive[i].fd);
		if (ch->drive[i].gate_ready)
			rl_gate_destroy(&ch->drive[i].gate);
	}
	pthread_mutex_destroy(&ch->lock);
}

/* Whole-buffer pread/pwrite at sector `lba`; false on error or short I/O. */
static bool disk_io(struct ata_drive *d, void *buf, size_t len, uint64_t lba,
		    bool write)
{
	off_t off = (off_t)(lba * ATA_SECTOR);
	size_t done = 0;

	while (done < len) {
		ssize_t n = write ? pwrite(d->fd, (char *)buf + done, len - done,
					   off + (off_t)done)
				  : pread(d->fd, (char *)buf + done, len - done,
					  off + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		done += (size_t)n;
	}
	return true;
}

/* ---- addressing ---- */

static bool is_lba48(uint8_t cmd)
{
	switch (cmd) {
	case CMD_READ_SECTORS_EXT: case CMD_READ_DMA_EXT:
	case CMD_READ_MULTIPLE_EXT: case CMD_WRITE_SECTORS_EXT:
	case CMD_WRITE_DMA_EXT: case CMD_WRITE_MULTIPLE_EXT:
	case CMD_VERIFY_EXT:
		return true;
	default:
		return false;
	}
}

/* Decodes the start sector and count of a data command; false (with the
 * error set) when the address is malformed or runs past the disk. */
static bool ata_decode_range(struct ata_channel *ch, uint8_t cmd)
{
	struct ata_drive *d = cur_drive(ch);
	uint64_t lba;
	uint32_t count;

	if (is_lba48(cmd)) {
		lba = (uint64_t)ch->hob_lbah << 40 | (uint64_t)ch->hob_lbam << 32 |
		      (uint64_t)ch->hob_lbal << 24 | (uint64_t)ch->lbah << 16 |
		      (uint64_t)ch->lbam << 8 | ch->lbal;
		count = (uint32_t)ch->hob_nsect << 8 | ch->nsect;
		if (!count)
			count = 65536;
	} else {
		count = ch->nsect ? ch->nsect : 256;
		if (ch->select & 0x40) {
			lba = (uint64_t)(ch->select & 0x0f) << 24 |
			      (uint64_t)ch->lbah << 16 | (uint64_t)ch->lbam << 8 |
			      ch->lbal;
		} else {
			unsigned cyl = (unsigned)ch->lbah << 8 | ch->lbam;
			unsigned head = ch->select & 0x0f;

			if (ch->lbal == 0 || ch->lbal > ATA_SPT) {
				ata_fail(ch, ATA_ER_IDNF);
				return false;
			}
			lba = ((uint64_t)cyl * ATA_HEADS + head) * ATA_SPT +
			      ch->lbal - 1u;
		}
	}
	if (lba >= d->sectors || count > d->sectors - lba) {
		ata_fail(ch, ATA_ER_IDNF | ATA_ER_ABRT);
		return false;
	}
	ch->lba = lba;
	ch->remaining = count;
	return true;
}

/* ---- PIO ---- */

/* Reads the next DRQ block into the buffer and raises the interrupt. */
static void pio_in_next(struct ata_channel *ch)
{
	unsigned n = ch->remaining < ch->block ? ch->remaining : ch->block;

	if (!disk_io(cur_drive(ch), ch->buf, (size_t)n * ATA_SECTOR, ch->lba,
		     false)) {
		ata_fail(ch, ATA_ER_UNC);
		return;
	}
	ch->buf_pos = 0;
	ch->buf_len = n * ATA_SECTOR;
	ch->lba += n;
	ch->remaining -= n;
	ch->status = ATA_ST_DRDY | ATA_ST_DSC | ATA_ST_DRQ;
	ata_raise(ch);
}

static void pio_out_expect(struct ata_channel *ch)
{
	unsigned n = ch->remaining < ch->block ? ch->remaining : ch->block;

	ch->buf_pos = 0;
	ch->buf_len = n * ATA_SECTOR;
	ch->status = ATA_ST_DRDY | ATA_ST_DSC | ATA_ST_DRQ;
}

/* The guest filled a DRQ block: write it, then ask for the next one. */
static void pio_out_block_done(struct ata_channel *ch)
{
	unsigned n = ch->buf_len / ATA_SECTOR;

	if (!disk_io(cur_drive(ch), ch->buf, ch->buf_len, ch->lba, true)) {
		ata_fail(ch, ATA_ER_UNC);
		return;
	}
	ch->lba += n;
	ch->remaining -= n;
	if (!ch->remaining) {
		ata_done(ch);
		return;
	}
	pio_out_expect(ch);
	ata_raise(ch);
}

static void ata_pio_start(struct ata_channel *ch, bool in, unsigned block)
{
	ch->block = block;
	ch->xfer = in ? ATA_XFER_PIO_IN : ATA_XFER_PIO_OUT;
	ch->error = 0;
	if (in)
		pio_in_next(ch);
	else
		pio_out_expect(ch); /* no interrupt before the first block */
}

static uint32_t ata_data_read(struct ata_channel *ch, unsigned len)
{
	uint32_t v = 0;

	if (ch->xfer != ATA_XFER_PIO_IN || ch->buf_pos + len > ch->buf_len)
		return 0xffffffffu >> (32 - 8 * len);
	memcpy(&v, ch->buf + ch->buf_pos, len);
	ch->buf_pos += len;
	if (ch->buf_pos == ch->buf_len) {
		if (ch->remaining)
			pio_in_next(ch);
		else {
			ch->xfer = ATA_XFER_NONE;
			ch->status = ATA_ST_DRDY | ATA_ST_DSC;
		}
	}
	return v;
}

static void ata_data_write(struct ata_channel *ch, unsigned len, uint32_t v)
{
	if (ch->xfer != ATA_XFER_PIO_OUT || ch->buf_pos + len > ch->buf_len)
		return;
	memcpy(ch->buf + ch->buf_pos, &v, len);
	ch->buf_pos += len;
	if (ch->buf_pos == ch->buf_len)
		pio_out_block_done(ch);
}

/* ---- bus-master DMA ---- */

/* Runs the whole transfer through the PRD table.  Each descriptor is
 * 8 bytes: address, byte count (0 means 64 KiB), bit 31: last entry. */
static void ata_dma_run(struct ata_channel *ch)
{
	struct ata_drive *d = cur_drive(ch);
	bool in = ch->xfer == ATA_XFER_DMA_IN;
	uint64_t bytes = (uint64_t)ch->remaining * ATA_SECTOR, done = 0;
	uint64_t prd = ch->bm_prd;
	bool ok = true, eot = false;

	/* A PRD table cannot cross a 64 KiB boundary: at most 8192 entries. */
	for (unsigned n = 0; n < 8192 && done < bytes && !eot && ok; n++, prd += 8) {
		uint32_t addr, ctl;
		uint64_t cnt;
		void *p;

		if (gmem_read_u32(&ch->vm->mem, prd, &addr) < 0 ||
		    gmem_read_u32(&ch->vm->mem, prd + 4, &ctl) < 0) {
			ok = false;
			break;
		}
		eot = ctl & 0x80000000u;
		cnt = ctl & 0xfffe;
		if (!cnt)
			cnt = 0x10000;
		if (cnt > bytes - done)
			cnt = bytes - done;
		p = in ? gmem_ptr_w(&ch->vm->mem, addr, cnt)
		       : (void *)gmem_ptr(&ch->vm->mem, addr, cnt);
		if (!p || (cnt % ATA_SECTOR) ||
		    !disk_io(d, p, cnt, ch->lba + done / ATA_SECTOR, !in))
			ok = false;
		else
			done += cnt;
	}
	ch->bm_status &= (uint8_t)~ATA_BM_ST_ACTIVE;
	if (!ok || done < bytes) {
		ch->bm_status |= ATA_BM_ST_ERROR;
		ata_fail(ch, ATA_ER_ABRT);
		return;
	}
	ch->lba += ch->remaining;
	ch->remaining = 0;
	ata_done(ch);
}

static void ata_dma_start(struct ata_channel *ch, bool in)
{
	ch->xfer = in ? ATA_XFER_DMA_IN : ATA_XFER_DMA_OUT;
	ch->status = ATA_ST_DRDY | ATA_ST_DSC | ATA_ST_DRQ;
	if (ch->bm_cmd & ATA_BM_CMD_START)
		ata_dma_run(ch);
}

/* ---- commands ---- */

static void ata_set_features(struct ata_channel *ch)
{
	switch (ch->feature) {
	case 0x02: case 0x82: /* write cache on/off: writes always reach the file */
	case 0x03:	      /* transfer mode: every mode behaves the same here */
	case 0x66: case 0xcc: case 0xaa: case 0x55:
		ata_done(ch);
		break;
	default:
		ata_fail(ch, ATA_ER_ABRT);
	}
}

static void ata_flush(struct ata_channel *ch)
{
	struct ata_drive *d = cur_drive(ch);

	if (!d->readonly && fdatasync(d->fd) < 0)
		ata_fail(ch, ATA_ER_ABRT);
	else
		ata_done(ch);
}

static void ata_native_max(struct ata_channel *ch, bool ext)
{
	uint64_t max = cur_drive(ch)->sectors - 1;

	if (!ext && max > 0x0fffffff)
		max = 0x0fffffff;
	ch->lbal = (uint8_t)max;
	ch->lbam = (uint8_t)(max >> 8);
	ch->lbah = (uint8_t)(max >> 16);
	if (ext) {
		ch->hob_lbal = (uint8_t)(max >> 24);
		ch->hob_lbam = (uint8_t)(max >> 32);
		ch->hob_lbah = (uint8_t)(max >> 40);
	} else {
		ch->select = (uint8_t)((ch->select & 0xf0) | ((max >> 24) & 0x0f));
	}
	ata_done(ch);
}

static bool cmd_is_write(uint8_t cmd)
{
	return cmd == CMD_WRITE_SECTORS || cmd == CMD_WRITE_SECTORS_NR ||
	       cmd == CMD_WRITE_SECTORS_EXT || cmd == CMD_WRITE_MULTIPLE ||
	       cmd == CMD_WRITE_MULTIPLE_EXT || cmd == CMD_WRITE_DMA ||
	       cmd == CMD_WRITE_DMA_NR || cmd == CMD_WRITE_DMA_EXT;
}

static bool cmd_is_multiple(uint8_t cmd)
{
	return cmd == CMD_READ_MULTIPLE || cmd == CMD_READ_MULTIPLE_EXT ||
	       cmd == CMD_WRITE_MULTIPLE || cmd == CMD_WRITE_MULTIPLE_EXT;
}

static bool cmd_is_dma(uint8_t cmd)
{
	return cmd == CMD_READ_DMA || cmd == CMD_READ_DMA_NR ||
	       cmd == CMD_READ_DMA_EXT || cmd == CMD_WRITE_DMA ||
	       cmd == CMD_WRITE_DMA_NR || cmd == CMD_WRITE_DMA_EXT;
}

/* Starts a decoded data command's transfer. */
static void ata_data_go(struct ata_channel *ch, uint8_t cmd)
{
	if (cmd_is_dma(cmd))
		ata_dma_start(ch, !cmd_is_write(cmd));
	else
		ata_pio_start(ch, !cmd_is_write(cmd),
			      cmd_is_multiple(cmd) ? cur_drive(ch)->mult : 1);
}

/* The rate limit is charged for the whole command at its start: one
 * operation and every sector it moves. */
static bool ata_admit(struct ata_channel *ch)
{
	return rl_gate_admit(&cur_drive(ch)->gate,
			     (uint64_t)ch->remaining * ATA_SECTOR);
}

static void ata_data_command(struct ata_channel *ch, uint8_t cmd)
{
	struct ata_drive *d = cur_drive(ch);

	if ((cmd_is_write(cmd) && d->readonly) || (cmd_is_multiple(cmd) && !d->mult)) {
		ata_fail(ch, ATA_ER_ABRT);
		return;
	}
	if (!ata_decode_range(ch, cmd))
		return;
	if (!ata_admit(ch)) {
		ch->held_cmd = cmd;
		ch->status = ATA_ST_BSY;
		return;
	}
	ata_data_go(ch, cmd);
}

/* The drive's rate limit has room again (event loop): start the held
 * command, unless a reset dropped it or the limit still says no. */
static void ata_resume(void *opaque)
{
	struct ata_drive *d = opaque;
	struct ata_channel *ch = d->ch;
	uint8_t cmd;

	pthread_mutex_lock(&ch->lock);
	if (ch->held_cmd && cur_drive(ch) == d && ata_admit(ch)) {
		cmd = ch->held_cmd;
		ch->held_cmd = 0;
		ata_data_go(ch, cmd);
	}
	pthread_mutex_unlock(&ch->lock);
}

static void ata_command(struct ata_channel *ch, uint8_t cmd)
{
	struct ata_drive *d = cur_drive(ch);

	if (cmd == CMD_DIAGNOSE) {
		ata_set_signature(ch);
		ata_raise(ch);
		return;
	}
	if (!d->present)
		return; /* nobody answers; the status reads 0 */
	ch->xfer = ATA_XFER_NONE;
	switch (cmd) {
	case CMD_IDENTIFY:
		for (unsigned i = 0; i < 256; i++) {
			ch->buf[2 * i] = (uint8_t)d->id[i];
			ch->buf[2 * i + 1] = (uint8_t)(d->id[i] >> 8);
		}
		d->id[59] = d->mult ? (uint16_t)(0x100 | d->mult) : 0;
		ch->buf[118] = (uint8_t)d->id[59];
		ch->buf[119] = (uint8_t)(d->id[59] >> 8);
		ch->buf_pos = 0;
		ch->buf_len = ATA_SECTOR;
		ch->remaining = 0;
		ch->xfer = ATA_XFER_PIO_IN;
		ch->error = 0;
		ch->status = ATA_ST_DRDY | ATA_ST_DSC | ATA_ST_DRQ;
		ata_raise(ch);
		break;
	case CMD_SET_MULTIPLE:
		if (ch->nsect > ATA_MAX_MULT || (ch->nsect & (ch->nsect - 1))) {
			ata_fail(ch, ATA_ER_ABRT);
			break;
		}
		d->mult = ch->nsect;
		ata_done(ch);
		break;
	case CMD_VERIFY: case CMD_VERIFY_NR: case CMD_VERIFY_EXT:
		if (ata_decode_range(ch, cmd))
			ata_done(ch);
		break;
	case CMD_FLUSH: case CMD_FLUSH_EXT:
		ata_flush(ch);
		break;
	case CMD_SET_FEATURES:
		ata_set_features(ch);
		break;
	case CMD_CHECK_POWER:
		ch->nsect = 0xff; /* active or idle */
		ata_done(ch);
		break;
	case CMD_READ_NATIVE_MAX: case CMD_READ_NATIVE_MAX_EXT:
		ata_native_max(ch, cmd == CMD_READ_NATIVE_MAX_EXT);
		break;
	case CMD_RECALIBRATE: case CMD_SEEK: case CMD_INIT_PARAMS:
	case CMD_STANDBY_NOW: case CMD_IDLE_NOW: case CMD_STANDBY: case CMD_IDLE:
		ata_done(ch);
		break;
	case CMD_READ_SECTORS: case CMD_READ_SECTORS_NR: case CMD_READ_SECTORS_EXT:
	case CMD_READ_MULTIPLE: case CMD_READ_MULTIPLE_EXT:
	case CMD_WRITE_SECTORS: case CMD_WRITE_SECTORS_NR:
	case CMD_WRITE_SECTORS_EXT: case CMD_WRITE_MULTIPLE:
	case CMD_WRITE_MULTIPLE_EXT: case CMD_READ_DMA: case CMD_READ_DMA_NR:
	case CMD_READ_DMA_EXT: case CMD_WRITE_DMA: case CMD_WRITE_DMA_NR:
	case CMD_WRITE_DMA_EXT:
		ata_data_command(ch, cmd);
		break;
	default: /* IDENTIFY PACKET and everything else: not an ATAPI device */
		ata_fail(ch, ATA_ER_ABRT);
	}
}

/* ---- register file ---- */

static bool no_drives(const struct ata_channel *ch)
{
	return !ch->drive[0].present && !ch->drive[1].present;
}

uint32_t ata_cmd_read(struct ata_channel *ch, unsigned reg, unsigned len)
{
	bool hob = ch->devctl & ATA_DC_HOB;
	uint32_t v;

	pthread_mutex_lock(&ch->lock);
	if (reg == 0) {
		v = ata_data_read(ch, len);
		pthread_mutex_unlock(&ch->lock);
		return v;
	}
	switch (reg) {
	case 1: v = hob ? ch->hob_feature : ch->error; break;
	case 2: v = hob ? ch->hob_nsect : ch->nsect; break;
	case 3: v = hob ? ch->hob_lbal : ch->lbal; break;
	case 4: v = hob ? ch->hob_lbam : ch->lbam; break;
	case 5: v = hob ? ch->hob_lbah : ch->lbah; break;
	case 6: v = ch->select | 0xa0; break;
	default:
		v = cur_drive(ch)->present ? ch->status : 0;
		/* Reading the status acknowledges the interrupt. */
		ch->irq_pending = false;
		ata_update_irq(ch);
		break;
	}
	if (no_drives(ch))
		v = 0;
	pthread_mutex_unlock(&ch->lock);
	return v;
}

void ata_cmd_write(struct ata_channel *ch, unsigned reg, unsigned len,
		   uint32_t v)
{
	uint8_t b = (uint8_t)v;

	pthread_mutex_lock(&ch->lock);
	/* A held command owns the task file (BSY): the host may not write
	 * it then, and a write that comes anyway is ignored. */
	if (ch->held_cmd && reg >= 1) {
		pthread_mutex_unlock(&ch->lock);
		return;
	}
	/* Writing a task-file register clears HOB, as on hardware. */
	if (reg >= 1 && reg <= 5)
		ch->devctl &= (uint8_t)~ATA_DC_HOB;
	switch (reg) {
	case 0: ata_data_write(ch, len, v); break;
	case 1: ch->hob_feature = ch->feature; ch->feature = b; break;
	case 2: ch->hob_nsect = ch->nsect; ch->nsect = b; break;
	case 3: ch->hob_lbal = ch->lbal; ch->lbal = b; break;
	case 4: ch->hob_lbam = ch->lbam; ch->lbam = b; break;
	case 5: ch->hob_lbah = ch->lbah; ch->lbah = b; break;
	case 6: ch->select = b & 0x5f; break;
	default: ata_command(ch, b); break;
	}
	pthread_mutex_unlock(&ch->lock);
}

uint8_t ata_ctl_read(struct ata_channel *ch)
{
	uint8_t v;

	pthread_mutex_lock(&ch->lock);
	v = cur_drive(ch)->present ? ch->status : 0;
	pthread_mutex_unlock(&ch->lock);
	return v;
}

void ata_ctl_write(struct ata_channel *ch, uint8_t v)
{
	pthread_mutex_lock(&ch->lock);
	/* The end of a software reset (SRST 1 -> 0) resets both drives. */
	if ((ch->devctl & ATA_DC_SRST) && !(v & ATA_DC_SRST)) {
		ch->xfer = ATA_XFER_NONE;
		ch->held_cmd = 0;
		ch->select = 0;
		ata_set_signature(ch);
	} else if (v & ATA_DC_SRST) {
		ch->held_cmd = 0;
		ch->status = ATA_ST_BSY;
	}
	ch->devctl = v;
	ata_update_irq(ch);
	pthread_mutex_unlock(&ch->lock);
}

uint32_t ata_bm_read(struct ata_channel *ch, unsigned reg, unsigned len)
{
	uint32_t v = 0;
	uint8_t raw[8] = { 0 };

	pthread_mutex_lock(&ch->lock);
	raw[ATA_BM_CMD] = ch->bm_cmd;
	raw[ATA_BM_STATUS] = ch->bm_status;
	memcpy(raw + ATA_BM_PRD, &ch->bm_prd, 4);
	if (reg + len <= 8)
		memcpy(&v, raw + reg, len);
	pthread_mutex_unlock(&ch->lock);
	return v;
}

void ata_bm_write(struct ata_channel *ch, unsigned reg, unsigned len,
		  uint32_t v)
{
	pthread_mutex_lock(&ch->lock);
	if (reg == ATA_BM_CMD) {
		uint8_t old = ch->bm_cmd;

		ch->bm_cmd = (uint8_t)(v & (ATA_BM_CMD_START | ATA_BM_CMD_TOMEM));
		if (!(old & ATA_BM_CMD_START) && (v & ATA_BM_CMD_START)) {
			ch->bm_status |= ATA_BM_ST_ACTIVE;
			if (ch->xfer == ATA_XFER_DMA_IN || ch->xfer == ATA_XFER_DMA_OUT)
				ata_dma_run(ch);
		} else if (!(v & ATA_BM_CMD_START)) {
			ch->bm_status &= (uint8_t)~ATA_BM_ST_ACTIVE;
		}
	} else if (reg == ATA_BM_STATUS) {
		uint8_t b = (uint8_t)v;

		ch->bm_status = (uint8_t)((ch->bm_status & ~0x60 & ~(b & 0x06)) |
					  (b & 0x60));
	} else if (reg >= ATA_BM_PRD && reg + len <= 8) {
		uint8_t raw[4];

		memcpy(raw, &ch->bm_prd, 4);
		memcpy(raw + (reg - ATA_BM_PRD), &v, len);
		memcpy(&ch->bm_prd, raw, 4);
		ch->bm_prd &= ~3u;
	}
	pthread_mutex_unlock(&ch->lock);
}
