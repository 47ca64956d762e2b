/* The software x86-64 CPU: internal state shared by the emu/ files.
 *
 * One struct emu_cpu per vCPU, touched only by its own thread, except
 * `events` (atomic), the LAPIC's IRR (atomic bit operations) and the
 * halt condition variable, which other threads use to kick it.
 *
 * Faults: an instruction that faults calls emu_raise(), which longjmps back
 * to the run loop (emu_run); the loop restores RIP to the instruction start
 * and delivers the exception.  Executors therefore do every memory access
 * that can fault before they change registers. */
#ifndef GAMUT_CPU_EMU_CPU_H
#define GAMUT_CPU_EMU_CPU_H

#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/bus.h"
#include "core/gmem.h"
#include "cpu/emu/decode.h"
#include "cpu/x86_state.h"

struct vm;
struct emu_lapic;
struct emu_dcache;
struct block;

/* Exceptions. */
enum {
	EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5,
	EXC_UD = 6, EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11,
	EXC_SS = 12, EXC_GP = 13, EXC_PF = 14, EXC_MF = 16, EXC_AC = 17,
	EXC_MC = 18, EXC_XM = 19,
};

/* Lazy flags: the last flag-setting ALU operation, evaluated on demand. */
enum lf_op {
	LF_NONE,	/* rflags holds the arithmetic flags */
	LF_ADD, LF_ADC, LF_SUB, LF_SBB, LF_LOGIC, LF_INC, LF_DEC,
	LF_RESULT,	/* SF/ZF/PF from res, CF = a, OF = b, AF clear (shifts) */
};

struct lazy_flags {
	uint64_t res, a, b; /* res masked to `size` (exec_fast.c relies on it) */
	uint8_t op;	/* enum lf_op */
	uint8_t size;	/* operand size in bytes */
	uint8_t cin;	/* carry in (ADC/SBB), CF kept by INC/DEC */
};

#define FL_CF  0x0001ull
#define FL_PF  0x0004ull
#define FL_AF  0x0010ull
#define FL_ZF  0x0040ull
#define FL_SF  0x0080ull
#define FL_TF  0x0100ull
#define FL_IF  0x0200ull
#define FL_DF  0x0400ull
#define FL_OF  0x0800ull
#define FL_IOPL 0x3000ull
#define FL_NT  0x4000ull
#define FL_RF  0x10000ull
#define FL_VM  0x20000ull
#define FL_AC  0x40000ull
#define FL_VIF 0x80000ull
#define FL_VIP 0x100000ull
#define FL_ID  0x200000ull
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

/* Software TLB: two direct-mapped arrays (supervisor, user), each entry
 * mapping one guest-virtual page to a host pointer, with separate tags for
 * read, write and execute so the hit test is one compare. */
#define TLB_BITS 8
#define TLB_SIZE (1u << TLB_BITS)
#define TLB_NONE (~0ull)
/* The code TLB: copies of data-TLB entries the run loop fetched blocks
 * through, so that a data page sharing a code page's slot does not make
 * every block walk the page tables again. */
#define ITLB_BITS 6
#define ITLB_SIZE (1u << ITLB_BITS)

struct tlb_entry {
	uint64_t tag_r, tag_w, tag_x; /* virtual page, or TLB_NONE */
	uint8_t *host;		      /* host address of the page */
	uint64_t gpa;		      /* guest-physical page */
	uint32_t *code_gen;	      /* the page's decode-cache generation */
	bool global;
};

/* x87/MMX/SSE state.  The eight x87 registers are kept raw, by physical
 * number, in the FXSAVE slot format (80-bit value in the low 10 bytes; an
 * MMX register is the low 8 bytes), so MMX aliasing and FXSAVE are copies;
 * arithmetic converts to the host's long double, which is the same
 * 80-bit format on x86-64 hosts. */
struct emu_fpu {
	uint8_t st[8][16];
	uint16_t fcw, fsw; /* fsw without TOP, which lives in `top` */
	uint8_t ftw;	   /* abridged tag: bit i set = physical register i valid */
	unsigned top;
	uint16_t fop;
	uint64_t fip, fdp;
	uint32_t mxcsr;
	uint8_t xmm[16][16];
};

