#!/usr/bin/env bash
# The full Linux boot (tests/integration/boot_linux.sh: Debian's cloud
# kernel through the PVH entry and the 64-bit boot protocol, to the kit's
# /init and a command) on --cpu kvm, run inside a real KVM even where this
# host has none (nested_run in kvm_lib.sh).  About 2 minutes.  Skips (77)
# without qemu-system-x86_64 or the guest kit.
set -u
. "$(dirname "$0")/kvm_lib.sh"
nested_require
for f in vmlinux bzImage initramfs.cpio.gz; do
	[ -s "$NESTED_KIT/$f" ] || { echo "no guest kit $NESTED_KIT/$f (make guest-kit)"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/script" <<'SCRIPT'
bash tests/integration/boot_linux.sh >/tmp/boot_linux.log 2>&1
echo "nested: boot_linux rc=$?"
cat /tmp/boot_linux.log
SCRIPT
nested_run "$tmp/script" "$tmp/log" vmlinux bzImage initramfs.cpio.gz ||
	{ tail -20 "$tmp/log"; exit 1; }
sed -n '/nested: boot_linux rc=/,/nested: done/p' "$tmp/log"
grep -q "nested: boot_linux rc=0" "$tmp/log" || { echo "FAIL: boot_linux.sh on nested KVM"; exit 1; }
grep -q "^ok   vmlinux on --cpu kvm" "$tmp/log" && grep -q "^ok   bzImage on --cpu kvm" "$tmp/log" ||
	{ echo "FAIL: the Linux boots did not run on --cpu kvm"; exit 1; }
echo "ok"
