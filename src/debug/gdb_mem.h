/* Guest-virtual memory access for the debugger: walks the page tables of
 * a stopped vCPU's state (no paging, 32-bit, PAE or 4-level) through the
 * gmem API, then reads or writes guest RAM.  The guest's accessed/dirty
 * bits are left alone: looking must not change what the guest sees. */
#ifndef GAMUT_DEBUG_GDB_MEM_H
#define GAMUT_DEBUG_GDB_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "core/gmem.h"
#include "cpu/x86_state.h"

/* Virtual (linear) -> guest-physical; -1 when not mapped or the tables
 * lie outside RAM. */
int gdb_mem_translate(const struct guest_mem *m, const struct x86_state *st,
		      uint64_t va, uint64_t *gpa);
/* Copy len bytes at va, page by page; -1 (possibly after a partial copy
 * for writes) when any page is not mapped or not RAM. */
int gdb_mem_read(const struct guest_mem *m, const struct x86_state *st,
		 uint64_t va, void *buf, size_t len);
int gdb_mem_write(struct guest_mem *m, const struct x86_state *st,
		  uint64_t va, const void *buf, size_t len);

#endif
