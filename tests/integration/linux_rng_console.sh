#!/usr/bin/env bash
# virtio-rng and virtio-console in the Linux guest:
#  - hw_random's current source is the virtio one and /dev/hwrng yields
#    bytes (two reads differ);
#  - /dev/hvc0 exists and a line written to it reaches the host's console
#    file (gamut's --console carries virtio-console output too).  The line
#    is computed in the guest, so the command line itself cannot supply it.
set -u
. tests/lib/common.sh
. tests/lib/guest.sh
kit_require
backends_require

for cpu in "${BACKENDS[@]}"; do
	n=rngcon-$cpu
	guest_boot "$n" "$cpu" "$KIT_VMLINUX" \
		'echo rng=$(cat /sys/class/misc/hw_random/rng_current); echo bytes=$(head -c 64 /dev/hwrng | wc -c); set -- $(head -c 32 /dev/hwrng | md5sum); a=$1; set -- $(head -c 32 /dev/hwrng | md5sum); [ $a != $1 ] && echo differ=yes; echo hvc=$(cat /sys/class/tty/hvc0/dev); echo hvc0-says-$((6*7))-from-$(uname -m) >/dev/hvc0'
	guest_ok "$n"
	guest_expect "$n" '^rng=virtio_rng' "hw_random's current source is '$(guest_value "$n" rng)', not virtio_rng"
	[ "$(guest_value "$n" bytes)" = 64 ] || guest_fail "$n" "/dev/hwrng gave $(guest_value "$n" bytes) of 64 bytes"
	[ "$(guest_value "$n" differ)" = yes ] || guest_fail "$n" "two reads of /dev/hwrng returned the same bytes"
	[ "$(guest_value "$n" hvc)" = 229:0 ] || guest_fail "$n" "/sys/class/tty/hvc0/dev is '$(guest_value "$n" hvc)', expected 229:0"
	guest_expect "$n" '^hvc0-says-42-from-x86_64$' "the line written to /dev/hvc0 did not reach the console"
	echo "ok: $cpu: virtio-rng feeds /dev/hwrng, /dev/hvc0 reaches the console"
done
