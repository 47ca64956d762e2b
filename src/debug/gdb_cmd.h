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
	unsigned g_cpu;		/* Hg: whose registers and page tables */
	int c_cpu;		/* Hc: -1 for all */
	/* Breakpoints, as linear addresses; gdb inserts and removes them. */
	unsigned nr_bp;
	uint64_t bp[DEBUG_MAX_BP];
	enum gdb_bp_kind bp_kind[DEBUG_MAX_BP];
	/* The last stop, for '?' and the stop reply. */
	unsigned stop_cpu;
	int stop_signal;   /* 5 SIGTRAP, 2 SIGINT */
	int stop_bp_kind;  /* -1, or the enum gdb_bp_kind that was hit */
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
 * digits ('x' for registers gamut does not track). */
void gdb_regs_encode(const struct x86_state *st, char *out);

#endif
