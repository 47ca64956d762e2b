# Sourced by tests/integration/gdb_*.sh (not a test: not executable).
# Drives `gamut run --gdb` with the real gdb (batch mode) and with a small
# raw-protocol client (gdb_rsp_client.py, for Ctrl-C), over the guest
# tests/guests/gdb/gdb_target.asm.
#
# gdb_syms GUEST: sets the guest's virtual addresses (HIGH + link address).
# gdb_run_checks CPU CPUS: both sessions on --cpu CPU; counts failures in
# gdb_failed.  Needs gdb, python3 (and nm only for gdb_syms).
set -u
GDB_HIGH=0xffffffff80000000
gdb_failed=0
gdb_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

gdb_syms() {
	local sym
	[ -n "${SYM_spin_end:-}" ] && return 0 # given (the nested VM has no nm)
	for sym in _start long_low bp_here after_nop data_word poke go spin spin_end \
		wvar rvar after_write after_read; do
		local a
		a=$(nm "$1" | awk -v s="$sym" '$3 == s { print $1 }')
		[ -n "$a" ] || { echo "FAIL: no symbol $sym in $1"; return 1; }
		if [ "$sym" = _start ] || [ "$sym" = long_low ]; then
			printf -v "SYM_$sym" '%#x' "$((16#$a))" # runs before paging
		else
			printf -v "SYM_$sym" '%#x' "$((GDB_HIGH + 16#$a))"
		fi
	done
	export SYM__start SYM_long_low SYM_bp_here SYM_after_nop SYM_data_word SYM_poke SYM_go SYM_spin SYM_spin_end
	export SYM_wvar SYM_rvar SYM_after_write SYM_after_read
}

# Starts gamut in the background, held for gdb; sets gamut_pid, port, out.
gdb_start_gamut() {
	local cpu=$1 cpus=$2 try i
	out=$(mktemp)
	for try in 1 2 3 4 5; do
		port=$((20000 + (RANDOM % 20000)))
		"$GAMUT" run --cpu "$cpu" --mode pvh --console stdio --mem 64 --cpus "$cpus" \
			--kernel "$GDB_GUEST" --gdb "$port" </dev/null >"$out" 2>&1 &
		gamut_pid=$!
		for i in $(seq 1 300); do
			grep -q "waiting for gdb on 127.0.0.1:$port" "$out" && return 0
			kill -0 "$gamut_pid" 2>/dev/null || break
			sleep 0.1
		done
		wait "$gamut_pid" 2>/dev/null
		grep -q "cannot listen" "$out" || break # only a busy port is retried
	done
	echo "FAIL: gamut did not wait for gdb:"; sed 's/^/    /' "$out"
	return 1
}

# gdb_expect WHAT REGEX FILE
gdb_expect() {
	if grep -Eq "$2" "$3"; then
		echo "ok   $1"
	else
		echo "FAIL $1 (no /$2/ in the gdb output)"
		gdb_failed=$((gdb_failed + 1))
	fi
}

gdb_wait_status() {
	local want=$1 what=$2 rc
	local i
	for i in $(seq 1 600); do # 60 s; busybox has no tail --pid
		kill -0 "$gamut_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill "$gamut_pid" 2>/dev/null
	wait "$gamut_pid"
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		echo "ok   $what: gamut exited $rc"
	else
		echo "FAIL $what: gamut exited $rc, want $want"; sed 's/^/    /' "$out"
		gdb_failed=$((gdb_failed + 1))
	fi
}

# gdb itself: registers, breakpoints (the first one where the guest still
# runs unpaged: on KVM a breakpoint is an INT3 placed through the page
# tables of the moment, so the high one waits until they map it), stepi, memory, writes, threads, detach.
gdb_session() {
	local cpu=$1 cpus=$2 log
	gdb_start_gamut "$cpu" "$cpus" || { gdb_failed=$((gdb_failed + 1)); return; }
	log=$(mktemp)
	timeout 120 gdb -nx -batch \
		-ex "target remote 127.0.0.1:$port" \
		-ex 'info registers rip' \
		-ex 'info threads' \
		-ex "break *$SYM_long_low" \
		-ex 'continue' \
		-ex "break *$SYM_bp_here" \
		-ex 'continue' \
		-ex 'info registers rip' \
		-ex 'stepi' \
		-ex 'info registers rip' \
		-ex "x/4xb $SYM_data_word" \
		-ex 'x/1xb 0x400000000' \
		-ex 'set $rcx = 20' \
		-ex "set {char}$SYM_poke = 1" \
		-ex "set {char}$SYM_go = 1" \
		-ex 'info registers rcx' \
		-ex 'detach' >"$log" 2>&1 </dev/null
	echo "--- gdb ($cpu, --cpus $cpus):"; grep -v '^warning\|determining executable' "$log" | sed 's/^/    /'
	gdb_expect "$cpu: held at the PVH entry" "^rip +$SYM__start " "$log"
	gdb_expect "$cpu: one thread per vCPU" "^ +$cpus +Thread $cpus " "$log"
	gdb_expect "$cpu: breakpoint before paging" "Breakpoint 1, 0x0*${SYM_long_low#0x} " "$log"
	gdb_expect "$cpu: breakpoint at a high virtual address" "Breakpoint 2, $SYM_bp_here " "$log"
	gdb_expect "$cpu: rip at the breakpoint" "^rip +$SYM_bp_here " "$log"
	gdb_expect "$cpu: rip after stepi" "^rip +$SYM_after_nop " "$log"
	gdb_expect "$cpu: memory through the page tables" "^$SYM_data_word:"$'\t'"0x44"$'\t'"0x33"$'\t'"0x22"$'\t'"0x11" "$log"
	gdb_expect "$cpu: unmapped address refused" "Cannot access memory at address 0x400000000" "$log"
	gdb_expect "$cpu: register write" "^rcx +0x14 " "$log"
	gdb_expect "$cpu: detach" "Remote target\) detached" "$log"
	# 2 * (20 + 1) + 1: the register and memory writes reached the guest.
	gdb_wait_status 43 "$cpu: guest ran on after detach"
	rm -f "$log" "$out"
}

