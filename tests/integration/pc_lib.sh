# Helpers for the legacy-PC integration tests (sourced, not run).
#
# pc_probe MODE DIR  skip unless gamut runs MODE on --cpu emu here
# pc_kit             the guest kit (guest/kit/build.sh) in $KIT, or skip
# pc_initramfs OUT   the kit's initramfs plus the PC drivers (ata_piix,
#                    sd_mod, virtio_pci, virtio_blk, virtio_net, vfat)
# pc_generic_kernel  Debian's generic kernel (the linux-image-6.1.0-*-amd64
#                    that linux-image-amd64 depends on), fetched with
#                    apt-get download and cached in $BUILD/pc-generic:
#                    sets GK_BZIMAGE, GK_MODS, GK_KVER, or skips
# pc_generic_initramfs OUT
#                    the kit's busybox and /init with the generic kernel's
#                    modules for a PC: ata_piix, sd_mod, e1000, ext4, vfat,
#                    virtio_pci/blk/net (and what they depend on)
# pc_disk IMG KERNEL INITRD APPEND
#                    a 64 MiB disk: MBR partition table, syslinux's MBR,
#                    p1 FAT16 (bootable) with syslinux, the kernel and the
#                    initramfs, p2 ext4 for data
# pc_set_append IMG APPEND   rewrites p1's syslinux.cfg (no mount needed)
#
# Everything comes from Debian packages: syslinux, syslinux-common, mtools,
# fdisk, dosfstools, e2fsprogs, the kernels.

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

# pc_probe MODE DIR: skips unless this gamut can run MODE on --cpu emu at
# all (the mode or the software CPU may not be built in this tree): boots
# the BIOS services test guest from a copy in DIR and looks for a "not
# built yet" error.
pc_probe() {
	local mode=$1 dir=$2 img=$BUILD/guests/bios/services.img
	[ -f "$img" ] || pc_skip "test guest $img is not built"
	cp "$img" "$dir/probe.img"
	timeout 120 "$GAMUT" run --mode "$mode" --cpu emu --mem 64 --console stdio \
		--disk "$dir/probe.img" </dev/null >"$dir/probe.out" 2>&1
	if grep -q "not built yet" "$dir/probe.out"; then
		pc_skip "$(grep -m1 'not built yet' "$dir/probe.out" | sed 's/^gamut: //')"
	fi
}

pc_kit() {
	KIT=${GAMUT_KIT:-$BUILD/kit}
	if ! [ -s "$KIT/bzImage" ] || ! [ -s "$KIT/initramfs.cpio.gz" ]; then
		guest/kit/build.sh "$KIT" >&2 || pc_skip "the guest kit cannot be built here"
	fi
	KIT=$(cd "$KIT" && pwd) # absolute: initramfs building changes directory
	KVER=$(ls "$KIT/pkg/kernel/lib/modules" 2>/dev/null | head -1)
	[ -n "$KVER" ] || pc_skip "the guest kit has no kernel modules tree"
}

# Adds module $1 (a path from $PC_MODS/modules.dep) and its dependencies
# to $root.
pc_add_module() {
	local rel=$1 dep
	[ -f "$root/lib/modules/$PC_KVER/$rel" ] && return
	mkdir -p "$root/lib/modules/$PC_KVER/$(dirname "$rel")"
	cp "$PC_MODS/$rel" "$root/lib/modules/$PC_KVER/$rel"
	for dep in $(sed -n "s|^$rel: *||p" "$PC_MODS/modules.dep"); do
		pc_add_module "$dep"
	done
}

# pc_build_initramfs OUT MODNAME...: the kit's initramfs (busybox, /init)
# with the modules of $PC_MODS (kernel $PC_KVER) named, in that load order;
# names the kernel does not build as modules are left out.
pc_build_initramfs() {
	local out=$1 m rel
	shift
	root=$(mktemp -d)
	(cd "$root" && gzip -dc "$KIT/initramfs.cpio.gz" | cpio -id --quiet 2>/dev/null)
	if [ "$PC_KVER" != "$KVER" ]; then
		# Another kernel: the kit's modules are of no use to it.
		rm -rf "$root/lib/modules"
		: >"$root/etc/kit-modules"
	fi
	for m in "$@"; do
		rel=$(grep -E "(^|/)${m}\.ko:" "$PC_MODS/modules.dep" | head -1 | cut -d: -f1)
		[ -n "$rel" ] || continue
		pc_add_module "$rel"
		echo "$m" >>"$root/etc/kit-modules"
	done
	depmod -b "$root" "$PC_KVER" 2>/dev/null || true
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
		gzip -1 >"$out"
	rm -rf "$root"
}

