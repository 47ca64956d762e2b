#!/usr/bin/env bash
# guest/kit/build.sh OUTDIR: the default Linux guest, from Debian packages.
#
# Fetches (apt-get download only) the Debian cloud kernel that
# linux-image-cloud-amd64 depends on and busybox-static, and writes
#   OUTDIR/bzImage            the kernel as packaged
#   OUTDIR/vmlinux            its uncompressed ELF (with the PVH note)
#   OUTDIR/initramfs.cpio.gz  busybox, the virtio/ext4/pvpanic modules the
#                             kernel does not build in, and guest/kit/init
# Everything is cached under OUTDIR; a second run does nothing.
set -eu
OUT=${1:?usage: build.sh OUTDIR}
KIT=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# Modules the kit's init loads (with their dependencies) when the kernel
# builds them as modules; the names are as modprobe takes them.  Debian
# builds pvpanic's ACPI/port driver (pvpanic-mmio) as a module: without it
# a panic reaches gamut as a plain reboot (docs/devices.md, pvpanic).
# xen-blkfront and xen-netfront: the disk and NIC of a Xen PV guest
# (docs/xen-pv.md).
WANT="virtio_mmio virtio_blk virtio_net virtio_console virtio_rng ext4 pvpanic_mmio xen_blkfront xen_netfront"

# KIT_EXTRA: host programs (static) to put in the initramfs's /bin, such as
# the spectrum workload.
EXTRA=${KIT_EXTRA:-}
stamp=$(cat "$KIT/build.sh" "$KIT/init" "$KIT/udhcpc.script" "$KIT/extract-vmlinux.sh" $EXTRA | sha256sum | cut -c1-16)
if [ -s "$OUT/vmlinux" ] && [ -s "$OUT/bzImage" ] && [ -s "$OUT/initramfs.cpio.gz" ] &&
	[ "$(cat "$OUT/.stamp" 2>/dev/null)" = "$stamp" ]; then
	echo "guest kit: up to date in $OUT"
	exit 0
fi

cloud_kernel_pkg() {
	apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -1
}
kpkg=$(cloud_kernel_pkg)
if [ -z "$kpkg" ]; then
	# A fresh machine has no package lists yet.
	echo "guest kit: apt-get update"
	if [ "$(id -u)" -eq 0 ]; then apt-get update -qq; else sudo apt-get update -qq; fi
	kpkg=$(cloud_kernel_pkg)
