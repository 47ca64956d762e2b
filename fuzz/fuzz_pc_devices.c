/* libFuzzer target for the legacy PC's guest-facing devices: the PCI host
 * bridge (config space, BAR sizing and moving), the PIIX3 IDE controller
 * with an ATA disk (task file, PIO, bus-master DMA with PRD tables) and the
 * e1000 (registers, EEPROM, TX/RX descriptor rings, offload contexts).  The
 * input is an operation stream; guest RAM is written from the input, so
 * descriptors and PRD tables point wherever the bytes say.  No access may
 * crash gamut, touch memory outside guest RAM, loop without bound or leak.
 * A fresh VM (and a zeroed disk image) per input keeps runs reproducible.
 *
 * Raw accesses reach everything; the driver operations (6-10) do in one
 * step what a driver does in many, so that the DMA engines, the PIO data
 * path and the descriptor rings are reached in seconds, not hours.
 *
 * Each operation: 1 byte kind (% 11), then its operands:
 *   0 port write   u16 port (from a table of the PC's ports), u32 value, u8 len
 *   1 port read    u16 port, u8 len
 *   2 e1000 write  u16 register/4, u32 value
 *   3 e1000 read   u16 register/4
 *   4 RAM write    fz_ram_write (fuzz_common.h)
 *   5 frame in     u8 length/4, bytes follow (up to the input's end)
 *   6 ATA command  u8 where (bit 0 channel, bit 1 drive, bit 2 LBA and
 *                  count inside the image, bit 3 command from a table of
 *                  the data commands), u8 features, u16 count, 6 bytes LBA,
 *                  u8 command: the task file written high-order bytes
 *                  first (LBA48 style), then the command
 *   7 ATA PIO data u8 where (bit 0 channel, bit 7 write), u16 words (< 4096,
 *                  FZ_PIO_WORDS per input): 2-byte data-port reads, or
 *                  writes of the next input bytes
 *   8 ATA DMA      u8 where (bit 0 channel, bit 1 to memory), u8 entries
 *                  (1-8), per entry u16 byte count and u8 (bit 0: last);
 *                  builds the PRD table at 0x1000 + 0x100 * channel over
 *                  buffers at 0x20000 + 0x2000 * i, then (re)starts the
 *                  engine
 *   9 e1000 TX     u8 count (1-8), per descriptor u8 flags (bit 0: raw low
 *                  quadword from the input instead of a buffer address at
 *                  0x60000 + 0x1000 * i) and 8 bytes of high quadword; the
 *                  ring at 0x50000 (8 entries), TCTL.EN, TDT moved on
 *  10 e1000 RX     u32 RCTL bits (EN always), u8 tail; the ring at 0x70000
 *                  (8 entries) over 0x800-byte buffers at 0x80000 */
#include "devices/ata_piix.h"
#include "devices/e1000.h"
#include "fuzz_common.h"
#include "pci/pci.h"

#define FZ_PRD	    0x1000u
#define FZ_DMA_BUF  0x20000u
#define FZ_TX_RING  0x50000u
#define FZ_TX_BUF   0x60000u
#define FZ_RX_RING  0x70000u
#define FZ_RX_BUF   0x80000u
#define FZ_RING_LEN 8u

static void fz_tx(void *opaque, const uint8_t *f, size_t len)
{
	(void)opaque;
	(void)f;
	if (len > E1000_MAX_FRAME)
		__builtin_trap();
}

#define FZ_PIO_WORDS 65536u /* per input: a long run of cheap ops stays fast */

struct fz_pc {
	struct vm vm;
	struct piix_ide *ide;
	struct e1000 *nic;
	unsigned pio_words; /* data-port accesses so far */
};

static const uint16_t ports[] = { 0xcf8, 0xcf9, 0xcfc, 0xcfd, 0xcfe, 0x1f0,
				  0x1f1, 0x1f2, 0x1f3, 0x1f4, 0x1f5, 0x1f6,
				  0x1f7, 0x3f6, 0x170, 0x177, 0x376 };
static const uint16_t cmd_base[2] = { 0x1f0, 0x170 };

static void fz_setup(struct fz_pc *f)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
	struct pci_bus *bus;
	struct gerr err;

	if (fz_vm_init(&f->vm, "hvm") < 0)
		abort();
	f->pio_words = 0;
	f->vm.cfg.nr_disks = 1;
	f->vm.cfg.disk[0].path = fz_disk(64);
	if (!f->vm.cfg.disk[0].path || fz_attach(&f->vm, "pci", (void **)&bus) < 0)
		abort();
	f->ide = piix_ide_create(&f->vm, bus, &err);
	f->nic = e1000_create(&f->vm, bus, mac, fz_tx, NULL, &err);
	if (!f->ide || !f->nic) {
		fprintf(stderr, "fuzz: %s\n", err.msg);
		abort();
	}
}

