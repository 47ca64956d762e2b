#!/usr/bin/env bash
# The PVH test guest checks its entry state and hvm_start_info (magic,
# version, module, command line, RSDP, memory map) and reports PASS
# through the debug-exit port (status 85).
. "$(dirname "$0")/boot_lib.sh"
boot_guest_run pvh_entry 85 "PVH guest: PASS" -- \
	--kernel "$GUESTS/pvh_entry.elf" --initrd "$GUESTS/initrd.img" \
	--cmdline pvh-test-cmdline --mem 64
boot_guest_finish
