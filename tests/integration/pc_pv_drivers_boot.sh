#!/usr/bin/env bash
# `--mode hvm-pv` and `--mode pvhvm` on `--cpu emu`: the same PC, with the
# disk as virtio-blk on PCI, booting the same kind of image as pc_hvm_boot.sh
# (syslinux on a partitioned disk).  The BIOS reaches the disk through its
# paravirtual disk port (there is no IDE controller in these modes); Linux
# must bind virtio_blk through virtio-pci and write and read a file on
# /dev/vda2.  ACPI is on: no ACPI error in the guest's dmesg, and its
# power-off ends gamut with 0.  (pvhvm's PV clock is checked by
# pc_pvhvm_kvmclock.sh.)
set -u
. tests/integration/pc_lib.sh
pc_need_tools
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pc_probe hvm-pv "$tmp"
pc_kit
pc_initramfs "$tmp/initrd.gz"
wait_vda='i=0; while [ ! -b /dev/vda2 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done'
cmd="$wait_vda; ls /sys/bus/virtio/drivers/virtio_blk | grep -q virtio && echo PV-BLK-BOUND; ls /sys/bus/pci/drivers/virtio-pci | grep -q 0000 && echo PV-ON-PCI; mkdir -p /mnt; mount /dev/vda2 /mnt && echo pv-\$((6*7)) >/mnt/f && sync && umount /mnt && mount -o ro /dev/vda2 /mnt && echo PV-READ-\$(cat /mnt/f); echo CLOCK-\$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource); $pc_acpi_cmd; poweroff -f"
pc_disk "$tmp/disk.img" "$KIT/bzImage" "$tmp/initrd.gz" "console=ttyS0 quiet gamut.cmd=\"$cmd\""

fail=0
for mode in hvm-pv pvhvm; do
	timeout 1500 "$GAMUT" run --mode $mode --cpu emu --mem 256 --console stdio \
		--disk "$tmp/disk.img" </dev/null >"$tmp/$mode.out" 2>&1
	rc=$?
	cat "$tmp/$mode.out"
	for want in "^gamut BIOS" "SYSLINUX" "PV-BLK-BOUND" "PV-ON-PCI" "PV-READ-pv-42"; do
		grep -q "$want" "$tmp/$mode.out" || { echo "$mode: no '$want'"; fail=1; }
	done
	pc_check_acpi "$tmp/$mode.out" "$mode" || fail=1
	[ $rc -eq 0 ] || { echo "$mode: exit status $rc after the guest's power-off"; fail=1; }
	echo "$mode: guest clocksource $(sed -n 's/.*CLOCK-//p' "$tmp/$mode.out" | tr -d '\r')"
done
exit $fail
