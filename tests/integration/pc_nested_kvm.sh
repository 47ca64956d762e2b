#!/usr/bin/env bash
# The legacy PC on --cpu kvm, even where this host has no /dev/kvm: inside
# QEMU's software CPU with AMD-V emulated (nested_run in kvm_lib.sh), the
# PC's BIOS runs in real mode under hardware virtualization, its PIC, PIT
# and IOAPIC are KVM's in-kernel ones:
#   - the BIOS services guest of pc_bios_services.sh in `--mode hvm`
#     (every INT 10h-1Ah check, debug-exit 0), and a blank disk (the
#     BIOS's "no 55AA signature" stop, gamut exits 3);
#   - a bootable disk built here with pc_disk (syslinux, the guest kit's
#     cloud kernel, an initramfs with ata_piix / virtio): in `hvm` the guest
#     binds ata_piix, writes a file on /dev/sda2, syncs and powers off, and
#     the host reads the file out of the image with debugfs (the image
#     comes back through the nested VM's virtio disk); in `pvhvm` it binds
#     virtio_blk on PCI and runs on the kvm-clock clocksource.  Both with
#     ACPI on (no ACPI error or warning) and power-off exit 0;
#   - `--mode hvm --kernel bzImage --cpus 2`: the BIOS enters the bzImage's
#     16-bit setup code, the kernel brings up both CPUs, reaches /init and
#     powers off.
# Each run's seconds inside the nested VM are printed (every instruction of
# the nested KVM is emulated by QEMU: figures for scale, not a benchmark).
# Skips (77) without qemu, the guest kit or the PC image tools.
set -u
# Off by default: in two full suite runs (17:00 UTC) a nested run stopped
# making progress and the test ran into its limits (docs/pc.md, open).
if [ -z "${GAMUT_TEST_NESTED_PC:-}" ]; then
	echo "not run by default: a nested run hangs now and then, cause unknown (docs/pc.md); GAMUT_TEST_NESTED_PC=1 runs it"
	exit 77
