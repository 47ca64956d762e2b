/* The Xen PV test fixture (test_xen_fixture.h). */
#include "test_xen_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/device.h"
#include "core/mode.h"
#include "xenpv/xen_abi.h"
#include "xenpv/xen_dev.h"
#include "xenpv/xen_hv.h"

static struct x86_state fake_state;

static int fake_get(struct vcpu *v, struct x86_state *st, struct gerr *err)
{
	(void)v;
	(void)err;
	*st = fake_state;
	return 0;
}

static int fake_set(struct vcpu *v, const struct x86_state *st, struct gerr *err)
{
	(void)v;
	(void)err;
	fake_state = *st;
	return 0;
}

static int fake_msr(struct vcpu *v, uint32_t i, uint64_t val, struct gerr *err)
{
	(void)v;
	(void)i;
	(void)val;
	(void)err;
	return 0;
}

static const struct cpu_backend state_only_backend = {
	.name = "test",
	.vcpu_get_state = fake_get,
	.vcpu_set_state = fake_set,
	.vcpu_set_msr = fake_msr,
};

struct x86_state *xt_state(void)
{
	return &fake_state;
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static size_t note(uint8_t *p, uint32_t type, const void *desc, uint32_t len)
{
	put32(p, 4);
	put32(p + 4, len);
	put32(p + 8, type);
	memcpy(p + 12, "Xen", 4);
	memcpy(p + 16, desc, len);
	return 16 + ((len + 3) & ~3u);
}

/* An ELF64 kernel with Linux's notes: one PT_LOAD at 16 MiB. */
static int kernel_file(char *path, size_t n)
{
	static uint8_t b[4096];
	uint8_t d[8], *ph = b + 64;
	size_t off = 0x200;
	int fd = memfd_create("xenfixture-kernel", 0);

	if (fd < 0)
		return -1;
	memset(b, 0, sizeof(b));
	memcpy(b, "\177ELF\2\1\1", 7);
	b[16] = 2; b[18] = 62; b[20] = 1;
	put64(b + 24, XT_VBASE + XT_KPADDR);
	put64(b + 32, 64);
	b[52] = 64; b[54] = 56; b[56] = 2;
	put32(ph, 1);
	put64(ph + 8, 0x800);
	put64(ph + 16, XT_VBASE + XT_KPADDR);
	put64(ph + 24, XT_KPADDR);
	put64(ph + 32, 0x100);
	put64(ph + 40, 0x200000);
	off += note(b + off, XEN_ELFNOTE_XEN_VERSION, "xen-3.0", 8);
	off += note(b + off, XEN_ELFNOTE_LOADER, "generic", 8);
	put64(d, XT_VBASE);
	off += note(b + off, XEN_ELFNOTE_VIRT_BASE, d, 8);
	put64(d, 0);
	off += note(b + off, XEN_ELFNOTE_PADDR_OFFSET, d, 8);
	put64(d, XT_VBASE + XT_KPADDR);
	off += note(b + off, XEN_ELFNOTE_ENTRY, d, 8);
	ph += 56;
	put32(ph, 4);
	put64(ph + 8, 0x200);
	put64(ph + 32, off - 0x200);
	if (write(fd, b, sizeof(b)) != (ssize_t)sizeof(b)) {
		close(fd);
		return -1;
	}
	snprintf(path, n, "/proc/self/fd/%d", fd);
	return fd;
}

static int kfd = -1;
static char kpath[64];

int xt_init(struct xt *t, unsigned ncpus)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	memset(t, 0, sizeof(*t));
	memset(&fake_state, 0, sizeof(fake_state));
	if (!vm)
		return -1;
	if (kfd < 0 && (kfd = kernel_file(kpath, sizeof(kpath))) < 0)
		return -1;
	t->vm = vm;
	vm->cfg.mode = mode_find("pv");
	vm->cfg.cpu = "test";
	vm->cfg.ncpus = vm->ncpus = ncpus;
	vm->cfg.console = CONSOLE_NONE;
	vm->cfg.mem_bytes = XT_MEM;
	vm->cfg.kernel = kpath;
	vm->cfg.cmdline = "";
	vm->backend = &state_only_backend;
	for (unsigned i = 0; i < ncpus; i++) {
		vm->vcpu[i].vm = vm;
		vm->vcpu[i].index = (int)i;
	}
	pthread_mutex_init(&vm->stop_lock, NULL);
	bus_init(&vm->pio, "pio");
	bus_init(&vm->mmio, "mmio");
	if (evloop_init(&vm->loop, &t->err) < 0 ||
	    gmem_init(&vm->mem, XT_MEM, false, &t->err) < 0 ||
	    device_create_all(vm, &t->err) < 0)
		return -1;
	t->x = device_state(vm, "xen");
	if (!t->x)
		return gerr_set(&t->err, "the xen device did not attach");
	if (xen_boot_load(vm, &t->boot, &t->err) < 0)
		return -1;
	fake_state = t->boot;
	return 0;
}

void xt_fini(struct xt *t)
{
	if (!t->vm)
		return;
	device_destroy_all(t->vm);
	gmem_destroy(&t->vm->mem);
	evloop_destroy(&t->vm->loop);
	bus_destroy(&t->vm->pio);
	bus_destroy(&t->vm->mmio);
	stats_destroy(&t->vm->stats);
	pthread_mutex_destroy(&t->vm->stop_lock);
	free(t->vm);
	t->vm = NULL;
}

/* The state right after SYSCALL into the stub: ring-0 CS, RCX/R11 the
 * return point, then the stub's port write. */
int64_t xt_hcall(struct xt *t, uint64_t nr, uint64_t a0, uint64_t a1,
		 uint64_t a2, uint64_t a3, uint64_t a4)
{
	uint8_t v = 0;

	fake_state.seg[X86_CS].dpl = 0;
	fake_state.gpr[X86_RCX] = t->boot.rip;
	fake_state.gpr[X86_R11] = 0x202;
	fake_state.gpr[X86_RAX] = nr;
	fake_state.gpr[X86_RDI] = a0;
	fake_state.gpr[X86_RSI] = a1;
	fake_state.gpr[X86_RDX] = a2;
	fake_state.gpr[X86_R10] = a3;
	fake_state.gpr[X86_R8] = a4;
	bus_access(&t->vm->pio, XEN_PORT_SYSCALL, &v, 1, true, 0);
	return (int64_t)fake_state.gpr[X86_RAX];
}

/* The frame the CPU pushed on the ring-0 stack, the vector the stub
 * pushed on top, then its port write. */
void xt_exception(struct xt *t, unsigned vec, uint64_t err)
{
	struct xen_vcpu *v = &t->x->vcpu[0];
	uint64_t f[7] = { vec, err, t->boot.rip, FLAT_KERNEL_CS, 0x202,
			  t->boot.gpr[X86_RSP], FLAT_KERNEL_SS };
	bool errc = vec == 8 || (vec >= 10 && vec <= 14) || vec == 17;
	uint64_t *frame = errc ? f : f + 1;
	unsigned n = errc ? 7 : 6;
	uint8_t b = 0;

	if (!errc)
		frame[0] = vec; /* the vector sits where the error code would */
	gmem_write(&t->vm->mem, xen_hv_stack0_gpa(v) - n * 8, frame, n * 8);
	fake_state.seg[X86_CS].dpl = 0;
	fake_state.gpr[X86_RSP] = v->stack0_va - n * 8;
	bus_access(&t->vm->pio, XEN_PORT_TRAP, &b, 1, true, 0);
}
