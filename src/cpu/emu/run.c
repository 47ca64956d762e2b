/* The interpreter loop: fetch (through the decode cache), execute, take
 * exceptions and interrupts at instruction boundaries, sleep in HLT. */
#include "cpu/emu/cpu.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/vm.h"
#include "cpu/emu/dcache.h"
#include "cpu/emu/kvm_pv.h"
#include "cpu/emu/lapic.h"

#define POLL_MASK 1023 /* LAPIC timer checked every 1024 instructions */

void fpu_reset(struct emu_fpu *f)
{
	memset(f, 0, sizeof(*f));
	f->fcw = 0x37f;
	f->mxcsr = 0x1f80;
}

void emu_cpu_reset(struct emu_cpu *c)
{
	struct x86_state st;

	x86_state_reset(&st);
	emu_set_state(c, &st);
	c->efer = 0;
	c->star = c->lstar = c->cstar = c->sfmask = c->kernel_gs_base = 0;
	c->pat = 0x0007040600070406ull;
	c->misc_enable = 1; /* fast strings */
	c->kvm_system_time = c->kvm_wall_clock = 0;
	kvm_pv_reset(c);
	fpu_reset(&c->fpu);
	memset(c->dr, 0, sizeof(c->dr));
	c->nmi_pending = false;
	c->delivering = 0;
	c->irq_shadow = 0;
	if (c->lapic)
		lapic_reset(c->lapic);
}

int emu_cpu_init(struct emu_cpu *c, struct guest_mem *mem, struct bus *pio,
		 struct bus *mmio, struct vm *vm, int index)
{
	memset(c, 0, sizeof(*c));
	c->mem = mem;
	c->pio = pio;
	c->mmio = mmio;
	c->vm = vm;
	c->pv = vm && vm->cfg.mode ? vm->cfg.mode->pv : 0;
	c->index = index;
	c->schedstat_fd = SCHEDSTAT_UNOPENED;
	if (pthread_mutex_init(&c->lock, NULL))
		return -1;
	if (pthread_cond_init(&c->wake, NULL)) {
		pthread_mutex_destroy(&c->lock);
		return -1;
	}
	mmu_flush(c, true);
	emu_cpu_reset(c);
	return 0;
}

void emu_cpu_fini(struct emu_cpu *c)
{
	if (c->schedstat_fd >= 0)
		close(c->schedstat_fd);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
}

void emu_set_state(struct emu_cpu *c, const struct x86_state *st)
{
	memcpy(c->r, st->gpr, sizeof(c->r));
	c->rip = st->rip;
	c->lf.op = LF_NONE;
	c->rflags = (st->rflags | X86_RFLAGS_FIXED) & 0x3f7fd7ull;
	memcpy(c->seg, st->seg, sizeof(c->seg));
	c->ldt = st->ldt;
	c->tr = st->tr;
	c->gdt = st->gdt;
	c->idt = st->idt;
	c->cr0 = st->cr0 | X86_CR0_ET;
	c->cr2 = st->cr2;
	c->cr3 = st->cr3;
	c->cr4 = st->cr4;
	c->efer = st->efer;
	if ((c->efer & X86_EFER_LME) && (c->cr0 & X86_CR0_PG))
		c->efer |= X86_EFER_LMA;
	if (c->lapic) {
		lapic_set_tpr(c->lapic, (uint8_t)st->cr8);
		if (st->apic_base)
			lapic_set_base(c->lapic, st->apic_base);
	} else {
		c->apic_base = st->apic_base;
	}
	seg_update_mode(c);
	if (c->cr0 & X86_CR0_PE)
		c->cpl = c->seg[X86_SS].dpl; /* SS.DPL is the CPL */
	if ((c->cr0 & X86_CR0_PE) && c->code_size != DEC_MODE64 &&
	    !c->seg[X86_SS].present && !c->seg[X86_SS].unusable)
		c->cpl = c->seg[X86_CS].selector & 3;
	/* Every translation goes: callers (PV hypercalls, the debugger) may
	 * have changed page tables behind the vCPU's back. */
	mmu_flush(c, true);
	c->state = EMU_RUNNING;
}

