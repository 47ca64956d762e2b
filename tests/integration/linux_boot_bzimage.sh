#!/usr/bin/env bash
# The Debian cloud kernel from the guest kit boots as the bzImage Debian
# ships, through the Linux 64-bit boot protocol (boot_params, entry at
# code32_start + 0x200, the kernel decompresses itself), to the kit's init,
# runs a command given on the kernel command line, powers off, and gamut
# exits 0.
set -u
. tests/lib/common.sh
. tests/lib/guest.sh
kit_require
backends_require

for cpu in "${BACKENDS[@]}"; do
	n=bzimage-$cpu
	guest_check_kit_boot "$n" "$cpu" "$KIT_BZIMAGE"
	echo "ok: $cpu boots $KIT_KVER through the bzImage 64-bit entry"
done
