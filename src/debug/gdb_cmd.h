/* The GDB packet handlers: one payload in, one reply out, over the state
 * of a stopped VM (guest memory and a copy of every vCPU's registers).
 * Execution packets (c, s, vCont, k, D) only record what gdb asked for in
 * `action`; the stub (gdb_stub.c) carries it out.  Nothing here blocks or
 * touches a vCPU, so the whole layer runs in unit tests and the fuzzer. */
#ifndef GAMUT_DEBUG_GDB_CMD_H
#define GAMUT_DEBUG_GDB_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/gmem.h"
#include "cpu/backend.h"
#include "cpu/x86_state.h"
#include "debug/gdb_proto.h"

enum gdb_action {
	GDB_ACT_NONE,	  /* stay stopped, read the next packet */
	GDB_ACT_CONTINUE, /* resume every vCPU */
	GDB_ACT_STEP,	  /* step `step_cpu`; the others stay stopped */
	GDB_ACT_DETACH,	  /* drop breakpoints, resume all, close */
	GDB_ACT_KILL,	  /* stop the VM */
};

enum gdb_bp_kind { GDB_BP_SW, GDB_BP_HW };

struct gdb_session {
	struct guest_mem *mem;
	unsigned ncpus;
	struct x86_state *regs; /* [ncpus]: the stopped vCPUs' state */
	bool *dirty;		/* [ncpus]: regs[i] changed by gdb */
	/* x87/SSE registers: NULL when the backend cannot give them (gdb
	 * then sees them as unavailable); else [ncpus] each. */
	struct x86_fpu *fpu;
	bool *fpu_valid; /* fpu[i] was read */
	bool *fpu_dirty; /* fpu[i] changed by gdb */
	unsigned g_cpu;		/* Hg: whose registers and page tables */
	int c_cpu;		/* Hc: -1 for all */
	/* Breakpoints, as linear addresses; gdb inserts and removes them. */
	unsigned nr_bp;
	uint64_t bp[DEBUG_MAX_BP];
	enum gdb_bp_kind bp_kind[DEBUG_MAX_BP];
	/* Watchpoints (Z2-Z4), at most max_wp (the backend's debug_max_wp;
	 * 0: gdb is told they are unsupported). */
	unsigned max_wp, nr_wp;
	struct debug_wp wp[DEBUG_MAX_WP];
	/* The last stop, for '?' and the stop reply. */
	unsigned stop_cpu;
	int stop_signal;   /* 5 SIGTRAP, 2 SIGINT */
	int stop_bp_kind;  /* -1, or the enum gdb_bp_kind that was hit */
	int stop_wp_type;  /* -1, or the enum debug_wp_type that was hit */
	uint64_t stop_wp_addr;
	/* Set by execution packets. */
	enum gdb_action action;
	unsigned step_cpu;
};

/* The size of the 'g' packet's register block, in bytes. */
#define GDB_G_BYTES 592

/* Handles one packet payload (NUL-terminated, len bytes); writes the reply
 * payload (NUL-terminated) to `reply` and returns its length.  Execution
 * packets set s->action and produce no reply (the stop reply comes when the
 * VM stops again), except D, whose "OK" is returned. */
size_t gdb_handle(struct gdb_session *s, const char *pkt, size_t len,
		  char *reply, size_t replymax);

/* The stop reply for the last stop ("T05thread:01;..."). */
size_t gdb_stop_reply(const struct gdb_session *s, char *reply, size_t replymax);

/* Register block in gdb's order, for tests: `out` gets 2*GDB_G_BYTES hex
 * digits ('x' for registers gamut does not have: the x87/SSE ones when
 * `fpu` is NULL). */
void gdb_regs_encode(const struct x86_state *st, const struct x86_fpu *fpu,
		     char *out);

/* The full x87 tag word (2 bits per physical register: 0 valid, 1 zero,
 * 2 special, 3 empty) from FXSAVE's abridged one, and back. */
uint16_t gdb_fpu_tag_word(const struct x86_fpu *f);
uint8_t gdb_fpu_tag_abridge(uint16_t tag_word);

#endif
