/* The per-role seccomp allow-lists, built with libseccomp and loaded by
 * each thread on itself (docs/sandbox.md lists them with the reasons).
 *
 * A list is a union of groups: what every thread needs (glibc's malloc,
 * locks and thread exit), what the device models need on whichever thread
 * runs them (a vCPU thread on an MMIO/PIO exit, the event loop on a ready
 * fd), and what only one role does (KVM_RUN, epoll_wait, accepting gdb).
 * Arguments are matched where that narrows a call that can do much more:
 * ioctl to the requests gamut makes after setup, mmap/mprotect to never
 * executable (the block compiler's buffer is mapped during setup), socket
 * to the IP families, fcntl to the flag operations, tgkill to this
 * process. */
#include "sandbox/sandbox_int.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* Plain allows: no argument worth matching. */
static const int any_thread[] = {
	SCMP_SYS(futex), SCMP_SYS(exit), SCMP_SYS(exit_group),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask), SCMP_SYS(restart_syscall),
	SCMP_SYS(sched_yield), SCMP_SYS(getpid), SCMP_SYS(gettid),
	SCMP_SYS(clock_gettime), SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep),
	SCMP_SYS(gettimeofday),
	/* glibc malloc: arenas grow and shrink, big blocks are mapped */
	SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(brk), SCMP_SYS(madvise),
	/* eventfd kicks, the SIGSYS handler's line, console output */
	SCMP_SYS(write),
#if defined(__SANITIZE_ADDRESS__)
	/* ASan's runtime: its per-thread alternate signal stack, set up and
	 * torn down around thread exit, and its allocator's page queries. */
	SCMP_SYS(sigaltstack), SCMP_SYS(mincore),
#endif
};

/* Device models: disks (virtio-blk on its own thread, ATA and PV blk on
 * the vCPU), console, TAP, eventfds and timers, slirp's sockets. */
static const int device_model[] = {
	SCMP_SYS(read), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(preadv), SCMP_SYS(pwritev),
	SCMP_SYS(fdatasync), SCMP_SYS(fsync),
	SCMP_SYS(epoll_ctl), SCMP_SYS(timerfd_settime), SCMP_SYS(timerfd_gettime),
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(close),
	SCMP_SYS(connect), SCMP_SYS(sendto), SCMP_SYS(recvfrom),
	SCMP_SYS(sendmsg), SCMP_SYS(recvmsg), SCMP_SYS(setsockopt),
	SCMP_SYS(getsockopt), SCMP_SYS(getsockname), SCMP_SYS(getpeername),
	SCMP_SYS(shutdown), SCMP_SYS(bind), SCMP_SYS(listen),
	SCMP_SYS(accept), SCMP_SYS(accept4),
	/* virtio-rng fills the guest's buffers from the kernel's pool */
	SCMP_SYS(getrandom),
};

static const int evloop_only[] = {
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait),
};

#if defined(__SANITIZE_ADDRESS__)
/* LeakSanitizer's check at exit, on the main thread: it clones a tracer
 * that ptrace-stops every thread and reads their registers and
 * /proc/self/task (sanitizer_common's StopTheWorld), under the event loop's
 * filter since that is the thread that exits.  Sanitizer builds only. */
static const int leak_check_at_exit[] = {
	SCMP_SYS(clone), SCMP_SYS(wait4), SCMP_SYS(ptrace), SCMP_SYS(open),
	SCMP_SYS(openat), SCMP_SYS(getdents64), SCMP_SYS(sched_getaffinity),
	SCMP_SYS(readlink), SCMP_SYS(newfstatat), SCMP_SYS(lseek),
	SCMP_SYS(prlimit64), SCMP_SYS(tgkill), SCMP_SYS(kill),
	SCMP_SYS(getppid), SCMP_SYS(rt_sigaction), SCMP_SYS(getdents),
};
static const int leak_check_prctls[] = {
	PR_GET_DUMPABLE, PR_SET_DUMPABLE, PR_SET_PTRACER, PR_SET_PDEATHSIG,
};
#endif

