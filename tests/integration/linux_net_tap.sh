#!/usr/bin/env bash
# virtio-net on a TAP device: in a network namespace made for the test, a
# TAP device gamut0 has the host side's address 10.99.0.1/24; gamut runs in
# that namespace with --net tap:gamut0.  The guest sets 10.99.0.2/24, pings
# the host side, downloads a file served there over HTTP and uploads one to
# a TCP receiver there (both checksums must match); then the host side
# pings the guest, must have learned its MAC address, and sends it a line
# over TCP.  Nothing outside the namespace is touched.
set -u
. tests/lib/common.sh
. tests/lib/guest.sh
. tests/lib/net.sh
kit_require
need_root "network namespaces and TAP devices"
need_tun
need_cmd ip python3
backends_require

netns_create
netns_tap gamut0 10.99.0.1/24
GUEST_WRAP=(ip netns exec "$NETNS")
mkdir -p "$T/www"
head -c 300000 /dev/urandom >"$T/www/blob.bin"
blob_md5=$(md5_of "$T/www/blob.bin")
http_serve "$T/www" 10.99.0.1 8080
UP_BYTES=200000

for cpu in "${BACKENDS[@]}"; do
	n=tap-$cpu host_ping='' host_connect=''
	tcp_receive 10.99.0.1 9000 "$UP_BYTES" "$T/up-$cpu.bin"
	# The guest does its part, then waits for the host: the host pings it,
	# checks the neighbour entry while the link is up, and connects to it.
	guest_start "$n" "$cpu" "$KIT_VMLINUX" \
		"ip link set eth0 up; ip addr add 10.99.0.2/24 dev eth0; echo mac=\$(cat /sys/class/net/eth0/address); if ping -c 2 -W 10 10.99.0.1 >/dev/null; then echo ping=ok; else echo ping=failed; fi; wget -q -O /tmp/blob http://10.99.0.1:8080/blob.bin; set -- \$(md5sum /tmp/blob); echo got=\$1; dd if=/dev/urandom of=/tmp/up bs=1000 count=$((UP_BYTES / 1000)) 2>/dev/null; set -- \$(md5sum /tmp/up); echo sent=\$1; nc 10.99.0.1 9000 </tmp/up; echo tap-ready; nc -l -p 7000 </dev/null >/tmp/msg; echo msg=\$(cat /tmp/msg)" \
		--net tap:gamut0
	guest_wait_for "$n" '^tap-ready$'
	mac=$(guest_value "$n" mac)
	in_netns ping -c 2 -W 10 10.99.0.2 >/dev/null || host_ping=failed
	neigh=$(in_netns ip neigh show 10.99.0.2 dev gamut0)
	in_netns python3 -c '
import socket, time
for _ in range(100):
    try:
        c = socket.create_connection(("10.99.0.2", 7000), 5)
        break
    except OSError:
        time.sleep(0.2)
c.sendall(b"hello-from-the-host\n")
c.close()
' || host_connect=failed
	guest_wait_exit "$n"
	guest_ok "$n"
	[ "$(guest_value "$n" ping)" = ok ] || guest_fail "$n" "the guest cannot ping 10.99.0.1"
	[ "$(guest_value "$n" got)" = "$blob_md5" ] ||
		guest_fail "$n" "the guest downloaded md5 '$(guest_value "$n" got)', the host serves $blob_md5"
	[ -f "$T/up-$cpu.bin.ok" ] || guest_fail "$n" "the host received no upload"
	[ "$(md5_of "$T/up-$cpu.bin")" = "$(guest_value "$n" sent)" ] ||
		guest_fail "$n" "the host received $(cat "$T/up-$cpu.bin.ok") bytes with md5 $(md5_of "$T/up-$cpu.bin"), the guest sent $(guest_value "$n" sent)"
	[ -z "${host_ping:-}" ] || guest_fail "$n" "the host side cannot ping the guest at 10.99.0.2"
	grep -qi "lladdr $mac" <<<"$neigh" ||
		guest_fail "$n" "the host side did not learn the guest's MAC $mac: '$neigh'"
	[ -z "${host_connect:-}" ] || guest_fail "$n" "the host cannot connect to the guest's port 7000"
	[ "$(guest_value "$n" msg)" = hello-from-the-host ] ||
		guest_fail "$n" "the guest received '$(guest_value "$n" msg)' from the host"
	echo "ok: $cpu: TAP: ping both ways, HTTP download, TCP upload and accept, ARP ($mac)"
done
