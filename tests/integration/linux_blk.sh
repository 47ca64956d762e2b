#!/usr/bin/env bash
# virtio-blk with a real ext4 image made on the host (mkfs.ext4 -d):
#  1. the guest mounts /dev/vda read-write, reads the host's file, writes
#     its own, syncs, unmounts and powers off; the host finds that file in
#     the image (debugfs) and e2fsck finds the file system clean;
#  2. a second boot reads the guest's file back with the same checksum;
#  3. with --disk IMAGE,ro the guest sees a read-only disk, writes to the
#     device and to the file system fail, and the image is unchanged;
#  4. a write the guest synced reaches the image even when gamut is then
#     killed (SIGKILL) before the guest unmounts.
set -u
. tests/lib/common.sh
. tests/lib/guest.sh
. tests/lib/disk.sh
kit_require
need_cmd mkfs.ext4 debugfs e2fsck
backends_require

mkdir -p "$T/files"
head -c 100000 /dev/urandom >"$T/files/hello.bin"
host_md5=$(md5_of "$T/files/hello.bin")
MOUNT='mkdir -p /mnt; mount /dev/vda /mnt || exit 1; echo mnt=$(grep ^/dev/vda /proc/mounts)'
MD5='set -- $(md5sum /mnt/hello.bin); echo read=$1'

for cpu in "${BACKENDS[@]}"; do
	img=$T/disk-$cpu.img
	mkext4 "$img" 32 "$T/files"

	# 1. read-write
	n=blk-write-$cpu
	guest_boot "$n" "$cpu" "$KIT_VMLINUX" \
		"$MOUNT; $MD5; dd if=/dev/urandom of=/mnt/guest.bin bs=1024 count=512 2>/dev/null; set -- \$(md5sum /mnt/guest.bin); echo wrote=\$1; sync; umount /mnt" \
		--disk "$img"
	guest_ok "$n"
	guest_expect "$n" '^mnt=/dev/vda /mnt ext4 rw[, ]' "/dev/vda is not mounted read-write as ext4"
	[ "$(guest_value "$n" read)" = "$host_md5" ] ||
		guest_fail "$n" "the guest read hello.bin as md5 '$(guest_value "$n" read)', the host wrote $host_md5"
	wrote=$(guest_value "$n" wrote)
	[ -n "$wrote" ] || guest_fail "$n" "the guest did not report its file's checksum"
	ext4_check "$img"
	[ "$(ext4_md5 "$img" /guest.bin)" = "$wrote" ] ||
		fail "$n: guest.bin in $img has md5 '$(ext4_md5 "$img" /guest.bin)', the guest wrote $wrote"

	# 2. read back after a reboot of the VM
	n=blk-read-$cpu
	guest_boot "$n" "$cpu" "$KIT_VMLINUX" \
		"$MOUNT; set -- \$(md5sum /mnt/guest.bin); echo back=\$1; umount /mnt" \
		--disk "$img"
	guest_ok "$n"
	[ "$(guest_value "$n" back)" = "$wrote" ] ||
		guest_fail "$n" "second boot reads guest.bin as '$(guest_value "$n" back)', the first wrote $wrote"

	# 3. read-only
	n=blk-ro-$cpu
	before=$(md5_of "$img")
	guest_boot "$n" "$cpu" "$KIT_VMLINUX" \
		"echo ro=\$(cat /sys/block/vda/ro); if dd if=/dev/zero of=/dev/vda bs=4096 count=1 seek=100 conv=notrunc,fsync 2>/dev/null; then echo devwrite=accepted; else echo devwrite=refused; fi; $MOUNT; if touch /mnt/new 2>/dev/null; then echo fswrite=accepted; else echo fswrite=refused; fi; $MD5; umount /mnt" \
		--disk "$img,ro"
	guest_ok "$n"
	[ "$(guest_value "$n" ro)" = 1 ] || guest_fail "$n" "/sys/block/vda/ro is '$(guest_value "$n" ro)', expected 1"
	[ "$(guest_value "$n" devwrite)" = refused ] || guest_fail "$n" "a write to the read-only /dev/vda succeeded"
	[ "$(guest_value "$n" fswrite)" = refused ] || guest_fail "$n" "a file was created on the read-only disk"
	[ "$(guest_value "$n" read)" = "$host_md5" ] || guest_fail "$n" "hello.bin reads wrong from the read-only disk"
	[ "$(md5_of "$img")" = "$before" ] || fail "$n: the read-only image changed"
	# 4. synced data survives gamut being killed: the guest writes, syncs,
	# says so, and waits; the host kills gamut at once and replays the
	# journal on a copy of the image.
	n=blk-kill-$cpu
	guest_start "$n" "$cpu" "$KIT_VMLINUX" \
		"$MOUNT; dd if=/dev/urandom of=/mnt/late.bin bs=1024 count=64 2>/dev/null; set -- \$(md5sum /mnt/late.bin); sync; echo synced=\$1; sleep 1000" \
		--disk "$img"
	guest_wait_for "$n" '^synced='
	guest_kill "$n"
	late=$(guest_value "$n" synced)
	[ -n "$late" ] || guest_fail "$n" "the guest never reported a synced write"
	cp "$img" "$T/crash.img"
	e2fsck -fy "$T/crash.img" >/dev/null 2>&1
	[ $? -le 1 ] || fail "$n: e2fsck -fy cannot repair the image left by a killed gamut"
	[ "$(ext4_md5 "$T/crash.img" /late.bin)" = "$late" ] ||
		fail "$n: after kill -9, late.bin in the image has md5 '$(ext4_md5 "$T/crash.img" /late.bin)', the guest synced $late"

	echo "ok: $cpu: ext4 on virtio-blk: write, read back, read-only, synced data survives kill -9"
done