fi
. "$(dirname "$0")/kvm_lib.sh"
. "$(dirname "$0")/pc_lib.sh"
: "${BUILD:=build}" "${GAMUT:=$PWD/$BUILD/gamut}"
nested_require
pc_need_tools
command -v debugfs >/dev/null || pc_skip "debugfs is not installed (e2fsprogs)"
[ -f "$BUILD/guests/bios/services.img" ] || make -s test-guests BUILD="$BUILD" >/dev/null
[ -f "$BUILD/guests/bios/services.img" ] || pc_skip "test guest services.img is not built"
pc_kit
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One small initramfs (the kit's, plus ata_piix, sd_mod and virtio) and two
# images of it that differ in the guest's command.
pc_initramfs "$tmp/initrd.gz"
base="console=ttyS0 quiet"
hvm_cmd="$pc_wait_disk; ls /sys/bus/pci/drivers/ata_piix | grep -q 0000 && echo ATA-PIIX-BOUND; grep -q 'IO-APIC *2-edge *timer' /proc/interrupts && echo PIT-ON-PIN-\$((1+1)); mkdir -p /mnt; mount /dev/sda2 /mnt && echo gamut-kvm-pc-\$((6*7)) >/mnt/probe && sync && umount /mnt && echo PC-WROTE-OK; $pc_acpi_cmd; poweroff -f"
wait_vda='i=0; while [ ! -b /dev/vda2 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done'
pvhvm_cmd="$wait_vda; ls /sys/bus/virtio/drivers/virtio_blk | grep -q virtio && echo PV-BLK-BOUND; ls /sys/bus/pci/drivers/virtio-pci | grep -q 0000 && echo PV-ON-PCI; dmesg | grep -i 'hypervisor detected'; echo CLOCK-\$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource); $pc_acpi_cmd; poweroff -f"
pc_disk "$tmp/hvm.img" "$KIT/bzImage" "$tmp/initrd.gz" "$base gamut.cmd=\"$hvm_cmd\""
pc_disk "$tmp/pvhvm.img" "$KIT/bzImage" "$tmp/initrd.gz" "$base gamut.cmd=\"$pvhvm_cmd\""

cat >"$tmp/script" <<'SCRIPT'
now() { cut -d' ' -f1 /proc/uptime; }
run_once() { # name, then gamut run options
	n=$1; shift
	t0=$(now)
	# A hang ends this run only (the nested VM itself stops at 800 s).
	timeout 150 ./build/gamut run --cpu kvm --console stdio "$@" </dev/null >/tmp/$n 2>&1
	rc=$?
	echo "nested: $n rc=$rc secs=$(echo "$(now) $t0" | awk '{ printf "%.1f", $1 - $2 }')"
	sed "s/^/$n| /" /tmp/$n
}
# Now and then (about 1 run in 20, never reproduced by hand) a boot in
# this nested setup stops making progress; whether gamut or QEMU's
# emulated AMD-V is at fault is not known yet (docs/pc.md).  Such a run is
# reported, with its console, and tried once more.
run() {
	run_once "$@"
	if [ "$rc" = 124 ]; then
		echo "nested: KNOWN-HANG $1: no progress in 150 s, console above; trying once more"
		run_once "$@"
	fi
}
cp build/guests/bios/services.img /tmp/services.img
run services --mode hvm --mem 64 --disk /tmp/services.img
head -c 1048576 /dev/zero >/tmp/blank.img
run blank --mode hvm --mem 64 --disk /tmp/blank.img
# The hvm image arrives (and goes back) on the nested VM's virtio disk.
dd if=/dev/vda of=/tmp/hvm.img bs=1M 2>/dev/null
run hvm --mode hvm --mem 256 --disk /tmp/hvm.img
dd if=/tmp/hvm.img of=/dev/vda bs=1M conv=fsync 2>/dev/null && echo "nested: hvm image saved"
run pvhvm --mode pvhvm --mem 256 --disk /files/pvhvm.img
run bzimage --mode hvm --mem 256 --cpus 2 --kernel /kit/bzImage --initrd /kit/initramfs.cpio.gz \
	--cmdline 'console=ttyS0 quiet gamut.cmd="echo BZ-SETUP-$((6*7)); echo NPROC-$(nproc); poweroff -f"'
SCRIPT
NESTED_DISK=$tmp/hvm.img NESTED_FILES=$tmp/pvhvm.img \
	nested_run "$tmp/script" "$tmp/log" bzImage initramfs.cpio.gz || { tail -30 "$tmp/log"; exit 1; }
log=$(cat "$tmp/log")
# What each run printed, without the kernels' messages (PC_NESTED_ALL=1
# shows them too).
grep -aE '^(nested:|[a-z_0-9]+\| )' <<<"$log" |
	if [ -n "${PC_NESTED_ALL:-}" ]; then cat; else grep -avE '^[a-z_0-9]+\| \['; fi
failed=0
fail() { echo "FAIL: $*"; failed=1; }
# out NAME: what run NAME printed, without the prefix.
out() { sed -n "s/^$1| //p" <<<"$log"; }
expect() { # name rc text...
	local n=$1 rc=$2 t
	shift 2
	grep -q "^nested: $n rc=$rc " <<<"$log" || fail "$n: exit status (want $rc)"
	for t in "$@"; do
		out "$n" | grep -q -- "$t" || fail "$n: no '$t'"
	done
}
# (a) BIOS services in real mode on KVM; debug-exit 0 makes gamut exit 1.
expect services 1 "^gamut BIOS" "BIOS SERVICES: PASS"
out services | grep -q "^FAIL" && fail "services: a BIOS check failed"
expect blank 3 "no 55AA signature"
# (b) the disk image: ata_piix in hvm, virtio-blk and kvm-clock in pvhvm.
# PIT-ON-PIN-2: KVM's in-kernel PIT reaches the guest through IOAPIC pin 2,
# as the MADT's override says.
expect hvm 0 "^gamut BIOS" SYSLINUX "gamut-kit: init ready" ATA-PIIX-BOUND PIT-ON-PIN-2 PC-WROTE-OK
out hvm >"$tmp/hvm.out"
pc_check_acpi "$tmp/hvm.out" hvm || failed=1
grep -q "^nested: hvm image saved" <<<"$log" || fail "hvm: the image did not come back"
dd if="$tmp/hvm.img" of="$tmp/p2.img" bs=512 skip=$PC_P2_START status=none
[ "$(debugfs -R 'cat /probe' "$tmp/p2.img" 2>/dev/null)" = "gamut-kvm-pc-42" ] ||
	fail "hvm: the guest's file is not in the image (debugfs)"
expect pvhvm 0 "^gamut BIOS" SYSLINUX PV-BLK-BOUND PV-ON-PCI "Hypervisor detected: KVM" CLOCK-kvm-clock
out pvhvm >"$tmp/pvhvm.out"
pc_check_acpi "$tmp/pvhvm.out" pvhvm || failed=1
# (c) the bzImage's 16-bit setup code, entered by the BIOS.
# With 2 vCPUs: the AP starts through KVM's in-kernel LAPIC (INIT/SIPI).
expect bzimage 0 "starting the kernel's setup code" "gamut-kit: init ready" BZ-SETUP-42 NPROC-2
echo "note: seconds above are inside a KVM nested in QEMU's software CPU"
grep -a "^nested: KNOWN-HANG" <<<"$log"
[ "$failed" -eq 0 ] && echo "pc on --cpu kvm (nested): BIOS services, hvm ata_piix write + debugfs, pvhvm virtio-blk + kvm-clock, bzImage setup: ok"
exit $failed