static const int io_only[] = {
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(preadv), SCMP_SYS(pwritev),
	SCMP_SYS(fdatasync), SCMP_SYS(fsync),
	/* a disk's rate limit (--disk ...,iops=,bw=) arms its gate's timer */
	SCMP_SYS(timerfd_settime), SCMP_SYS(timerfd_gettime),
};

static const int gdb_only[] = {
	SCMP_SYS(read), SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(accept),
	SCMP_SYS(accept4), SCMP_SYS(sendto), SCMP_SYS(recvfrom),
	SCMP_SYS(setsockopt), SCMP_SYS(close),
};

/* KVM requests a running VM makes (src/cpu/kvm): interrupts from any
 * device thread ... */
static const unsigned long kvm_irq_ioctls[] = {
	KVM_IRQ_LINE, KVM_SIGNAL_MSI,
};

/* ... and the vCPU's own: KVM_RUN, the state a PV hypercall, a crash report
 * or a reset reads and writes, and the debugger's controls (the GDB stub
 * calls these while the vCPU is parked). */
static const unsigned long kvm_vcpu_ioctls[] = {
	KVM_RUN, KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS,
	KVM_GET_FPU, KVM_SET_FPU, KVM_GET_XSAVE, KVM_SET_XSAVE,
	KVM_SET_MSRS, KVM_GET_LAPIC, KVM_SET_LAPIC, KVM_SET_MP_STATE,
	KVM_SET_GUEST_DEBUG,
};

/* The console: tcgetattr/tcsetattr(TCSAFLUSH) restoring the terminal at
 * exit; FIONREAD and FIONBIO from libslirp's socket code. */
static const unsigned long tty_ioctls[] = { TCGETS, TCSETS, TCSETSW, TCSETSF };
static const unsigned long sock_ioctls[] = { FIONREAD, FIONBIO };

struct filter {
	scmp_filter_ctx ctx;
	uint32_t allow;
	int rc; /* first libseccomp error */
};

static void allow(struct filter *f, int nr)
{
	int rc = seccomp_rule_add(f->ctx, f->allow, nr, 0);

	if (rc < 0 && !f->rc)
		f->rc = rc;
}

static void allow_all(struct filter *f, const int *nrs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		allow(f, nrs[i]);
}

/* nr when argument `arg` equals v (compared on its low 32 bits where the
 * kernel reads an int, so a sign-extended request still matches). */
static void allow_arg(struct filter *f, int nr, unsigned arg, uint64_t mask,
		      uint64_t v)
{
	struct scmp_arg_cmp c = { arg, SCMP_CMP_MASKED_EQ, mask, v };
	int rc = seccomp_rule_add_array(f->ctx, f->allow, nr, 1, &c);

	if (rc < 0 && !f->rc)
		f->rc = rc;
}

static void allow_ioctls(struct filter *f, const unsigned long *reqs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		allow_arg(f, SCMP_SYS(ioctl), 1, 0xffffffffu, reqs[i]);
}

#define ALLOW_ALL(f, list) allow_all(f, list, sizeof(list) / sizeof(list[0]))
#define ALLOW_IOCTLS(f, list) allow_ioctls(f, list, sizeof(list) / sizeof(list[0]))

static void allow_common(struct filter *f)
{
	ALLOW_ALL(f, any_thread);
	/* Never executable: W^X for everything mapped after setup. */
	allow_arg(f, SCMP_SYS(mmap), 2, PROT_EXEC, 0);
	allow_arg(f, SCMP_SYS(mprotect), 2, PROT_EXEC, 0);
	/* vm_stop kicks vCPU threads (pthread_kill); only this process. */
	allow_arg(f, SCMP_SYS(tgkill), 0, 0xffffffffu, (uint64_t)getpid());
}

