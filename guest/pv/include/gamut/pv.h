/* The gamut PV guest SDK (docs/pv-abi.md section 8): everything a PV guest
 * can ask gamut for, as plain C calls.  The ABI structures themselves are
 * in <gamut/pv_abi.h>.  All SDK memory (image, heap, stack) is identity
 * mapped, so a pointer the program holds is also the guest-physical address
 * the ABI wants; pv_gpa() states that in one place. */
#ifndef GAMUT_PV_SDK_H
#define GAMUT_PV_SDK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gamut/pv_abi.h>

/* ---- the raw hypercall: one out instruction ---- */
static inline uint64_t pv_gpa(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static inline void pv_hypercall(unsigned nr, void *block)
{
	__asm__ volatile("outl %0, %w1"
			 :
			 : "a"((uint32_t)pv_gpa(block)), "Nd"((uint16_t)(PV_PORT_BASE + nr))
			 : "memory");
}

/* The start info gamut wrote (valid for the whole run). */
const struct pv_start_info *pv_start_info(void);

/* ---- console, time, exit ---- */
long pv_console_write(const void *buf, size_t len);
uint64_t pv_monotonic_ns(void);
uint64_t pv_wall_ns(void);
void pv_exit(int status) __attribute__((noreturn));

/* ---- events: no interrupts; handlers run inside pv_poll() ---- */
typedef void (*pv_event_fn)(uint64_t events, void *opaque);
/* Calls fn from pv_poll() when any event in mask was pending. */
int pv_event_on(uint64_t mask, pv_event_fn fn, void *opaque);
/* Blocks until an event in mask is pending or monotonic deadline_ns
 * (PV_DEADLINE_NEVER: none); clears and returns those events, after
 * running their handlers. */
uint64_t pv_poll(uint64_t deadline_ns, uint64_t mask);
/* Arms the one-shot timer (PV_EVENT_TIMER) at a monotonic time; 0 cancels. */
int pv_timer_set(uint64_t deadline_ns);
/* The events gamut has raised and nobody cleared yet, without an exit. */
uint64_t pv_events_pending(void);

/* ---- memory ---- */
/* Applies a batch of PV MMU operations; returns 0 or -PV_E*, and the
 * number applied in *done (may be NULL). */
int pv_mmu(const struct pv_mmu_op *ops, uint32_t count, uint32_t *done);

/* ---- exceptions ---- */
/* A handler may edit the frame (e.g. f->rip += length) and returns to
 * resume it; gamut stops the guest for vectors without a handler. */
typedef void (*pv_trap_fn)(struct pv_trap_frame *f);
int pv_trap_on(unsigned vector, pv_trap_fn fn);

/* ---- devices ---- */
int pv_device_info(unsigned index, struct pv_hc_device_info *info);
/* The manifest index of the device called name, or -1. */
int pv_device_find(uint32_t type, const char *name);

/* Block devices: synchronous calls that batch a large request into ring
 * requests of up to PV_BLK_MAX_LEN with one notification per ring-full. */
struct pv_blk;
struct pv_blk *pv_blk_open(const char *name);
uint64_t pv_blk_sectors(const struct pv_blk *b);
bool pv_blk_readonly(const struct pv_blk *b);
/* len a multiple of PV_SECTOR_SIZE; 0 or -PV_E*. */
int pv_blk_read(struct pv_blk *b, uint64_t sector, void *buf, size_t len);
int pv_blk_write(struct pv_blk *b, uint64_t sector, const void *buf, size_t len);
int pv_blk_flush(struct pv_blk *b);

/* Network devices: Ethernet frames over a TX and an RX ring.  Receive
 * buffers stay posted to gamut; pv_net_recv copies a frame out and posts
 * the buffer again. */
#define PV_NET_FRAME_MAX 1514
struct pv_net;
struct pv_net *pv_net_open(const char *name);
void pv_net_mac(const struct pv_net *n, uint8_t mac[6]);
/* 0 or -PV_E*; the frame is copied, so buf may be reused at once. */
int pv_net_send(struct pv_net *n, const void *frame, size_t len);
/* Waits until a frame arrives or monotonic deadline_ns passes; returns
 * its length (at most cap bytes are copied), 0 on timeout, or -PV_E*. */
int pv_net_recv(struct pv_net *n, void *buf, size_t cap, uint64_t deadline_ns);

/* ---- the manifest: declare devices the guest wants, by name ----
 *   PV_MANIFEST(PV_BLOCK("data"), PV_BLOCK("logs"));
 * at file scope, once per program. */
#define PV_BLOCK(n) { PV_DEV_BLOCK, 0, n }
#define PV_NET(n)   { PV_DEV_NET, 0, n }
#define PV_MANIFEST(...)                                                       \
	__attribute__((section(".note.gamut-pv.manifest"), aligned(4), used))   \
	static const struct {                                                  \
		uint32_t namesz, descsz, type;                                 \
		char name[12];                                                 \
		uint32_t version, nr;                                          \
		struct pv_manifest_dev dev[sizeof((struct pv_manifest_dev[]){   \
			__VA_ARGS__ }) / sizeof(struct pv_manifest_dev)];       \
	} pv_manifest_note = {                                                 \
		sizeof(PV_NOTE_NAME),                                          \
		8 + sizeof((struct pv_manifest_dev[]){ __VA_ARGS__ }),          \
		PV_NOTE_MANIFEST, PV_NOTE_NAME, PV_MANIFEST_VERSION,           \
		sizeof((struct pv_manifest_dev[]){ __VA_ARGS__ }) /             \
			sizeof(struct pv_manifest_dev),                        \
		{ __VA_ARGS__ }                                                \
	}

#endif
