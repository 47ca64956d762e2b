#!/usr/bin/env bash
# The KVM backend on a real KVM, even on a host without /dev/kvm (see
# nested_run in kvm_lib.sh: QEMU's software CPU with AMD-V emulated): the
# KVM unit tests (so the raw-guest kvm_run_* tests and the CPL-0
# measurement really run), `gamut info`, and the SMP test guest at --cpus 1
# and 4.  About 20 s.  Covers KVM's SVM path only (QEMU's software CPU has
# no VT-x).  Skips (77) without qemu-system-x86_64 or the guest kit.
set -u
. "$(dirname "$0")/kvm_lib.sh"
nested_require
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/script" <<'SCRIPT'
./build/unit-tests kvm_
./build/unit-tests host_
./build/gamut info | grep -E '^(KVM|VT-x|Measured)'
./build/gamut info --kvm | sed 's/^/info --kvm: /'
./build/gamut modes | grep -E '^  (pvh|pv) ' | sed 's/^/modes: /'
for c in 1 4; do
	./build/gamut run --mode pvh --cpu kvm --kernel build/guests/kvm/smp.elf --mem 64 --cpus $c --console none
	echo "nested: smp cpus=$c rc=$?"
done
SCRIPT
nested_run "$tmp/script" "$tmp/log" || { tail -20 "$tmp/log"; exit 1; }
log=$(cat "$tmp/log")
grep -aE '(nested:|^ok |^not ok|FAIL|skip|[0-9]+ passed|KVM:|VT-x|Measured:|info --kvm:|modes:|gamut:)' <<<"$log"
fail() { echo "FAIL: $*"; exit 1; }
grep -q '^not ok' <<<"$log" && fail "unit tests failed under nested KVM"
[ "$(grep -c '^ok     kvm_run_' <<<"$log")" -ge 3 ] || fail "the raw-guest KVM tests did not run"
grep -q '^ok     kvm_measure_runs' <<<"$log" || fail "the CPL-0 measurement did not run"
# QEMU's AMD-V is VT-x/AMD-V to the nested kernel: a full KVM.
grep -q '^KVM: *full: ' <<<"$log" || fail "gamut info does not call the nested KVM full"
grep -q '^info --kvm: full$' <<<"$log" || fail "gamut info --kvm does not say full"
grep -q '^modes:   pvh  *kvm: native speed' <<<"$log" || fail "gamut modes does not say native speed for pvh"
grep -qE '^skip +kvm_(run_|measure_runs)' <<<"$log" && fail "a KVM unit test skipped on a full KVM"
for c in 1 4; do
	if grep -q "nested: smp cpus=$c rc=67" <<<"$log"; then
		continue
	elif grep -q 'not built yet' <<<"$log"; then
		echo "note: smp guest not run: the boot loaders are not built in this tree"
	else
		fail "smp guest with --cpus $c"
	fi
done
echo "ok"