static void fz_teardown(struct fz_pc *f)
{
	e1000_destroy(f->nic);
	piix_ide_destroy(f->ide);
	fz_vm_done(&f->vm);
}

static uint16_t pick_port(struct fz_pc *f, uint32_t v)
{
	unsigned n = sizeof(ports) / sizeof(ports[0]);
	uint16_t bm = (uint16_t)pci_bar_address(&f->ide->pci, 4);

	/* The bus-master block sits at a BAR the guest may have moved. */
	return v % (n + 16) < n ? ports[v % (n + 16)] : (uint16_t)(bm + v % 16);
}

static void fz_out(struct fz_pc *f, uint16_t port, unsigned len, uint32_t v)
{
	bus_access(&f->vm.pio, port, &v, len, true, 0);
}

static void fz_nic_wr(struct fz_pc *f, unsigned reg, uint32_t v)
{
	bus_access(&f->vm.mmio, pci_bar_address(&f->nic->pci, 0) + reg, &v, 4,
		   true, 0);
}

/* The ATA commands that move data or answer with some: picked by table
 * when the operation asks, since a random byte is one of them 1 time in 13. */
static const uint8_t ata_cmds[] = {
	0x20, 0x24, 0x29, 0xc4, 0x30, 0x34, 0x39, 0xc5, 0xc8, 0x25, 0xca,
	0x35, 0xec, 0xe7, 0xef, 0xc6, 0x40, 0xf8, 0x27, 0x42,
};

static void fz_ata_command(struct fz_pc *f, const uint8_t **p, const uint8_t *end)
{
	unsigned where = fz_get(p, end, 1);
	uint16_t base = cmd_base[where & 1];
	uint32_t feat = fz_get(p, end, 1), count = fz_get(p, end, 2), cmd;
	uint8_t lba[6];

	for (unsigned i = 0; i < 6; i++)
		lba[i] = (uint8_t)fz_get(p, end, 1);
	if (where & 4) { /* inside the 64-sector image: the data paths */
		lba[0] %= 64;
		memset(lba + 1, 0, 5);
		count = count % 8 + 1;
	}
	cmd = fz_get(p, end, 1);
	if (where & 8)
		cmd = ata_cmds[cmd % sizeof(ata_cmds)];
	fz_out(f, base + 6, 1, 0xe0 | (where & 2) << 3 | (lba[3] & 0xf));
	/* LBA48: the "previous" bytes, then the current ones. */
	fz_out(f, base + 1, 1, 0);
	fz_out(f, base + 2, 1, count >> 8);
	fz_out(f, base + 3, 1, lba[3]);
	fz_out(f, base + 4, 1, lba[4]);
	fz_out(f, base + 5, 1, lba[5]);
	fz_out(f, base + 1, 1, feat);
	fz_out(f, base + 2, 1, count & 0xff);
	fz_out(f, base + 3, 1, lba[0]);
	fz_out(f, base + 4, 1, lba[1]);
	fz_out(f, base + 5, 1, lba[2]);
	fz_out(f, base + 7, 1, cmd);
}

static void fz_ata_pio(struct fz_pc *f, const uint8_t **p, const uint8_t *end)
{
	unsigned where = fz_get(p, end, 1), words = fz_get(p, end, 2) % 4096;
	uint16_t port = cmd_base[where & 1];

	for (unsigned i = 0; i < words && f->pio_words < FZ_PIO_WORDS; i++, f->pio_words++) {
		uint32_t v = (where & 0x80) ? fz_get(p, end, 2) : 0;

		bus_access(&f->vm.pio, port, &v, 2, (where & 0x80) != 0, 0);
	}
}

static void fz_ata_dma(struct fz_pc *f, const uint8_t **p, const uint8_t *end)
{
	unsigned where = fz_get(p, end, 1), n = fz_get(p, end, 1) % 8 + 1;
	uint16_t bm = (uint16_t)(pci_bar_address(&f->ide->pci, 4) + 8 * (where & 1));
	uint32_t prd = FZ_PRD + 0x100 * (where & 1);

	for (unsigned i = 0; i < n; i++) {
		uint32_t e[2] = { FZ_DMA_BUF + 0x2000 * i, fz_get(p, end, 2) };

		if ((fz_get(p, end, 1) & 1) || i + 1 == n)
			e[1] |= 0x80000000u;
		gmem_write(&f->vm.mem, prd + 8 * i, e, sizeof(e));
	}
	fz_out(f, bm + ATA_BM_PRD, 4, prd);
	fz_out(f, bm + ATA_BM_CMD, 1, 0); /* a start is a 0 -> 1 edge */
	fz_out(f, bm + ATA_BM_CMD, 1,
	       ATA_BM_CMD_START | ((where & 2) ? ATA_BM_CMD_TOMEM : 0));
}