static void allow_devices(struct filter *f)
{
	ALLOW_ALL(f, device_model);
	allow_arg(f, SCMP_SYS(socket), 0, 0xffffffffu, AF_INET);
	allow_arg(f, SCMP_SYS(socket), 0, 0xffffffffu, AF_INET6);
	allow_arg(f, SCMP_SYS(fcntl), 1, 0xffffffffu, F_GETFL);
	allow_arg(f, SCMP_SYS(fcntl), 1, 0xffffffffu, F_SETFL);
	allow_arg(f, SCMP_SYS(fcntl), 1, 0xffffffffu, F_GETFD);
	allow_arg(f, SCMP_SYS(fcntl), 1, 0xffffffffu, F_SETFD);
	ALLOW_IOCTLS(f, sock_ioctls);
	ALLOW_IOCTLS(f, kvm_irq_ioctls);
}

/* --net user only (sandbox.h, host_dns): libslirp's fopen and stat of
 * /etc/resolv.conf.  Opens that could write, create or truncate stay
 * forbidden; O_CLOEXEC and O_NONBLOCK are outside the mask. */
static void allow_read_only_files(struct filter *f)
{
	const uint64_t writes = O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND |
				O_TMPFILE | O_PATH;

	allow_arg(f, SCMP_SYS(openat), 2, writes, O_RDONLY);
	allow_arg(f, SCMP_SYS(open), 1, writes, O_RDONLY);
	allow(f, SCMP_SYS(newfstatat));
	allow(f, SCMP_SYS(stat));
	allow(f, SCMP_SYS(fstat));
}

static void build(struct filter *f, enum sandbox_role role,
		  const struct sandbox_policy *p)
{
	allow_common(f);
	switch (role) {
	case SANDBOX_VCPU:
		allow_devices(f);
		if (p->host_dns)
			allow_read_only_files(f);
		ALLOW_IOCTLS(f, kvm_vcpu_ioctls);
		break;
	case SANDBOX_EVLOOP:
		allow_devices(f);
		if (p->host_dns)
			allow_read_only_files(f);
		ALLOW_ALL(f, evloop_only);
		ALLOW_IOCTLS(f, tty_ioctls);
#if defined(__SANITIZE_ADDRESS__)
		ALLOW_ALL(f, leak_check_at_exit);
		for (size_t i = 0; i < sizeof(leak_check_prctls) / sizeof(int); i++)
			allow_arg(f, SCMP_SYS(prctl), 0, 0xffffffffu,
				  (uint64_t)leak_check_prctls[i]);
#endif
		break;
	case SANDBOX_IO:
		ALLOW_ALL(f, io_only);
		ALLOW_IOCTLS(f, kvm_irq_ioctls);
		break;
	case SANDBOX_GDB:
		ALLOW_ALL(f, gdb_only);
		ALLOW_IOCTLS(f, kvm_vcpu_ioctls);
		break;
	case SANDBOX_NR_ROLES:
		break;
	}
}

int filter_load(enum sandbox_role role, const struct sandbox_policy *p,
		struct gerr *err)
{
	uint32_t deny = p->seccomp == SANDBOX_SECCOMP_LOG ? SCMP_ACT_LOG : SCMP_ACT_TRAP;
	struct filter f = { seccomp_init(deny), SCMP_ACT_ALLOW, 0 };
	int rc;

	if (!f.ctx)
		return gerr_set(err, "seccomp_init failed");
	/* A 32-bit system call (int 0x80) gets the same answer as any
	 * other forbidden one rather than libseccomp's silent kill. */
	seccomp_attr_set(f.ctx, SCMP_FLTATR_ACT_BADARCH, deny);
	build(&f, role, p);
	rc = f.rc ? f.rc : seccomp_load(f.ctx);
	seccomp_release(f.ctx);
	if (rc < 0)
		return gerr_errno(err, -rc, "loading the seccomp filter");
	return 0;
}
