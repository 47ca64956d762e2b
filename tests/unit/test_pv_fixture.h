/* Shared set-up for the PV unit tests: a hand-built VM (guest memory, PIO
 * bus, one vCPU) whose CPU backend only stores the register state, so the
 * hypercall and trap handlers can be driven directly, and an in-memory PV
 * image with a known layout that tests may corrupt byte by byte. */
#ifndef GAMUT_TESTS_PV_FIXTURE_H
#define GAMUT_TESTS_PV_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/vm.h"
#include "gamut/pv_abi.h"
#include "pv/pv.h"

/* The image: ELF header, 3 program headers (text, data, note), notes at
 * PVT_NOTE_OFF (ABI note, then an optional manifest), text at 0x100000,
 * data+bss at 0x101000. */
#define PVT_IMG_SIZE	 4096
#define PVT_PHDR_OFF	 64
#define PVT_NOTE_OFF	 256
#define PVT_ABI_DESC_OFF (PVT_NOTE_OFF + 24)
#define PVT_TEXT_OFF	 1024
#define PVT_DATA_OFF	 2048
#define PVT_TEXT_VA	 0x100000ull
#define PVT_DATA_VA	 0x101000ull
#define PVT_MEM		 (32ull << 20)
#define PVT_ARG		 0x200000ull /* argument blocks go here (heap) */
#define PVT_BUF		 0x210000ull

struct pvt_dev {
	uint32_t type;
	const char *name;
};

/* Builds the image with `ndev` manifest devices (0: no manifest note). */
size_t pvt_image(uint8_t *buf, const struct pvt_dev *devs, unsigned ndev);

struct pvt {
	struct vm *vm;
	struct pv *pv;
	struct x86_state boot; /* what pv_load returned */
	struct gerr err;
};

/* Guest RAM for pvt_init (PVT_MEM unless a caller, the fuzzer, changes it). */
extern uint64_t pvt_mem_bytes;
/* Where the guest's console goes: the PV platform opens it in pvt_init. */
extern enum console_kind pvt_console;

/* Creates the VM and the PV platform (no image loaded). */
int pvt_init(struct pvt *t);
/* Loads buf; returns pv_load's result (message in t->err). */
int pvt_load(struct pvt *t, const uint8_t *buf, size_t len);
/* Init + the default image (no devices) loaded; 0 on success. */
int pvt_boot(struct pvt *t);
void pvt_fini(struct pvt *t);

/* Issues hypercall nr with its block at gpa (as the guest's out would). */
void pvt_call(struct pvt *t, unsigned nr, uint64_t gpa);
/* The vCPU state the fake backend holds. */
struct x86_state *pvt_state(void);
int pvt_stop_reason(const struct pvt *t);

#endif
