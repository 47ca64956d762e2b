/* Runs real PV images (the SDK examples and the hostile guests) against
 * the real hypercall handlers without a CPU backend, the way Solo5's "spt"
 * tender runs unikernels as processes: in a forked child, guest RAM is
 * also mapped at virtual address 0 so guest-physical = child-virtual, the guest's
 * ring-3 code runs natively, and each `out` (a #GP at user level, SIGSEGV)
 * is handed to the PIO bus; other exceptions go through the same
 * pv_trap_port path the ring-0 stub uses.  Linux's page tables, not the
 * PV MMU's, are in force here, so MMU permissions are tested elsewhere
 * (test_pv_mmu.c, and the integration tests on a CPU backend).
 * Skips when the examples are not built or RAM cannot be placed at 0. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "../harness.h"
#include "pv/pv_layout.h"
#include "test_pv_fixture.h"

#define NATIVE_SKIP 77

static struct pvt t;
static sigjmp_buf out_env;
static ucontext_t *cur_uc;
static struct x86_state virt; /* segments, CRs: what Linux does not hold */
static bool state_set, in_stub;

static const int gpr_map[X86_NR_GPRS] = {
	REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
	REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

static int native_get(struct vcpu *v, struct x86_state *st, struct gerr *err)
{
	greg_t *g = cur_uc->uc_mcontext.gregs;

	(void)v;
	(void)err;
	*st = virt;
	if (in_stub)
		return 0;
	for (int i = 0; i < X86_NR_GPRS; i++)
		st->gpr[i] = (uint64_t)g[gpr_map[i]];
	st->rip = (uint64_t)g[REG_RIP];
	st->rflags = PV_RFLAGS_FIXED | ((uint64_t)g[REG_EFL] & PV_RFLAGS_USER);
	return 0;
}

static int native_set(struct vcpu *v, const struct x86_state *st, struct gerr *err)
{
	greg_t *g = cur_uc->uc_mcontext.gregs;

	(void)v;
	(void)err;
	virt = *st;
	for (int i = 0; i < X86_NR_GPRS; i++)
		g[gpr_map[i]] = (greg_t)st->gpr[i];
	g[REG_RIP] = (greg_t)st->rip;
	g[REG_EFL] = (greg_t)(((uint64_t)g[REG_EFL] & ~PV_RFLAGS_USER) |
			      (st->rflags & PV_RFLAGS_USER));
	state_set = true;
	in_stub = false;
	return 0;
}

static const struct cpu_backend native_backend = {
	.name = "native-test",
	.vcpu_get_state = native_get,
	.vcpu_set_state = native_set,
};

/* What the CPU and gamut's stub would have done for `vector`. */
static void deliver(uint32_t vector, greg_t *g, uint64_t cr2)
{
	bool err = vector == 13 || vector == 14;
	uint64_t frame[8], n = 0;

	frame[n++] = (uint64_t)g[REG_RDX];
	frame[n++] = (uint64_t)g[REG_RAX];
	if (err)
		frame[n++] = (uint64_t)g[REG_ERR];
	frame[n++] = (uint64_t)g[REG_RIP];
	frame[n++] = PV_SEL_UCODE;
	frame[n++] = PV_RFLAGS_FIXED | ((uint64_t)g[REG_EFL] & PV_RFLAGS_USER);
	frame[n++] = (uint64_t)g[REG_RSP];
	frame[n++] = PV_SEL_UDATA;
	gmem_write(&t.vm->mem, PV_STACK0_TOP - n * 8, frame, n * 8);
	native_get(NULL, &virt, NULL);
	virt.seg[X86_CS].selector = PV_SEL_KCODE;
	virt.rip = PV_STUB_GPA + vector * PV_STUB_ENTRY_SIZE + 11;
	virt.gpr[X86_RSP] = PV_STACK0_TOP - n * 8;
	virt.cr2 = cr2;
	in_stub = true;
	bus_access(&t.vm->pio, PV_PORT_BASE + PV_PORT_TRAP, &vector, 4, true, 0);
	in_stub = false;
}

static void on_signal(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	greg_t *g = uc->uc_mcontext.gregs;
	const uint8_t *ip = (const uint8_t *)g[REG_RIP];

	cur_uc = uc;
	state_set = false;
	if (sig == SIGSEGV && si->si_code == SI_KERNEL && ip[0] == 0xef) {
		uint32_t v = (uint32_t)g[REG_RAX];

		bus_access(&t.vm->pio, (uint16_t)g[REG_RDX], &v, 4, true, 0);
		if (!state_set)
			g[REG_RIP] += 1;
	} else {
		uint32_t vector = sig == SIGFPE ? 0 : sig == SIGILL ? 6
				: si->si_code == SI_KERNEL ? 13 : 14;

		deliver(vector, g, (uint64_t)si->si_addr);
	}
	if (vm_should_stop(t.vm))
		siglongjmp(out_env, 1);
}

static void enter_guest(uint64_t rip, uint64_t rsp, uint64_t rdi)
{
	__asm__ volatile("mov %0, %%rsp\n\tjmp *%1" : : "r"(rsp), "r"(rip), "D"(rdi)
			 : "memory");
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Puts guest RAM in a memfd mapped twice: at gamut's host address (a new
 * one) and at virtual address 0, so guest-physical = virtual for the
 * guest's code while gamut keeps a valid, non-null host pointer. */
static int alias_ram_at_zero(void)
{
	struct guest_mem *m = &t.vm->mem;
	size_t size = m->mapping_size;
	int fd = memfd_create("pv-native-ram", 0);
	void *view, *id;

	if (fd < 0 || m->nr_regions != 1 || m->region[0].host != m->mapping ||
	    ftruncate(fd, (off_t)size) < 0)
		return -1;
	view = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (view == MAP_FAILED)
		return -1;
	memcpy(view, m->mapping, size);
	id = mmap((void *)0, size, PROT_READ | PROT_WRITE | PROT_EXEC,
		  MAP_SHARED | MAP_FIXED, fd, 0);
	if (id != (void *)0)
		return -1;
	munmap(m->mapping, size);
	m->mapping = view;
	m->region[0].host = view;
	return 0;
}

/* The child: load, alias RAM at 0, run until the guest stops.  Exit status:
 * the guest's, or 100 + stop reason for anything else. */
static int child(const char *image, const char *disk, const char *cmdline)
{
	static char altstack[1 << 16];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa;
	size_t len;
	uint8_t *img = slurp(image, &len);

	pvt_console = CONSOLE_STDIO;
	if (!img || pvt_init(&t) < 0)
		return NATIVE_SKIP;
	t.vm->cfg.cmdline = cmdline;
	if (disk) {
		t.vm->cfg.disk[0] = (struct disk_config){ .path = disk, .name = "data", .readonly = false };
		t.vm->cfg.nr_disks = 1;
	}
	if (pvt_load(&t, img, len) < 0) {
		fprintf(stderr, "load: %s\n", t.err.msg);
		return 101;
	}
	if (alias_ram_at_zero() < 0)
		return NATIVE_SKIP;
	t.vm->backend = &native_backend;
	virt = t.boot;
	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	if (sigsetjmp(out_env, 1) == 0)
		enter_guest(t.boot.rip, t.boot.gpr[X86_RSP], t.boot.gpr[X86_RDI]);
	fflush(stdout);
	if (atomic_load(&t.vm->stop_reason) == VM_STOP_EXIT)
		return t.vm->exit_status;
	fprintf(stderr, "stopped: %s\n", t.vm->stop_msg);
	return 100 + atomic_load(&t.vm->stop_reason);
}

/* Runs image in a child; returns its exit status, output in out. */
static int run(const char *name, const char *disk, const char *cmdline, char *out,
	       size_t cap)
{
	char path[256];
	const char *build = getenv("BUILD");
	int fds[2], status;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/%s", build ? build : "build", name);
	if (access(path, R_OK) < 0 || pipe(fds) < 0)
		return NATIVE_SKIP;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		_exit(child(path, disk, cmdline));
	}
	close(fds[1]);
	while (n + 1 < cap && (r = read(fds[0], out + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200 + WTERMSIG(status);
}

static char out[1 << 16];

#define RUN_OR_SKIP(rc, ...)                                                   \
	do {                                                                   \
		rc = run(__VA_ARGS__, out, sizeof(out));                       \
		if (rc == NATIVE_SKIP)                                         \
			SKIP("PV images not built, or guest RAM cannot be placed at address 0"); \
	} while (0)

TEST(pv_native_hello)
{
	int rc;

	RUN_OR_SKIP(rc, "pv-examples/hello.pv", NULL, "a bc");
	CHECK_EQ(rc, 0);
	CHECK(strstr(out, "hello from a gamut PV guest (2 arguments, clock ok)"));
	CHECK(strstr(out, "argv[2] = bc"));
}

TEST(pv_native_libc_subset)
{
	int rc;

	RUN_OR_SKIP(rc, "guests/pv/libc_check.pv", NULL, "");
	if (rc)
		fprintf(stderr, "%s", out);
	CHECK_EQ(rc, 0);
	CHECK(strstr(out, "libc_check: all ok"));
}

TEST(pv_native_cpubench_matches_native_result)
{
	char native[256], cmd[300], *check;
	const char *build = getenv("BUILD");
	FILE *p;
	int rc;

	RUN_OR_SKIP(rc, "pv-examples/cpubench.pv", NULL, "3");
	CHECK_EQ(rc, 0);
	snprintf(cmd, sizeof(cmd), "%s/pv-examples/cpubench-native 3",
		 build ? build : "build");
	p = popen(cmd, "r");
	CHECK(p && fgets(native, sizeof(native), p));
	pclose(p);
	check = strstr(native, "check ");
	CHECK(check && strstr(out, check)); /* same computation, same answer */
}

TEST(pv_native_storm)
{
	int rc;

	RUN_OR_SKIP(rc, "guests/pv/storm.pv", NULL, "");
	CHECK_EQ(rc, 0);
	CHECK(strstr(out, "storm ok"));
}

TEST(pv_native_hostile_pointers_stop_the_guest)
{
	int rc;

	RUN_OR_SKIP(rc, "guests/pv/bad_pointers.pv", NULL, "");
	CHECK_EQ(rc, 100 + VM_STOP_CRASH);
	CHECK(strstr(out, "error codes ok"));
	CHECK(strstr(out, "outside guest memory"));
	RUN_OR_SKIP(rc, "guests/pv/trap_port.pv", NULL, "");
	CHECK_EQ(rc, 100 + VM_STOP_CRASH);
	CHECK(strstr(out, "trap port"));
	RUN_OR_SKIP(rc, "guests/pv/privileged.pv", NULL, "");
	CHECK_EQ(rc, 100 + VM_STOP_CRASH);
	CHECK(strstr(out, "#GP general protection"));
	RUN_OR_SKIP(rc, "guests/pv/mmu_abuse.pv", NULL, "");
	CHECK(strstr(out, "PV MMU refusals ok"));
}

static int make_disk(char *path, size_t mib)
{
	int fd;

	strcpy(path, "/tmp/gamut-pvnative-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, (off_t)(mib << 20)) < 0)
		return -1;
	close(fd);
	return 0;
}

TEST(pv_native_block_rings)
{
	char disk[64];
	unsigned char buf[512];
	int rc, fd;

	CHECK(make_disk(disk, 4) == 0);
	RUN_OR_SKIP(rc, "guests/pv/ring_abuse.pv", disk, "");
	CHECK_EQ(rc, 100 + VM_STOP_CRASH);
	CHECK(strstr(out, "ring refusals ok"));
	CHECK(strstr(out, "ran away"));
	RUN_OR_SKIP(rc, "pv-examples/blkbench.pv", disk, "write 1");
	CHECK_EQ(rc, 0);
	CHECK(strstr(out, "blkbench: wrote 4 MiB"));
	CHECK(strstr(out, "blkbench: read 4 MiB"));
	fd = open(disk, O_RDONLY);
	CHECK(fd >= 0 && pread(fd, buf, sizeof(buf), 3 << 20) == (ssize_t)sizeof(buf));
	close(fd);
	CHECK(buf[0] == 0x5a && buf[511] == 0x5a);
	unlink(disk);
}

TEST(pv_native_trap_handlers_resume)
{
	int rc;

	RUN_OR_SKIP(rc, "guests/pv/trap_handlers.pv", NULL, "");
	if (rc)
		fprintf(stderr, "%s", out);
	CHECK_EQ(rc, 0);
	CHECK(strstr(out, "trap_handlers: ok"));
}

TEST(pv_native_spectrum_workload_matches_native)
{
	char native[256], cmd[300], *done;
	const char *build = getenv("BUILD");
	FILE *p;
	int rc;

	RUN_OR_SKIP(rc, "gamut-workload.pv", NULL, "20");
	CHECK_EQ(rc, 0);
	snprintf(cmd, sizeof(cmd), "%s/gamut-workload 20 | grep done", build ? build : "build");
	p = popen(cmd, "r");
	CHECK(p && fgets(native, sizeof(native), p));
	pclose(p);
	done = strstr(native, "done ");
	CHECK(done && strstr(out, done));
}
