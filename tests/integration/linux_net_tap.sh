#!/usr/bin/env bash
# virtio-net on a TAP device: in a network namespace made for the test, a
# TAP device gamut0 has the host side's address 10.99.0.1/24; gamut runs in
# that namespace with --net tap:gamut0.  The guest sets 10.99.0.2/24, pings
# the host side, downloads a file served there over HTTP and uploads one to
# a TCP receiver there; both checksums must match, and the host side must
# have learned the guest's MAC address.  Nothing outside the namespace is
# touched.
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
	n=tap-$cpu
	tcp_receive 10.99.0.1 9000 "$UP_BYTES" "$T/up-$cpu.bin"
	in_netns ip neigh flush dev gamut0
	guest_boot "$n" "$cpu" "$KIT_VMLINUX" \
		"ip link set eth0 up; ip addr add 10.99.0.2/24 dev eth0; echo mac=\$(cat /sys/class/net/eth0/address); if ping -c 2 -W 10 10.99.0.1 >/dev/null; then echo ping=ok; else echo ping=failed; fi; wget -q -O /tmp/blob http://10.99.0.1:8080/blob.bin; set -- \$(md5sum /tmp/blob); echo got=\$1; dd if=/dev/urandom of=/tmp/up bs=1000 count=$((UP_BYTES / 1000)) 2>/dev/null; set -- \$(md5sum /tmp/up); echo sent=\$1; nc 10.99.0.1 9000 </tmp/up; echo nc_status=\$?" \
		--net tap:gamut0
	guest_ok "$n"
	mac=$(guest_value "$n" mac)
	[ "$(guest_value "$n" ping)" = ok ] || guest_fail "$n" "the guest cannot ping 10.99.0.1"
	[ "$(guest_value "$n" got)" = "$blob_md5" ] ||
		guest_fail "$n" "the guest downloaded md5 '$(guest_value "$n" got)', the host serves $blob_md5"
	[ -f "$T/up-$cpu.bin.ok" ] || guest_fail "$n" "the host received no upload"
	[ "$(md5_of "$T/up-$cpu.bin")" = "$(guest_value "$n" sent)" ] ||
		guest_fail "$n" "the host received $(cat "$T/up-$cpu.bin.ok") bytes with md5 $(md5_of "$T/up-$cpu.bin"), the guest sent $(guest_value "$n" sent)"
	in_netns ip neigh show 10.99.0.2 dev gamut0 | grep -qi "lladdr $mac" ||
		guest_fail "$n" "the host side did not learn the guest's MAC $mac: $(in_netns ip neigh show dev gamut0)"
	echo "ok: $cpu: TAP: ping, HTTP download ($blob_md5), TCP upload, ARP ($mac)"
done
