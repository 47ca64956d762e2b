#!/usr/bin/env bash
# The platform devices from inside a guest (tests/guests/platform/devices.S)
# on every CPU backend this host runs: the UART as Linux's 8250 probe sees
# it and its output on --console file:, the CMOS memory bytes, the i8042
# self test, and both ways out: i8042 pulse-reset and ACPI S5 power-off,
# each exit status 0.  Backends that cannot run here are skipped with the
# reason `gamut info` gives (on KVM that is not hardware-backed: guest kernel
# mode emulated, "use --cpu emu"); with none left, the test skips.
set -u
guest="$BUILD/guests/platform/devices.elf"
[ -f "$guest" ] || { echo "test guest $guest not built (make test-guests)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The pvh row of `gamut info`: "not built yet: ..." / "not available: ..."
# for a backend this host cannot run.
backend_status() {
	"$GAMUT" info --json --no-measure | python3 -c '
import json, sys
for m in json.load(sys.stdin)["modes"]:
    if m["mode"] == "pvh":
        print(m["backends"].get(sys.argv[1], "not built yet: unknown backend"))' "$1"
}

ran=0 fail=0 skipped=""
for cpu in kvm emu; do
	status=$(backend_status "$cpu") || { echo "gamut info failed"; exit 1; }
	# The guest runs at CPL 0: on KVM only where it is hardware-backed.
	case $status in
	"not built yet"* | "not available"* | *"use --cpu emu"*)
		skipped="$skipped --cpu $cpu: $status;"
		continue ;;
	esac
	for end in reset poweroff; do
		out="$tmp/$cpu-$end.log"
		timeout 120 "$GAMUT" run --mode pvh --cpu "$cpu" --kernel "$guest" \
			--mem 64 --cmdline "$end" --console "file:$out" \
			</dev/null 2>"$tmp/err"
		rc=$?
		ran=1
		if [ "$rc" -ne 0 ]; then
			echo "FAIL --cpu $cpu $end: exit $rc (codes: tests/guests/platform/devices.S): $(cat "$tmp/err")"
			fail=1
		elif ! grep -q "gamut platform devices ok" "$out"; then
			echo "FAIL --cpu $cpu $end: the UART output is missing from $out"
			fail=1
		else
			echo "ok: --cpu $cpu $end"
		fi
	done
done
if [ "$ran" = 0 ]; then
	echo "no CPU backend runs here:$skipped"
	exit 77
fi
[ -n "$skipped" ] && echo "skipped:$skipped"
exit $fail
