#!/usr/bin/env bash
# Installs the Debian packages gamut builds, tests and benchmarks with.
# Idempotent: does nothing when everything is present.
set -eu
PKGS=(
	build-essential clang llvm pkg-config nasm
	libclang-rt-dev
	libslirp-dev libglib2.0-dev libcapstone-dev libjson-c-dev libseccomp-dev
	liblz4-dev zlib1g-dev libzstd-dev	# unpacking a bzImage's vmlinux (src/boot/unpack.c)
	libxen-dev	# Xen's public ABI headers only (src/xenpv/xen_abi.h); nothing links to libxen
	cpio e2fsprogs dosfstools iproute2 iputils-ping busybox-static
	python3 util-linux kmod zstd xz-utils lz4 bzip2 file
	curl procps iptables
	podman conmon crun runc uidmap slirp4netns fuse-overlayfs bsdutils
	syslinux syslinux-common mtools fdisk
	qemu-system-x86
	gdb
	libxml2-utils librsvg2-bin	# xmllint checks, rsvg-convert renders gamut spectrum's SVG
)
# Peers that only the benchmarks run (bench/emu.sh): `install-deps.sh --bench`.
BENCH_PKGS=(bochs bochsbios bc)
[ "${1:-}" = --bench ] && PKGS+=("${BENCH_PKGS[@]}")
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
