# Helpers for the legacy-PC integration tests (sourced, not run).
#
# pc_kit             the guest kit (guest/kit/build.sh) in $KIT, or skip
# pc_initramfs OUT   the kit's initramfs plus the PC drivers (ata_piix,
#                    sd_mod, virtio_pci, virtio_blk, virtio_net, vfat)
# pc_disk IMG KERNEL INITRD APPEND
#                    a 64 MiB disk: MBR partition table, syslinux's MBR,
#                    p1 FAT16 (bootable) with syslinux, the kernel and the
#                    initramfs, p2 ext4 for data
# pc_set_append IMG APPEND   rewrites p1's syslinux.cfg (no mount needed)
#
# Everything comes from Debian packages: syslinux, syslinux-common, mtools,
# fdisk, dosfstools, e2fsprogs.

PC_P1_START=2048	# sectors
PC_P1_SECTORS=65536	# 32 MiB
PC_P2_START=$((PC_P1_START + PC_P1_SECTORS))
PC_DISK_MIB=64

pc_skip() { echo "$*"; exit 77; }

pc_need_tools() {
	local t
	for t in syslinux sfdisk mcopy mkfs.fat mkfs.ext4 cpio depmod; do
		command -v "$t" >/dev/null || pc_skip "$t is not installed (make deps)"
	done
	[ -f /usr/lib/syslinux/mbr/mbr.bin ] || pc_skip "syslinux-common's mbr.bin is missing"
}

pc_kit() {
	KIT=${GAMUT_KIT:-$BUILD/kit}
	if ! [ -s "$KIT/bzImage" ] || ! [ -s "$KIT/initramfs.cpio.gz" ]; then
		guest/kit/build.sh "$KIT" >&2 || pc_skip "the guest kit cannot be built here"
	fi
	KVER=$(ls "$KIT/pkg/kernel/lib/modules" 2>/dev/null | head -1)
	[ -n "$KVER" ] || pc_skip "the guest kit has no kernel modules tree"
}

# Adds module $1 (a path from modules.dep) and its dependencies to $root.
pc_add_module() {
	local rel=$1 mods=$KIT/pkg/kernel/lib/modules/$KVER dep
	[ -f "$root/lib/modules/$KVER/$rel" ] && return
	mkdir -p "$root/lib/modules/$KVER/$(dirname "$rel")"
	cp "$mods/$rel" "$root/lib/modules/$KVER/$rel"
	for dep in $(sed -n "s|^$rel: *||p" "$mods/modules.dep"); do
		pc_add_module "$dep"
	done
}

pc_initramfs() {
	local out=$1 m rel mods=$KIT/pkg/kernel/lib/modules/$KVER
	root=$(mktemp -d)
	(cd "$root" && gzip -dc "$KIT/initramfs.cpio.gz" | cpio -id --quiet 2>/dev/null)
	for m in ata_piix sd_mod virtio_pci virtio_blk virtio_net vfat; do
		rel=$(grep -E "(^|/)${m}\.ko:" "$mods/modules.dep" | head -1 | cut -d: -f1)
		[ -n "$rel" ] || continue
		pc_add_module "$rel"
		echo "$m" >>"$root/etc/kit-modules"
	done
	depmod -b "$root" "$KVER" 2>/dev/null || true
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
		gzip -1 >"$out"
	rm -rf "$root"
}

pc_syslinux_cfg() {
	printf 'DEFAULT linux\nPROMPT 0\nTIMEOUT 0\nSERIAL 0 115200\nLABEL linux\n  KERNEL bzImage\n  INITRD initrd.gz\n  APPEND %s\n' "$1"
}

pc_disk() {
	local img=$1 kernel=$2 initrd=$3 append=$4 p1 p2
	p1=$(mktemp) p2=$(mktemp)
	rm -f "$img"
	truncate -s ${PC_DISK_MIB}M "$img"
	printf 'label: dos\nstart=%d, size=%d, type=6, bootable\nstart=%d, type=83\n' \
		$PC_P1_START $PC_P1_SECTORS $PC_P2_START | sfdisk -q "$img"
	dd if=/usr/lib/syslinux/mbr/mbr.bin of="$img" conv=notrunc bs=440 count=1 status=none
	rm -f "$p1"
	mkfs.fat -F 16 -C "$p1" $((PC_P1_SECTORS / 2)) >/dev/null
	pc_syslinux_cfg "$append" >"$p1.cfg"
	mcopy -i "$p1" "$kernel" ::bzImage
	mcopy -i "$p1" "$initrd" ::initrd.gz
	mcopy -i "$p1" "$p1.cfg" ::syslinux.cfg
	syslinux --install "$p1"
	dd if="$p1" of="$img" bs=512 seek=$PC_P1_START conv=notrunc status=none
	rm -f "$p2"
	truncate -s $(( (PC_DISK_MIB << 20) - PC_P2_START * 512 )) "$p2"
	mkfs.ext4 -q -F -L gamutdata "$p2"
	dd if="$p2" of="$img" bs=512 seek=$PC_P2_START conv=notrunc status=none
	rm -f "$p1" "$p1.cfg" "$p2"
}

pc_set_append() {
	local img=$1 cfg
	cfg=$(mktemp)
	pc_syslinux_cfg "$2" >"$cfg"
	mcopy -o -i "$img@@$((PC_P1_START * 512))" "$cfg" ::syslinux.cfg
	rm -f "$cfg"
}

# The guest's command: wait for the disk (libata probes asynchronously).
pc_wait_disk='i=0; while [ ! -b /dev/sda2 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done'
