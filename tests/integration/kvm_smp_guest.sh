#!/usr/bin/env bash
# A raw PVH guest (tests/guests/kvm/smp.S) on --cpu kvm: it checks the KVM
# CPUID leaves, wakes every AP with INIT/SIPI through the in-kernel LAPIC,
# and reports through the debug-exit port (exit 67 = all good).  It runs a
# few hundred CPL-0 instructions, so it is quick even where KVM is not
# hardware-backed (`gamut info --kvm` says user).  Skips (77) where KVM is
# not usable (none).
set -u
. "$(dirname "$0")/kvm_lib.sh"
kvm_require
guest="$BUILD/guests/kvm/smp.elf"
[ -f "$guest" ] || { echo "test guest $guest not built (make test-guests)"; exit 1; }
fail=0
for cpus in 1 4; do
	timeout 120 "$GAMUT" run --mode pvh --cpu kvm --kernel "$guest" --mem 64 \
		--cpus "$cpus" --console none
	rc=$?
	case $rc in
	67) echo "ok: --cpus $cpus" ;;
	33) echo "FAIL --cpus $cpus: no KVMKVMKVM CPUID signature in mode pvh"; fail=1 ;;
	35) echo "FAIL --cpus $cpus: not every AP started"; fail=1 ;;
	*) echo "FAIL --cpus $cpus: gamut exited $rc"; fail=1 ;;
	esac
done
exit $fail
