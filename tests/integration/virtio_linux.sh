#!/usr/bin/env bash
# The full Linux boot on the virtio devices: the guest kit's kernel and
# initramfs find virtio-mmio through ACPI, mount an ext4 file system (made
# on the host) from the virtio-blk disk, write a file, sync (FLUSH), read it
# back after a remount, and ping the slirp gateway over virtio-net.  The
# host then finds the file inside the image.
#
# Backend: kvm where `gamut info` finds it hardware-backed (on a slow,
# nested KVM a Linux boot takes too long, so it is skipped with that
# reason); GAMUT_LINUX_CPU=kvm|emu forces one.  Skips when the guest kit is
# not built (make guest-kit).
set -u
kit="$BUILD/kit"
for f in vmlinux initramfs.cpio.gz; do
	[ -s "$kit/$f" ] || { echo "no guest kit $kit/$f (make guest-kit)"; exit 77; }
done
command -v mkfs.ext4 >/dev/null && command -v debugfs >/dev/null ||
	{ echo "e2fsprogs not installed"; exit 77; }

cpu=${GAMUT_LINUX_CPU:-}
if [ -z "$cpu" ]; then
	reason=$("$GAMUT" info --json --no-measure | python3 -c '
import json, sys
k = json.load(sys.stdin)["kvm"]
if k["capability"] == "none":
    print(k["reason"])
elif k["capability"] != "full":
    print("KVM is not hardware-backed here (%s): a Linux boot would take too long" % k["reason"])')
	[ -n "$reason" ] && { echo "$reason"; exit 77; }
	cpu=kvm
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
img=$tmp/disk.img
truncate -s 64M "$img"
mkfs.ext4 -q -F "$img" || exit 1

cmd='mount /dev/vda /mnt && echo gamut-virtio-ok >/mnt/probe && sync && umount /mnt && mount /dev/vda /mnt && cat /mnt/probe && umount /mnt; ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up && ping -c 1 -W 5 10.0.2.2 && echo gamut-ping-ok; cat /sys/class/virtio-ports/*/name 2>/dev/null; echo gamut-done'
mkdir -p "$tmp/mnt"
timeout 600 "$GAMUT" run --mode pvh --cpu "$cpu" --kernel "$kit/vmlinux" \
	--initrd "$kit/initramfs.cpio.gz" --mem 256 --disk "$img" --net user \
	--console "file:$tmp/console.log" \
	--cmdline "console=ttyS0 reboot=k panic=-1 gamut.cmd=\"mkdir -p /mnt; $cmd\""
rc=$?
cat "$tmp/console.log"
[ $rc -eq 0 ] || { echo "FAIL: gamut exited $rc"; exit 1; }
fail=0
grep -q '^gamut-virtio-ok' "$tmp/console.log" || { echo "FAIL: no file read back from virtio-blk"; fail=1; }
grep -q '^gamut-ping-ok' "$tmp/console.log" || { echo "FAIL: no ping reply over virtio-net"; fail=1; }
# The guest's flushed write is in the image on the host.
out=$(debugfs -R 'cat /probe' "$img" 2>/dev/null)
[ "$out" = gamut-virtio-ok ] || { echo "FAIL: /probe not in the image (got '$out')"; fail=1; }
exit $fail
