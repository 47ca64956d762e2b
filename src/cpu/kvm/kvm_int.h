/* The KVM backend's private interface, shared by the files of src/cpu/kvm.
 *
 * Files, one concern each:
 *   kvm_sys.c   /dev/kvm: open, API version, capabilities (probe)
 *   kvm_vm.c    the VM: memory slots, irqchip, PIT, GSI routing, IRQ/MSI,
 *               ioeventfd and irqfd
 *   kvm_vcpu.c  a vCPU: creation, CPUID/MSR/LAPIC setup, state, kick
 *   kvm_run.c   the KVM_RUN loop and exit dispatch to the buses
 *   cpuid.c     the guest CPUID table (pure: built from KVM's supported one)
 *   msr.c       the MSR reset list (pure: filtered by KVM's index list)
 *   state.c     struct x86_state <-> kvm_regs/kvm_sregs (pure)
 *   measure.c   the CPL-0 speed measurement for `gamut info` / spectrum
 *   kvm_stats.c exit counters for --stats (docs/stats.md)
 *
 * This header includes <linux/kvm.h>; nothing outside src/cpu/kvm and its
 * unit tests may include it (devices never know which backend runs). */
#ifndef GAMUT_CPU_KVM_INT_H
#define GAMUT_CPU_KVM_INT_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "cpu/backend.h"

#define KVM_DEV_PATH	 "/dev/kvm"
#define KVM_API_EXPECTED 12

/* Guest-physical pages KVM needs for its own use on Intel (real-mode TSS,
 * 3 pages, and the EPT identity map, 1 page).  Just below the 256 KiB under
 * 4 GiB that a legacy BIOS ROM may occupy, above the LAPIC window. */
#define KVM_IDENTITY_MAP_ADDR 0xfffbc000ull
#define KVM_TSS_ADDR	      0xfffbd000ull

/* Opens `path` (normally /dev/kvm) and checks the API version and every
 * capability gamut relies on.  Returns the fd, or -1 with a message that
 * says plainly what is missing ("no /dev/kvm on this host"). */
int kvm_sys_open(const char *path, struct gerr *err);

/* The capabilities vm_init and vcpu_init rely on, with names for messages. */
struct kvm_cap_need {
	int cap;
	const char *name;
};
extern const struct kvm_cap_need kvm_caps_needed[];
extern const unsigned kvm_nr_caps_needed;

/* KVM's supported CPUID table (KVM_GET_SUPPORTED_CPUID, growing the buffer
 * on E2BIG).  Returns a malloc'ed table, or NULL with a message. */
struct kvm_cpuid2 *kvm_sys_supported_cpuid(int kvm_fd, struct gerr *err);
/* KVM_GET_MSR_INDEX_LIST.  Returns a malloc'ed list, or NULL. */
struct kvm_msr_list *kvm_sys_msr_index_list(int kvm_fd, struct gerr *err);

/* Per-VM state (vm->backend_state). */
struct kvm_vm {
	int kvm_fd;
	int vm_fd;
	int run_size; /* KVM_GET_VCPU_MMAP_SIZE */
	struct kvm_cpuid2 *supported_cpuid;
	struct kvm_msr_list *msr_index;
	bool hide_cx16; /* see cpuid.c: KVM without hardware support */
	bool enforce_pv_cpuid; /* KVM_CAP_ENFORCE_PV_FEATURE_CPUID */
	bool tsc_deadline;     /* KVM_CAP_TSC_DEADLINE_TIMER */
};

/* Per-vCPU state (vcpu->backend). */
/* --stats: the exit reasons counted apart; the rest count as "other". */
enum kvm_stat_exit {
	KVM_STAT_IO, KVM_STAT_MMIO, KVM_STAT_HLT, KVM_STAT_INTR,
	KVM_STAT_IRQ_WINDOW, KVM_STAT_SHUTDOWN, KVM_STAT_SYSTEM_EVENT,
	KVM_STAT_DEBUG,
	KVM_STAT_KICK, /* KVM_RUN interrupted by a kick (EINTR) */
	KVM_STAT_OTHER,
	KVM_STAT_EXITS
};

struct kvm_vcpu {
	int fd;
	struct kvm_run *run;
	int run_size;
	/* The vCPU thread, valid while `running`; the lock orders vcpu_kick's
	 * pthread_kill against the thread leaving vcpu_run. */
	pthread_mutex_t lock;
	pthread_t thread;
	bool running;
	/* Debugger (debug.c): the last vcpu_set_debug, and a pending
	 * vcpu_debug_pause (atomic). */
	struct debug_ctl dbg;
	int dbg_pause;
	/* KVM_RUN's returns by reason, this vCPU's only (kvm_stats.c). */
	uint64_t exits[KVM_STAT_EXITS];
};

/* The index of exit_reason in kvm_vcpu.exits. */
enum kvm_stat_exit kvm_stat_exit_index(uint32_t exit_reason);
/* Registers this vCPU's counters as "kvm.exit.<reason>". */
void kvm_stats_register(struct vm *vm, struct kvm_vcpu *v);

/* Debugger support (debug.c).  kvm_debug_poll: after a kick (EINTR),
 * traps for a pending pause.  kvm_debug_exit: handles KVM_EXIT_DEBUG.
 * Both run on the vCPU thread and may block in the debugger's trap. */
void kvm_debug_poll(struct vcpu *vcpu);
void kvm_debug_exit(struct vcpu *vcpu);
int kvm_vcpu_set_debug(struct vcpu *vcpu, const struct debug_ctl *ctl,
		       struct gerr *err);
void kvm_vcpu_debug_pause(struct vcpu *vcpu);
int kvm_vcpu_get_fpu(struct vcpu *vcpu, struct x86_fpu *f, struct gerr *err);
int kvm_vcpu_set_msr(struct vcpu *vcpu, uint32_t index, uint64_t value,
		     struct gerr *err);
int kvm_vcpu_tsc(struct vcpu *vcpu, uint64_t *tsc, uint64_t *host_ns,
		 uint64_t *khz, struct gerr *err);
int kvm_vcpu_cpuid(struct vcpu *vcpu, uint32_t leaf, uint32_t sub,
		   uint32_t r[4], struct gerr *err);
int kvm_vcpu_set_fpu(struct vcpu *vcpu, const struct x86_fpu *f,
		     struct gerr *err);

/* The signal vcpu_kick sends; its handler sets the calling thread's
 * kvm_run->immediate_exit so KVM_RUN returns EINTR at once (api.rst). */
void kvm_kick_signal_setup(void);
void kvm_kick_bind(struct kvm_run *run); /* on the vCPU thread */
int kvm_kick_signo(void);

/* ioctl that retries on EINTR where the call has no side effect visible to
 * the guest (everything but KVM_RUN). */
int kvm_ioctl(int fd, unsigned long req, void *arg);

#endif
