/* The software CPU without a VM: for unit tests, difftests and tools.
 *
 * emu_solo_new() makes one vCPU over a caller's guest memory (its own
 * decode cache, installed as the memory's write hook, and a LAPIC on
 * `mmio` when one is given).  Set the state, run, read it back:
 *
 *   struct emu_solo *s = emu_solo_new(&mem, NULL, NULL, &err);
 *   emu_solo_set_state(s, &st);
 *   emu_solo_run(s, 1000000);      // until HLT, a triple fault or the count
 *   emu_solo_get_state(s, &st);
 */
#ifndef GAMUT_CPU_EMU_EMU_H
#define GAMUT_CPU_EMU_EMU_H

#include "core/bus.h"
#include "core/err.h"
#include "core/gmem.h"
#include "cpu/emu/cpu.h"

struct emu_solo;

struct emu_solo *emu_solo_new(struct guest_mem *mem, struct bus *pio,
			      struct bus *mmio, struct gerr *err);
void emu_solo_free(struct emu_solo *s);
struct emu_cpu *emu_solo_cpu(struct emu_solo *s);
void emu_solo_set_state(struct emu_solo *s, const struct x86_state *st);
void emu_solo_get_state(struct emu_solo *s, struct x86_state *st);
/* Runs at most `max` instructions; stops at HLT (state halted). */
enum emu_exit emu_solo_run(struct emu_solo *s, uint64_t max);

#endif
