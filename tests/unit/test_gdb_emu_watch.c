/* The software CPU's side of the GDB stub's watchpoints and x87/SSE
 * access (src/cpu/emu/debug.c, mmu.c): real-mode code on the bare
 * emulator, with a trap callback that records each stop instead of
 * blocking. */
#include <string.h>

#include "../harness.h"
#include "cpu/backend.h"
#include "cpu/emu/emu.h"

struct stop {
	enum debug_event ev;
	unsigned wp;
	uint64_t rip;
};

struct recorder {
	struct emu_cpu *c;
	unsigned n;
	struct stop stop[16];
};

static bool record(void *opaque, struct vcpu *v, enum debug_event ev,
		   unsigned wp)
{
	struct recorder *r = opaque;

	(void)v;
	if (r->n < 16)
		r->stop[r->n++] = (struct stop){ ev, wp, r->c->rip };
	return true;
}

/* At 0x8000, real mode, DS = 0. */
static const uint8_t code[] = {
	0xc6, 0x06, 0x00, 0x90, 0x41,	    /* 8000 mov byte [0x9000], 0x41 */
	0xc6, 0x06, 0x00, 0x90, 0x42,	    /* 8005 mov byte [0x9000], 0x42 */
	0xa0, 0x00, 0x91,		    /* 800a mov al, [0x9100] */
	0xa0, 0x00, 0x90,		    /* 800d mov al, [0x9000] */
	0xf6, 0x36, 0x00, 0x91,		    /* 8010 div byte [0x9100]: #DE */
	0xff, 0x06, 0xff, 0x91,		    /* 8014 inc word [0x91ff] */
	0x66, 0x89, 0x1e, 0xfe, 0x9f,	    /* 8018 mov [0x9ffe], ebx */
	0xf4,				    /* 801d hlt */
};

TEST(gdb_emu_watchpoints_stop_after_the_access)
{
	static struct recorder rec;
	struct guest_mem mem;
	struct gerr err;
	struct emu_solo *s;
	struct emu_cpu *c;
	struct x86_state st;
	struct debug_ctl ctl = { .enabled = true, .trap = record, .opaque = &rec,
				 .nr_wp = 4,
				 .wp = { { 0x9000, 1, DEBUG_WP_WRITE },
					 { 0x9100, 2, DEBUG_WP_READ },
					 { 0x9200, 1, DEBUG_WP_ACCESS },
					 { 0xa000, 1, DEBUG_WP_WRITE } } };
	uint8_t b;

	CHECK(gmem_init(&mem, 1 << 20, false, &err) == 0);
	gmem_write(&mem, 0x8000, code, sizeof(code));
	s = emu_solo_new(&mem, NULL, NULL, &err);
	CHECK(s != NULL);
	c = emu_solo_cpu(s);
	c->exc_exit = true; /* the #DE comes back here instead of the IVT */
	x86_state_reset(&st);
	st.seg[X86_CS].selector = 0;
	st.seg[X86_CS].base = 0;
	st.rip = 0x8000;
	st.gpr[X86_RSP] = 0x7000;
	emu_solo_set_state(s, &st);
	/* One store without a debugger: page 0x9000 is now in the TLB for
	 * fast writes, which the watchpoints must take away. */
	CHECK_EQ(emu_solo_run(s, 1), EMU_EXIT_COUNT);
	memset(&rec, 0, sizeof(rec));
	rec.c = c;
	ctl.nr_wp = 5;
	CHECK(emu_set_debug(c, &ctl, &err) < 0); /* more than DEBUG_MAX_WP */
	ctl.nr_wp = 4;
	CHECK(emu_set_debug(c, &ctl, &err) == 0);
	/* Runs up to the #DE: its read of 0x9100 is not reported. */
	CHECK_EQ(emu_solo_run(s, 100), EMU_EXIT_EXCEPTION);
	CHECK_EQ(c->exc_vec, EXC_DE);
	CHECK_EQ(c->rip, 0x8010);
	c->rip = 0x8014;
	CHECK_EQ(emu_solo_run(s, 100), EMU_EXIT_HLT);
	CHECK_EQ(rec.n, 4);
	/* Each stop comes after the accessing instruction, RIP at the next. */
	CHECK(rec.stop[0].ev == DEBUG_EV_WATCH && rec.stop[0].wp == 0 &&
	      rec.stop[0].rip == 0x800a);
	CHECK(rec.stop[1].ev == DEBUG_EV_WATCH && rec.stop[1].wp == 1 &&
	      rec.stop[1].rip == 0x800d);
	/* The read of the write-only 0x9000 and the faulting DIV: nothing.
	 * INC's read-modify-write crosses into the access watchpoint. */
	CHECK(rec.stop[2].ev == DEBUG_EV_WATCH && rec.stop[2].wp == 2 &&
	      rec.stop[2].rip == 0x8018);
	/* A store that crosses a page hits the second page's watchpoint. */
	CHECK(rec.stop[3].ev == DEBUG_EV_WATCH && rec.stop[3].wp == 3 &&
	      rec.stop[3].rip == 0x801d);
	CHECK(gmem_read(&mem, 0x9000, &b, 1) == 0 && b == 0x42);
	CHECK(gmem_read(&mem, 0x91ff, &b, 1) == 0 && b == 0x01);
	/* Without watchpoints the same code stops nowhere. */
	ctl.nr_wp = 0;
	CHECK(emu_set_debug(c, &ctl, &err) == 0);
	st.rip = 0x8005;
	emu_solo_set_state(s, &st);
	rec.n = 0;
	CHECK_EQ(emu_solo_run(s, 3), EMU_EXIT_COUNT);
	CHECK_EQ(rec.n, 0);
	emu_solo_free(s);
	gmem_destroy(&mem);
}