enum emu_exit {
	EMU_EXIT_COUNT,	   /* ran the requested number of instructions */
	EMU_EXIT_HLT,	   /* halted (test API: stop at HLT) */
	EMU_EXIT_SHUTDOWN, /* triple fault */
	EMU_EXIT_STOP,	   /* the VM is stopping, or a kick asked to return */
	EMU_EXIT_EXCEPTION, /* test API (exc_exit): an exception was raised */
};

enum emu_runstate { EMU_RUNNING, EMU_HALTED, EMU_WAIT_SIPI };

struct emu_cpu {
	/* Architectural state. */
	uint64_t r[16];
	uint64_t rip;
	uint64_t rflags; /* arithmetic bits valid only when lf.op == LF_NONE */
	struct lazy_flags lf;
	struct x86_segment seg[X86_NR_SREGS];
	struct x86_segment ldt, tr;
	struct x86_dtable gdt, idt;
	uint64_t cr0, cr2, cr3, cr4, efer;
	unsigned cpl;
	unsigned code_size; /* enum dec_mode: from CS and EFER.LMA */
	/* MSRs. */
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base, tsc_aux, pat;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip, misc_enable;
	uint64_t apic_base, tsc_offset, tsc_adjust, mtrr_def, mtrr_fixed[11], mtrr_var[16];
	uint64_t kvm_system_time, kvm_wall_clock; /* kvmclock.c */
	uint32_t kvmclock_version;
	/* kvm_pv.c: steal time and PV unhalt. */
	uint64_t kvm_steal_msr, steal_ns, steal_last_delay, steal_next_ns;
	/* this vCPU thread's scheduler statistics, or one of: */
	int schedstat_fd;
#define SCHEDSTAT_UNOPENED (-1)	   /* opened on first use (bare test API) */
#define SCHEDSTAT_UNAVAILABLE (-2) /* tried: never opened again */
	bool pv_unhalted; /* atomic: a KVM_HC_KICK_CPU not yet consumed */
	struct emu_fpu fpu;

	/* Execution. */
	uint64_t insn_rip;	/* start of the instruction being executed */
	unsigned irq_shadow;	/* STI / MOV SS: no interrupt before next insn */
	int delivering;		/* nesting depth of exception delivery */
	unsigned deliver_vec;	/* the vector being delivered */
	uint64_t dr[8];
	enum emu_runstate state;
	jmp_buf fault_jmp;
	uint64_t icount;
	/* Of icount, those the interpreter ran (--stats: the rest ran as
	 * compiled code).  Counted per interpreted block, not in compiled
	 * code, which is most of icount. */
	uint64_t interp_icount;
	uint64_t next_poll;	/* icount at which the run loop polls next */
	bool stop_at_hlt;	/* test API: return on HLT instead of sleeping */
	bool exc_exit;		/* test API: return exceptions, do not deliver */
	bool trace;
	/* Debug (debug.c): while debug_on (atomic EMU_DBG_* bits) or
	 * RFLAGS.TF is set, the run loop calls emu_debug_boundary before each
	 * instruction.  `debug` is the attached debugger's, or NULL. */
	int debug_on;
	struct emu_debug *debug;
	uint64_t tf_icount; /* the instruction a TF trap was armed at */
	struct tlb_entry tlb[2][TLB_SIZE];
	struct tlb_entry itlb[2][ITLB_SIZE]; /* tag_x only */
	struct emu_dcache *dcache;
	/* Compiled blocks (jit.c) chaining into each other: the run loop's
	 * instruction limit, the block that ran last, and the link slot its
	 * exit took (NULL: an exit that cannot be linked). */
	uint64_t jit_limit;
	struct block *jit_block;
	uint8_t *jit_exit;

