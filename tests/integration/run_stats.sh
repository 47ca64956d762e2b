#!/usr/bin/env bash
# gamut run --stats and --stats-file on --cpu emu (docs/stats.md).
#  1. The PVH test guest (it writes to the UART, then the debug-exit port):
#     the block on stderr comes after the guest's output and shows the
#     instructions and the UART's accesses; the file holds one final record
#     with the same counters.
#  2. The PV udpecho example on user-mode networking: a SIGUSR1 while it
#     serves adds a non-final record, every counter of which is at most the
#     final record's; the PV counters (hypercalls, events) are there.
#  3. Without the options a SIGUSR1 does no harm.
set -u
. tests/lib/common.sh
. tests/lib/net.sh
need_cmd python3
GUESTS=$BUILD/guests/boot
PV_EX=$BUILD/pv-examples
[ -f "$GUESTS/pvh_entry.elf" ] || skip "no test guests in $GUESTS (make test-guests)"
[ -f "$PV_EX/udpecho.pv" ] || skip "no udpecho.pv in $PV_EX (make pv-examples)"
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# check_records FILE N PY_CONDITION...: FILE holds N JSON records, the last
# one final and only that one; each condition, a Python expression over
# `f` (the final record's counters) and `recs` (all records), holds.
check_records() {
	python3 - "$@" <<'PY'
import json, sys
path, n, conds = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
recs = [json.loads(l) for l in open(path)]
assert len(recs) == n, f"{len(recs)} records, expected {n}"
for r in recs:
    assert set(r) >= {"t_ns", "final", "counters"}, r.keys()
    assert all(isinstance(v, int) and v >= 0 for v in r["counters"].values())
assert [r["final"] for r in recs] == [False] * (n - 1) + [True]
assert all(a["t_ns"] <= b["t_ns"] for a, b in zip(recs, recs[1:]))
f = recs[-1]["counters"]
for c in conds:
    assert eval(c), c
PY
}

# --- 1. a test guest: --stats and a final record ---
out=$T/pvh.out
timeout 120 "$GAMUT" run --cpu emu --kernel "$GUESTS/pvh_entry.elf" \
	--initrd "$GUESTS/initrd.img" --cmdline pvh-test-cmdline --mem 64 \
	--stats --stats-file "$T/pvh.jsonl" </dev/null >"$out" 2>&1
rc=$?
pass_line=$(grep -n "PVH guest: PASS" "$out" | cut -d: -f1)
stats_line=$(grep -n "^gamut: stats after" "$out" | cut -d: -f1)
if [ "$rc" -ne 85 ] || [ -z "$pass_line" ] || [ -z "$stats_line" ] ||
   [ "$stats_line" -lt "$pass_line" ]; then
	bad "pvh_entry --stats: status $rc, output:"
	sed 's/^/    /' "$out"
elif ! grep -qE '^  emu  ' "$out" || ! grep -qE '^ +insns +[1-9][0-9,]* ' "$out" ||
     ! grep -qE '^  pio  ' "$out" || ! grep -qE '^ +uart +[1-9]' "$out"; then
	bad "pvh_entry --stats: no instructions or UART accesses in:"
	sed 's/^/    /' "$out"
else
	echo "ok   pvh_entry --stats: the block follows the guest's output"
fi
if check_records "$T/pvh.jsonl" 1 'f["emu.insns"] > 100' 'f["pio.uart"] > 0' \
	'f["pio.debug-exit"] == 1' 'f["emu.blocks.lookups"] >= f["emu.blocks.decoded"]' \
	'"kvm.exit.io" not in f'; then
	echo "ok   pvh_entry --stats-file: one final record"
else
	bad "pvh_entry --stats-file: $(cat "$T/pvh.jsonl")"
fi

# --- 2. a PV guest that serves until told to quit: SIGUSR1 mid-run ---
port=$(free_port)
log=$T/udpecho.log
"$GAMUT" run --mode pv --cpu emu --kernel "$PV_EX/udpecho.pv" \
	--net "lan=user,hostfwd=udp:127.0.0.1:$port-10.0.2.15:7" --cmdline 10.0.2.15 \
	--stats --stats-file "$T/pv.jsonl" >"$log" 2>&1 &
pid=$!
at_exit "kill $pid"
for _ in $(seq 300); do
	grep -q "udpecho: 10.0.2.15" "$log" && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
grep -q "udpecho: 10.0.2.15" "$log" || { cat "$log"; fail "the udpecho guest did not start"; }
udp() {
	python3 - "$port" "$@" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
for msg in sys.argv[2:]:
    s.sendto(msg.encode(), ("127.0.0.1", int(sys.argv[1])))
    if msg != "quit":
        data, _ = s.recvfrom(2048)
        assert data == msg.encode(), data
PY
}
udp one two three || bad "no UDP echo before SIGUSR1"
kill -USR1 $pid
for _ in $(seq 100); do
	[ -s "$T/pv.jsonl" ] && break
	sleep 0.1
done
[ -s "$T/pv.jsonl" ] || bad "no record after SIGUSR1"
udp four five quit || bad "no UDP echo after SIGUSR1"
for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
kill $pid 2>/dev/null
wait $pid
rc=$?
blocks=$(grep -c "^gamut: stats after" "$log")
if [ "$rc" -ne 0 ] || [ "$blocks" -ne 2 ] || ! grep -qE '^ +hypercall\.poll +[1-9]' "$log"; then
	bad "udpecho --stats: status $rc, $blocks blocks, output:"
	sed 's/^/    /' "$log"
else
	echo "ok   udpecho --stats: a block at SIGUSR1 and one at the end"
fi
if check_records "$T/pv.jsonl" 2 \
	'all(v <= f.get(k, -1) for k, v in recs[0]["counters"].items())' \
	'recs[0]["counters"]["emu.insns"] < f["emu.insns"]' \
	'recs[0]["counters"]["pv.hypercall.ring_notify"] > 0' \
	'f["pv.events"] > 0' 'f["pv.hypercall.exit"] == 1' \
	'f["pio.pv-hypercall"] >= sum(v for k, v in f.items() if k.startswith("pv.hypercall."))'; then
	echo "ok   udpecho --stats-file: SIGUSR1's record <= the final one"
else
	bad "udpecho --stats-file:"
	sed 's/^/    /' "$T/pv.jsonl"
fi

# --- 3. no --stats: SIGUSR1 is ignored ---
"$GAMUT" run --mode pv --cpu emu --kernel "$PV_EX/udpecho.pv" \
	--net "lan=user,hostfwd=udp:127.0.0.1:$port-10.0.2.15:7" --cmdline 10.0.2.15 \
	>"$log" 2>&1 &
pid=$!
at_exit "kill $pid"
for _ in $(seq 300); do
	grep -q "udpecho: 10.0.2.15" "$log" && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
kill -USR1 $pid
udp after-usr1 quit || bad "no UDP echo after a SIGUSR1 without --stats"
for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
kill $pid 2>/dev/null
wait $pid
rc=$?
if [ "$rc" -eq 0 ] && ! grep -q "gamut: stats" "$log"; then
	echo "ok   without --stats a SIGUSR1 does nothing"
else
	bad "without --stats, after SIGUSR1: status $rc, output:"
	sed 's/^/    /' "$log"
fi

[ "$fails" -eq 0 ] || exit 1
echo ok
