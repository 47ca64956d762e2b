#!/usr/bin/env bash
# How a Linux guest ends, and gamut's exit status for each:
#   poweroff -f              ACPI S5 (sleep control register)  -> 0
#   reboot -f  (reboot=k)    reset through the i8042            -> 0
#   reboot -f  (reboot=t)    the kernel triple-faults on purpose -> non-zero,
#                            one line "gamut: ... triple fault ..."
# A guest-initiated power-off or reset is a clean end of the VM (status 0);
# a triple fault is a crash of the guest CPU, reported with its reason.
# A panic ends gamut with 4 through pvpanic, even under panic=-1:
# linux_pvpanic.sh.
set -u
. tests/lib/common.sh
. tests/lib/guest.sh
kit_require
backends_require

for cpu in "${BACKENDS[@]}"; do
	n=poweroff-$cpu
	guest_boot "$n" "$cpu" "$KIT_VMLINUX" 'echo about-to-power-off; poweroff -f'
	guest_expect "$n" '^about-to-power-off$' "the command did not run"
	guest_expect "$n" 'reboot: Power down' "the kernel did not power down"
	guest_refute "$n" '^gamut-kit: command exited' "poweroff -f returned"
	[ "$GUEST_RC" -eq 0 ] || guest_fail "$n" "gamut exited $GUEST_RC after poweroff (expected 0)"

	n=reboot-$cpu
	guest_boot "$n" "$cpu" "$KIT_VMLINUX" 'echo about-to-reboot; reboot -f'
	guest_expect "$n" '^about-to-reboot$' "the command did not run"
	guest_expect "$n" 'reboot: Restarting system' "the kernel did not restart"
	guest_refute "$n" 'reboot: Power down' "reboot powered off instead"
	[ "$GUEST_RC" -eq 0 ] || guest_fail "$n" "gamut exited $GUEST_RC after reboot (expected 0)"
	[ "$(grep -c 'gamut-kit: init ready' "$T/$n.log")" -eq 1 ] ||
		guest_fail "$n" "the guest booted again instead of gamut exiting"

	n=triple-$cpu
	guest_run "$n" "$cpu" --kernel "$KIT_VMLINUX" --initrd "$KIT_INITRD" \
		--cmdline "$(guest_cmdline 'echo about-to-triple-fault; reboot -f' | sed 's/reboot=k/reboot=t/')"
	guest_expect "$n" '^about-to-triple-fault$' "the command did not run"
	[ "$GUEST_RC" -ne 0 ] || guest_fail "$n" "gamut exited 0 after a triple fault (expected non-zero)"
	grep -Eiq '^gamut: .*triple fault' "$T/$n.out" ||
		guest_fail "$n" "gamut did not say 'gamut: ... triple fault': $(cat "$T/$n.out")"
	echo "ok: $cpu: poweroff 0, reboot 0, triple fault $GUEST_RC ($(cat "$T/$n.out"))"
done
