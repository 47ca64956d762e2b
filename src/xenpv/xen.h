/* gamut as a Xen hypervisor for one 64-bit PV domain (--mode pv with a
 * kernel that carries Xen's ELF notes): the domain's state, created by the
 * "pv" device class when the kernel is a Xen PV kernel, filled by the
 * domain builder (xen_build.c), served on the vCPU threads by the entry
 * port (xen_entry.c).  docs/xen-pv.md describes the design.
 *
 * Where each privileged operation goes: the guest kernel and its user
 * space both run at CPL 3 under page tables the guest owns and gamut
 * validates (xen_mm.h).  gamut's own ring-0 code is a stub in the
 * hypervisor's part of every address space; SYSCALL and every exception
 * land there and report to gamut through one port write, and gamut then
 * does what Xen would (a hypercall, a bounce to the guest kernel's
 * handler, the emulation of a privileged instruction) by changing the
 * vCPU's state through the CPU backend.  Nothing here knows which backend
 * runs.
 *
 * Threads: each vCPU's calls run on its own thread; event channels may
 * be signalled from any thread (backends on the event loop), under
 * `lock`. */
#ifndef GAMUT_XEN_XEN_H
#define GAMUT_XEN_XEN_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "cpu/x86_state.h"
#include "xenpv/xen_abi.h"
#include "xenpv/xen_mm.h"
#include "xenpv/xen_note.h"

struct vm;
struct xs;
struct xen_blk;
struct xen_net;

#define XEN_MAX_VCPUS	  32
#define XEN_NR_EVTCHN	  1024 /* ports 1..1023; 0 is never valid */
#define XEN_GNT_FRAMES	  32   /* grant-table frames (v1: 512 entries each) */
#define XEN_GDT_GUEST_PAGES 14 /* FIRST_RESERVED_GDT_PAGE */

/* The two ports gamut's ring-0 stub writes (imm8 OUT, so it clobbers
 * nothing): SYSCALL's entry, and every IDT vector (the vector pushed). */
#define XEN_PORT_SYSCALL 0xe0
#define XEN_PORT_TRAP	 0xe1

enum xen_evtchn_state {
	XEN_EC_FREE = 0,
	XEN_EC_UNBOUND,	  /* allocated for a remote domain (gamut) */
	XEN_EC_INTERDOMAIN, /* bound to one of gamut's backends */
	XEN_EC_VIRQ,
	XEN_EC_IPI,
	XEN_EC_RESERVED,  /* console and xenstore ports the builder made */
};

/* A backend in gamut listening on an interdomain channel: called (with
 * `lock` not held) on the vCPU thread that sent the notification. */
typedef void (*xen_notify_fn)(void *opaque);

struct xen_evtchn {
	uint8_t state;
	uint8_t virq;
	uint16_t vcpu;	/* notify this vCPU */
	xen_notify_fn fn;
	void *opaque;
};

struct xen_vcpu {
	struct xen *x;
	int index;
	bool up;
	bool kernel_mode;	    /* guest kernel (vs guest user) context */
	uint64_t guest_table;	    /* kernel L4 MFN (uses held in xen_mm) */
	uint64_t guest_table_user;  /* user L4 MFN, 0: none */
	uint64_t kernel_ss, kernel_sp; /* stack_switch */
	struct trap_info trap[256];
	uint64_t cb_event, cb_failsafe, cb_syscall, cb_nmi;
	bool cb_syscall_mask;	    /* CALLBACKF_mask_events */
	uint64_t fs_base, gs_base_kernel, gs_base_user;
	uint64_t vcpu_info_gpa;	    /* where its vcpu_info lives */
	unsigned gdt_ents;
	uint64_t gdt_frame[XEN_GDT_GUEST_PAGES]; /* the guest's GDT frames */
	uint64_t debugreg[8];
	uint64_t timer_deadline;    /* Xen system time (ns); 0: none */
	uint16_t virq_port[NR_VIRQS];
	/* gamut's frames for this vCPU (guest-physical) and their addresses in
	 * the hypervisor's range (xen_hv.c). */
	uint64_t gdt_gpa, gdt_va;  /* 15 pages: 14 guest copies + reserved */
	uint64_t stack0_va;	   /* top of the ring-0 stack */
	uint64_t tss_va;
	/* SMP: the context VCPUOP_initialise gave (started by VCPUOP_up on
	 * the vCPU's own thread, from the kick hook), and a TLB flush another
	 * vCPU asked for (atomic; cleared once done). */
	struct vcpu_guest_context *start_ctx;
	bool start_pending;
	int flush_req;
	/* Blocking in SCHEDOP_block / poll. */
	pthread_cond_t wake;
	bool blocked;
	uint64_t stat_hcalls, stat_bounces, stat_upcalls, stat_emulated;
};

