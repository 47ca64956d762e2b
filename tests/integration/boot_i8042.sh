#!/usr/bin/env bash
# A guest that resets the machine through the i8042 (0xFE to port 0x64):
# gamut must end with status 0 after the guest's message.
. "$(dirname "$0")/boot_lib.sh"
boot_guest_run i8042_reset 0 "i8042 guest: resetting" -- \
	--kernel "$GUESTS/i8042_reset.elf" --mem 32
boot_guest_finish
