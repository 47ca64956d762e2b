/* The CPU backend interface: one generic VM, two implementations
 * (cpu/kvm: Linux KVM; cpu/emu: gamut's software x86-64).
 *
 * Order of calls, made by core/vm.c only:
 *   probe -> vm_init -> vcpu_init (each vCPU) -> vcpu_set_state (BSP; APs
 *   wait for INIT/SIPI) -> vcpu_run (one thread per vCPU) ... -> vm_destroy.
 * irq_set, msi and vcpu_kick may be called from any thread once vm_init
 * has returned. */
#ifndef GAMUT_CPU_BACKEND_H
#define GAMUT_CPU_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "cpu/x86_state.h"

struct vm;
struct vcpu;

/* Debugger control of one vCPU (src/debug, the GDB stub).  The backend
 * calls `trap` on the vCPU's own thread at an instruction boundary, with
 * the guest state complete (RIP at the next instruction to run); the call
 * blocks while the debugger holds the vCPU, and may change its state and
 * its debug_ctl meanwhile (from the debugger's thread). */
#define DEBUG_MAX_BP 4 /* what x86 debug registers give KVM */
#define DEBUG_MAX_WP 4 /* watchpoints, counted apart from breakpoints */

enum debug_event {
	DEBUG_EV_PAUSE, /* vcpu_debug_pause asked for it */
	DEBUG_EV_STEP,	/* one instruction ran with `step` set */
	DEBUG_EV_BREAK, /* RIP reached a breakpoint address */
	DEBUG_EV_WATCH, /* the last instruction accessed a watchpoint */
};

/* A data watchpoint: `len` bytes (1, 2, 4 or 8) at a linear address. */
enum debug_wp_type {
	DEBUG_WP_WRITE = 1,
	DEBUG_WP_READ = 2,
	DEBUG_WP_ACCESS = 3, /* read or write */
};

struct debug_wp {
	uint64_t addr;
	unsigned len;
	enum debug_wp_type type;
};

/* Returns false when it did not hold the vCPU (a pause that came too
 * late for a stop already over): the vCPU then goes on as if untouched.
 * `wp`: for DEBUG_EV_WATCH, the index in debug_ctl.wp that was hit. */
typedef bool (*debug_trap_fn)(void *opaque, struct vcpu *vcpu,
			      enum debug_event ev, unsigned wp);

struct debug_ctl {
	bool enabled; /* false: no debugger, every field below ignored */
	bool step;    /* trap after each instruction */
	unsigned nr_bp;
	uint64_t bp[DEBUG_MAX_BP]; /* linear addresses of instruction breakpoints */
	unsigned nr_wp;		   /* at most the backend's debug_max_wp */
	struct debug_wp wp[DEBUG_MAX_WP];
	debug_trap_fn trap;
	void *opaque;
};

struct cpu_backend {
	const char *name; /* "kvm" or "emu", as on the command line */
	/* 0 when this host can run the backend; otherwise -1 and why. */
	int (*probe)(struct gerr *err);
	/* Registers guest RAM, creates interrupt controllers.  Sets
	 * vm->irqchip_in_backend when the backend provides PIC/IOAPIC/LAPIC/PIT
	 * itself, so core devices do not register software ones. */
	int (*vm_init)(struct vm *vm, struct gerr *err);
	void (*vm_destroy)(struct vm *vm);
	/* Creates vCPU state, CPUID (per vm->cfg.mode->pv) and MSRs. */
	int (*vcpu_init)(struct vm *vm, struct vcpu *vcpu, struct gerr *err);
	void (*vcpu_destroy)(struct vcpu *vcpu);
	int (*vcpu_set_state)(struct vcpu *vcpu, const struct x86_state *st,
			      struct gerr *err);
	int (*vcpu_get_state)(struct vcpu *vcpu, struct x86_state *st,
			      struct gerr *err);
	/* Runs guest code on the calling thread until vm_should_stop().
	 * Returns 0 when the VM stopped (whoever asked), or -1 with the reason
	 * when this vCPU cannot go on (it then calls vm_stop with a failure). */
	int (*vcpu_run)(struct vcpu *vcpu, struct gerr *err);
	/* Optional: on the vCPU's thread just before vcpu_run, while it may
	 * still open files; the thread's seccomp filter comes after it
	 * (src/sandbox/sandbox.h). */
	int (*vcpu_thread_setup)(struct vcpu *vcpu, struct gerr *err);
	/* Makes a running vcpu_run notice a stop or a new interrupt promptly. */
	void (*vcpu_kick)(struct vcpu *vcpu);
	/* Drives a GSI line (level 0/1); edge devices pulse 1 then 0. */
	void (*irq_set)(struct vm *vm, unsigned gsi, int level);
	/* Delivers one message-signalled interrupt (x86 MSI address/data
	 * format; the software IOAPIC delivers through this too). */
	void (*msi)(struct vm *vm, uint64_t addr, uint32_t data);