fi
[ -n "$kpkg" ] || {
	echo "guest kit: apt does not know linux-image-cloud-amd64; run 'apt-get update' first" >&2
	exit 1
}
kver=${kpkg#linux-image-}
echo "guest kit: kernel $kver"

dl=$OUT/dl
mkdir -p "$dl"
# As root, apt downloads as its _apt user, who cannot write (or even reach,
# under /root) the kit's directory: apt then warns and downloads as root.
# So root downloads into a directory of _apt's own and moves the file.
aptdl=
if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then
	aptdl=$(mktemp -d)
	chown _apt "$aptdl"
	trap 'rm -rf "$aptdl"' EXIT
fi
for p in "$kpkg" busybox-static; do
	if ! ls "$dl/${p}_"*.deb >/dev/null 2>&1; then
		echo "guest kit: apt-get download $p"
		(cd "${aptdl:-$dl}" && apt-get download -q "$p" >/dev/null)
		[ -z "$aptdl" ] || mv "$aptdl/${p}_"*.deb "$dl/"
	fi
done

rm -rf "$OUT/pkg"
mkdir -p "$OUT/pkg/kernel" "$OUT/pkg/busybox"
dpkg-deb -x "$dl/${kpkg}_"*.deb "$OUT/pkg/kernel"
dpkg-deb -x "$dl"/busybox-static_*.deb "$OUT/pkg/busybox"

# The package ships no modules.dep (its postinst runs depmod): make one.
depmod -b "$OUT/pkg/kernel" -F "$OUT/pkg/kernel/boot/System.map-$kver" "$kver"
cp "$OUT/pkg/kernel/boot/vmlinuz-$kver" "$OUT/bzImage.tmp"
"$KIT/extract-vmlinux.sh" "$OUT/bzImage.tmp" "$OUT/vmlinux.tmp"

# --- initramfs --------------------------------------------------------------
root=$OUT/pkg/initramfs
mods=$OUT/pkg/kernel/lib/modules/$kver
config=$OUT/pkg/kernel/boot/config-$kver
mkdir -p "$root"/{bin,sbin,dev,proc,sys,etc,tmp,lib/modules/$kver}
cp "$OUT/pkg/busybox/bin/busybox" "$root/bin/busybox"
cp "$KIT/init" "$root/init"
# udhcpc configures nothing without its event script (Debian's busybox
# looks for /etc/udhcpc/default.script).
mkdir -p "$root/etc/udhcpc"
cp "$KIT/udhcpc.script" "$root/etc/udhcpc/default.script"
chmod 755 "$root/etc/udhcpc/default.script"
for f in $EXTRA; do
	cp "$f" "$root/bin/"
done
chmod 755 "$root/init" "$root/bin/busybox"
ln -sf busybox "$root/bin/sh"
# The kernel opens /dev/console for init before /init runs; that needs a
# device node, which only root can create (init reopens it after
# mounting devtmpfs otherwise).
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true

# Each wanted module that the config builds as a module, with the modules
# it depends on (modules.dep lists paths; dependencies first is not needed:
# modprobe resolves them from our trimmed modules.dep).
declare -A have=()
add_module() { # path relative to $mods, as in modules.dep
	local rel=$1 dep
	[ -n "${have[$rel]:-}" ] && return
	have[$rel]=1
	for dep in $(sed -n "s|^$rel: *||p" "$mods/modules.dep"); do
		add_module "$dep"
	done
}
: >"$root/etc/kit-modules"
for m in $WANT; do
	rel=$(grep -E "(^|/)(${m}|${m//_/-})\.ko(\.[a-z]+)?:" "$mods/modules.dep" | head -1 | cut -d: -f1 || true)
	if [ -n "$rel" ]; then
		add_module "$rel"
		echo "$m" >>"$root/etc/kit-modules"
	elif grep -qE "(^|/)(${m}|${m//_/-})\.ko$" "$mods/modules.builtin"; then
		echo "guest kit: $m is built into the kernel"
	else
		echo "guest kit: this kernel has no $m" >&2
		exit 1
	fi
done
: >"$root/lib/modules/$kver/modules.dep"
for rel in "${!have[@]}"; do
	plain=${rel%.xz}; plain=${plain%.zst}; plain=${plain%.gz}
	mkdir -p "$root/lib/modules/$kver/$(dirname "$rel")"
	case $rel in
	*.xz) xz -dc "$mods/$rel" >"$root/lib/modules/$kver/$plain" ;;
	*.zst) zstd -dcq "$mods/$rel" >"$root/lib/modules/$kver/$plain" ;;
	*.gz) gzip -dc "$mods/$rel" >"$root/lib/modules/$kver/$plain" ;;
	*) cp "$mods/$rel" "$root/lib/modules/$kver/$plain" ;;
	esac
	deps=$(sed -n "s|^$rel: *||p" "$mods/modules.dep" | sed 's/\.\(xz\|zst\|gz\)\b//g')
	echo "$plain: $deps" >>"$root/lib/modules/$kver/modules.dep"
done
echo "guest kit: modules: $(tr '\n' ' ' <"$root/etc/kit-modules")(${#have[@]} files)"

(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
	gzip -9n >"$OUT/initramfs.cpio.gz.tmp"

mv "$OUT/bzImage.tmp" "$OUT/bzImage"
mv "$OUT/vmlinux.tmp" "$OUT/vmlinux"
mv "$OUT/initramfs.cpio.gz.tmp" "$OUT/initramfs.cpio.gz"
cp "$config" "$OUT/config"
echo "$stamp" >"$OUT/.stamp"
echo "guest kit: $OUT/vmlinux, $OUT/bzImage, $OUT/initramfs.cpio.gz"
