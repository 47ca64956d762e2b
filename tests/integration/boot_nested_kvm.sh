#!/usr/bin/env bash
# The boot loaders on a real KVM even where this host has none: QEMU's
# software CPU with AMD-V emulated (-cpu max,+svm,+npt) boots the guest
# kit's kernel, which loads kvm-amd; inside it gamut runs the boot test
# guests (PVH entry state, 64-bit bzImage entry, i8042 reset, SMP bring-up)
# and boot_errors.sh (the one-line refusals), and the kit's own Debian
# kernel through the PVH entry with 2 vCPUs and a virtio-mmio disk on
# --cpu kvm (kvm_nested_linux.sh boots it through both protocols).  QEMU emulates every
# instruction at one speed, so the nested Linux boot takes seconds, not the
# hours a CPL-0-trapping nested KVM would.  Skips without qemu or the kit.
set -u
BUILD=${BUILD:-build}
GAMUT=${GAMUT:-$BUILD/gamut}
kit=${GAMUT_KIT:-$BUILD/kit}
guests=$BUILD/guests/boot
qemu=$(command -v qemu-system-x86_64) ||
	{ echo "qemu-system-x86_64 not installed (scripts/install-deps.sh installs it)"; exit 77; }
[ -s "$kit/vmlinux" ] || { echo "no guest kit in $kit (make guest-kit)"; exit 77; }
mods=$(find "$kit/pkg/kernel/lib/modules" -path '*/kernel/*' \
	\( -name 'irqbypass.ko*' -o -name 'kvm.ko*' -o -name 'kvm-amd.ko*' \) 2>/dev/null)
[ "$(printf '%s\n' "$mods" | grep -c .)" -eq 3 ] ||
	{ echo "the guest kit kernel has no kvm, kvm-amd and irqbypass modules"; exit 77; }
[ -f "$guests/pvh_entry.elf" ] || make -s test-guests BUILD="$BUILD" >/dev/null

root=$(mktemp -d)
trap 'rm -rf "$root" "$root.cpio.gz"' EXIT
mkdir -p "$root/bin" "$root/mods" "$root/t/guests/boot" "$root/t/kit"
cp "$kit/pkg/busybox/bin/busybox" "$root/bin/busybox"
for m in $mods; do
	case $m in
	*.ko) cp "$m" "$root/mods/" ;;
	*.ko.xz) xz -dc "$m" >"$root/mods/$(basename "${m%.xz}")" ;;
	*.ko.zst) zstd -qdc "$m" >"$root/mods/$(basename "${m%.zst}")" ;;
	esac