/* CMPXCHG16B cannot fall back to separate reads and writes: on a watched
 * range it still runs (atomically) and still reports. */
TEST(gdb_emu_watchpoint_on_cmpxchg16b)
{
	static const uint8_t code64[] = {
		0x48, 0x0f, 0xc7, 0x0e, /* 8000 cmpxchg16b [rsi] */
		0xf4,			/* 8004 hlt */
	};
	static struct recorder rec;
	struct guest_mem mem;
	struct gerr err;
	struct emu_solo *s;
	struct emu_cpu *c;
	struct x86_state st;
	struct debug_ctl ctl = { .enabled = true, .trap = record, .opaque = &rec,
				 .nr_wp = 1, .wp = { { 0x9108, 8, DEBUG_WP_WRITE } } };
	uint64_t hi = 0;

	CHECK(gmem_init(&mem, 1 << 20, false, &err) == 0);
	gmem_write(&mem, 0x8000, code64, sizeof(code64));
	/* Identity-map the first 2 MiB: PML4 0x1000, PDPT 0x2000, PD 0x3000. */
	gmem_write_u64(&mem, 0x1000, 0x2000 | 3);
	gmem_write_u64(&mem, 0x2000, 0x3000 | 3);
	gmem_write_u64(&mem, 0x3000, 0x83);
	s = emu_solo_new(&mem, NULL, NULL, &err);
	CHECK(s != NULL);
	c = emu_solo_cpu(s);
	c->exc_exit = true;
	x86_state_reset(&st);
	st.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_ET;
	st.cr4 = X86_CR4_PAE | X86_CR4_OSFXSR;
	st.cr3 = 0x1000;
	st.efer = X86_EFER_LME | X86_EFER_LMA;
	st.seg[X86_CS] = x86_flat_code64(0x08);
	st.seg[X86_DS] = st.seg[X86_ES] = st.seg[X86_SS] = x86_flat_data(0x10);
	st.rip = 0x8000;
	st.gpr[X86_RSI] = 0x9100;
	st.gpr[X86_RBX] = 1;
	st.gpr[X86_RCX] = 2;
	st.gpr[X86_RAX] = st.gpr[X86_RDX] = 0; /* matches: RCX:RBX is stored */
	emu_solo_set_state(s, &st);
	memset(&rec, 0, sizeof(rec));
	rec.c = c;
	CHECK(emu_set_debug(c, &ctl, &err) == 0);
	CHECK_EQ(emu_solo_run(s, 10), EMU_EXIT_HLT);
	CHECK_EQ(rec.n, 1);
	CHECK(rec.stop[0].ev == DEBUG_EV_WATCH && rec.stop[0].rip == 0x8004);
	CHECK(gmem_read(&mem, 0x9108, &hi, 8) == 0 && hi == 2);
	emu_solo_free(s);
	gmem_destroy(&mem);
}

TEST(gdb_emu_fpu_state_in_stack_order)
{
	struct guest_mem mem;
	struct gerr err;
	struct emu_solo *s;
	struct emu_cpu *c;
	struct x86_fpu f, g;

	CHECK(gmem_init(&mem, 1 << 20, false, &err) == 0);
	s = emu_solo_new(&mem, NULL, NULL, &err);
	CHECK(s != NULL);
	c = emu_solo_cpu(s);
	memset(&f, 0, sizeof(f));
	f.fsw = (uint16_t)(3u << 11 | 0x41); /* TOP 3, C0, IE */
	for (unsigned i = 0; i < 8; i++)
		f.st[i][0] = (uint8_t)(0x10 + i);
	f.fcw = 0x27f;
	f.ftw = 0x18;
	f.fop = 0x123;
	f.fip = 0x1122334455667788ull;
	f.fdp = 0x8877665544332211ull;
	f.mxcsr = 0x1fa0;
	f.xmm[15][3] = 0x99;
	emu_set_fpu(c, &f);
	/* ST(i) is physical register (TOP + i) mod 8. */
	CHECK_EQ(c->fpu.top, 3);
	CHECK_EQ(c->fpu.fsw, 0x41);
	CHECK_EQ(c->fpu.st[3][0], 0x10);
	CHECK_EQ(c->fpu.st[2][0], 0x17);
	CHECK_EQ(c->fpu.mxcsr, 0x1fa0);
	CHECK_EQ(c->fpu.xmm[15][3], 0x99);
	emu_get_fpu(c, &g);
	CHECK(!memcmp(&f, &g, sizeof(f)));
	emu_solo_free(s);
	gmem_destroy(&mem);
}
