#!/usr/bin/env bash
# Reference check of gamut's BIOS binary on another PC model: QEMU's `-M pc`
# (its PIIX3 IDE and TCG CPU) runs the same services test guest with our
# BIOS as its firmware.  gamut fills the BIOS table before boot; here a few
# lines of Python fill it the same way for 64 MiB (layout: bios_abi.h).
# This checks the BIOS code itself, independently of gamut's CPU and
# devices; pc_bios_services.sh is the test of gamut.
set -u
q=$(command -v qemu-system-x86_64) || { echo "qemu-system-x86_64 is not installed"; exit 77; }
command -v python3 >/dev/null || { echo "python3 is not installed"; exit 77; }
img=$BUILD/guests/bios/services.img
bios=$BUILD/bios/bios.bin
[ -f "$img" ] && [ -f "$bios" ] || { echo "BIOS or test guest not built"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$img" "$tmp/disk.img"
python3 - "$bios" "$tmp/bios.bin" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
mib = 64
e = [(0, 0x9fc00, 1), (0x9fc00, 0x400, 2), (0xe0000, 0x10000, 3),
     (0xf0000, 0x10000, 2), (0x100000, (mib - 1) << 20, 1)]
struct.pack_into('<IIIII', b, 0x14, len(e), 15360, (mib - 16) * 16, (mib - 1) * 1024, 639)
for i, (a, l, t) in enumerate(e):
    struct.pack_into('<QQI', b, 0x40 + 20 * i, a, l, t)
open(sys.argv[2], 'wb').write(b)
PY
timeout 120 "$q" -M pc -m 64 -bios "$tmp/bios.bin" -display none -monitor none \
	-serial stdio -device isa-debug-exit,iobase=0x501,iosize=1 \
	-drive file="$tmp/disk.img",format=raw,if=ide </dev/null >"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
grep -q "^FAIL" "$tmp/out" && { echo "a BIOS check failed on QEMU"; exit 1; }
grep -q "BIOS SERVICES: PASS" "$tmp/out" || { echo "the guest did not finish"; exit 1; }
[ $rc -eq 1 ] || { echo "exit status $rc, expected 1"; exit 1; }
echo "gamut's BIOS passes its service tests on QEMU -M pc"
