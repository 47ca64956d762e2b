/* The GDB remote stub (`gamut run --gdb PORT`): listens on 127.0.0.1:PORT,
 * holds every vCPU before its first instruction until gdb attaches, then
 * serves gdb's packets on its own thread (docs/debug.md).
 *
 *   vm_create -> gdb_stub_start -> vm_run -> gdb_stub_finish -> vm_destroy */
#ifndef GAMUT_DEBUG_GDB_STUB_H
#define GAMUT_DEBUG_GDB_STUB_H

#include "core/err.h"

struct vm;
struct gdb_stub;

/* Opens the listening socket and arms the vCPUs to stop at their first
 * instruction.  Fails when the backend has no debugger support. */
struct gdb_stub *gdb_stub_start(struct vm *vm, int port, struct gerr *err);
/* After vm_run: tells an attached gdb that the VM exited with `status`,
 * joins the stub's thread and frees it. */
void gdb_stub_finish(struct gdb_stub *s, int status);

#endif
