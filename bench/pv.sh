#!/usr/bin/env bash
# PV mode (docs/pv-abi.md), on every CPU backend that runs PV guests here:
# the CPU-bound guest against the same code run natively, the hypercall
# round trip and timer event latency, time from `gamut run` to main(), and
# a sequential read of a 256 MiB image against the host reading the same
# file, UDP ping-pong through a TAP device against host loopback, and HTTP
# GET throughput from the PV httpd guest (its own TCP) over a TAP device
# against the same transfer from a host server on loopback.  Medians of 5
# runs (3 on the software CPU); figures only, no asserts.
set -u
BUILD=${BUILD:-build}
GAMUT=${GAMUT:-$PWD/$BUILD/gamut}
EX=$BUILD/pv-examples
[ -f "$EX/hello.pv" ] || { echo "PV examples not built (make pv-examples)"; exit 0; }

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
ms_of() { sed -n 's/.* in \([0-9.]*\) ms.*/\1/p'; }
now_ns() { date +%s%N; }

img=$(mktemp /tmp/gamut-pvbench-XXXXXX.img)
trap 'rm -f "$img"' EXIT
dd if=/dev/urandom of="$img" bs=1M count=256 status=none

# UDP ping-pong of 1400-byte datagrams: the PV udpecho guest on a TAP
# device, next to a host echo server on the loopback interface.
udp_client() { # HOST PORT COUNT -> "MiB/s round-trip-us"
	python3 - "$@" <<'PY'
import socket, sys, time
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
msg = b"x" * 1400
s.sendto(msg, (host, port)); s.recvfrom(2048)  # warm up (ARP)
t0 = time.monotonic()
for _ in range(n):
    s.sendto(msg, (host, port))
    s.recvfrom(2048)
dt = time.monotonic() - t0
print("%.1f %.0f" % (2 * n * len(msg) / dt / 2**20, dt / n * 1e6))
PY
}

net_bench() {
	local cpu=$1 tap=pvbench$$ gpid lpid host guest
	if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ] || ! command -v python3 >/dev/null; then
		echo "PV network: not measured (needs root, /dev/net/tun and python3)"
		return
	fi
	python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 17007))
while True:
    d, a = s.recvfrom(2048); s.sendto(d, a)' &
	lpid=$!
	"$GAMUT" run --mode pv --cpu "$cpu" --kernel "$EX/udpecho.pv" --net "lan=tap:$tap" \
		--cmdline 10.0.81.2 >/dev/null 2>&1 &
	gpid=$!
	for i in $(seq 100); do ip link show "$tap" >/dev/null 2>&1 && break; sleep 0.1; done
	ip addr add 10.0.81.1/24 dev "$tap" && ip link set "$tap" up
	sleep 0.2
	host=$(udp_client 127.0.0.1 17007 2000)
	guest=$(udp_client 10.0.81.2 7 2000)
	python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"quit", ("10.0.81.2", 7))'
	kill $lpid 2>/dev/null
	wait $gpid 2>/dev/null
	kill $gpid 2>/dev/null
	echo "UDP ping-pong, 1400-byte datagrams (MiB/s both ways, round trip us): host loopback ${host:-failed}, PV guest over TAP ${guest:-failed}"
}

