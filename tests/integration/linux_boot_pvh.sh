#!/usr/bin/env bash
# The Debian cloud kernel from the guest kit boots through the PVH entry
# (ELF vmlinux, note 18) to the kit's init, runs a command given on the
# kernel command line, powers off, and gamut exits 0.
set -u
. tests/lib/common.sh
. tests/lib/guest.sh
kit_require
backends_require

for cpu in "${BACKENDS[@]}"; do
	n=pvh-$cpu
	guest_boot "$n" "$cpu" "$KIT_VMLINUX" \
		'echo uname=$(uname -r) $(uname -m); grep -m1 ^flags /proc/cpuinfo; grep -c ^processor /proc/cpuinfo | sed s/^/ncpu=/; cat /proc/cmdline | sed s/^/cmdline=/'
	guest_ok "$n"
	[ "$(guest_value "$n" uname)" = "$KIT_KVER x86_64" ] ||
		guest_fail "$n" "uname says '$(guest_value "$n" uname)', the kit's kernel is '$KIT_KVER x86_64'"
	guest_expect "$n" "^gamut-kit: init ready \\($KIT_KVER\\)" "init ready names another kernel"
	guest_expect "$n" '^flags.* fpu .* pae .* sse2 .* lm( |$)' "/proc/cpuinfo lacks fpu/pae/sse2/lm"
	[ "$(guest_value "$n" ncpu)" = 1 ] || guest_fail "$n" "expected 1 processor, /proc/cpuinfo lists $(guest_value "$n" ncpu)"
	guest_expect "$n" '^cmdline=.*console=ttyS0.*gamut\.cmd=' "/proc/cmdline is not the one given"
	echo "ok: $cpu boots $KIT_KVER through PVH"
done
