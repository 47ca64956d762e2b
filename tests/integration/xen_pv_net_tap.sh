#!/usr/bin/env bash
# xen-netfront on a TAP device (as linux_net_tap.sh for virtio-net): in a
# network namespace made for the test, TAP gamut0 has 10.99.0.1/24; the
# Debian kernel runs as a Xen PV guest (--cpu emu) with --net tap:gamut0,
# sets 10.99.0.2/24, pings the host side, downloads a file served there
# and uploads one to a TCP receiver there.  The host's own TCP stack takes
# the upload, so the checksums gamut completes for netfront (which always
# offloads them) must be right.  Nothing outside the namespace is touched.
set -u
. tests/lib/common.sh
. tests/lib/guest.sh
. tests/lib/net.sh
kit_require
need_root "network namespaces and TAP devices"
need_tun
need_cmd ip python3

netns_create
netns_tap gamut0 10.99.0.1/24
GUEST_WRAP=(ip netns exec "$NETNS")
mkdir -p "$T/www"
head -c 300000 /dev/urandom >"$T/www/blob.bin"
blob_md5=$(md5_of "$T/www/blob.bin")
http_serve "$T/www" 10.99.0.1 8080
UP_BYTES=200000
tcp_receive 10.99.0.1 9000 "$UP_BYTES" "$T/up.bin"

n=xen-tap
cmd="ip link set eth0 up; ip addr add 10.99.0.2/24 dev eth0; if ping -c 2 -W 10 10.99.0.1 >/dev/null; then echo ping=ok; else echo ping=failed; fi; wget -q -O /tmp/blob http://10.99.0.1:8080/blob.bin; set -- \$(md5sum /tmp/blob); echo got=\$1; dd if=/dev/urandom of=/tmp/up bs=1000 count=$((UP_BYTES / 1000)) 2>/dev/null; set -- \$(md5sum /tmp/up); echo sent=\$1; nc 10.99.0.1 9000 </tmp/up; echo tap-done"
guest_start $n emu "$KIT_VMLINUX" '' --mode pv --mem 512 --net tap:gamut0 \
	--cmdline "console=hvc0 reboot=k panic=-1 gamut.cmd=\"$cmd\""
guest_wait_for $n '^tap-done$'
guest_wait_exit $n
[ "$(guest_value $n ping)" = ok ] || guest_fail $n "the guest cannot ping 10.99.0.1"
[ "$(guest_value $n got)" = "$blob_md5" ] ||
	guest_fail $n "the guest downloaded md5 '$(guest_value $n got)', the host serves $blob_md5"
for _ in $(seq 50); do [ -f "$T/up.bin.ok" ] && break; sleep 0.1; done
[ -f "$T/up.bin.ok" ] || guest_fail $n "the host received no upload"
[ "$(md5_of "$T/up.bin")" = "$(guest_value $n sent)" ] ||
	guest_fail $n "the host received md5 $(md5_of "$T/up.bin"), the guest sent $(guest_value $n sent)"
[ "$GUEST_RC" -eq 0 ] || guest_fail $n "gamut exited $GUEST_RC"
echo "ok: xen-netfront on TAP: ping, HTTP download and TCP upload with checksums the host accepts"