# GET /bytes/N with curl: the PV httpd guest over a TAP device in a network
# namespace, next to busybox httpd (else python3 -m http.server) serving a
# file of the same N bytes on that namespace's loopback.
http_bench() {
	local cpu=$1 runs=$2 mib=$3 ns=gamut-pvbench-$$ dir gpid spid host guest
	if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ] || ! command -v curl >/dev/null ||
	   [ ! -f "$EX/httpd.pv" ]; then
		echo "PV HTTP throughput: not measured (needs root, /dev/net/tun, curl and httpd.pv)"
		return
	fi
	local bytes=$((mib << 20))
	dir=$(mktemp -d)
	yes abcdefghijklmnopqrstuvwxyz | tr -d '\n' | head -c "$bytes" >"$dir/blob"
	ip netns add "$ns" && ip -n "$ns" link set lo up &&
		ip -n "$ns" tuntap add dev pvb0 mode tap &&
		ip -n "$ns" addr add 10.0.83.1/24 dev pvb0 && ip -n "$ns" link set pvb0 up || {
		echo "PV HTTP throughput: not measured (cannot set up a network namespace)"
		ip netns del "$ns" 2>/dev/null; rm -rf "$dir"; return; }
	if busybox httpd --help >/dev/null 2>&1; then
		ip netns exec "$ns" busybox httpd -f -p 127.0.0.1:8080 -h "$dir" &
	else
		ip netns exec "$ns" python3 -m http.server --bind 127.0.0.1 --directory "$dir" 8080 \
			>/dev/null 2>&1 &
	fi
	spid=$!
	ip netns exec "$ns" "$GAMUT" run --mode pv --cpu "$cpu" --kernel "$EX/httpd.pv" \
		--net lan=tap:pvb0 --cmdline 10.0.83.2 >/dev/null 2>&1 &
	gpid=$!
	speed() { # URL -> MiB/s of one GET, if the body is whole
		ip netns exec "$ns" curl -s -m 300 -o /dev/null -w '%{size_download} %{speed_download}\n' "$1" |
			awk -v b="$bytes" '$1 == b { printf "%.1f\n", $2 / 1048576 }'
	}
	sleep 1
	speed http://127.0.0.1:8080/blob >/dev/null; speed "http://10.0.83.2/bytes/1" >/dev/null # warm up
	host=$(for i in $(seq "$runs"); do speed http://127.0.0.1:8080/blob; done | median)
	guest=$(for i in $(seq "$runs"); do speed "http://10.0.83.2/bytes/$bytes"; done | median)
	ip netns exec "$ns" curl -s -m 30 -o /dev/null http://10.0.83.2/quit
	wait $gpid 2>/dev/null
	kill $spid 2>/dev/null
	wait $spid 2>/dev/null
	ip netns del "$ns"
	rm -rf "$dir"
	echo "HTTP GET of $mib MiB with curl (MiB/s, median of $runs): host server on loopback ${host:-failed}, PV httpd guest over TAP ${guest:-failed}"
}

for cpu in kvm emu; do
	if ! out=$("$GAMUT" run --mode pv --cpu "$cpu" --kernel "$EX/hello.pv" 2>&1); then
		echo "pv on --cpu $cpu: cannot run here ($(tail -1 <<<"$out"))"
		continue
	fi
	runs=5 rounds=100
	[ "$cpu" = emu ] && runs=3 rounds=2
	echo "-- pv on --cpu $cpu ($runs runs each)"

	native=$(for i in $(seq $runs); do "$EX/cpubench-native" $rounds | ms_of; done | median)
	guest=$(for i in $(seq $runs); do
		"$GAMUT" run --mode pv --cpu "$cpu" --kernel "$EX/cpubench.pv" --cmdline "$rounds" | ms_of
	done | median)
	awk -v n="$native" -v g="$guest" -v r="$rounds" 'BEGIN {
		printf "cpubench (%d rounds): native %.1f ms, PV guest %.1f ms, guest/native %.4f (%+.2f %%)\n",
		       r, n, g, g / n, (g / n - 1) * 100 }'

	hc=$("$GAMUT" run --mode pv --cpu "$cpu" --kernel "$EX/hcbench.pv" --cmdline "20000 50")
	grep -E "round trip|latency" <<<"$hc" | sed 's/^hcbench: //'
	startup=$(for i in $(seq $runs); do
		t0=$(now_ns)
		m=$("$GAMUT" run --mode pv --cpu "$cpu" --kernel "$EX/hcbench.pv" --cmdline "1 1" |
		    sed -n 's/.*main_wall_ns \([0-9]*\).*/\1/p')
		echo $(( (m - t0) / 1000 ))
	done | median)
	echo "time from gamut run to the guest's main(): ${startup} us"

	host=$(for i in $(seq $runs); do
		t0=$(now_ns); dd if="$img" of=/dev/null bs=8M status=none; t1=$(now_ns)
		echo $(( (t1 - t0) / 1000 ))
	done | median)
	pvblk=$(for i in $(seq $runs); do
		"$GAMUT" run --mode pv --cpu "$cpu" --kernel "$EX/blkbench.pv" --disk "data=$img,ro" \
			--cmdline 8 | sed -n 's/.*read 256 MiB in \([0-9.]*\) ms.*/\1/p'
	done | median)
	awk -v h="$host" -v g="$pvblk" 'BEGIN {
		hm = 256 / (h / 1e6); gm = (g > 0) ? 256 / (g / 1e3) : 0
		printf "block read 256 MiB (page cache warm): host dd %.0f MiB/s, PV guest %.0f MiB/s, guest/host %.2f\n",
		       hm, gm, gm / hm }'
	net_bench "$cpu"
	if [ "$cpu" = emu ]; then http_bench "$cpu" "$runs" 16; else http_bench "$cpu" "$runs" 64; fi
done