void emu_get_state(struct emu_cpu *c, struct x86_state *st)
{
	memset(st, 0, sizeof(*st));
	memcpy(st->gpr, c->r, sizeof(c->r));
	st->rip = c->rip;
	st->rflags = flags_get(c);
	memcpy(st->seg, c->seg, sizeof(st->seg));
	st->ldt = c->ldt;
	st->tr = c->tr;
	st->gdt = c->gdt;
	st->idt = c->idt;
	st->cr0 = c->cr0;
	st->cr2 = c->cr2;
	st->cr3 = c->cr3;
	st->cr4 = c->cr4;
	st->efer = c->efer;
	st->cr8 = c->lapic ? lapic_get_tpr(c->lapic) : 0;
	st->apic_base = c->lapic ? lapic_get_base(c->lapic) : c->apic_base;
}

void emu_kick(struct emu_cpu *c, unsigned ev)
{
	__atomic_fetch_or(&c->events, (int)ev, __ATOMIC_ACQ_REL);
	pthread_mutex_lock(&c->lock);
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
}

static bool contributory(unsigned v)
{
	return v == EXC_DE || (v >= EXC_TS && v <= EXC_GP);
}

/* Processes kicks; returns true when emu_run must return. */
static bool handle_events(struct emu_cpu *c)
{
	int ev = __atomic_exchange_n(&c->events, 0, __ATOMIC_ACQ_REL);

	if (c->vm && vm_should_stop(c->vm))
		return true;
	/* Also a vCPU waiting for SIPI: the platform may start it (Xen's
	 * VCPUOP_up) by setting its state. */
	if ((ev & EV_KICK) && c->vm && c->vm->kick_hook)
		c->vm->kick_hook(c->vm->kick_hook_opaque, c->index);
	if (ev & EV_INIT) {
		emu_cpu_reset(c);
		c->state = EMU_WAIT_SIPI;
	}
	if ((ev & EV_SIPI) && c->state == EMU_WAIT_SIPI) {
		c->seg[X86_CS].selector = (uint16_t)(c->sipi_vector << 8);
		c->seg[X86_CS].base = (uint64_t)c->sipi_vector << 12;
		c->rip = 0;
		c->state = EMU_RUNNING;
	}
	if (ev & EV_NMI)
		c->nmi_pending = true;
	if ((ev & EV_UNHALT) && c->state == EMU_HALTED && kvm_pv_take_unhalt(c))
		c->state = EMU_RUNNING;
	if (c->state == EMU_WAIT_SIPI)
		return false;
	if (c->nmi_pending ||
	    (c->lapic && (c->rflags & FL_IF) && lapic_has_interrupt(c->lapic))) {
		if (c->irq_shadow) {
			__atomic_fetch_or(&c->events, EV_IRQ, __ATOMIC_ACQ_REL);
			return false;
		}
		c->insn_rip = c->rip;
		emu_check_irq(c);
	} else if (c->lapic && lapic_has_interrupt(c->lapic)) {
		/* Masked by IF for now: look again after the next instruction. */
		__atomic_fetch_or(&c->events, EV_IRQ, __ATOMIC_ACQ_REL);
	}
	return false;
}

/* Sleeps in HLT or wait-for-SIPI until a kick or the LAPIC timer. */
static void halt_wait(struct emu_cpu *c)
{
	uint64_t dl = c->lapic ? lapic_deadline(c->lapic) : 0;
	struct timespec ts;

	pthread_mutex_lock(&c->lock);
	while (!__atomic_load_n(&c->events, __ATOMIC_ACQUIRE)) {
		if (c->vm && vm_should_stop(c->vm))
			break;
		if (dl && c->state == EMU_HALTED) {
			uint64_t now = emu_now_ns();

			if (now >= dl)
				break;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += (long)(dl - now);
			ts.tv_sec += ts.tv_nsec / 1000000000;
			ts.tv_nsec %= 1000000000;
			if (pthread_cond_timedwait(&c->wake, &c->lock, &ts) == ETIMEDOUT)
				break;
		} else {
			pthread_cond_wait(&c->wake, &c->lock);
		}
	}
	pthread_mutex_unlock(&c->lock);
	if (c->lapic)
		lapic_poll(c->lapic, 0);
	__atomic_fetch_or(&c->events, EV_IRQ, __ATOMIC_ACQ_REL);
}

