#!/usr/bin/env bash
# gamut's BIOS services, called from a real-mode test guest (a disk image
# whose MBR loads tests/guests/bios/services.asm) on `--mode hvm --cpu emu`:
# every INT 10h/11h/12h/13h/15h/16h/1Ah check must print "ok" and the guest
# must end with "BIOS SERVICES: PASS" (debug-exit 0: gamut exits 1).
# Then a disk with no boot signature must stop cleanly with the BIOS's
# message (debug-exit 1: gamut exits 3), never hang.
set -u
img=$BUILD/guests/bios/services.img
[ -f "$img" ] || { echo "test guest $img is not built"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$img" "$tmp/disk.img"

timeout 300 "$GAMUT" run --mode hvm --cpu emu --mem 64 --console stdio \
	--disk "$tmp/disk.img" </dev/null >"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
if grep -q "not built yet" "$tmp/out"; then
	echo "needs what gamut reports as not built: $(grep -o 'not built yet.*' "$tmp/out" | head -1)"
	exit 77
fi
[ $rc -eq 124 ] && { echo "timed out"; exit 1; }
grep -q "^gamut BIOS" "$tmp/out" || { echo "no BIOS banner"; exit 1; }
if grep -q "^FAIL" "$tmp/out"; then echo "a BIOS check failed"; exit 1; fi
grep -q "BIOS SERVICES: PASS" "$tmp/out" || { echo "the guest did not finish"; exit 1; }
[ $rc -eq 1 ] || { echo "exit status $rc, expected 1 (debug-exit 0)"; exit 1; }

# No 55AA signature: a clear message and a clean stop.
head -c 1048576 /dev/zero >"$tmp/blank.img"
timeout 120 "$GAMUT" run --mode hvm --cpu emu --mem 64 --console stdio \
	--disk "$tmp/blank.img" </dev/null >"$tmp/out2" 2>&1
rc=$?
cat "$tmp/out2"
grep -q "no 55AA signature" "$tmp/out2" || { echo "no message for a blank disk"; exit 1; }
[ $rc -eq 3 ] || { echo "blank disk: exit status $rc, expected 3"; exit 1; }
echo "BIOS services pass on --cpu emu"