pc_initramfs() {
	PC_MODS=$KIT/pkg/kernel/lib/modules/$KVER PC_KVER=$KVER
	pc_build_initramfs "$1" ata_piix sd_mod virtio_pci virtio_blk virtio_net vfat
}

# The modules a generic kernel needs on gamut's PC, in load order (the
# checksum drivers first: ext4 and sd_mod ask for them by alias).
PC_GENERIC_MODULES="crc32c_generic crct10dif_generic ata_piix sd_mod e1000 virtio_pci virtio_blk virtio_net ext4 vfat nls_cp437"

pc_generic_pkg() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -1
}

# Fetches and unpacks the package once; keeps only the kernel and the
# modules PC_GENERIC_MODULES need (the whole tree is ~400 MB).
pc_generic_kernel() {
	local dir=$BUILD/pc-generic pkg x m rel
	# One fetch at a time (tests or benchmarks started side by side).
	mkdir -p "$BUILD"
	exec 9>"$BUILD/pc-generic.lock"
	flock 9
	pkg=$(pc_generic_pkg)
	if [ -z "$pkg" ] && ! [ -s "$dir/.pkg" ]; then
		# A fresh machine has no package lists yet.
		if [ "$(id -u)" -eq 0 ]; then apt-get update -qq >&2; fi
		pkg=$(pc_generic_pkg)
	fi
	if [ -s "$dir/.pkg" ] && { [ -z "$pkg" ] || [ "$(cat "$dir/.pkg" 2>/dev/null)" = "$pkg $PC_GENERIC_MODULES" ]; }; then
		pkg=$(cut -d' ' -f1 "$dir/.pkg")
	else
		[ -n "$pkg" ] || pc_skip "apt does not know linux-image-amd64 (apt-get update)"
		rm -rf "$dir"
		mkdir -p "$dir/dl"
		(cd "$dir/dl" && apt-get download -q "$pkg" >/dev/null 2>&1) ||
			pc_skip "apt-get download $pkg failed (no Debian mirror?)"
		x=$(mktemp -d)
		dpkg-deb -x "$dir/dl/${pkg}_"*.deb "$x" || { rm -rf "$x"; pc_skip "cannot unpack $pkg"; }
		GK_KVER=${pkg#linux-image-}
		depmod -b "$x" -F "$x/boot/System.map-$GK_KVER" "$GK_KVER"
		root=$dir/mods
		PC_MODS=$x/lib/modules/$GK_KVER PC_KVER=$GK_KVER
		mkdir -p "$root/lib/modules/$GK_KVER"
		for m in $PC_GENERIC_MODULES; do
			rel=$(grep -E "(^|/)${m}\.ko:" "$PC_MODS/modules.dep" | head -1 | cut -d: -f1)
			[ -n "$rel" ] && pc_add_module "$rel"
		done
		cp "$PC_MODS"/modules.builtin* "$PC_MODS"/modules.order "$root/lib/modules/$GK_KVER/"
		depmod -b "$root" "$GK_KVER"
		cp "$x/boot/vmlinuz-$GK_KVER" "$dir/bzImage"
		rm -rf "$x" "$dir/dl"
		echo "$pkg $PC_GENERIC_MODULES" >"$dir/.pkg"
	fi
	flock -u 9
	GK_KVER=${pkg#linux-image-}
	GK_BZIMAGE=$dir/bzImage
	GK_MODS=$dir/mods/lib/modules/$GK_KVER
}

pc_generic_initramfs() {
	PC_MODS=$GK_MODS PC_KVER=$GK_KVER
	pc_build_initramfs "$1" $PC_GENERIC_MODULES
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

# Guest-side ACPI check, for gamut.cmd: ACPI-ON-42 when the kernel runs
# with gamut's full PC FADT (a FACS exists only there), and one
# ACPI-PROBLEM-42 line per ACPI error or warning in dmesg.  (Markers and
# patterns are written so that they do not match the kernel command line
# that carries them; single quotes only, the line sits in gamut.cmd="...".)
pc_acpi_cmd='test -e /sys/firmware/acpi/tables/FACS && echo ACPI-ON-$((6*7)); dmesg | grep -i -E '"'"'acpi.*(err[o]r|warn[i]ng)'"'"' | while read l; do echo ACPI-PROBLEM-$((6*7)) $l; done'

# pc_check_acpi OUT NAME: fails (returns 1, says why) unless the guest
# output OUT shows ACPI on and no ACPI problem.
pc_check_acpi() {
	grep -q "ACPI-ON-42" "$1" || { echo "$2: ACPI is not on in the guest"; return 1; }
	if grep -q "ACPI-PROBLEM-42" "$1"; then
		echo "$2: ACPI errors or warnings in the guest's dmesg:"
		grep "ACPI-PROBLEM-42" "$1"
		return 1
	fi
	return 0
}