static uint64_t code_linear(struct emu_cpu *c)
{
	if (c->code_size == DEC_MODE64)
		return c->rip;
	return (c->seg[X86_CS].base + c->rip) & 0xffffffffu;
}

/* The block at the current RIP, or NULL when the code is not in RAM, is
 * being traced, or does not decode within its page (the one-instruction
 * path then handles it, faults included).  A code page missing from the
 * TLB is walked here, which raises the fetch's #PF as it should. */
static struct block *block_at(struct emu_cpu *c, const struct tlb_entry **ep)
{
	uint64_t lin = code_linear(c), page = lin & ~0xfffull;
	bool user = c->cpl == 3;
	struct tlb_entry *e = &c->itlb[user][(lin >> 12) & (ITLB_SIZE - 1)];

	/* Tracing and debugging (gdb, TF, DR0-3) go one instruction at a
	 * time, so the boundary checks in emu_run see every instruction. */
	if (!c->dcache || c->trace || c->debug_on || (c->rflags & FL_TF))
		return NULL;
	if (e->tag_x != page) {
		struct tlb_entry *d = &c->tlb[user][tlb_index(lin)];

		if (d->tag_x != page)
			mmu_translate(c, lin, ACC_X, user);
		if (d->tag_x != page)
			return NULL; /* MMIO, or paging off: no TLB entry */
		*e = *d;
	}
	if (!e->code_gen)
		return NULL;
	*ep = e;
	return dcache_block(c, e->gpa | (lin & 0xfff), e->host, e->code_gen,
			    c->code_size);
}

/* The one-instruction path: fetch and decode without caching. */
static const struct insn *fetch_decode(struct emu_cpu *c, struct insn *tmp)
{
	uint64_t lin = code_linear(c);
	bool user = c->cpl == 3;
	uint8_t buf[15];
	unsigned n;
	int r;

	n = mem_fetch(c, lin, buf, 15);
	r = decode_insn(buf, n, (enum dec_mode)c->code_size, tmp);
	if (r == DEC_MORE) {
		mmu_translate(c, lin + n, ACC_X, user); /* raises the #PF */
		r = DEC_BAD;
	}
	if (r == DEC_LONG)
		emu_raise(c, EXC_GP, 0);
	if (r == DEC_BAD) {
		if (c->trace)
			trace_unimplemented(c, buf, n);
		emu_raise_noerr(c, EXC_UD);
	}
	if (c->trace)
		trace_insn(c, buf, tmp->len);
	tmp->fn = exec_pick(tmp);
	return tmp;
}

void exec_insn(struct emu_cpu *c, const struct insn *d, uint64_t next)
{
	if (d->map == DEC_MAP_1B)
		exec_onebyte(c, d, next);
	else
		exec_twobyte(c, d, next);
}

/* A fault raised while delivering another one: #DF or shutdown. */
static bool fault_during_delivery(struct emu_cpu *c)
{
	unsigned first = c->deliver_vec, second = c->exc_vec;

	c->delivering = 0;
	if (first == EXC_DF)
		return false;
	if ((contributory(first) && contributory(second)) ||
	    (first == EXC_PF && (contributory(second) || second == EXC_PF))) {
		c->exc_vec = EXC_DF;
		c->exc_err = 0;
		c->exc_has_err = true;
	}
	return true;
}

/* Polls the LAPIC timer and the decode-cache epoch: every ~1024
 * instructions, at a block boundary. */
static void poll_slow(struct emu_cpu *c)
{
	c->next_poll = (c->icount | POLL_MASK) + 1;
	if (c->lapic) {
		lapic_poll(c->lapic, 0);
		if (lapic_has_interrupt(c->lapic))
			__atomic_fetch_or(&c->events, EV_IRQ, __ATOMIC_ACQ_REL);
	}
	dcache_sync(c);
	if (c->kvm_steal_msr & 1)
		kvm_pv_steal_poll(c, emu_now_ns());
}

