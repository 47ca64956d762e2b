/* The e1000 NIC of the legacy PC: an Intel 82540EM (8086:100E), the model
 * QEMU emulates, so Linux's stock e1000 driver binds to it.
 *
 *   e1000.c     PCI function, register file, EEPROM (Microwire and EERD),
 *               PHY (MDIC), interrupt cause/mask registers, statistics
 *   e1000_tx.c  the transmit ring: legacy, context and data descriptors,
 *               checksum insertion and TCP segmentation (TSO)
 *   e1000_rx.c  the receive ring and the address filter
 *
 * Every descriptor ring and buffer address the guest gives is checked
 * through gmem; a descriptor that points outside guest RAM is skipped (TX)
 * or the frame is dropped (RX) and counted in `bad_desc`: the device never
 * touches memory outside RAM and never loops more than one ring's length
 * per doorbell.
 *
 * Threads: register accesses come from vCPU threads, received frames from
 * the event loop; one mutex covers the device state.  Transmitted frames go
 * to `tx_fn` (the net backend) with the lock held.  An optional
 * `tx_admit` (the transmit rate limit) may refuse a frame: its
 * end-of-packet descriptor then stays at the ring's head until the owner
 * calls e1000_tx_resume. */
#ifndef GAMUT_DEVICES_E1000_H
#define GAMUT_DEVICES_E1000_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "pci/pci.h"

#define E1000_MMIO_SIZE 0x20000
#define E1000_IO_SIZE	0x40
#define E1000_MAX_FRAME 0x10000 /* largest TSO super-frame we assemble */

/* Registers (byte offsets in BAR 0). */
enum {
	E1000_CTRL = 0x0000, E1000_STATUS = 0x0008, E1000_EECD = 0x0010,
	E1000_EERD = 0x0014, E1000_CTRL_EXT = 0x0018, E1000_MDIC = 0x0020,
	E1000_ICR = 0x00c0, E1000_ITR = 0x00c4, E1000_ICS = 0x00c8,
	E1000_IMS = 0x00d0, E1000_IMC = 0x00d8, E1000_RCTL = 0x0100,
	E1000_TCTL = 0x0400, E1000_RDBAL = 0x2800, E1000_RDBAH = 0x2804,
	E1000_RDLEN = 0x2808, E1000_RDH = 0x2810, E1000_RDT = 0x2818,
	E1000_TDBAL = 0x3800, E1000_TDBAH = 0x3804, E1000_TDLEN = 0x3808,
	E1000_TDH = 0x3810, E1000_TDT = 0x3818, E1000_MTA = 0x5200,
	E1000_RAL0 = 0x5400, E1000_RAH0 = 0x5404,
	/* Statistics (clear on read). */
	E1000_GPRC = 0x4074, E1000_GPTC = 0x4080, E1000_GORCL = 0x4088,
	E1000_GOTCL = 0x4090, E1000_TPR = 0x40d0, E1000_TPT = 0x40d4,
	E1000_MPC = 0x4010,
};

/* Interrupt causes (ICR/IMS bits). */
#define E1000_ICR_TXDW	0x01
#define E1000_ICR_TXQE	0x02
#define E1000_ICR_LSC	0x04
#define E1000_ICR_RXO	0x40
#define E1000_ICR_RXT0	0x80

#define E1000_CTRL_RST	(1u << 26)
#define E1000_RCTL_EN	0x00000002u
#define E1000_RCTL_UPE	0x00000008u
#define E1000_RCTL_MPE	0x00000010u
#define E1000_RCTL_BAM	0x00008000u
#define E1000_RCTL_BSEX 0x02000000u
#define E1000_RCTL_SECRC 0x04000000u
#define E1000_TCTL_EN	0x00000002u

/* Transmit offload context (from a context descriptor). */
struct e1000_tx_ctx {
	uint8_t ipcss, ipcso, tucss, tucso;
	uint16_t ipcse, tucse;
	uint16_t mss;
	uint8_t hdr_len;
	uint8_t tucmd;
	uint32_t paylen;
};

typedef void (*e1000_tx_fn)(void *opaque, const uint8_t *frame, size_t len);

struct e1000 {
	struct pci_dev pci;
	struct vm *vm;
	pthread_mutex_t lock;
	uint32_t *reg;		   /* E1000_MMIO_SIZE / 4 registers */
	uint8_t mac[6];
	uint16_t eeprom[64];
	uint16_t phy[32];
	uint32_t ioaddr;	   /* BAR 1's IOADDR window */
	/* Microwire EEPROM bit-banging state. */
	uint32_t ee_in;
	unsigned ee_bits_in, ee_bit_out;
	uint16_t ee_word;
	bool ee_reading;
	/* Transmit assembly. */
	struct e1000_tx_ctx ctx;
	uint8_t *txbuf;		   /* E1000_MAX_FRAME bytes */
	size_t txlen;
	bool tx_tse, tx_ixsm, tx_txsm, tx_drop;
	e1000_tx_fn tx_fn;
	void *tx_opaque;
	/* Optional: may a frame of len bytes go now? (tx_opaque) */
	bool (*tx_admit)(void *opaque, size_t len);
	/* Optional: the guest gave receive buffers (RDT written). */
	void (*rx_ready)(void *opaque);
	void *rx_ready_opaque;
	uint64_t bad_desc;	   /* descriptors refused (outside RAM, bad) */
	uint8_t rxbuf[E1000_MAX_FRAME + 64];
};

/* Creates the NIC with MAC `mac` and registers it on `bus` (any slot). */
struct e1000 *e1000_create(struct vm *vm, struct pci_bus *bus,
			   const uint8_t mac[6], e1000_tx_fn tx, void *opaque,
			   struct gerr *err);
void e1000_destroy(struct e1000 *e);

/* Delivers a frame from the wire.  Returns 0 when it was placed in the
 * ring or filtered out, -1 when it was dropped for lack of descriptors
 * (the caller may retry later; see e1000_can_receive). */
int e1000_receive(struct e1000 *e, const uint8_t *frame, size_t len);
bool e1000_can_receive(struct e1000 *e);
/* tx_admit refused a frame earlier and would take it now (any thread):
 * transmit what the ring holds. */
void e1000_tx_resume(struct e1000 *e);

/* Internal, shared by the e1000 files (lock held). */
uint32_t e1000_reg(struct e1000 *e, unsigned off);
void e1000_set_reg(struct e1000 *e, unsigned off, uint32_t v);
void e1000_cause(struct e1000 *e, uint32_t icr_bits);
void e1000_stat_add(struct e1000 *e, unsigned off, uint64_t v);
void e1000_tx_doorbell(struct e1000 *e);

#endif