	/* Wiring. */
	struct guest_mem *mem;
	struct bus *pio, *mmio;
	struct vm *vm; /* NULL for the bare test API */
	unsigned pv; /* enum pv_feature: the mode's, or a test's choice */
	int index;
	struct emu_lapic *lapic;
	int events;		/* atomic: EV_* bits set by other threads */
	bool nmi_pending;
	uint8_t sipi_vector;
	/* The exception being raised (emu_raise -> run loop). */
	unsigned exc_vec;
	uint32_t exc_err;
	bool exc_has_err;
	pthread_mutex_t lock;
	pthread_cond_t wake;
};

#define EV_KICK 1u
#define EV_IRQ	2u
#define EV_NMI	4u
#define EV_INIT 8u
#define EV_SIPI 16u
#define EV_UNHALT 32u /* PV unhalt: a KVM_HC_KICK_CPU (kvm_pv.c) */

/* --- faults (except.c) --- */
_Noreturn void emu_raise(struct emu_cpu *c, unsigned vec, uint32_t errcode);
_Noreturn void emu_raise_noerr(struct emu_cpu *c, unsigned vec);
_Noreturn void emu_raise_pf(struct emu_cpu *c, uint64_t addr, uint32_t err);
/* Delivers an exception or interrupt through the IDT (or IVT in real
 * mode).  `soft`: INT n/INT3/INTO (DPL checked, RIP after the insn). */
void emu_deliver(struct emu_cpu *c, unsigned vec, bool has_err, uint32_t err,
		 bool soft, uint64_t next_rip);
/* Checks pending interrupts and delivers one if allowed. */
void emu_check_irq(struct emu_cpu *c);

/* --- flags (flags.c) --- */
uint64_t flags_get(struct emu_cpu *c);
void flags_set(struct emu_cpu *c, uint64_t f, uint64_t mask);
bool flags_cond(struct emu_cpu *c, unsigned cc);
/* CF alone, without materialising the other lazy flags (ADC, SBB,
 * rotates through carry, JB/JAE). */
bool flags_cf_lazy(const struct lazy_flags *l);
static inline bool flag_cf(struct emu_cpu *c)
{
	if (c->lf.op == LF_NONE)
		return c->rflags & FL_CF;
	return flags_cf_lazy(&c->lf);
}
static inline void lf_set(struct emu_cpu *c, enum lf_op op, unsigned size,
			  uint64_t res, uint64_t a, uint64_t b)
{
	c->lf.op = (uint8_t)op;
	c->lf.size = (uint8_t)size;
	c->lf.res = res;
	c->lf.a = a;
	c->lf.b = b;
}

/* --- memory (mmu.c) --- */
enum { ACC_R = 0, ACC_W = 1, ACC_X = 2 };
void mmu_flush(struct emu_cpu *c, bool global_too);
void mmu_flush_page(struct emu_cpu *c, uint64_t va);
/* Virtual -> guest-physical, raising #PF; `user` = CPL 3 access rights. */
uint64_t mmu_translate(struct emu_cpu *c, uint64_t va, int acc, bool user);
/* Host pointer for [va, va+len) within one page, or NULL for MMIO.  Raises
 * #PF as needed. */
uint8_t *mmu_host(struct emu_cpu *c, uint64_t va, int acc, bool user,
		  uint64_t *gpa);
uint64_t mem_read_slow(struct emu_cpu *c, uint64_t va, unsigned len,
		       bool user);
void mem_write_slow(struct emu_cpu *c, uint64_t va, unsigned len,
		    uint64_t v, bool user);
/* Supervisor (implicit) accesses: descriptor tables, TSS, IDT. */
uint64_t mem_read_sys(struct emu_cpu *c, uint64_t va, unsigned len);
void mem_write_sys(struct emu_cpu *c, uint64_t va, unsigned len, uint64_t v);
void mem_read_buf(struct emu_cpu *c, uint64_t va, void *buf, unsigned len);
void mem_write_buf(struct emu_cpu *c, uint64_t va, const void *buf,
		   unsigned len);
/* Fetches up to `max` instruction bytes at the linear address; returns how
 * many (fewer at a page that faults; the fault is raised if none). */
unsigned mem_fetch(struct emu_cpu *c, uint64_t va, uint8_t *buf, unsigned max);
/* Pointer for an atomic read-modify-write of `len` bytes, or NULL when the
 * operand is MMIO or crosses a page (then emulated non-atomically). */