/* Executes one decoded instruction at RIP; `d` must be its decode. */
static inline void step(struct emu_cpu *c, const struct insn *d)
{
	uint64_t next = c->rip + d->len;

	if (c->irq_shadow)
		c->irq_shadow--;
	c->insn_rip = c->rip;
	if (c->code_size != DEC_MODE64)
		next &= size_mask(c->code_size == DEC_MODE16 && !c->seg[X86_CS].db ? 2 : 4);
	c->rip = next;
	d->fn(c, d, next);
	c->icount++;
	c->interp_icount++;
}

/* Runs the first `n` instructions of block `b`, straight-line code of one
 * page, from RIP.  It stops early when an instruction jumps (RIP is not the
 * next one, or the next one wrapped around the segment) or a store changed
 * the block's page (self-modifying code).  A separate function: in emu_run,
 * setjmp would keep `c` in memory. */
static inline void block_run(struct emu_cpu *c, const struct block *b,
			     unsigned n)
{
	const struct insn *d = b->insn, *stop = d + n;
	uint64_t rip = c->rip, mask = ~0ull;

	if (b->mode != DEC_MODE64)
		mask = size_mask(b->mode == DEC_MODE16 && !c->seg[X86_CS].db ? 2 : 4);
	/* Only the first instruction can follow STI or MOV SS: they end
	 * blocks. */
	if (c->irq_shadow)
		c->irq_shadow--;
	for (;;) {
		uint64_t lin_next = rip + d->len, next = lin_next & mask;

		c->insn_rip = rip;
		c->rip = next;
		d->fn(c, d, next);
		c->icount++;
		if (++d == stop || c->rip != lin_next ||
		    __atomic_load_n(b->genp, __ATOMIC_RELAXED) != b->gen) {
			c->interp_icount += (uint64_t)(d - b->insn);
			return;
		}
		rip = lin_next;
	}
}

/* Whether block `b` may run as compiled code now, compiling it when it
 * has become hot.  Compiled code holds the RIP and the TLB (CPL 3 or not)
 * it was made for, so another linear address of the same physical code
 * (a shared library in two processes) runs interpreted. */
static inline bool block_jit_ready(struct emu_cpu *c, struct block *b)
{
	if (__builtin_expect(b->jit != NULL, 1))
		return b->jit_rip == c->rip && b->jit_user == (c->cpl == 3);
	if (!c->dcache->jit_hot || b->mode != DEC_MODE64 ||
	    ++b->runs < c->dcache->jit_hot)
		return false;
	jit_compile(c, b);
	return b->jit != NULL;
}

/* The block at the new RIP when it may follow `b` directly: `b` ended
 * with an instruction that keeps the mode, CPL and translation
 * (dcache_chains) and RIP is still on the linear code page `lin_page`,
 * which then still maps to b's physical page.  Links cache the lookup; a
 * linked block is used only while its page's generation is unchanged. */
static struct block *block_next(struct emu_cpu *c, struct block *b,
				uint64_t lin_page, const uint8_t *host)
{
	uint64_t lin = code_linear(c), gpa;
	uint32_t gen = __atomic_load_n(b->genp, __ATOMIC_ACQUIRE), drops;
	struct block *t;

	if ((lin & ~0xfffull) != lin_page)
		return NULL;
	gpa = (b->gpa & ~0xfffull) | (lin & 0xfff);
	for (unsigned i = 0; i < 2; i++) {
		t = b->link[i].b;
		if (b->link[i].gpa == gpa && t->gen == gen)
			return t;
	}
	drops = c->dcache->drops;
	t = dcache_block(c, gpa, host, (uint32_t *)b->genp, b->mode);
	if (t && c->dcache->drops == drops) { /* else b is gone */
		struct block_link *l = &b->link[b->next_link++ & 1];

		l->gpa = gpa;
		l->b = t;
	}
	return t;
}

/* Runs block `b` from RIP, then the blocks that directly follow it on the
 * same code page, until `limit` instructions, an event to handle, or a
 * block end that needs the loop (a far transfer, a mode or translation
 * change, another page).  A separate function: in emu_run, setjmp would
 * keep `c` in memory. */
