#include "cpu/emu/cpu.h"
void exec_sse(struct emu_cpu *c, const struct insn *d) { (void)d; emu_raise_noerr(c, EXC_UD); }
void exec_x87(struct emu_cpu *c, const struct insn *d) { (void)d; emu_raise_noerr(c, EXC_UD); }
void exec_fxsave(struct emu_cpu *c, uint64_t va) { (void)va; emu_raise_noerr(c, EXC_UD); }
void exec_fxrstor(struct emu_cpu *c, uint64_t va) { (void)va; emu_raise_noerr(c, EXC_UD); }
