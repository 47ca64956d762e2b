#!/usr/bin/env bash
# The e1000 on `--mode hvm --cpu emu`, driven by Debian's generic kernel
# (linux-image-amd64: the kit's cloud kernel has no e1000 driver) booted
# from a disk image through gamut's BIOS and syslinux, with ACPI on.  In a
# network namespace made for the test, a TAP device gamut0 has the host
# side's address 10.99.0.1/24 and gamut runs there with --net tap:gamut0.
# The guest must find its NIC bound to e1000 and its disk to ata_piix,
# ping the host side and fetch a file served there over HTTP (the checksum
# must match); no ACPI error in its dmesg, and power-off ends gamut with 0.
set -u
. tests/lib/common.sh
. tests/lib/net.sh
. tests/integration/pc_lib.sh
pc_need_tools
need_root "network namespaces and TAP devices"
need_tun
need_cmd ip python3

pc_probe hvm "$T"
pc_kit
pc_generic_kernel
pc_generic_initramfs "$T/initrd.gz"

netns_create
netns_tap gamut0 10.99.0.1/24
mkdir -p "$T/www"
head -c 300000 /dev/urandom >"$T/www/blob.bin"
want=$(md5_of "$T/www/blob.bin")
http_serve "$T/www" 10.99.0.1 8080

drv='$(basename $(readlink /sys/class/net/eth0/device/driver))'
cmd="$pc_wait_disk; echo NIC-\$((6*7))-$drv; [ -b /dev/sda ] && ls /sys/bus/pci/drivers/ata_piix | grep -q 0000: && echo DISK-\$((6*7))-ata_piix; ip link set eth0 up; ip addr add 10.99.0.2/24 dev eth0; if ping -c 2 -W 10 10.99.0.1 >/dev/null; then echo PING-\$((6*7))-ok; fi; wget -q -O /tmp/blob http://10.99.0.1:8080/blob.bin; set -- \$(md5sum /tmp/blob); echo GOT-\$((6*7))-\$1; $pc_acpi_cmd; poweroff -f"
pc_disk "$T/disk.img" "$GK_BZIMAGE" "$T/initrd.gz" "console=ttyS0 quiet gamut.cmd=\"$cmd\""

in_netns timeout 1500 "$GAMUT" run --mode hvm --cpu emu --mem 256 --console stdio \
	--disk "$T/disk.img" --net tap:gamut0 </dev/null >"$T/out" 2>&1
rc=$?
cat "$T/out"
grep -q "gamut-kit: init ready ($GK_KVER)" "$T/out" || fail "the generic kernel $GK_KVER did not reach /init"
grep -q "NIC-42-e1000" "$T/out" || fail "eth0 is not driven by e1000"
grep -q "DISK-42-ata_piix" "$T/out" || fail "sda is not on ata_piix"
grep -q "PING-42-ok" "$T/out" || fail "no ping reply from the host side over e1000"
grep -q "GOT-42-$want" "$T/out" || fail "the HTTP download over e1000 does not match (want $want)"
pc_check_acpi "$T/out" hvm || exit 1
[ $rc -eq 0 ] || fail "gamut exited with $rc after the guest's power-off"
echo "hvm: generic kernel $GK_KVER, e1000 over TAP: ping and HTTP GET ok, root disk on ata_piix"
