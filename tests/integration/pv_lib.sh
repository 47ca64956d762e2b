# Shared by the pv_*.sh integration tests (sourced, not run): picks the CPU
# backend PV guests run on here, and fails if they do not run there.
: "${BUILD:=build}" "${GAMUT:=$PWD/$BUILD/gamut}"
. "$(dirname "${BASH_SOURCE[0]}")/kvm_lib.sh"
PV_EX=$BUILD/pv-examples
PV_GUESTS=$BUILD/guests/pv

pv_skip() { echo "$1"; exit 77; }

[ -x "$GAMUT" ] || pv_skip "no gamut binary at $GAMUT"
[ -f "$PV_EX/hello.pv" ] && [ -d "$PV_GUESTS" ] || pv_skip "PV images not built (make pv-examples)"

# $PV_CPU, else kvm wherever KVM is usable: the PV guest kernel runs at
# CPL 3, so it runs at native speed on a KVM that is not hardware-backed
# too (`gamut info --kvm` says user or full); else emu.  A backend picked
# so must run hello.pv: a failure there fails the test, it does not fall
# back to the other backend.
if [ -n "${PV_CPU:-}" ]; then
	CPU=$PV_CPU pv_why="PV_CPU=$PV_CPU"
else
	kvm_cap
	if [ "$KVM_CAP" = none ]; then
		CPU=emu pv_why="no usable KVM: $KVM_WHY"
	else
		CPU=kvm pv_why="gamut info --kvm: $KVM_CAP"
	fi
fi
if ! pv_out=$(timeout 120 "$GAMUT" run --mode pv --cpu "$CPU" --kernel "$PV_EX/hello.pv" 2>&1) ||
   ! grep -q "hello from a gamut PV guest" <<<"$pv_out"; then
	echo "FAIL: hello.pv does not run on --cpu $CPU ($pv_why):"
	sed 's/^/    /' <<<"$pv_out"
	exit 1
fi
echo "PV guests run on --cpu $CPU ($pv_why)"

# pv_run EXPECTED_STATUS PATTERN [gamut run options...]: runs a guest and
# checks its exit status and that its output (stdout+stderr, as one string:
# `.*` spans lines) matches the extended regular expression.
fails=0
pv_run() {
	local want=$1 pattern=$2 out rc
	shift 2
	out=$(timeout 300 "$GAMUT" run --mode pv --cpu "$CPU" "$@" 2>&1)
	rc=$?
	if [ "$rc" -ne "$want" ] || ! grep -zqE -- "$pattern" <<<"$out"; then
		echo "FAIL: gamut run $* -> status $rc (want $want), output:"
		sed 's/^/    /' <<<"$out"
		echo "    (expected to match: $pattern)"
		fails=$((fails + 1))
	else
		echo "ok   $(basename "${*: -1}") -> $rc"
	fi
}

# Starts the httpd example (examples/pv/httpd.c) at 10.0.80.2 on a TAP
# device TAP (10.0.80.1/24 on the host side) in the test's network
# namespace, and waits until it listens.  Sets GUEST_PID and GUEST_LOG.
# Needs tests/lib/common.sh and tests/lib/net.sh.
# pv_guest_wait PID: the guest's exit status once it has ended on its own,
# within 10 s; a guest still running then is killed (a wedged guest costs
# seconds, not the suite's per-test timeout) and the status is 124.
pv_guest_wait() {
	for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$1" 2>/dev/null; then
		echo "the guest still runs 10 s after it was told to end: killed"
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		return 124
	fi
	wait "$1"
}

pv_httpd_start() { # TAP
	netns_create
	netns_tap "$1" 10.0.80.1/24
	GUEST_LOG=$T/httpd.log
	in_netns "$GAMUT" run --mode pv --cpu "$CPU" --kernel "$PV_EX/httpd.pv" \
		--net lan=tap:"$1" --cmdline 10.0.80.2 >"$GUEST_LOG" 2>&1 &
	GUEST_PID=$!
	at_exit "kill $GUEST_PID"
	for _ in $(seq 100); do
		grep -q "httpd: listening on 10.0.80.2:80" "$GUEST_LOG" && return
		sleep 0.1
	done
	cat "$GUEST_LOG"
	fail "the httpd guest did not start"
}
