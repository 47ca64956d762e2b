#!/usr/bin/env bash
# --net user (libslirp, no root needed): the guest gets its address from
# slirp's DHCP server with udhcpc (10.0.2.15/24, router 10.0.2.2), then
# downloads a file from an HTTP server listening on the host's 127.0.0.1
# through the gateway address 10.0.2.2, which slirp maps to the host's
# loopback.  As root the test runs in a network namespace of its own (only
# lo), so slirp cannot reach any other network; otherwise it uses the
# host's loopback only.
set -u
. tests/lib/common.sh
. tests/lib/guest.sh
. tests/lib/net.sh
kit_require
need_cmd python3
backends_require

if [ "$(id -u)" -eq 0 ] && command -v ip >/dev/null; then
	netns_create
	GUEST_WRAP=(ip netns exec "$NETNS")
	port=8080
else
	port=$(free_port)
fi
mkdir -p "$T/www"
head -c 300000 /dev/urandom >"$T/www/blob.bin"
blob_md5=$(md5_of "$T/www/blob.bin")
http_serve "$T/www" 127.0.0.1 "$port"

for cpu in "${BACKENDS[@]}"; do
	n=user-$cpu
	guest_boot "$n" "$cpu" "$KIT_VMLINUX" \
		"ip link set eth0 up; udhcpc -i eth0 -n -q -t 5 -T 3 >/dev/null 2>&1; echo dhcp=\$?; echo addr=\$(ip -4 -o addr show dev eth0 | grep -o 'inet [0-9./]*'); echo route=\$(ip route show default); wget -q -O /tmp/blob http://10.0.2.2:$port/blob.bin; set -- \$(md5sum /tmp/blob); echo got=\$1" \
		--net user
	guest_ok "$n"
	[ "$(guest_value "$n" dhcp)" = 0 ] || guest_fail "$n" "udhcpc got no lease from slirp"
	[ "$(guest_value "$n" addr)" = "inet 10.0.2.15/24" ] ||
		guest_fail "$n" "eth0 has '$(guest_value "$n" addr)', expected slirp's 10.0.2.15/24"
	guest_expect "$n" '^route=default via 10\.0\.2\.2 dev eth0' "no default route via 10.0.2.2"
	[ "$(guest_value "$n" got)" = "$blob_md5" ] ||
		guest_fail "$n" "the guest downloaded md5 '$(guest_value "$n" got)' through 10.0.2.2, the host serves $blob_md5"
	echo "ok: $cpu: user-mode network: DHCP 10.0.2.15, HTTP from the host's loopback"
done
