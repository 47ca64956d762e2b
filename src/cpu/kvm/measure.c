/* The CPL-0 speed measurement (see kvm_measure.h).
 *
 * The guest is 14 bytes of 32-bit code at GPA 0x1000, embedded here so no
 * loader is involved:
 *
 *   1000: 8b 0d 00 20 00 00   mov ecx, [0x2000]   ; iterations, set by us
 *   1006: ff c9               dec ecx             ; the measured loop
 *   1008: 75 fc               jnz 1006
 *   100a: e6 80               out 0x80, al        ; exit: one run done
 *   100c: eb f2               jmp 1000            ; next run on re-entry
 *
 * Each run's time includes one exit and one entry; timing N and N/2
 * iterations and taking the difference cancels that cost. */
#include "cpu/kvm/kvm_measure.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/host.h"
#include "cpu/kvm/kvm_int.h"
#include "cpu/kvm/state.h"

#define GUEST_MEM   0x10000ul
#define GUEST_CODE  0x1000u
#define GUEST_COUNT 0x2000u
#define GUEST_PORT  0x80u
#define TARGET_NS   10000000ull /* grow N until one run takes 10 ms */
#define REPEATS	    3

static const uint8_t guest_code[] = {
	0x8b, 0x0d, 0x00, 0x20, 0x00, 0x00, /* mov ecx, [0x2000] */
	0xff, 0xc9,			    /* dec ecx */
	0x75, 0xfc,			    /* jnz -4 */
	0xe6, GUEST_PORT,		    /* out 0x80, al */
	0xeb, 0xf2,			    /* jmp -14 */
};

struct tiny_vm {
	int kvm_fd, vm_fd, cpu_fd;
	uint8_t *mem;
	struct kvm_run *run;
	size_t run_size;
};

static void tiny_destroy(struct tiny_vm *t)
{
	if (t->run)
		munmap(t->run, t->run_size);
	if (t->mem)
		munmap(t->mem, GUEST_MEM);
	if (t->cpu_fd >= 0)
		close(t->cpu_fd);
	if (t->vm_fd >= 0)
		close(t->vm_fd);
	if (t->kvm_fd >= 0)
		close(t->kvm_fd);
}

