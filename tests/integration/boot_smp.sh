#!/usr/bin/env bash
# SMP bring-up: the guest counts CPUs in the MADT and starts the APs with
# INIT/SIPI through its Local APIC; every AP must check in exactly once.
. "$(dirname "$0")/boot_lib.sh"
boot_guest_run smp 85 "SMP guest: PASS" -- \
	--kernel "$GUESTS/smp.elf" --cpus 4 --mem 32
boot_guest_finish
