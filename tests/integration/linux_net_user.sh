#!/usr/bin/env bash
# --net user (libslirp, no root needed): the guest gets its address from
# slirp's DHCP server with udhcpc (10.0.2.15/24, router 10.0.2.2), then
# downloads a file from an HTTP server listening on the host's 127.0.0.1
# through the gateway address 10.0.2.2, which slirp maps to the host's
# loopback.  Then the other way, through host port forwarding
# (hostfwd=tcp::HPORT-:80, guest address left to its default 10.0.2.15): the
# guest serves a random file with busybox httpd and the host fetches it with
# curl from 127.0.0.1:HPORT; a second rule (hostfwd=tcp::GPORT-:81) carries
# the host's "done" to a waiting nc in the guest, which then powers off.
# All in one boot.  As root the test runs in a network namespace of its own
# (only lo), so slirp cannot reach any other network; otherwise it uses the
# host's loopback only.
set -u
. tests/lib/common.sh
. tests/lib/guest.sh
. tests/lib/net.sh
kit_require
need_cmd python3 curl md5sum
backends_require

user_net_ports port hport gport
mkdir -p "$T/www"
head -c 300000 /dev/urandom >"$T/www/blob.bin"
blob_md5=$(md5_of "$T/www/blob.bin")
http_serve "$T/www" 127.0.0.1 "$port"

for cpu in "${BACKENDS[@]}"; do
	n=user-$cpu
	guest_start "$n" "$cpu" "$KIT_VMLINUX" \
		"ip link set eth0 up; udhcpc -i eth0 -n -q -t 5 -T 3 >/dev/null 2>&1; echo dhcp=\$?; echo addr=\$(ip -4 -o addr show dev eth0 | grep -o 'inet [0-9./]*'); echo route=\$(ip route show default); wget -q -O /tmp/blob http://10.0.2.2:$port/blob.bin; set -- \$(md5sum /tmp/blob); echo got=\$1; mkdir -p /www; head -c 200000 /dev/urandom >/www/page.bin; set -- \$(md5sum /www/page.bin); echo served=\$1; nc -l -p 81 </dev/null >/tmp/go & httpd -p 80 -h /www; echo httpd-ready; wait \$!; echo go=\$(cat /tmp/go)" \
		--net "user,hostfwd=tcp::$hport-:80,hostfwd=tcp::$gport-:81"
	guest_wait_for "$n" '^httpd-ready'
	served=$(guest_value "$n" served)
	# busybox httpd may still be starting: slirp accepts for it meanwhile.
	fetched=$(in_netns curl -sS -m 120 --retry 5 --retry-delay 1 --retry-all-errors \
		"http://127.0.0.1:$hport/page.bin" | md5sum | cut -d' ' -f1)
	in_netns bash -c "exec 3<>/dev/tcp/127.0.0.1/$gport && printf done >&3" ||
		guest_fail "$n" "cannot connect to the forwarded port 127.0.0.1:$gport"
	guest_wait_exit "$n"
	guest_ok "$n"
	[ "$(guest_value "$n" dhcp)" = 0 ] || guest_fail "$n" "udhcpc got no lease from slirp"
	[ "$(guest_value "$n" addr)" = "inet 10.0.2.15/24" ] ||
		guest_fail "$n" "eth0 has '$(guest_value "$n" addr)', expected slirp's 10.0.2.15/24"
	guest_expect "$n" '^route=default via 10\.0\.2\.2 dev eth0' "no default route via 10.0.2.2"
	[ "$(guest_value "$n" got)" = "$blob_md5" ] ||
		guest_fail "$n" "the guest downloaded md5 '$(guest_value "$n" got)' through 10.0.2.2, the host serves $blob_md5"
	[ -n "$served" ] && [ "$fetched" = "$served" ] ||
		guest_fail "$n" "curl from 127.0.0.1:$hport got md5 '$fetched', the guest serves '$served'"
	[ "$(guest_value "$n" go)" = done ] ||
		guest_fail "$n" "the guest's nc on port 81 got '$(guest_value "$n" go)' through 127.0.0.1:$gport, not 'done'"
	echo "ok: $cpu: user-mode network: DHCP 10.0.2.15, HTTP from the host's loopback, HTTP and TCP from the host through hostfwd"
done
