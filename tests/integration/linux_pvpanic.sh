#!/usr/bin/env bash
# A Linux guest that panics ends gamut with status 4 and the one line
# "gamut: guest panicked (pvpanic)", whatever its panic= setting says:
#   PVH (vmlinux), panic=-1   the kernel would reboot at once
#   PC  (--mode hvm, bzImage through the BIOS), panic=0   it would hang
# The kit's kernel finds the pvpanic port through the DSDT (QEMU0001) and
# reports from its panic notifier, before it reboots or hangs.  The PC
# case runs on the first backend only (the PC boot path is the same code
# on each).  docs/devices.md, pvpanic.
set -u
. tests/lib/common.sh
. tests/lib/guest.sh
kit_require
backends_require

panic_cmd='echo pvpanic-devices=$(ls /sys/bus/platform/drivers/pvpanic-mmio | grep -c QEMU0001); echo about-to-panic; echo c >/proc/sysrq-trigger'

check_panic() { # NAME
	local n=$1
	guest_expect "$n" '^pvpanic-devices=1$' "the pvpanic driver did not bind to QEMU0001"
	guest_expect "$n" '^about-to-panic$' "the command did not run"
	guest_expect "$n" 'Kernel panic - not syncing: sysrq triggered crash' "no panic"
	guest_refute "$n" '^gamut-kit: command exited' "the guest survived the crash"
	[ "$(grep -c 'gamut-kit: init ready' "$T/$n.log")" -eq 1 ] ||
		guest_fail "$n" "the guest booted again instead of gamut stopping"
	[ "$GUEST_RC" -eq 4 ] || guest_fail "$n" "gamut exited $GUEST_RC after the panic (expected 4)"
	[ "$(cat "$T/$n.out")" = "gamut: guest panicked (pvpanic)" ] ||
		guest_fail "$n" "expected the one line 'gamut: guest panicked (pvpanic)', got: $(cat "$T/$n.out")"
}

for cpu in "${BACKENDS[@]}"; do
	n=pvh-reboot-$cpu
	guest_boot "$n" "$cpu" "$KIT_VMLINUX" "$panic_cmd"
	check_panic "$n"
	echo "ok: $cpu: PVH, panic=-1: exit 4, $(cat "$T/$n.out")"
done

cpu=${BACKENDS[0]}
n=pc-hang-$cpu
guest_run "$n" "$cpu" --mode hvm --kernel "$KIT_BZIMAGE" --initrd "$KIT_INITRD" \
	--cmdline "$(guest_cmdline "$panic_cmd" | sed 's/panic=-1/panic=0/')"
check_panic "$n"
echo "ok: $cpu: PC (hvm), panic=0: exit 4, $(cat "$T/$n.out")"
