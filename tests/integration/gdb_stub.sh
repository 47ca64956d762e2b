#!/usr/bin/env bash
# The GDB remote stub (`gamut run --gdb PORT`, docs/debug.md) on --cpu emu,
# driven by the real gdb: held before the first instruction, registers,
# a breakpoint, stepi, memory through the guest page tables, register and
# memory writes, one thread per vCPU, detach (the guest then exits with the
# status the writes produce); Ctrl-C, x87/SSE registers and malformed
# packets through a raw protocol client; and gdb's view of the x87/SSE
# registers, `watch` and `rwatch`.
. "$(dirname "$0")/gdb_lib.sh"
GAMUT=${GAMUT:-build/gamut}
BUILD=${BUILD:-build}
GDB_GUEST=$BUILD/guests/gdb/gdb_target.elf
command -v gdb >/dev/null || { echo "gdb not installed (scripts/install-deps.sh installs it)"; exit 77; }
command -v python3 >/dev/null || { echo "python3 not installed"; exit 77; }
[ -f "$GDB_GUEST" ] || make -s test-guests BUILD="$BUILD" >/dev/null
gdb_syms "$GDB_GUEST" || exit 1
gdb_run_checks emu 2
gdb_watch_session emu
[ "$gdb_failed" -eq 0 ] || { echo "$gdb_failed gdb checks failed"; exit 1; }
echo "gdb stub on --cpu emu: all checks passed"
