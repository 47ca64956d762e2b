#!/usr/bin/env bash
# The PV ABI on the KVM backend, even on a host without /dev/kvm: inside
# QEMU's software CPU with AMD-V emulated (nested_run in kvm_lib.sh), with
# --cpu kvm chosen by pv_lib.sh from the KVM capability (no PV_CPU),
# pv_run.sh (hello, the libc check, trap handlers, exit status 42, the
# block example writing and reading a disk, the refusals) and pv_hostile.sh
# (bad pointers, PV MMU abuse, runaway rings, privileged instructions, the
# trap port, a hypercall storm, every hypercall port), then the httpd
# example on a TAP device fetched with busybox wget, and ping.  The hcbench
# figures it prints are meaningless (every instruction of the nested KVM is
# emulated by QEMU); it is a functional test.  Skips (77) without qemu or
# the guest kit.
set -u
. "$(dirname "$0")/kvm_lib.sh"
: "${BUILD:=build}" "${GAMUT:=$PWD/$BUILD/gamut}"
NESTED_EXTRA_MODS=tun
NESTED_TOOLS=objcopy # pv_run.sh strips a note from an image
nested_require
[ -f "$BUILD/pv-examples/httpd.pv" ] && [ -d "$BUILD/guests/pv" ] ||
	{ echo "PV images not built (make pv-examples)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/script" <<'SCRIPT'
# No PV_CPU: pv_lib.sh must pick kvm by itself (gamut info --kvm: full).
for t in pv_run pv_hostile; do
	bash tests/integration/$t.sh >/tmp/$t 2>&1
	echo "nested: $t rc=$?"
	sed "s/^/$t| /" /tmp/$t
done
insmod /mods/tun.ko || echo "nested: insmod tun failed"
./build/gamut run --mode pv --cpu kvm --kernel build/pv-examples/httpd.pv \
	--net lan=tap:pvk0 --cmdline 10.0.82.2 >/tmp/httpd 2>&1 &
hpid=$!
for i in $(seq 100); do grep -q listening /tmp/httpd && break; sleep 0.2; done
ip addr add 10.0.82.1/24 dev pvk0
ip link set pvk0 up
ping -c 2 -W 10 10.0.82.2 >/dev/null && echo "nested: ping ok"
wget -q -O - http://10.0.82.2/ | grep -q "Hello from a gamut PV guest" && echo "nested: page ok"
echo "nested: bytes $(wget -q -O - http://10.0.82.2/bytes/300000 | md5sum | cut -d' ' -f1)"
echo "nested: want $(yes abcdefghijklmnopqrstuvwxyz | tr -d '\n' | head -c 300000 | md5sum | cut -d' ' -f1)"
wget -q -O - http://10.0.82.2/quit >/dev/null
wait $hpid
echo "nested: httpd rc=$?"
sed "s/^/httpd| /" /tmp/httpd
./build/gamut run --mode pv --cpu kvm --kernel build/pv-examples/hcbench.pv --cmdline "2000 20" |
	sed 's/^/figures (meaningless under QEMU TCG)| /'
SCRIPT
nested_run "$tmp/script" "$tmp/log" || { tail -30 "$tmp/log"; exit 1; }
log=$(cat "$tmp/log")
grep -aE '^(nested:|[a-z_]+\| |figures)' <<<"$log"
failed=0
fail() { echo "FAIL: $*"; failed=1; }
for t in pv_run pv_hostile; do
	grep -q "nested: $t rc=0" <<<"$log" || fail "$t.sh on --cpu kvm"
	grep -q "^$t| PV guests run on --cpu kvm" <<<"$log" || fail "$t.sh did not use --cpu kvm"
done
grep -q "nested: ping ok" <<<"$log" || fail "ping of the PV httpd guest on --cpu kvm"
grep -q "nested: page ok" <<<"$log" || fail "GET / from the PV httpd guest on --cpu kvm"
want=$(grep -a "^nested: want " <<<"$log" | cut -d' ' -f3)
[ -n "$want" ] && grep -q "^nested: bytes $want" <<<"$log" || fail "GET /bytes/300000 body on --cpu kvm"
grep -q "nested: httpd rc=0" <<<"$log" || fail "the httpd guest's exit status on --cpu kvm"
echo "note: figures printed above come from a KVM nested in QEMU's software CPU: meaningless"
[ "$failed" -eq 0 ] && echo ok
exit $failed