/* A driver's ring set-up: base, length, head 0, the unit on, the tail
 * moved.  The receive and transmit register blocks (from E1000_RDBAL and
 * E1000_TDBAL) have the same layout. */
static void fz_nic_ring(struct fz_pc *f, unsigned bal, uint32_t ring,
			unsigned ctl_reg, uint32_t ctl, uint32_t tail)
{
	fz_nic_wr(f, bal, ring);
	fz_nic_wr(f, bal + (E1000_TDBAH - E1000_TDBAL), 0);
	fz_nic_wr(f, bal + (E1000_TDLEN - E1000_TDBAL), 16 * FZ_RING_LEN);
	fz_nic_wr(f, bal + (E1000_TDH - E1000_TDBAL), 0);
	fz_nic_wr(f, ctl_reg, ctl);
	fz_nic_wr(f, bal + (E1000_TDT - E1000_TDBAL), tail);
}

static void fz_nic_tx(struct fz_pc *f, const uint8_t **p, const uint8_t *end)
{
	unsigned n = fz_get(p, end, 1) % FZ_RING_LEN + 1;

	for (unsigned i = 0; i < n; i++) {
		uint32_t d[4] = { FZ_TX_BUF + 0x1000 * i, 0, 0, 0 };

		if (fz_get(p, end, 1) & 1) {
			d[0] = fz_get(p, end, 4);
			d[1] = fz_get(p, end, 4);
		}
		d[2] = fz_get(p, end, 4);
		d[3] = fz_get(p, end, 4);
		gmem_write(&f->vm.mem, FZ_TX_RING + 16 * i, d, sizeof(d));
	}
	fz_nic_ring(f, E1000_TDBAL, FZ_TX_RING, E1000_TCTL, E1000_TCTL_EN,
		    n % FZ_RING_LEN);
}

static void fz_nic_rx(struct fz_pc *f, const uint8_t **p, const uint8_t *end)
{
	uint32_t rctl = fz_get(p, end, 4) | E1000_RCTL_EN;

	for (unsigned i = 0; i < FZ_RING_LEN; i++) {
		uint32_t d[4] = { FZ_RX_BUF + 0x800 * i, 0, 0, 0 };

		gmem_write(&f->vm.mem, FZ_RX_RING + 16 * i, d, sizeof(d));
	}
	fz_nic_ring(f, E1000_RDBAL, FZ_RX_RING, E1000_RCTL, rctl,
		    fz_get(p, end, 1) % FZ_RING_LEN);
}

static void fz_op(struct fz_pc *f, unsigned kind, const uint8_t **p,
		  const uint8_t *end)
{
	uint64_t nicbar = pci_bar_address(&f->nic->pci, 0);
	uint32_t a, v = 0, len;
	uint8_t buf[1024];

	switch (kind) {
	case 0:
	case 1:
		a = pick_port(f, fz_get(p, end, 2));
		v = kind == 0 ? fz_get(p, end, 4) : 0;
		len = 1u << (fz_get(p, end, 1) % 3);
		bus_access(&f->vm.pio, a, &v, len, kind == 0, 0);
		break;
	case 2:
	case 3:
		a = (fz_get(p, end, 2) * 4u) % E1000_MMIO_SIZE;
		v = kind == 2 ? fz_get(p, end, 4) : 0;
		bus_access(&f->vm.mmio, nicbar + a, &v, 4, kind == 2, 0);
		break;
	case 4:
		fz_ram_write(&f->vm, p, end);
		break;
	case 5:
		len = fz_get(p, end, 1) * 4u;
		if (len > (uint32_t)(end - *p))
			len = (uint32_t)(end - *p);
		memcpy(buf, *p, len);
		*p += len;
		e1000_receive(f->nic, buf, len);
		break;
	case 6:
		fz_ata_command(f, p, end);
		break;
	case 7:
		fz_ata_pio(f, p, end);
		break;
	case 8:
		fz_ata_dma(f, p, end);
		break;
	case 9:
		fz_nic_tx(f, p, end);
		break;
	default:
		fz_nic_rx(f, p, end);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_pc f;
	const uint8_t *p = data, *end = data + size;

	fz_setup(&f);
	for (unsigned ops = 0; p < end && ops < FZ_MAX_OPS; ops++)
		fz_op(&f, fz_get(&p, end, 1) % 11, &p, end);
	fz_teardown(&f);
	return 0;
}