uint8_t *mem_rmw_ptr(struct emu_cpu *c, uint64_t va, unsigned len);

/* Loads and stores of 1, 2, 4 or 8 bytes with a constant size per case, so
 * the compiler emits one move instead of a call to memcpy. */
static inline uint64_t host_load(const uint8_t *p, unsigned len)
{
	uint64_t v = 0;

	switch (len) {
	case 1: v = *p; break;
	case 2: { uint16_t x; __builtin_memcpy(&x, p, 2); v = x; break; }
	case 4: { uint32_t x; __builtin_memcpy(&x, p, 4); v = x; break; }
	case 8: __builtin_memcpy(&v, p, 8); break;
	default: __builtin_memcpy(&v, p, len); break;
	}
	return v;
}

static inline void host_store(uint8_t *p, unsigned len, uint64_t v)
{
	switch (len) {
	case 1: *p = (uint8_t)v; break;
	case 2: { uint16_t x = (uint16_t)v; __builtin_memcpy(p, &x, 2); break; }
	case 4: { uint32_t x = (uint32_t)v; __builtin_memcpy(p, &x, 4); break; }
	case 8: __builtin_memcpy(p, &v, 8); break;
	default: __builtin_memcpy(p, &v, len); break;
	}
}

/* The TLB slot of a virtual address: the page number with its next bits
 * folded in, so that two pages a power-of-two number of pages apart (a
 * copy between buffers 4 MiB apart, as Linux's decompressor makes) do
 * not evict each other on every access. */
static inline unsigned tlb_index(uint64_t va)
{
	uint64_t vpn = va >> 12;

	return (unsigned)(vpn ^ (vpn >> TLB_BITS)) & (TLB_SIZE - 1);
}

/* The TLB hit paths, inline; everything else is mem_*_slow (mmu.c). */
static inline uint64_t read_fast(struct emu_cpu *c, uint64_t va,
				 unsigned len, bool user)
{
	struct tlb_entry *e = &c->tlb[user][tlb_index(va)];

	if (__builtin_expect(e->tag_r == (va & ~0xfffull) &&
			     (va & 0xfff) + len <= 4096, 1))
		return host_load(e->host + (va & 0xfff), len);
	return mem_read_slow(c, va, len, user);
}

static inline void write_fast(struct emu_cpu *c, uint64_t va, unsigned len,
			      uint64_t v, bool user)
{
	struct tlb_entry *e = &c->tlb[user][tlb_index(va)];

	if (__builtin_expect(e->tag_w == (va & ~0xfffull) &&
			     (va & 0xfff) + len <= 4096, 1)) {
		host_store(e->host + (va & 0xfff), len, v);
		return;
	}
	mem_write_slow(c, va, len, v, user);
}

static inline uint64_t mem_read(struct emu_cpu *c, uint64_t va, unsigned len)
{
	return read_fast(c, va, len, c->cpl == 3);
}

static inline void mem_write(struct emu_cpu *c, uint64_t va, unsigned len,
			     uint64_t v)
{
	write_fast(c, va, len, v, c->cpl == 3);
}

/* --- segments and system state (seg.c) --- */
void seg_update_mode(struct emu_cpu *c);
/* Loads a segment register as MOV/POP do (protected-mode checks). */
void seg_load(struct emu_cpu *c, unsigned sreg, uint16_t sel);
/* Reads the 8-byte descriptor for `sel` (raises #GP(sel) outside the table). */
uint64_t seg_read_desc(struct emu_cpu *c, uint16_t sel, uint64_t *hi);
void seg_from_desc(struct x86_segment *s, uint16_t sel, uint64_t d);
void seg_far_jump(struct emu_cpu *c, uint16_t sel, uint64_t off, bool call,
		  unsigned osz, uint64_t next_rip);
void seg_far_ret(struct emu_cpu *c, unsigned osz, uint16_t pop);
void seg_iret(struct emu_cpu *c, unsigned osz);
void cpu_write_cr(struct emu_cpu *c, unsigned n, uint64_t v);
uint64_t cpu_read_cr(struct emu_cpu *c, unsigned n);

