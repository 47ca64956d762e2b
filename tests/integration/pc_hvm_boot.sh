#!/usr/bin/env bash
# End to end on `--mode hvm --cpu emu`: a bootable disk image built here
# (MBR partition table, syslinux's MBR and a FAT partition with syslinux,
# Debian's generic kernel, linux-image-amd64, and an initramfs with its
# ata_piix/sd_mod/ext4 modules, an ext4 data partition) boots through
# gamut's BIOS; the guest, unaware of any hypervisor, writes a file on
# the ATA disk, syncs and reboots; a second boot reads it back, and the
# host checks the file in the image too.  ACPI is on (the PC's full FADT):
# the guest's dmesg must show no ACPI error or warning, and its power-off
# (ACPI S5) must end gamut with status 0.
set -u
. tests/integration/pc_lib.sh
pc_need_tools
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pc_probe hvm "$tmp"
pc_kit
pc_generic_kernel
pc_generic_initramfs "$tmp/initrd.gz"
base="console=ttyS0 quiet"
write="$pc_wait_disk; mkdir -p /mnt; mount /dev/sda2 /mnt && echo gamut-pc-\$((6*7)) >/mnt/probe && sync && umount /mnt && echo PC-WROTE-OK; reboot -f"
read_back="$pc_wait_disk; mkdir -p /mnt; mount -o ro /dev/sda2 /mnt && echo PC-READ-\$(cat /mnt/probe); $pc_acpi_cmd; poweroff -f"
pc_disk "$tmp/disk.img" "$GK_BZIMAGE" "$tmp/initrd.gz" "$base gamut.cmd=\"$write\""

boot() { # name
	timeout 1500 "$GAMUT" run --mode hvm --cpu emu --mem 256 --console stdio \
		--disk "$tmp/disk.img" </dev/null >"$tmp/$1.out" 2>&1
	echo $? >"$tmp/$1.rc"
	cat "$tmp/$1.out"
}
boot first
grep -q "^gamut BIOS" "$tmp/first.out" || { echo "no BIOS banner"; exit 1; }
grep -q "SYSLINUX" "$tmp/first.out" || { echo "syslinux did not start"; exit 1; }
grep -q "gamut-kit: init ready ($GK_KVER)" "$tmp/first.out" || { echo "the generic kernel did not reach /init"; exit 1; }
grep -q "PC-WROTE-OK" "$tmp/first.out" || { echo "first boot: the write on /dev/sda2 failed"; exit 1; }
[ "$(cat "$tmp/first.rc")" = 0 ] || { echo "first boot: exit status $(cat "$tmp/first.rc")"; exit 1; }

# The host sees the file in the image (the guest's sync reached the disk).
dd if="$tmp/disk.img" of="$tmp/p2.img" bs=512 skip=$PC_P2_START status=none
[ "$(debugfs -R 'cat /probe' "$tmp/p2.img" 2>/dev/null)" = "gamut-pc-42" ] ||
	{ echo "the file is not in the image"; exit 1; }

pc_set_append "$tmp/disk.img" "$base gamut.cmd=\"$read_back\""
boot second
grep -q "PC-READ-gamut-pc-42" "$tmp/second.out" || { echo "second boot did not read the file back"; exit 1; }
pc_check_acpi "$tmp/second.out" hvm || exit 1
[ "$(cat "$tmp/second.rc")" = 0 ] || { echo "second boot: power-off exit status $(cat "$tmp/second.rc")"; exit 1; }
echo "hvm: BIOS -> syslinux -> generic Linux $GK_KVER (ACPI) on ata_piix, write/sync/reboot/read back, ACPI power-off"
echo "(e1000: pc_e1000_net.sh)"