	/* Optional fast paths (NULL when the backend has none; callers then
	 * use bus handlers and vm_irq_set).  ioeventfd: a guest write of
	 * `len` bytes to MMIO `addr` (matching `datamatch` unless it is
	 * UINT64_MAX) signals eventfd `fd` without a trip through the bus.
	 * irqfd: a write to eventfd `fd` pulses interrupt line `line`. */
	int (*ioeventfd)(struct vm *vm, uint64_t addr, unsigned len,
			 uint64_t datamatch, int fd, struct gerr *err);
	int (*irqfd)(struct vm *vm, unsigned line, int fd, struct gerr *err);

	/* Optional debugger support (NULL: the backend cannot be debugged).
	 * vcpu_set_debug: before vcpu_run, or while the vCPU sits in its trap
	 * callback.  vcpu_debug_pause (any thread, after vcpu_set_debug
	 * enabled debugging): the vCPU calls trap(DEBUG_EV_PAUSE) soon, also
	 * when halted or waiting for SIPI.  A breakpoint at the RIP where the
	 * vCPU resumes does not fire until another instruction ran (x86 RF). */
	int (*vcpu_set_debug)(struct vcpu *vcpu, const struct debug_ctl *ctl,
			      struct gerr *err);
	void (*vcpu_debug_pause)(struct vcpu *vcpu);
	/* How many watchpoints vcpu_set_debug accepts (0: none).  A hit is
	 * reported as trap(DEBUG_EV_WATCH) at the boundary after the
	 * instruction that made the access completed (never for one that
	 * faulted). */
	unsigned debug_max_wp;
	/* Optional: the x87/SSE state, for a debugger, under the same rules
	 * as vcpu_get_state/vcpu_set_state. */
	int (*vcpu_get_fpu)(struct vcpu *vcpu, struct x86_fpu *fpu,
			    struct gerr *err);
	int (*vcpu_set_fpu)(struct vcpu *vcpu, const struct x86_fpu *fpu,
			    struct gerr *err);

	/* Optional, for hypervisor ABIs gamut serves itself (Xen PV): writes
	 * one MSR of the vCPU (before vcpu_run, or on the vCPU's thread from a
	 * bus handler, like vcpu_set_state); and reads the vCPU's TSC now,
	 * with the host CLOCK_MONOTONIC time (ns) it corresponds to and the
	 * TSC's rate in kHz, for a paravirtual clock. */
	int (*vcpu_set_msr)(struct vcpu *vcpu, uint32_t index, uint64_t value,
			    struct gerr *err);
	int (*vcpu_tsc)(struct vcpu *vcpu, uint64_t *tsc, uint64_t *host_ns,
			uint64_t *khz, struct gerr *err);
	/* Optional: what CPUID leaf/subleaf answers on this vCPU (r: EAX,
	 * EBX, ECX, EDX), for a platform that emulates CPUID itself. */
	int (*vcpu_cpuid)(struct vcpu *vcpu, uint32_t leaf, uint32_t subleaf,
			  uint32_t r[4], struct gerr *err);
	/* Optional: drops every translation the vCPU caches, as after a
	 * page-table change made behind its back, without a state change. */
	void (*vcpu_flush_tlb)(struct vcpu *vcpu);
};

/* vcpu_get_state/vcpu_set_state may also be called from a bus handler that
 * runs on that vCPU's own thread (the handler's `cpu` argument names it);
 * a change made there takes effect when the access returns (PV hypercalls
 * and trap bouncing rely on this). */

/* The registered backends; NULL if the name is unknown. */
const struct cpu_backend *cpu_backend_find(const char *name);

extern const struct cpu_backend cpu_backend_kvm;
extern const struct cpu_backend cpu_backend_emu;

#endif