struct xen {
	struct vm *vm;
	struct guest_mem *mem;
	struct xen_kernel kern;	 /* from the ELF notes */
	struct xen_mm mm;
	bool loaded;
	bool mm_ready;		 /* xen_mm_init succeeded */
	uint64_t nr_pages;	 /* guest RAM frames: [0, nr_pages) */
	/* Frames above RAM that the guest owns but that are not RAM
	 * (shared_info, grant table): [nr_pages, nr_pages + XEN_EXTRA). */
	uint64_t shared_info_mfn;
	uint64_t gnttab_mfn;	 /* first of XEN_GNT_FRAMES */
	uint64_t hv_gpa;	 /* gamut's frames: [hv_gpa, ram end) */
	uint64_t start_info_gpa, store_gpa, console_gpa;
	uint32_t store_port, console_port;
	uint64_t boot_ns;	 /* host CLOCK_MONOTONIC at system time 0 */
	uint64_t tsc_khz;

	pthread_mutex_t lock;	 /* event channels, blocking, timers */
	struct xen_evtchn ec[XEN_NR_EVTCHN];
	struct xen_vcpu vcpu[XEN_MAX_VCPUS];
	unsigned nr_vcpus;
	int timer_fd;		 /* the event loop's timer for VIRQ_TIMER */

	struct xs *xs;
	struct xen_blk *blk[8];	 /* --disk i: xvda, xvdb, ... */
	unsigned nr_blk;
	struct xen_net *net[8];	 /* --net i: eth0, ... */
	unsigned nr_net;
	pthread_mutex_t xs_lock;	 /* xenstore is not thread-safe */
	bool xs_dead;		 /* the guest broke its ring */
	size_t console_out_used; /* bytes of console output seen */
	uint64_t vm_assist;
};

/* The "pv" device class (src/pv/pv_dev.c) calls these when --kernel is a
 * Xen PV kernel. */
int xen_create(struct vm *vm, struct xen **out, struct gerr *err);
void xen_destroy(struct xen *x);
/* The domain builder (xen_build.c): loads the kernel and initrd, lays out
 * the domain and fills the boot vCPU's entry state. */
int xen_build(struct xen *x, const uint8_t *elf, size_t len,
	      struct x86_state *bsp, struct gerr *err);

/* Stops the VM for a guest's misbehaviour, with a one-line reason. */
void xen_crash(struct xen *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Guest virtual memory of the vCPU's current address space (kernel or
 * user tables as the vCPU's mode says).  0 or -XEN_EFAULT. */
int xen_copy_from_guest(struct xen_vcpu *v, uint64_t va, void *dst, size_t len);
int xen_copy_to_guest(struct xen_vcpu *v, uint64_t va, const void *src, size_t len);
uint64_t xen_current_l4(const struct xen_vcpu *v);

/* The platform (xen_platform.c): entry ports, event channels, the timer,
 * console and xenstore backends. */
int xen_platform_init(struct xen *x, struct gerr *err);
void xen_platform_fini(struct xen *x);

/* Marks event channel `port` pending and wakes its vCPU (any thread). */
void xen_evtchn_raise(struct xen *x, unsigned port);

/* A port whose other end is a gamut backend: allocated by gamut (console,
 * xenstore), or one the guest allocated unbound for domain 0 and named in
 * xenstore (block, net).  0 / -1 when none is free / the port is not
 * unbound. */
unsigned xen_evtchn_alloc_backend(struct xen *x, xen_notify_fn fn, void *opaque);
int xen_evtchn_bind_backend(struct xen *x, unsigned port, xen_notify_fn fn,
			    void *opaque);
/* Every other running vCPU drops its TLB before this returns (Xen's
 * TLB_FLUSH_ALL and a frame's change of type), as far as a vCPU running
 * guest code can be made to; a blocked one flushes before it resumes. */
void xen_flush_others(struct xen_vcpu *self);
/* On a vCPU's own thread: a flush asked of it, if any. */
void xen_flush_if_asked(struct xen_vcpu *v);

/* Re-arms the event loop's timer for the earliest vCPU deadline. */
void xen_timer_update(struct xen *x);

/* Xen system time: ns since the domain was built. */
uint64_t xen_system_time(const struct xen *x);

#endif
