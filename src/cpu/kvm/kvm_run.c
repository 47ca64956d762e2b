/* The vCPU thread's KVM_RUN loop and vcpu_kick.
 *
 * Kicking follows api.rst's immediate_exit scheme: vcpu_kick sends a signal
 * to the vCPU thread; the handler sets that thread's kvm_run->immediate_exit.
 * If the signal lands inside KVM_RUN, KVM_RUN returns EINTR; if it lands
 * just before, the next KVM_RUN returns EINTR at once -- so a kick is never
 * lost and the signal needs no blocking outside KVM_RUN. */
#include "cpu/kvm/kvm_int.h"
#include "cpu/kvm/kvm_vm.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "core/vm.h"
#include "cpu/kvm/kvm_exit.h"

static _Thread_local struct kvm_run *tls_run;
static pthread_once_t kick_once = PTHREAD_ONCE_INIT;

int kvm_kick_signo(void)
{
	return SIGRTMIN + 1;
}

static void kick_handler(int sig)
{
	(void)sig;
	if (tls_run)
		tls_run->immediate_exit = 1;
}

static void kick_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler; /* no SA_RESTART: KVM_RUN must return */
	sigemptyset(&sa.sa_mask);
	sigaction(kvm_kick_signo(), &sa, NULL);
}

void kvm_kick_signal_setup(void)
{
	pthread_once(&kick_once, kick_install);
}

void kvm_kick_bind(struct kvm_run *run)
{
	tls_run = run;
}

void kvm_vcpu_kick(struct vcpu *vcpu)
{
	struct kvm_vcpu *v = vcpu->backend;

	pthread_mutex_lock(&v->lock);
	if (v->running)
		pthread_kill(v->thread, kvm_kick_signo());
	else if (v->run)
		v->run->immediate_exit = 1; /* not started: its first KVM_RUN returns */
	pthread_mutex_unlock(&v->lock);
}

/* Adds the guest's RIP (and CS base, for real mode) to a crash message. */
static int crash_with_rip(struct kvm_vcpu *v, struct gerr *err)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	char why[sizeof(err->msg)];

	if (kvm_ioctl(v->fd, KVM_GET_REGS, &regs) < 0 ||
	    kvm_ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		return -1;
	snprintf(why, sizeof(why), "%s", err->msg);
	/* On AMD, KVM reinitializes a vCPU after a shutdown exit: the state
	 * then is the reset state, not where the guest died. */
	if (regs.rip == 0xfff0 && sregs.cs.base == 0xffff0000)
		return gerr_set(err, "%s (the guest's RIP is lost: KVM reset the vCPU)", why);
	return gerr_set(err, "%s at RIP %#llx (CS base %#llx)", why,
			(unsigned long long)regs.rip, (unsigned long long)sregs.cs.base);
}

static int run_loop(struct vcpu *vcpu, struct kvm_vcpu *v, struct gerr *err)
{
	struct vm *vm = vcpu->vm;
	bool want_rip;

	while (!vm_should_stop(vm)) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno != EINTR && errno != EAGAIN)
				return gerr_errno(err, errno, "KVM_RUN");
			/* A kick: clear it, then the loop condition looks at
			 * the stop flag, which vm_stop set before kicking. */
			v->run->immediate_exit = 0;
			v->exits[KVM_STAT_KICK]++;
			kvm_debug_poll(vcpu); /* a debugger's pause (debug.c) */
			if (vm->kick_hook && !vm_should_stop(vm))
				vm->kick_hook(vm->kick_hook_opaque, vcpu->index);
			continue;
		}
		/* Only this thread writes it: a plain add. */
		v->exits[kvm_stat_exit_index(v->run->exit_reason)]++;
		if (v->run->exit_reason == KVM_EXIT_DEBUG) {
			kvm_debug_exit(vcpu); /* breakpoint or step (debug.c) */
			continue;
		}
		if (kvm_exit_handle(vm, vcpu->index, v->run, (size_t)v->run_size,
				    &want_rip, err) < 0)
			return want_rip ? crash_with_rip(v, err) : -1;
	}
	return 0;
}

int kvm_vcpu_run(struct vcpu *vcpu, struct gerr *err)
{
	struct kvm_vcpu *v = vcpu->backend;
	sigset_t kick;
	int r;

	sigemptyset(&kick);
	sigaddset(&kick, kvm_kick_signo());
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	kvm_kick_bind(v->run);
	pthread_mutex_lock(&v->lock);
	v->thread = pthread_self();
	v->running = true;
	pthread_mutex_unlock(&v->lock);
	r = run_loop(vcpu, v, err);
	pthread_mutex_lock(&v->lock);
	v->running = false;
	pthread_mutex_unlock(&v->lock);
	kvm_kick_bind(NULL);
	if (r < 0)
		vm_stop(vcpu->vm, VM_STOP_CRASH, 1, "vcpu %d: %s", vcpu->index, err->msg);
	return r;
}
