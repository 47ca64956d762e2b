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
	guest_check_kit_boot "$n" "$cpu" "$KIT_VMLINUX"
	echo "ok: $cpu boots $KIT_KVER through PVH"
done
