#!/usr/bin/env bash
# The boot loaders on a real KVM even where this host has none: QEMU's
# software CPU with AMD-V emulated (-cpu max,+svm,+npt) boots the guest
# kit's kernel, which loads kvm-amd; inside it gamut runs the boot test
# guests (PVH entry state, from the ELF64 and the ELF32 file; 64-bit
# bzImage entry; i8042 reset; SMP bring-up)
# and boot_errors.sh (the one-line refusals), and the kit's own Debian
# kernel through the PVH entry with 2 vCPUs and a virtio-mmio disk on
# --cpu kvm (through the PVH entry only, to keep it short).  QEMU emulates every
# instruction at one speed, so the nested Linux boot takes seconds, not the
# hours a CPL-0-trapping nested KVM would.  Skips without qemu or the kit.
set -u
. "$(dirname "$0")/kvm_lib.sh"
: "${BUILD:=build}" "${GAMUT:=$PWD/$BUILD/gamut}"
NESTED_SMP=2
nested_require
[ -s "$NESTED_KIT/vmlinux" ] || { echo "no guest kit in $NESTED_KIT (make guest-kit)"; exit 77; }
[ -f "$BUILD/guests/boot/pvh_entry.elf" ] || make -s test-guests BUILD="$BUILD" >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/script" <<'SCRIPT'
# A disk the Linux guest must find through the DSDT (virtio-mmio) and read.
printf 'GAMUTDISK' >/tmp/disk.img
truncate -s 1M /tmp/disk.img
g=build/guests/boot
run() { # name, then gamut run options
	n=$1; shift
	# Streamed, so a run that hangs shows how far it got.
	(./build/gamut run --cpu kvm --mode pvh --console stdio "$@" </dev/null 2>&1
		echo $? >/tmp/rc.$n) | sed "s/^/$n| /"
	echo "nested: $n rc=$(cat /tmp/rc.$n)"
}
run pvh_entry --kernel $g/pvh_entry.elf --initrd $g/initrd.img --cmdline pvh-test-cmdline --mem 64
run pvh_entry32 --kernel $g/pvh_entry32.elf --initrd $g/initrd.img --cmdline pvh-test-cmdline --mem 64
run bzimage64 --kernel $g/bzimage64.bin --initrd $g/initrd.img --cmdline bz-test-cmdline --mem 64
run i8042 --kernel $g/i8042_reset.elf --mem 32
run smp --kernel $g/smp.elf --cpus 4 --mem 32
# One Linux boot (PVH); the bzImage path runs on --cpu kvm where KVM is hardware-backed (boot_linux.sh).
for k in vmlinux; do
	run linux_$k --kernel /kit/$k --initrd /kit/initramfs.cpio.gz --mem 256 --cpus 2 \
		--disk /tmp/disk.img,ro \
		--cmdline 'console=ttyS0 reboot=k panic=-1 gamut.cmd="echo gamut-linux-$((6*7)); head -c 9 /dev/vda; echo"'
done
# boot_errors.sh (bash) checks the one-line refusals on the nested KVM too.
(GAMUT=/t/build/gamut BUILD=/t/build bash tests/integration/boot_errors.sh 2>&1
	echo $? >/tmp/rc.errors) | sed "s/^/boot_errors| /"
echo "nested: boot_errors rc=$(cat /tmp/rc.errors)"
SCRIPT
nested_run "$tmp/script" "$tmp/log" vmlinux initramfs.cpio.gz ||
	{ grep -a "nested: watchdog" -A 200 "$tmp/log" | head -200; tail -20 "$tmp/log"; exit 1; }
log=$(cat "$tmp/log")
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
expect pvh_entry32 85 "PVH guest: PASS"
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