static __attribute__((noinline)) void blocks_run(struct emu_cpu *c,
						 struct block *b,
						 const struct tlb_entry *e,
						 uint64_t limit)
{
	uint64_t lin_page = e->tag_x;
	const uint8_t *host = e->host;

	for (;;) {
		uint64_t left = limit - c->icount;

		uint8_t *slot = NULL;
		struct block *next;
		uint32_t drops;

		if (left >= b->n && block_jit_ready(c, b)) {
			if (c->irq_shadow)
				c->irq_shadow--;
			c->jit_limit = limit;
			c->jit_block = b;
			c->jit_exit = NULL;
			b->jit(c);
			b = c->jit_block; /* it may have run on into others */
			slot = c->jit_exit;
		} else {
			block_run(c, b, left < b->n ? (unsigned)left : b->n);
		}
		/* A debugger (which kicks too) or TF wants the loop's checks.
		 * An exit through a link slot is one that chains, wherever
		 * in its block it was (a taken Jcc before a block end that
		 * does not chain). */
		if ((!b->chain && !slot) || c->icount >= limit ||
		    __atomic_load_n(&c->events, __ATOMIC_RELAXED) ||
		    __atomic_load_n(&c->debug_on, __ATOMIC_RELAXED) ||
		    (c->rflags & FL_TF))
			return;
		drops = c->dcache->drops;
		next = block_next(c, b, lin_page, host);
		if (!next)
			return;
		/* Next time the compiled exit jumps there itself. */
		if (slot && next->jit && c->dcache->drops == drops &&
		    next->jit_rip == c->rip && next->jit_user == (c->cpl == 3))
			jit_link(slot, next);
		b = next;
	}
}

enum emu_exit emu_run(struct emu_cpu *c, uint64_t max)
{
	struct insn tmp;
	uint64_t end = max > UINT64_MAX - c->icount ? UINT64_MAX : c->icount + max;

	if (setjmp(c->fault_jmp)) {
		c->rip = c->insn_rip;
		if (c->exc_exit)
			return EMU_EXIT_EXCEPTION;
		if (c->delivering && !fault_during_delivery(c))
			return EMU_EXIT_SHUTDOWN;
		if (c->exc_vec == EXC_PF || contributory(c->exc_vec) ||
		    c->exc_vec == EXC_DF)
			c->icount++; /* a faulting instruction still counts */
		c->deliver_vec = c->exc_vec;
		emu_deliver(c, c->exc_vec, c->exc_has_err, c->exc_err, false,
			    c->insn_rip);
	}
	for (;;) {
		const struct tlb_entry *e = NULL;
		struct block *b;

		/* ---- Block boundary: events, halt, count, polling. ---- */
		if (__builtin_expect(c->events != 0, 0)) {
			if (handle_events(c))
				return EMU_EXIT_STOP;
		}
		/* Debug: gdb, TF single-step, DR0-3 breakpoints (debug.c). */
		if (__builtin_expect(c->debug_on != 0 || (c->rflags & FL_TF) != 0, 0))
			emu_debug_boundary(c);
		if (__builtin_expect(c->state != EMU_RUNNING, 0)) {
			/* Test API: HLT ends the run unless a timer will wake it. */
			if (c->stop_at_hlt && c->state == EMU_HALTED &&
			    !((c->rflags & FL_IF) && c->lapic && lapic_deadline(c->lapic)))
				return EMU_EXIT_HLT;
			halt_wait(c);
			continue;
		}
		if (c->icount >= end)
			return EMU_EXIT_COUNT;
		if (__builtin_expect(c->icount >= c->next_poll, 0))
			poll_slow(c);
		c->insn_rip = c->rip; /* a fetch fault in block_at restarts here */
		b = block_at(c, &e);
		if (!b) {
			/* One instruction, decoded afresh (trace, MMIO, page
			 * crossing, faulting fetch). */
			step(c, fetch_decode(c, &tmp));
			continue;
		}
		blocks_run(c, b, e, end < c->next_poll ? end : c->next_poll);
	}
}
