#!/usr/bin/env bash
# `--mode hvm-pv` and `--mode pvhvm` on `--cpu emu`: the same PC, with the
# disk as virtio-blk on PCI.  gamut's BIOS has no virtio driver for INT 13h,
# so these modes start the kit kernel with --kernel: the BIOS runs POST and
# enters the bzImage's 16-bit setup code, as a PC boot loader would.  The
# guest must bind virtio_blk through virtio-pci, write and read a file on
# the disk; in pvhvm it reports its clocksource (kvmclock when the CPU
# backend offers it).
set -u
. tests/integration/pc_lib.sh
pc_need_tools
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

probe=$BUILD/guests/bios/services.img
[ -f "$probe" ] || pc_skip "test guest $probe is not built"
cp "$probe" "$tmp/probe.img"
timeout 120 "$GAMUT" run --mode hvm-pv --cpu emu --mem 64 --console stdio \
	--kernel /dev/null --disk "$tmp/probe.img" </dev/null >"$tmp/probe.out" 2>&1
if grep -q "not built yet" "$tmp/probe.out"; then
	pc_skip "$(grep -m1 'not built yet' "$tmp/probe.out" | sed 's/^gamut: //')"
fi
pc_kit
pc_initramfs "$tmp/initrd.gz"
truncate -s 32M "$tmp/data.img"
mkfs.ext4 -q -F "$tmp/data.img"

wait_vda='i=0; while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done'
cmd="$wait_vda; ls /sys/bus/virtio/drivers/virtio_blk | grep -q virtio && echo PV-BLK-BOUND; ls /sys/bus/pci/drivers/virtio-pci | grep -q 0000 && echo PV-ON-PCI; mkdir -p /mnt; mount /dev/vda /mnt && echo pv-\$((6*7)) >/mnt/f && sync && umount /mnt && mount -o ro /dev/vda /mnt && echo PV-READ-\$(cat /mnt/f); echo CLOCK-\$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource); reboot -f"

fail=0
for mode in hvm-pv pvhvm; do
	timeout 1500 "$GAMUT" run --mode $mode --cpu emu --mem 256 --console stdio \
		--kernel "$KIT/bzImage" --initrd "$tmp/initrd.gz" --disk "$tmp/data.img" \
		--cmdline "console=ttyS0 acpi=off quiet gamut.cmd=\"$cmd\"" \
		</dev/null >"$tmp/$mode.out" 2>&1
	rc=$?
	cat "$tmp/$mode.out"
	for want in "^gamut BIOS" "PV-BLK-BOUND" "PV-ON-PCI" "PV-READ-pv-42"; do
		grep -q "$want" "$tmp/$mode.out" || { echo "$mode: no '$want'"; fail=1; }
	done
	[ $rc -eq 0 ] || { echo "$mode: exit status $rc"; fail=1; }
	echo "$mode: guest clocksource $(sed -n 's/.*CLOCK-//p' "$tmp/$mode.out" | tr -d '\r')"
done
exit $fail
