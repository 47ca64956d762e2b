# Sourced by the boot_*.sh integration tests (not a test itself: not
# executable).  boot_guest_run NAME EXPECT_STATUS EXPECT_TEXT -- gamut run
# options...  runs a test guest on every CPU backend that can run it here
# and records pass/fail/skip; boot_guest_finish turns that into the exit
# status tests/run.sh expects (0 pass, 77 skip with the reason last, 1 fail).
set -u
GAMUT=${GAMUT:-build/gamut}
BUILD=${BUILD:-build}
GUESTS=$BUILD/guests/boot
ran=0 failed=0 skips=()
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

[ -x "$GAMUT" ] || { echo "no gamut binary at $GAMUT"; exit 1; }
[ -d "$GUESTS" ] || make -s test-guests BUILD="$BUILD" >/dev/null
. "$(dirname "${BASH_SOURCE[0]}")/kvm_lib.sh"

# Why backend $1 cannot run here, or nothing when it can.  The test guests
# run at CPL 0: on KVM that takes VT-x/AMD-V (gamut info --kvm says full).
backend_unavailable() {
	local why
	case $1 in
	kvm)
		why=$(kvm_lacks full) || { echo "$why"; return; }
		[ -z "$why" ] || echo "$why"
		;;
	esac
}

boot_guest_run() {
	local name=$1 want_status=$2 want_text=$3 cpu out rc why
	shift 4 # the "--"
	for cpu in kvm emu; do
		why=$(backend_unavailable "$cpu")
		if [ -n "$why" ]; then
			echo "skip $name on --cpu $cpu: ${why#*: }"
			skips+=("$why")
			continue
		fi
		out=$tmp/$name.$cpu
		timeout 120 "$GAMUT" run --cpu "$cpu" --mode pvh --console stdio "$@" \
			</dev/null >"$out" 2>&1
		rc=$?
		if grep -q "not built yet" "$out"; then
			skips+=("$cpu: $(grep -m1 'not built yet' "$out" | sed 's/^gamut: //')")
			continue
		fi
		ran=$((ran + 1))
		if [ "$rc" -eq "$want_status" ] && grep -q "$want_text" "$out"; then
			echo "ok   $name on --cpu $cpu (exit $rc)"
		else
			failed=$((failed + 1))
			echo "FAIL $name on --cpu $cpu: exit $rc (want $want_status), output:"
			sed 's/^/    /' "$out" | tail -20
		fi
	done
}

boot_guest_finish() {
	[ "$failed" -eq 0 ] || exit 1
	if [ "$ran" -eq 0 ]; then
		local reasons
		reasons=$(printf '%s\n' "${skips[@]}" | sort -u | paste -sd ';' | sed 's/;/; /g')
		echo "no CPU backend can run the guest here: $reasons"
		exit 77
	fi
	exit 0
}
