/* The native side of the differential test: a forked child that runs each
 * case's instruction on the host CPU between a generated prologue (load
 * every register) and epilogue (store every register). */
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "difftest.h"

/* Layout of the code page: generated code, then these data slots. */
#define SLOT_SAVE_RSP 0xc00
#define SLOT_XMM_IN   0xc10 /* 256 bytes */
#define SLOT_GPR_OUT  0xd10 /* 128 bytes */
#define SLOT_FLAGS_OUT 0xd90
#define SLOT_XMM_OUT  0xda0 /* 256 bytes */
#define SCRATCH_STACK 0xff0

static sigjmp_buf jb;
static volatile sig_atomic_t got_sig;

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	got_sig = sig;
	siglongjmp(jb, 1);
}

struct emit {
	uint8_t *p;
	unsigned n;
};

static void b(struct emit *e, unsigned v)
{
	e->p[e->n++] = (uint8_t)v;
}

static void imm(struct emit *e, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		b(e, (unsigned)(v >> (8 * i)) & 0xff);
}

/* mov [rip + slot], reg64  /  mov reg64, [rip + slot] */
static void rip_mov(struct emit *e, unsigned reg, unsigned slot, bool store)
{
	b(e, 0x48 | ((reg & 8) ? 4 : 0));
	b(e, store ? 0x89 : 0x8b);
	b(e, ((reg & 7) << 3) | 5);
	imm(e, (uint64_t)(slot - (e->n + 4)), 4);
}

/* movdqu xmm, [rip + slot]  /  movdqu [rip + slot], xmm */
static void rip_xmm(struct emit *e, unsigned x, unsigned slot, bool store)
{
	b(e, 0xf3);
	if (x & 8)
		b(e, 0x44);
	b(e, 0x0f);
	b(e, store ? 0x7f : 0x6f);
	b(e, ((x & 7) << 3) | 5);
	imm(e, (uint64_t)(slot - (e->n + 4)), 4);
}

static void movabs(struct emit *e, unsigned reg, uint64_t v)
{
	b(e, 0x48 | ((reg & 8) ? 1 : 0));
	b(e, 0xb8 + (reg & 7));
	imm(e, v, 8);
}

static void build(uint8_t *page, const struct dt_case *c)
{
	struct emit e = { page, 0 };
	static const unsigned saved[] = { 3, 5, 12, 13, 14, 15 };

	for (unsigned i = 0; i < 6; i++) { /* push callee-saved */
		if (saved[i] & 8)
			b(&e, 0x41);
		b(&e, 0x50 + (saved[i] & 7));
	}
	rip_mov(&e, 4, SLOT_SAVE_RSP, true);
	memcpy(page + SLOT_XMM_IN, c->in.xmm, 256);
	for (unsigned x = 0; x < 16; x++)
		rip_xmm(&e, x, SLOT_XMM_IN + 16 * x, false);
	movabs(&e, 4, DT_CODE + SCRATCH_STACK);
	movabs(&e, 0, c->in.rflags);
	b(&e, 0x50);	/* push rax */
	b(&e, 0x9d);	/* popfq */
	for (unsigned r = 0; r < 16; r++)
		movabs(&e, r, c->in.gpr[r]); /* mov does not touch flags */
	memcpy(page + e.n, c->code, c->len);
	e.n += c->len;
	for (unsigned r = 0; r < 16; r++)
		rip_mov(&e, r, SLOT_GPR_OUT + 8 * r, true);
	movabs(&e, 4, DT_CODE + SCRATCH_STACK);
	b(&e, 0x9c);	/* pushfq */
	b(&e, 0x58);	/* pop rax */
	rip_mov(&e, 0, SLOT_FLAGS_OUT, true);
	for (unsigned x = 0; x < 16; x++)
		rip_xmm(&e, x, SLOT_XMM_OUT + 16 * x, true);
	rip_mov(&e, 4, SLOT_SAVE_RSP, false);
	b(&e, 0xfc);	/* cld */
	for (int i = 5; i >= 0; i--) {
		if (saved[i] & 8)
			b(&e, 0x41);
		b(&e, 0x58 + (saved[i] & 7));
	}
	b(&e, 0xc3);
}

static int classify(int sig)
{
	switch (sig) {
	case SIGFPE: return DT_FAULT_DE;
	case SIGSEGV: case SIGBUS: return DT_FAULT_SEGV;
	case SIGILL: return DT_FAULT_UD;
	default: return DT_FAULT_OTHER;
	}
}

static void child(const struct dt_case *cases, struct dt_result *res,
		  unsigned n)
{
	uint8_t *code, *data;
	static uint8_t altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa;
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP };

	code = mmap((void *)DT_CODE, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	data = mmap((void *)DT_DATA, DT_DATA_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (code != (void *)DT_CODE || data != (void *)DT_DATA)
		_exit(3);
	sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	for (unsigned i = 0; i < n; i++) {
		const struct dt_case *c = &cases[i];
		struct dt_result *r = &res[i];

		build(code, c);
		memcpy(data, c->in.mem, DT_DATA_SIZE);
		got_sig = 0;
		if (sigsetjmp(jb, 1) == 0) {
			((void (*)(void))code)();
			memcpy(r->out.gpr, code + SLOT_GPR_OUT, 128);
			memcpy(&r->out.rflags, code + SLOT_FLAGS_OUT, 8);
			memcpy(r->out.xmm, code + SLOT_XMM_OUT, 256);
			r->fault = DT_FAULT_NONE;
		} else {
			__asm__ volatile("cld");
			r->fault = classify(got_sig);
		}
		memcpy(r->out.mem, data, DT_DATA_SIZE);
	}
	_exit(0);
}

int dt_native_run(const struct dt_case *cases, struct dt_result *res,
		  unsigned n)
{
	size_t sz = sizeof(*res) * n;
	struct dt_result *shared = mmap(NULL, sz, PROT_READ | PROT_WRITE,
					MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid;
	int st;

	if (shared == MAP_FAILED)
		return -1;
	pid = fork();
	if (pid < 0) {
		munmap(shared, sz);
		return -1;
	}
	if (pid == 0)
		child(cases, shared, n);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		munmap(shared, sz);
		return -1;
	}
	memcpy(res, shared, sz);
	munmap(shared, sz);
	return 0;
}
