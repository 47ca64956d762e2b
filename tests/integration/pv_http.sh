#!/usr/bin/env bash
# The PV httpd example (examples/pv/httpd.c, the SDK's own TCP/IP in
# guest/pv/lib/net_*.c) served to the host over a TAP device that lives in
# a network namespace made for the test: ping, the fixed page, generated
# bodies of several sizes (checked byte for byte), a 404, a refused port
# (the guest's RST), ten requests in a row, then a transfer with 10 % of the
# segments dropped both ways by iptables, which only the guest's
# retransmission timer can recover, and /quit (exit status 0, statistics).
# The same server through the user-mode backend's host port forwarding
# (--net lan=user,hostfwd=...) is tests/integration/net_hostfwd.sh.
set -u
. "$(dirname "$0")/pv_lib.sh"
. tests/lib/common.sh
. tests/lib/net.sh
need_root
need_tun
need_cmd ip curl md5sum
[ -f "$PV_EX/httpd.pv" ] || skip "no $PV_EX/httpd.pv (make pv-examples)"

pv_httpd_start pvh0
log=$GUEST_LOG gpid=$GUEST_PID

bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
get() { in_netns curl -sS -m "${CURL_MAX:-60}" "$@"; }
# The body /bytes/N must have: byte i is 'a' + i % 26.
pattern_md5() { yes abcdefghijklmnopqrstuvwxyz | tr -d '\n' | head -c "$1" | md5sum | cut -d' ' -f1; }
check_bytes() {
	local n=$1 got
	got=$(get "http://10.0.80.2/bytes/$n" | md5sum | cut -d' ' -f1)
	[ "$got" = "$(pattern_md5 "$n")" ] && echo "ok   GET /bytes/$n" || bad "GET /bytes/$n: body md5 $got"
}

in_netns ping -c 3 -W 5 10.0.80.2 >/dev/null && echo "ok   ping" || bad "ping 10.0.80.2"
page=$(get http://10.0.80.2/)
grep -q "<h1>Hello from a gamut PV guest</h1>" <<<"$page" && echo "ok   GET /" || bad "GET / gave: $page"
hdr=$(get -D - -o /dev/null http://10.0.80.2/bytes/7)
grep -q "^HTTP/1.0 200 OK" <<<"$hdr" && grep -qi "^Content-Length: 7" <<<"$hdr" &&
	echo "ok   response head" || bad "response head: $hdr"
for n in 0 1 1460 100003 1048576; do check_bytes $n; done
for p in nothing bytes/99999999999999999999 bytes/x; do
	code=$(get -o /dev/null -w '%{http_code}' "http://10.0.80.2/$p")
	[ "$code" = 404 ] && echo "ok   404 for /$p" || bad "GET /$p gave status $code"
done
# A port nobody listens on: the guest answers the SYN with a RST at once.
refused=$(in_netns timeout 20 bash -c 'exec 3<>/dev/tcp/10.0.80.2/81' 2>&1)
grep -q "Connection refused" <<<"$refused" && echo "ok   port 81 refused" || bad "port 81: $refused"
ok=0
for i in $(seq 10); do get http://10.0.80.2/ | grep -q "gamut PV guest" && ok=$((ok + 1)); done
[ "$ok" -eq 10 ] && echo "ok   10 requests in a row" || bad "only $ok of 10 requests in a row"

# Loss both ways: the host retransmits its own segments, the guest must
# retransmit its data, SYN-ACK and FIN on its timer (it has no fast
# retransmit), so the body arrives whole only if that works.
lossy=1
for chain in "INPUT -s 10.0.80.2" "OUTPUT -d 10.0.80.2"; do
	in_netns iptables -A $chain -p tcp -m statistic --mode random --probability 0.1 -j DROP \
		2>/dev/null || lossy=0
done
if [ "$lossy" -eq 1 ]; then
	# Timer-only recovery backs off exponentially: a segment dropped
	# several times in a row stalls for seconds, so this transfer is
	# smaller and given longer than the others (60 s was once too short
	# for 300000 bytes on a loaded machine).
	CURL_MAX=180 check_bytes 150000
else
	echo "note: no lossy transfer: iptables (statistic match) cannot drop packets here"
fi
in_netns iptables -F 2>/dev/null

quit=$(get http://10.0.80.2/quit)
[ "$quit" = "bye." ] || bad "GET /quit gave: $quit"
pv_guest_wait $gpid
rc=$?
cat "$log"
[ "$rc" -eq 0 ] || bad "the guest ended with status $rc, not 0"
rto=$(sed -n 's/.* \([0-9]*\) retransmission timeouts.*/\1/p' "$log")
if [ "$lossy" -eq 1 ]; then
	[ "${rto:-0}" -gt 0 ] && echo "ok   the guest retransmitted after $rto timeouts" ||
		bad "the lossy transfer needed no retransmission by the guest (stats: ${rto:-none})"
fi
[ "$fails" -eq 0 ] || exit 1
echo ok