done
cp "$GAMUT" "$root/t/gamut"
cp "$guests"/*.elf "$guests"/bzimage64.bin "$guests"/initrd.img "$root/t/guests/boot/"
# boot_errors.sh (bash) checks the one-line refusals on the nested KVM too.
cp "$(dirname "$0")/boot_lib.sh" "$(dirname "$0")/boot_errors.sh" "$root/t/"
cp "$(command -v bash)" "$root/bin/bash"
cp "$kit/vmlinux" "$kit/initramfs.cpio.gz" "$root/t/kit/"
# A disk the Linux guest must find through the DSDT (virtio-mmio) and read.
printf 'GAMUTDISK' >"$root/t/disk.img"
truncate -s 1M "$root/t/disk.img"
for lib in $(ldd "$GAMUT" "$(command -v bash)" | grep -o '/[^ ]*\.so[^ ]*' | sort -u); do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mkdir -p /dev /proc /sys /tmp
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
for m in irqbypass kvm kvm-amd; do insmod /mods/$m.ko || echo "nested: insmod $m failed"; done
for i in 1 2 3 4 5 6 7 8 9 10; do [ -c /dev/kvm ] && break; sleep 0.2; done
[ -c /dev/kvm ] && echo "nested: /dev/kvm ready"
cd /t
run() { # name, then gamut run options
	n=$1; shift
	./gamut run --cpu kvm --mode pvh --console stdio "$@" </dev/null >/tmp/$n 2>&1
	echo "nested: $n rc=$?"
	sed "s/^/$n| /" /tmp/$n
}
run pvh_entry --kernel guests/boot/pvh_entry.elf --initrd guests/boot/initrd.img --cmdline pvh-test-cmdline --mem 64
run bzimage64 --kernel guests/boot/bzimage64.bin --initrd guests/boot/initrd.img --cmdline bz-test-cmdline --mem 64
run i8042 --kernel guests/boot/i8042_reset.elf --mem 32
run smp --kernel guests/boot/smp.elf --cpus 4 --mem 32
# One Linux boot (PVH); kvm_nested_linux.sh boots both protocols.
for k in vmlinux; do
	run linux_$k --kernel kit/$k --initrd kit/initramfs.cpio.gz --mem 256 --cpus 2 \
		--disk disk.img,ro \
		--cmdline 'console=ttyS0 reboot=k panic=-1 gamut.cmd="echo gamut-linux-$((6*7)); head -c 9 /dev/vda; echo"'
done
GAMUT=/t/gamut BUILD=/t bash ./boot_errors.sh >/tmp/errors 2>&1
echo "nested: boot_errors rc=$?"
sed "s/^/boot_errors| /" /tmp/errors
echo "nested: done"
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$root.cpio.gz"
timeout 800 "$qemu" -machine q35 -cpu max,+svm,+npt -smp 2 -m 2048 -nographic \
	-no-reboot -kernel "$kit/bzImage" -initrd "$root.cpio.gz" \
	-append "console=ttyS0 panic=-1 quiet" </dev/null >"$root/log" 2>&1 &
qpid=$!
# A timeout that kills this script must not leave QEMU behind.
trap 'kill $qpid 2>/dev/null; rm -rf "$root" "$root.cpio.gz"' EXIT
trap 'exit 143' TERM INT
wait $qpid
echo "qemu exited $?"
log=$(tr -d '\r' <"$root/log")
# What each run printed, without the Linux boot messages (BOOT_NESTED_ALL=1
# shows them too).
grep -aE '^(nested:|[a-z_0-9A-Z]+\| )' <<<"$log" |
	if [ -n "${BOOT_NESTED_ALL:-}" ]; then cat; else grep -avE '^[a-z_0-9A-Z]+\| \['; fi
failed=0
fail() { echo "FAIL: $*"; failed=1; }
grep -q "nested: /dev/kvm ready" <<<"$log" || { echo "kvm-amd did not load under QEMU"; exit 1; }
grep -q "nested: done" <<<"$log" || fail "the nested run did not finish"
expect() { # name rc text
	grep -q "nested: $1 rc=$2\$" <<<"$log" && grep -q "^$1| .*$3" <<<"$log" || fail "$1 (want exit $2 and '$3')"
}
expect pvh_entry 85 "PVH guest: PASS"
expect bzimage64 85 "bzImage guest: PASS"
expect i8042 0 "i8042 guest: resetting"
expect smp 85 "SMP guest: PASS"
grep -q "nested: boot_errors rc=0" <<<"$log" || fail "boot_errors.sh on the nested KVM"
for k in vmlinux; do
	expect linux_$k 0 "gamut-linux-42"
	# Found through the ACPI tables: the virtio-mmio disk, the RTC (PNP0B00),
	# both CPUs (MADT); power-off through _S5 and the sleep registers.
	expect linux_$k 0 "GAMUTDISK"
	expect linux_$k 0 "rtc_cmos .*registered as rtc0"
	expect linux_$k 0 "smp: Brought up 1 node, 2 CPUs"
	expect linux_$k 0 "ACPI: PM: Preparing to enter system sleep state S5"
	grep -q "^linux_$k| .*probe of rtc_cmos failed" <<<"$log" && fail "linux_$k: rtc_cmos probe failed"
done
[ "$failed" -eq 0 ] && echo ok
exit $failed