/* Flat 32-bit protected mode at CPL 0, caches on, paging off. */
static int tiny_set_state(struct tiny_vm *t, struct gerr *err)
{
	struct x86_state st;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	x86_state_reset(&st);
	st.seg[X86_CS] = x86_flat_code32(0x08);
	for (int s = 0; s < X86_NR_SREGS; s++)
		if (s != X86_CS)
			st.seg[s] = x86_flat_data(0x10);
	st.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE;
	st.rip = GUEST_CODE;
	st.rflags = X86_RFLAGS_FIXED; /* interrupts off */
	if (kvm_ioctl(t->cpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return gerr_errno(err, errno, "measure: KVM_GET_SREGS");
	kvm_state_to_sregs(&st, &sregs, false);
	kvm_state_to_regs(&st, &regs);
	if (kvm_ioctl(t->cpu_fd, KVM_SET_SREGS, &sregs) < 0)
		return gerr_errno(err, errno, "measure: KVM_SET_SREGS");
	if (kvm_ioctl(t->cpu_fd, KVM_SET_REGS, &regs) < 0)
		return gerr_errno(err, errno, "measure: KVM_SET_REGS");
	return 0;
}

static int tiny_create(struct tiny_vm *t, struct gerr *err)
{
	struct kvm_userspace_memory_region r = { .slot = 0, .memory_size = GUEST_MEM };
	int size;
	void *p;

	t->kvm_fd = kvm_sys_open(KVM_DEV_PATH, err);
	if (t->kvm_fd < 0)
		return -1;
	t->vm_fd = ioctl(t->kvm_fd, KVM_CREATE_VM, 0);
	if (t->vm_fd < 0)
		return gerr_errno(err, errno, "measure: KVM_CREATE_VM");
	if (ioctl(t->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR) < 0)
		return gerr_errno(err, errno, "measure: KVM_SET_TSS_ADDR");
	p = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return gerr_errno(err, errno, "measure: guest memory");
	t->mem = p;
	memcpy(t->mem + GUEST_CODE, guest_code, sizeof(guest_code));
	r.userspace_addr = (uint64_t)(uintptr_t)t->mem;
	if (kvm_ioctl(t->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return gerr_errno(err, errno, "measure: KVM_SET_USER_MEMORY_REGION");
	t->cpu_fd = ioctl(t->vm_fd, KVM_CREATE_VCPU, 0ul);
	if (t->cpu_fd < 0)
		return gerr_errno(err, errno, "measure: KVM_CREATE_VCPU");
	size = ioctl(t->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(struct kvm_run))
		return gerr_errno(err, errno, "measure: KVM_GET_VCPU_MMAP_SIZE");
	p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, t->cpu_fd, 0);
	if (p == MAP_FAILED)
		return gerr_errno(err, errno, "measure: mmap kvm_run");
	t->run = p;
	t->run_size = (size_t)size;
	return tiny_set_state(t, err);
}

/* One guest run of n iterations; returns its wall time in ns, 0 on error. */
static unsigned long long tiny_run(struct tiny_vm *t, uint32_t n, struct gerr *err)
{
	unsigned long long t0;

	memcpy(t->mem + GUEST_COUNT, &n, sizeof(n));
	t0 = host_now_ns();
	if (kvm_ioctl(t->cpu_fd, KVM_RUN, NULL) < 0) {
		gerr_errno(err, errno, "measure: KVM_RUN");
		return 0;
	}
	t0 = host_now_ns() - t0;
	if (t->run->exit_reason != KVM_EXIT_IO || t->run->io.port != GUEST_PORT) {
		gerr_set(err, "measure: the CPL-0 loop guest stopped with KVM exit %u",
			 t->run->exit_reason);
		return 0;
	}
	return t0 ? t0 : 1;
}

static unsigned long long min_of_runs(struct tiny_vm *t, uint32_t n, struct gerr *err)
{
	unsigned long long best = ~0ull;

	for (int i = 0; i < REPEATS; i++) {
		unsigned long long d = tiny_run(t, n, err);

		if (!d)
			return 0;
		best = d < best ? d : best;
	}
	return best;
}

static int guest_ns_per_iter(struct tiny_vm *t, struct kvm_speed *out, struct gerr *err)
{
	uint32_t n = 1024;
	unsigned long long full, half;

	for (;;) {
		full = min_of_runs(t, n, err);
		if (!full)
			return -1;
		if (full >= TARGET_NS || n >= (1u << 30))
			break;
		n *= 2;
	}
	half = min_of_runs(t, n / 2, err);
	if (!half)
		return -1;
	/* The exit/entry cost is in both runs; n/2 iterations are not. */
	out->guest_ns_per_iter = full > half ? (double)(full - half) / (n / 2) :
					       (double)full / n;
	out->iterations = n;
	return 0;
}

static unsigned long long native_run(uint32_t n)
{
	unsigned long long t0 = host_now_ns();

	__asm__ volatile("1: dec %0\n\tjnz 1b" : "+r"(n) : : "cc");
	return host_now_ns() - t0;
}

double kvm_measure_native_ns(void)
{
	uint32_t n = 1024;
	unsigned long long full = 0, half = ~0ull;

	for (;;) {
		unsigned long long best = ~0ull;

		for (int i = 0; i < REPEATS; i++) {
			unsigned long long d = native_run(n);
			best = d < best ? d : best;
		}
		full = best;
		if (full >= TARGET_NS || n >= (1u << 30))
			break;
		n *= 2;
	}
	for (int i = 0; i < REPEATS; i++) {
		unsigned long long d = native_run(n / 2);
		half = d < half ? d : half;
	}
	return full > half ? (double)(full - half) / (n / 2) : (double)full / n;
}

int kvm_measure_cpl0(struct kvm_speed *out, struct gerr *err)
{
	struct tiny_vm t = { .kvm_fd = -1, .vm_fd = -1, .cpu_fd = -1 };
	int r;

	memset(out, 0, sizeof(*out));
	r = tiny_create(&t, err);
	if (r == 0)
		r = guest_ns_per_iter(&t, out, err);
	tiny_destroy(&t);
	if (r < 0)
		return -1;
	out->native_ns_per_iter = kvm_measure_native_ns();
	if (out->native_ns_per_iter <= 0)
		out->native_ns_per_iter = 1e-3; /* clock too coarse: call it tiny */
	out->ratio = out->guest_ns_per_iter / out->native_ns_per_iter;
	out->hw_backed = out->ratio <= KVM_HW_RATIO_MAX;
	return 0;
}
