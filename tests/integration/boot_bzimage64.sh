#!/usr/bin/env bash
# The fake bzImage checks the Linux 64-bit boot protocol entry: long mode,
# identity mapping, __BOOT_CS/__BOOT_DS, RSI = zero page with the command
# line, e820 and initrd; PASS is debug-exit status 85.
. "$(dirname "$0")/boot_lib.sh"
boot_guest_run bzimage64 85 "bzImage guest: PASS" -- \
	--kernel "$GUESTS/bzimage64.bin" --initrd "$GUESTS/initrd.img" \
	--cmdline bz-test-cmdline --mem 64
boot_guest_finish
