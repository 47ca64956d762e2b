/* A Xen PV domain for unit tests and the hypercall fuzzer: the real
 * platform and domain builder (src/xenpv) on a hand-built VM whose CPU
 * backend only stores the register state, with a small kernel file that
 * carries Linux's Xen notes.  Hypercalls and exceptions are issued as the
 * ring-0 stub's port writes would. */
#ifndef GAMUT_TESTS_XEN_FIXTURE_H
#define GAMUT_TESTS_XEN_FIXTURE_H

#include <stdint.h>

#include "core/vm.h"
#include "xenpv/xen.h"

#define XT_VBASE  0xffffffff80000000ull
#define XT_KPADDR 0x1000000ull
#define XT_BUF	  0x100000ull		   /* guest-physical scratch area */
#define XT_BUF_VA (XT_VBASE + XT_BUF)	   /* ... as the guest kernel sees it */
#define XT_MEM	  (64ull << 20)

struct xt {
	struct vm *vm;
	struct xen *x;
	struct x86_state boot;
	struct gerr err;
};

/* Builds the domain (ncpus vCPUs); 0, or -1 with t->err. */
int xt_init(struct xt *t, unsigned ncpus);
void xt_fini(struct xt *t);

/* Hypercall nr with args a0..a4 from vCPU 0 in guest kernel mode; the
 * result (RAX after the call). */
int64_t xt_hcall(struct xt *t, uint64_t nr, uint64_t a0, uint64_t a1,
		 uint64_t a2, uint64_t a3, uint64_t a4);
/* Exception `vec` at the boot RIP, as the stub reports it. */
void xt_exception(struct xt *t, unsigned vec, uint64_t err);
/* The state the fake backend holds now. */
struct x86_state *xt_state(void);

#endif
