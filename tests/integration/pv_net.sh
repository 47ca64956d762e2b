#!/usr/bin/env bash
# PV networking end to end: the udpecho guest on a TAP device answers ARP
# and echoes UDP datagrams the host sends it, then quits on "quit".
set -u
. "$(dirname "$0")/pv_lib.sh"
[ "$(id -u)" -eq 0 ] && [ -c /dev/net/tun ] || pv_skip "needs root and /dev/net/tun for a TAP device"
command -v ip >/dev/null && command -v python3 >/dev/null || pv_skip "needs ip and python3"

tap=pvtest$$
log=$(mktemp)
trap 'kill $gpid 2>/dev/null; ip link del "$tap" 2>/dev/null; rm -f "$log"' EXIT
"$GAMUT" run --mode pv --cpu "$CPU" --kernel "$PV_EX/udpecho.pv" --net "lan=tap:$tap" \
	--cmdline 10.0.79.2 >"$log" 2>&1 &
gpid=$!
for i in $(seq 100); do
	grep -q "udpecho: 10.0.79.2" "$log" && break
	sleep 0.1
done
ip addr add 10.0.79.1/24 dev "$tap" && ip link set "$tap" up || { cat "$log"; exit 1; }
python3 - <<'PY' || { echo "FAIL: no echo"; cat "$log"; exit 1; }
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
for msg in (b"hello pv", b"x" * 1400):
    s.sendto(msg, ("10.0.79.2", 7))
    data, addr = s.recvfrom(2048)
    assert data == msg and addr == ("10.0.79.2", 7), (data[:20], addr)
s.sendto(b"quit", ("10.0.79.2", 7))
print("echo ok")
PY
pv_guest_wait $gpid
rc=$?
cat "$log"
[ "$rc" -eq 0 ] && grep -q "echoed 2 datagrams" "$log"