/* --- MSR, CPUID (msr.c, cpuid.c) --- */
bool msr_read(struct emu_cpu *c, uint32_t idx, uint64_t *v);
bool msr_write(struct emu_cpu *c, uint32_t idx, uint64_t v);
void cpuid_query(struct emu_cpu *c, uint32_t leaf, uint32_t sub, uint32_t r[4]);
uint64_t cpu_tsc(struct emu_cpu *c);

/* --- execution (exec_*.c) --- */
/* Executes one decoded instruction; `next` is the RIP after it. */
void exec_insn(struct emu_cpu *c, const struct insn *d, uint64_t next);
/* The handler for `d`: a specialised one for common forms (exec_fast.c),
 * else exec_insn. */
exec_fn *exec_pick(const struct insn *d);
void exec_onebyte(struct emu_cpu *c, const struct insn *d, uint64_t next);
void exec_twobyte(struct emu_cpu *c, const struct insn *d, uint64_t next);
void exec_string(struct emu_cpu *c, const struct insn *d);
void exec_sse(struct emu_cpu *c, const struct insn *d);
void exec_x87(struct emu_cpu *c, const struct insn *d);
void exec_system(struct emu_cpu *c, const struct insn *d, uint64_t next);
void exec_fxsave(struct emu_cpu *c, uint64_t va);
void exec_fxrstor(struct emu_cpu *c, uint64_t va);
void fpu_reset(struct emu_fpu *f);

/* I/O with IOPL / TSS bitmap checks. */
uint32_t io_in(struct emu_cpu *c, uint16_t port, unsigned len);
void io_out(struct emu_cpu *c, uint16_t port, unsigned len, uint32_t v);

/* --- operand helpers (exec_util.c) --- */
uint64_t rm_get(struct emu_cpu *c, const struct insn *d, unsigned size,
		uint64_t next);
void rm_set(struct emu_cpu *c, const struct insn *d, unsigned size,
	    uint64_t v, uint64_t next);
void push(struct emu_cpu *c, unsigned size, uint64_t v);
uint64_t pop(struct emu_cpu *c, unsigned size);
uint64_t stack_read(struct emu_cpu *c, unsigned off, unsigned size);
unsigned stack_size(struct emu_cpu *c);

static inline uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static inline uint64_t sign_ext(uint64_t v, unsigned size)
{
	unsigned sh = 64 - 8 * size;

	return size >= 8 ? v : (uint64_t)((int64_t)(v << sh) >> sh);
}

/* Effective addresses (inline: every memory operand computes one). */
static inline uint64_t ea_offset(struct emu_cpu *c, const struct insn *d,
				 uint64_t next)
{
	uint64_t off = (uint64_t)d->disp;

	if (d->riprel)
		off += next;
	if (d->base >= 0)
		off += c->r[d->base];
	if (d->index >= 0)
		off += c->r[d->index] << d->scale;
	return off & size_mask(d->asz);
}

static inline unsigned ea_default_seg(const struct insn *d)
{
	if (d->seg >= 0)
		return (unsigned)d->seg;
	if (d->base == X86_RSP || d->base == X86_RBP)
		return X86_SS;
	return X86_DS;
}

/* Linear address of seg:off, wrapped to the address size. */
static inline uint64_t seg_linear(struct emu_cpu *c, unsigned sreg,
				  uint64_t off, unsigned asz)
{
	(void)asz;
	if (c->code_size == DEC_MODE64)
		return sreg >= X86_FS ? off + c->seg[sreg].base : off;
	return (c->seg[sreg].base + off) & 0xffffffffu;
}

static inline uint64_t ea_linear(struct emu_cpu *c, const struct insn *d,
				 uint64_t next)
{
	return seg_linear(c, ea_default_seg(d), ea_offset(c, d, next), d->asz);
}