# The raw client: bad packets, Ctrl-C while the guest spins.
gdb_interrupt() {
	local cpu=$1
	gdb_start_gamut "$cpu" 1 || { gdb_failed=$((gdb_failed + 1)); return; }
	if timeout 120 python3 "$gdb_dir/gdb_rsp_client.py" "$port" "$SYM_spin" \
		"$SYM_spin_end" "$SYM_go" "$SYM_long_low" "$SYM_bp_here" "$SYM_after_nop" \
		${GDB_NO_BREAK:+nobreak}; then
		echo "ok   $cpu: raw client: ${GDB_NO_BREAK:+no }breakpoints, step, bad packets, Ctrl-C, x87/SSE"
	else
		gdb_failed=$((gdb_failed + 1))
	fi
	# 2 * (7 + 3) + 1: the client's XMM1 write reached the guest.
	gdb_wait_status 21 "$cpu: guest ran on after the raw client detached"
	rm -f "$out"
}

# gdb's x87/SSE view and watchpoints (--cpu emu only: kvm has none).
gdb_watch_session() {
	local cpu=$1 log
	gdb_start_gamut "$cpu" 1 || { gdb_failed=$((gdb_failed + 1)); return; }
	log=$(mktemp)
	timeout 120 gdb -nx -batch \
		-ex "target remote 127.0.0.1:$port" \
		-ex "break *$SYM_bp_here" \
		-ex 'continue' \
		-ex 'info registers st0 st1 fstat ftag mxcsr' \
		-ex 'p/x $xmm0' \
		-ex 'set $xmm1 = 5' \
		-ex "set {char}$SYM_go = 1" \
		-ex 'delete' \
		-ex "watch *(int *)$SYM_wvar" \
		-ex "rwatch *(int *)$SYM_rvar" \
		-ex 'continue' \
		-ex 'info registers rip' \
		-ex 'continue' \
		-ex 'info registers rip' \
		-ex 'delete' \
		-ex 'continue' >"$log" 2>&1 </dev/null
	echo "--- gdb watchpoints ($cpu):"; grep -v '^warning\|determining executable' "$log" | sed 's/^/    /'
	gdb_expect "$cpu: st0 is the guest's pi" "^st0 +3\.14159265358979323" "$log"
	gdb_expect "$cpu: st1 is the guest's 1.0" "^st1 +1 " "$log"
	gdb_expect "$cpu: fstat has TOP 6" "^fstat +0x3000 " "$log"
	gdb_expect "$cpu: ftag marks two valid registers" "^ftag +0xfff " "$log"
	gdb_expect "$cpu: mxcsr as the guest loaded it" "^mxcsr +0xff80 " "$log"
	gdb_expect "$cpu: xmm0 as the guest loaded it" "= 0xf0e0d0c0b0a09080706050403020100$" "$log"
	gdb_expect "$cpu: watch reports the old value" "^Old value = 0$" "$log"
	gdb_expect "$cpu: watch reports the new value" "^New value = 85$" "$log"
	gdb_expect "$cpu: watch stops after the writing instruction" "^rip +$SYM_after_write " "$log"
	gdb_expect "$cpu: rwatch reports the read" "Value = 102" "$log"
	gdb_expect "$cpu: rwatch stops after the reading instruction" "^rip +$SYM_after_read " "$log"
	# 2 * (7 + 5) + 1: gdb's XMM1 write reached the guest.
	gdb_expect "$cpu: guest exit seen by gdb" "exited with code 031" "$log"
	gdb_wait_status 25 "$cpu: guest ran to its end under gdb"
	rm -f "$log" "$out"
}

gdb_run_checks() {
	gdb_session "$1" "$2"
	gdb_interrupt "$1"
}
