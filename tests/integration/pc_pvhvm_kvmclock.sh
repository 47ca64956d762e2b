#!/usr/bin/env bash
# `--mode pvhvm --cpu emu`: the PV timers on top of the PV drivers.  The
# guest must detect the KVM hypervisor interface (CPUID 0x40000000) and run
# on the kvmclock clocksource.  When the CPU backend does not offer the KVM
# PV CPUID leaves at all, the test skips and says so: that part belongs to
# the backend (docs/pc.md).
set -u
. tests/integration/pc_lib.sh
pc_need_tools
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
timeout 60 "$GAMUT" run --mode pvhvm --cpu emu --mem 64 --console stdio \
	--kernel /dev/null </dev/null >"$tmp/probe.out" 2>&1
if grep -q "not built yet" "$tmp/probe.out"; then
	pc_skip "$(grep -m1 'not built yet' "$tmp/probe.out" | sed 's/^gamut: //')"
fi
pc_kit
cmd="dmesg | grep -i 'hypervisor detected'; echo CLOCK-\$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource); $pc_acpi_cmd; poweroff -f"
timeout 1500 "$GAMUT" run --mode pvhvm --cpu emu --mem 256 --console stdio \
	--kernel "$KIT/bzImage" --initrd "$KIT/initramfs.cpio.gz" \
	--cmdline "console=ttyS0 quiet gamut.cmd=\"$cmd\"" \
	</dev/null >"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
grep -q "CLOCK-" "$tmp/out" || { echo "the guest did not get to its command (exit $rc)"; exit 1; }
pc_check_acpi "$tmp/out" pvhvm || exit 1
[ $rc -eq 0 ] || { echo "exit status $rc after the guest's power-off"; exit 1; }
if ! grep -qi "Hypervisor detected: KVM" "$tmp/out"; then
	pc_skip "--cpu emu offers no KVM PV CPUID leaves yet: the guest sees no hypervisor, so no kvmclock"
fi
grep -q "CLOCK-kvm-clock\|CLOCK-kvmclock" "$tmp/out" || { echo "KVM detected but the clocksource is not kvmclock"; exit 1; }
echo "pvhvm: kvmclock in use"