/* Registers by operand size; without REX, byte registers 4-7 are AH-BH. */
static inline uint64_t reg_get(struct emu_cpu *c, const struct insn *d,
			       unsigned r, unsigned size)
{
	if (size == 1 && !d->rex && r >= 4 && r < 8)
		return (c->r[r - 4] >> 8) & 0xff;
	return c->r[r] & size_mask(size);
}

/* 32-bit writes zero-extend; 8/16-bit writes merge. */
static inline void reg_set(struct emu_cpu *c, const struct insn *d,
			   unsigned r, unsigned size, uint64_t v)
{
	switch (size) {
	case 1:
		if (!d->rex && r >= 4 && r < 8)
			c->r[r - 4] = (c->r[r - 4] & ~0xff00ull) | ((v & 0xff) << 8);
		else
			c->r[r] = (c->r[r] & ~0xffull) | (v & 0xff);
		break;
	case 2:
		c->r[r] = (c->r[r] & ~0xffffull) | (v & 0xffff);
		break;
	case 4:
		c->r[r] = v & 0xffffffffu;
		break;
	default:
		c->r[r] = v;
		break;
	}
}

/* --- lifecycle and run loop (run.c) --- */
int emu_cpu_init(struct emu_cpu *c, struct guest_mem *mem, struct bus *pio,
		 struct bus *mmio, struct vm *vm, int index);
void emu_cpu_fini(struct emu_cpu *c);
void emu_cpu_reset(struct emu_cpu *c);
void emu_set_state(struct emu_cpu *c, const struct x86_state *st);
void emu_get_state(struct emu_cpu *c, struct x86_state *st);
/* Runs until `max` instructions, HLT (with stop_at_hlt), a triple fault,
 * or a stop/kick event. */
enum emu_exit emu_run(struct emu_cpu *c, uint64_t max);
void emu_kick(struct emu_cpu *c, unsigned ev);
/* Debugger hooks (debug.c): the run loop's per-instruction check, taken
 * only while c->debug_on; it may block while a debugger holds the vCPU. */
#define EMU_DBG_GDB 1 /* a debugger (struct emu_debug) is attached */
#define EMU_DBG_DR  2 /* DR7 may enable an instruction breakpoint */
#define EMU_DBG_TF  4 /* a TF single-step trap is armed */
#define EMU_DBG_WATCH 8 /* the debugger set watchpoints: mmu.c checks */
struct debug_ctl;
struct gerr;
void emu_debug_boundary(struct emu_cpu *c);
/* MOV to DR7 calls it: instruction breakpoints need the boundary check. */
void emu_debug_dr7_written(struct emu_cpu *c);
/* SYSCALL's mask cleared RFLAGS.TF: no single-step trap after it. */
void emu_debug_tf_masked(struct emu_cpu *c);
int emu_set_debug(struct emu_cpu *c, const struct debug_ctl *ctl,
		  struct gerr *err);
void emu_debug_pause(struct emu_cpu *c);
void emu_debug_free(struct emu_cpu *c);
/* Watchpoints, while EMU_DBG_WATCH: whether [va, va+len) touches one
 * (tlb_fill then maps no fast read or write, mem_rmw_ptr gives no
 * pointer); a completed slow-path access (acc ACC_R or ACC_W) that may hit
 * one; a fault that cancels the current instruction's hit. */
bool emu_debug_watched(struct emu_cpu *c, uint64_t va, unsigned len);
void emu_debug_access(struct emu_cpu *c, uint64_t va, unsigned len, int acc);
void emu_debug_fault(struct emu_cpu *c);
/* The x87/SSE state in the backend-neutral form, for the debugger. */
void emu_get_fpu(const struct emu_cpu *c, struct x86_fpu *f);
void emu_set_fpu(struct emu_cpu *c, const struct x86_fpu *f);
/* Loads the disassembler --trace prints with; call during setup (it opens
 * a library).  Without it trace lines carry the bytes only. */
int trace_load(struct gerr *err);
/* The trace line for one instruction (trace.c). */
void trace_insn(struct emu_cpu *c, const uint8_t *bytes, unsigned len);
void trace_unimplemented(struct emu_cpu *c, const uint8_t *bytes,
			 unsigned len);

#endif
