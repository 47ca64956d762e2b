/* The PV platform's state: one per VM in --mode pv, created by the "pv"
 * device class (pv_dev.c), filled by pv_boot_load(), served by the
 * hypercall port handler on the vCPU thread.
 *
 * Threads: hypercalls and traps run on the (single) vCPU thread; events may
 * be raised from any thread (pv_event_raise), so the event word and the
 * poll wait are guarded by `lock`. */
#ifndef GAMUT_PV_PV_H
#define GAMUT_PV_PV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/ratelimit_gate.h"
#include "cpu/x86_state.h"
#include "gamut/pv_abi.h"
#include "pv/pv_image.h"
#include "pv/pv_mmu.h"

struct vm;

struct pv_queue {
	bool ready;
	uint64_t ring;	   /* guest-physical */
	uint32_t order;
	uint32_t req_cons; /* private: the guest cannot move these */
	uint32_t rsp_prod;
};

struct pv;

struct pv_device {
	uint32_t type; /* enum pv_device_type */
	char name[PV_NAME_MAX];
	int fd;	       /* block: the disk file */
	bool readonly;
	uint64_t sectors;
	const char *path;
	struct pv_queue q[2];
	/* net */
	struct pv *pv;
	unsigned index;
	uint8_t mac[6];
	uint16_t mtu;
	struct net_backend *nb; /* src/net: TAP or user-mode */
	/* block: the rate limit (iops=, bw=) */
	struct rl_gate gate;
	bool gate_ready;
};

struct pv {
	struct vm *vm;
	struct guest_mem *mem;
	struct pv_image img;
	bool loaded;	       /* pv_boot_load succeeded */
	uint64_t frames_start; /* guest frames: [frames_start, frames_end) */
	uint64_t frames_end;
	struct pv_mmu mmu;

	uint64_t trap_entry;   /* 0: none */
	uint64_t trap_vectors;
	unsigned trap_depth;

	pthread_mutex_t lock;  /* events, timer */
	pthread_mutex_t ring_lock; /* rings the event loop also serves (net RX) */
	pthread_cond_t cond;
	uint64_t timer_deadline; /* 0: disarmed */
	int timer_fd;	       /* evloop timer, -1 without an event loop */

	unsigned nr_devices;
	struct pv_device dev[PV_MAX_DEVICES];

	/* For --stats (docs/stats.md).  One vCPU makes the calls and takes
	 * the traps; events are counted under `lock`. */
	uint64_t hc[PV_HC_COUNT + 1]; /* by number; the last: unknown ones */
	uint64_t traps;		      /* exceptions reaching the trap port */
	uint64_t pf_bounced;	      /* page faults bounced to the guest */
	uint64_t events;	      /* timer and device events raised */
};

/* Allocates the state and registers the hypercall ports on vm->pio. */
int pv_create(struct vm *vm, struct pv **out, struct gerr *err);
void pv_destroy(struct pv *pv);

/* Loads a parsed image from memory (pv_boot_load reads the file first). */
int pv_load(struct pv *pv, const void *buf, size_t len, struct x86_state *bsp,
	    struct gerr *err);

/* True when [gpa, gpa+len) is inside the guest's own frames. */
bool pv_guest_range(const struct pv *pv, uint64_t gpa, uint64_t len);

/* The PIO handler for [PV_PORT_BASE, PV_PORT_BASE + PV_PORT_COUNT). */
void pv_port_io(void *opaque, uint64_t off, void *data, unsigned len,
		bool is_write, int cpu);

/* Hypercall bodies (pv_hcall.c, pv_event.c, pv_trap.c, pv_blk.c): each gets
 * a host copy of its argument block and returns the value for `ret`. */
struct pv_call {
	struct pv *pv;
	int cpu;
	uint32_t arg;	  /* guest-physical address of the block */
	bool no_writeback; /* the call replaced the vCPU state or stopped */
};

int64_t pv_hc_timer_set(struct pv_call *c, void *blk);
int64_t pv_hc_poll(struct pv_call *c, void *blk);
int64_t pv_hc_trap_set(struct pv_call *c, void *blk);
int64_t pv_hc_trap_return(struct pv_call *c, void *blk);
int64_t pv_hc_ring_setup(struct pv_call *c, void *blk);
int64_t pv_hc_ring_notify(struct pv_call *c, void *blk);

/* The ring-0 stub's report of exception `vector` (pv_trap.c). */
void pv_trap_port(struct pv *pv, int cpu, uint32_t vector);

/* Events (pv_event.c): safe from any thread. */
void pv_event_raise(struct pv *pv, uint64_t bits);
int pv_event_init(struct pv *pv, struct gerr *err);
void pv_event_fini(struct pv *pv);

/* Block devices (pv_blk.c). */
struct disk_config;
int pv_blk_open(struct pv *pv, unsigned index, const struct disk_config *dc,
		struct gerr *err);
void pv_blk_close(struct pv_device *d);

/* Network devices on the src/net backends (pv_net.c). */
struct net_config;
struct net_backend;
int pv_net_open(struct pv *pv, unsigned index, const struct net_config *cfg,
		struct gerr *err);
void pv_net_close(struct pv_device *d);
int64_t pv_net_notify(struct pv *pv, unsigned index, unsigned queue);

/* vCPU state access from a hypercall (the vCPU's own thread); on failure
 * the VM is stopped with the reason and -1 returned. */
int pv_get_state(struct pv *pv, int cpu, struct x86_state *st);
int pv_set_state(struct pv *pv, int cpu, const struct x86_state *st);

/* Stops the guest for misbehaviour (VM_STOP_CRASH, exit status 1). */
void pv_crash(struct pv *pv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The user-mode segments the guest always runs with. */
void pv_user_segments(struct x86_state *st);

#endif
