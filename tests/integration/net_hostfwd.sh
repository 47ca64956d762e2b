#!/usr/bin/env bash
# Host port forwarding on the user-mode backend (libslirp, no root needed):
# `--net lan=user,hostfwd=tcp::PORT-:80` makes the PV httpd example, at
# slirp's first DHCP address 10.0.2.15 (its default forwarding target),
# reachable as http://127.0.0.1:PORT/ from the host: the page, a generated
# body checked byte for byte, a 404, then /quit.  Meanwhile: the listener
# is on 127.0.0.1 only (the default), a second gamut asking for the same
# port fails with "cannot listen on", and a bad rule is refused in one
# line.  Then UDP: the udpecho example echoes datagrams sent to a
# `hostfwd=udp::PORT-:7` port.  As root everything runs in a network
# namespace of its own (only lo); otherwise on the host's loopback.
set -u
. "$(dirname "$0")/pv_lib.sh"
. tests/lib/common.sh
. tests/lib/net.sh
need_cmd curl md5sum python3
[ -f "$PV_EX/httpd.pv" ] && [ -f "$PV_EX/udpecho.pv" ] || skip "no httpd.pv/udpecho.pv in $PV_EX (make pv-examples)"

if [ "$(id -u)" -eq 0 ] && command -v ip >/dev/null; then
	netns_create
	port=8080 uport=8007
else
	port=$(free_port) uport=$(free_port)
fi
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
# Waits for PATTERN in FILE while PID lives; 0 when it appeared.
wait_for() {
	local _
	for _ in $(seq 300); do
		grep -q "$3" "$2" && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# --- TCP: the httpd ---
log=$T/httpd.log
in_netns "$GAMUT" run --mode pv --cpu "$CPU" --kernel "$PV_EX/httpd.pv" \
	--net "lan=user,hostfwd=tcp::$port-:80" --cmdline 10.0.2.15 >"$log" 2>&1 &
gpid=$!
at_exit "kill $gpid"
wait_for $gpid "$log" "httpd: listening on 10.0.2.15:80" || { cat "$log"; fail "the httpd guest did not start"; }

get() { in_netns curl -sS -m 60 "$@"; }
pattern_md5() { yes abcdefghijklmnopqrstuvwxyz | tr -d '\n' | head -c "$1" | md5sum | cut -d' ' -f1; }

page=$(get "http://127.0.0.1:$port/")
grep -q "<h1>Hello from a gamut PV guest</h1>" <<<"$page" && echo "ok   GET / through 127.0.0.1:$port" ||
	bad "GET http://127.0.0.1:$port/ gave: $page"
get -o "$T/body" "http://127.0.0.1:$port/bytes/100000"
size=$(stat -c %s "$T/body" 2>/dev/null || echo none)
[ "$size" = 100000 ] && [ "$(md5sum <"$T/body" | cut -d' ' -f1)" = "$(pattern_md5 100000)" ] &&
	echo "ok   GET /bytes/100000: 100000 bytes, the right ones" || bad "GET /bytes/100000: $size bytes or wrong content"
code=$(get -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/nothing")
[ "$code" = 404 ] && echo "ok   404 for /nothing" || bad "GET /nothing gave status $code"

# The default host address is the loopback, not every address.
if command -v ss >/dev/null; then
	listen=$(in_netns ss -Hltn "sport = :$port" | awk '{print $4}')
	[ "$listen" = "127.0.0.1:$port" ] && echo "ok   listens on 127.0.0.1:$port only" ||
		bad "the forwarded port listens on '$listen', not 127.0.0.1:$port"
fi
# A second VM cannot take the same port; the error says so in one line.
out=$(in_netns timeout 60 "$GAMUT" run --mode pv --cpu "$CPU" --kernel "$PV_EX/httpd.pv" \
	--net "lan=user,hostfwd=tcp::$port-:80" --cmdline 10.0.2.15 2>&1)
rc=$?
[ "$rc" -ne 0 ] && [ "$(wc -l <<<"$out")" -eq 1 ] &&
	grep -q "^gamut: .*cannot listen on tcp 127.0.0.1:$port .*Address already in use" <<<"$out" &&
	echo "ok   a taken port: $out" || bad "a second VM on port $port: status $rc, output: $out"
out=$("$GAMUT" run --mode pv --cpu "$CPU" --kernel "$PV_EX/httpd.pv" \
	--net "lan=user,hostfwd=tcp::$port-:80,hostfwd=tcp::70000-:81" 2>&1)
rc=$?
[ "$rc" -ne 0 ] && [ "$out" = "gamut: --net: hostfwd=tcp::70000-:81: host port 70000 is not in 1..65535" ] &&
	echo "ok   a bad rule: $out" || bad "a bad rule: status $rc, output: $out"

quit=$(get "http://127.0.0.1:$port/quit")
[ "$quit" = "bye." ] || bad "GET /quit gave: $quit"
wait $gpid
rc=$?
[ "$rc" -eq 0 ] && echo "ok   the httpd guest ended with status 0" || { cat "$log"; bad "the httpd guest ended with status $rc"; }

# --- UDP: the echo guest ---
log=$T/udpecho.log
in_netns "$GAMUT" run --mode pv --cpu "$CPU" --kernel "$PV_EX/udpecho.pv" \
	--net "lan=user,hostfwd=udp:127.0.0.1:$uport-10.0.2.15:7" --cmdline 10.0.2.15 >"$log" 2>&1 &
upid=$!
at_exit "kill $upid"
wait_for $upid "$log" "udpecho: 10.0.2.15" || { cat "$log"; fail "the udpecho guest did not start"; }
if in_netns python3 - "$uport" <<'PY'; then
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
for msg in (b"hello through slirp", b"y" * 1400):
    s.sendto(msg, ("127.0.0.1", int(sys.argv[1])))
    data, addr = s.recvfrom(2048)
    assert data == msg, (data[:20], addr)
s.sendto(b"quit", ("127.0.0.1", int(sys.argv[1])))
PY
	echo "ok   UDP echoed through 127.0.0.1:$uport"
else
	bad "no UDP echo through 127.0.0.1:$uport"
fi
for _ in $(seq 100); do kill -0 $upid 2>/dev/null || break; sleep 0.1; done
kill $upid 2>/dev/null
wait $upid
rc=$?
grep -q "echoed 2 datagrams" "$log" && [ "$rc" -eq 0 ] && echo "ok   the udpecho guest echoed 2 and quit" ||
	{ cat "$log"; bad "udpecho: status $rc"; }

[ "$fails" -eq 0 ] || exit 1
echo ok
