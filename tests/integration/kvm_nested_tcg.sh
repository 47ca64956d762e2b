#!/usr/bin/env bash
# The KVM backend on a real KVM, even on a host without /dev/kvm: boots the
# guest kit's Debian kernel in QEMU's software CPU with AMD-V emulated
# (-cpu max,+svm,+npt), loads kvm-amd there, and runs gamut's KVM unit tests
# (raw guests through the whole backend), `gamut info` and the SMP test
# guest inside it.  About 10-60 s.  Skips (77) without qemu-system-x86_64
# or without the guest kit's kernel and modules (make guest-kit).
set -u
kit="$BUILD/kit"
qemu=$(command -v qemu-system-x86_64) ||
	{ echo "qemu-system-x86_64 not installed (scripts/install-deps.sh installs it)"; exit 77; }
[ -f "$kit/bzImage" ] || { echo "no guest kit kernel in $kit (make guest-kit)"; exit 77; }
mods=$(find "$kit/pkg/kernel/lib/modules" -path '*/kernel/*' \
	\( -name 'irqbypass.ko*' -o -name 'kvm.ko*' -o -name 'kvm-amd.ko*' \) 2>/dev/null)
[ "$(printf '%s\n' "$mods" | grep -c .)" -eq 3 ] ||
	{ echo "the guest kit kernel has no kvm, kvm-amd and irqbypass modules"; exit 77; }
busybox=/bin/busybox
[ -x "$busybox" ] || busybox="$kit/pkg/busybox/bin/busybox"
[ -x "$busybox" ] || { echo "no static busybox (busybox-static)"; exit 77; }
guest="$BUILD/guests/kvm/smp.elf"
[ -f "$guest" ] || { echo "test guest $guest not built (make test-guests)"; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/mods" "$root/t/guests/kvm"
cp "$busybox" "$root/bin/busybox"
for m in $mods; do
	case $m in
	*.ko) cp "$m" "$root/mods/" ;;
	*.ko.xz) xz -dc "$m" >"$root/mods/$(basename "${m%.xz}")" ;;
	*.ko.zst) zstd -qdc "$m" >"$root/mods/$(basename "${m%.zst}")" ;;
	esac
done
cp "$GAMUT" "$BUILD/unit-tests" "$root/t/"
cp "$guest" "$root/t/guests/kvm/"
# The binaries' shared libraries, at the same paths.
for lib in $(ldd "$GAMUT" "$BUILD/unit-tests" | grep -o '/[^ ]*\.so[^ ]*' | sort -u); do
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
./unit-tests kvm_
./unit-tests host_
./gamut info --no-measure | grep -E '^(KVM|VT-x)'
for c in 1 4; do
	./gamut run --mode pvh --cpu kvm --kernel guests/kvm/smp.elf --mem 64 --cpus $c --console none
	echo "nested: smp cpus=$c rc=$?"
done
echo "nested: done"
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$root.cpio.gz"
trap 'rm -rf "$root" "$root.cpio.gz"' EXIT
timeout 600 "$qemu" -machine q35 -cpu max,+svm,+npt -smp 1 -m 1024 -nographic \
	-no-reboot -kernel "$kit/bzImage" -initrd "$root.cpio.gz" \
	-append "console=ttyS0 panic=-1 quiet" </dev/null >"$root/log" 2>&1
echo "qemu exited $?"
tr -d '\r' <"$root/log" | grep -aE '(nested:|^ok |^not ok|FAIL|skip|  skip|[0-9]+ passed|KVM:|VT-x|gamut:)'
log=$(tr -d '\r' <"$root/log")
fail() { echo "FAIL: $*"; exit 1; }
grep -q "nested: /dev/kvm ready" <<<"$log" || fail "kvm-amd did not load under QEMU"
grep -q "nested: done" <<<"$log" || fail "the nested run did not finish"
grep -q '^not ok' <<<"$log" && fail "unit tests failed under nested KVM"
[ "$(grep -c '^ok     kvm_run_' <<<"$log")" -eq 2 ] || fail "the raw-guest KVM tests did not run"
grep -q '^ok     kvm_measure_runs' <<<"$log" || fail "the CPL-0 measurement did not run"
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
