# Booting the guest kit's Linux in the tests (sourced after common.sh).
#
#   kit_require                  KIT, KIT_VMLINUX, KIT_BZIMAGE, KIT_INITRD,
#                                KIT_KVER, or skip when the kit is not built
#   backends_require             BACKENDS: the CPU backends that can boot
#                                Linux here (emu; kvm where it is hardware-
#                                backed), or skip saying why there is none
#   guest_cmdline CMD            the common kernel command line running CMD
#   guest_boot NAME CPU KERNEL CMD [gamut run options...]
#                                boots with a hard timeout; the console
#                                (CRs removed) is in $T/NAME.log, gamut's own
#                                output in $T/NAME.out, its status in GUEST_RC
#   guest_expect NAME ERE WHAT   fails, showing the console, unless a line
#                                of the console matches ERE
#   guest_value NAME KEY         the VALUE of the last "KEY=VALUE" line
#   guest_ok NAME                expect exit 0, the command's status 0 and
#                                the kernel's power-down message
#   guest_start NAME CPU KERNEL CMD [options...]
#                                the same boot in the background (GUEST_PID)
#   guest_wait_for NAME ERE      waits until the console matches ERE (fails
#                                if gamut stops first or the timeout passes)
#   guest_wait_exit NAME         waits for the background gamut to stop
#                                (GUEST_RC; fails after the timeout)
#   guest_kill NAME              SIGKILLs the background gamut
#
# GUEST_WRAP (an array, default empty) prefixes the gamut command, e.g.
# (ip netns exec NS) to run gamut inside a network namespace.
#
# Environment: GAMUT_KIT (default $BUILD/kit), GAMUT_TEST_CPU (emu or kvm:
# only that backend; default every one that can run here),
# GAMUT_TEST_TIMEOUT (seconds per boot; default 300 on emu, 120 on kvm).

GUEST_WRAP=()

kit_require() {
	KIT=${GAMUT_KIT:-$BUILD/kit}
	KIT_VMLINUX=$KIT/vmlinux
	KIT_BZIMAGE=$KIT/bzImage
	KIT_INITRD=$KIT/initramfs.cpio.gz
	local f
	for f in "$KIT_VMLINUX" "$KIT_BZIMAGE" "$KIT_INITRD"; do
		[ -s "$f" ] || skip "no guest kit: $f is missing (make guest-kit)"
	done
	# The kernel's version, to compare with the guest's uname: the bzImage
	# header's kernel_version field points (+0x200) at the version string.
	local off
	off=$(od -An -tu2 -j $((0x20e)) -N2 "$KIT_BZIMAGE" | tr -d ' ')
	KIT_KVER=$(dd if="$KIT_BZIMAGE" bs=1 skip=$((off + 0x200)) count=128 status=none | tr '\0' '\n' | head -1 | cut -d' ' -f1)
	export KIT_KVER
	[ -n "$KIT_KVER" ] || fail "$KIT_BZIMAGE has no kernel version string"
}

# Which backends can boot Linux in useful time here, from `gamut info`.
# The emu backend is usable once it is built; the kvm backend only where
# KVM is hardware-backed (capability full; elsewhere its guest kernel mode
# is emulated thousands of times slower than native: docs/kvm.md).
backends_require() {
	local json verdict want=${GAMUT_TEST_CPU:-}
	json=$("$GAMUT" info --json --no-measure) || fail "gamut info --json failed"
	verdict=$(printf '%s' "$json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
pvh = next(m for m in d["modes"] if m["mode"] == "pvh")
k = d["kvm"]
emu = pvh["backends"]["emu"]
emu_why = "" if not emu.startswith(("not built yet", "not available")) else emu
if k["capability"] == "none":
    kvm_why = "KVM: " + k["reason"]
elif k["capability"] != "full":
    kvm_why = "KVM is not hardware-backed here: " + k["reason"]
else:
    kvm_why = ""
print("emu\t" + ("ok" if not emu_why else "--cpu emu: " + emu_why))
print("kvm\t" + ("ok" if not kvm_why else "--cpu kvm: " + kvm_why))
') || fail "cannot read gamut info --json"
	BACKENDS=()
	local why=() name state
	while IFS=$'\t' read -r name state; do
		[ -n "$want" ] && [ "$want" != "$name" ] && continue
		if [ "$state" = ok ]; then
			BACKENDS+=("$name")
		else
			why+=("$state")
		fi
	done <<<"$verdict"
	if [ ${#BACKENDS[@]} -eq 0 ]; then
		skip "no CPU backend can boot Linux here: ${why[0]}; ${why[1]:-}"
	fi
	for state in "${why[@]}"; do
		echo "not testing $state"
	done
}

guest_timeout() {
	echo "${GAMUT_TEST_TIMEOUT:-$([ "$1" = kvm ] && echo 120 || echo 300)}"
}

# The command line every Linux test uses: serial console, a reboot that
# reaches gamut (keyboard controller), reboot at once on panic, a quiet
# kernel (the tests read the console), and the kit's command.  CMD must not
# contain a double quote (the kit's init takes gamut.cmd="..." up to the
# next one).
guest_cmdline() {
	case $1 in
	*'"'*) fail "guest command contains a double quote: $1" ;;
	esac
	printf 'console=ttyS0 reboot=k panic=-1 quiet gamut.cmd="%s"' "$1"
}

# guest_run NAME CPU [gamut run options...]: gamut run with a hard timeout.
guest_run() {
	local name=$1 cpu=$2 limit
	shift 2
	limit=$(guest_timeout "$cpu")
	rm -f "$T/$name.console"
	echo "== $name: gamut run --cpu $cpu $*"
	timeout -k 10 "$limit" "${GUEST_WRAP[@]}" "$GAMUT" run --cpu "$cpu" --console "file:$T/$name.console" "$@" \
		</dev/null >"$T/$name.out" 2>&1
	GUEST_RC=$?
	tr -d '\r' 2>/dev/null <"$T/$name.console" >"$T/$name.log" || : >"$T/$name.log"
	if grep -q 'not built yet' "$T/$name.out"; then
		skip "$(grep -m1 'not built yet' "$T/$name.out")"
	fi
	if [ "$GUEST_RC" -eq 124 ] || [ "$GUEST_RC" -eq 137 ]; then
		guest_fail "$name" "gamut did not stop within ${limit}s (killed)"
	fi
}

guest_boot() {
	local name=$1 cpu=$2 kernel=$3 cmd=$4
	shift 4
	guest_run "$name" "$cpu" --kernel "$kernel" --initrd "$KIT_INITRD" \
		--cmdline "$(guest_cmdline "$cmd")" "$@"
}

# Fails showing the end of the console and gamut's own output.
guest_fail() {
	local name=$1
	shift
	echo "--- $name: console (last 20 lines of $T/$name.log)"
	tail -20 "$T/$name.log" 2>/dev/null
	echo "--- $name: gamut exit status ${GUEST_RC:-?}, its output:"
	tail -5 "$T/$name.out" 2>/dev/null
	fail "$name ($(basename "${GAMUT}") run --cpu ...): $*"
}

guest_expect() {
	grep -Eq -- "$2" "$T/$1.log" || guest_fail "$1" "$3: no console line matches /$2/"
}

guest_refute() {
	if grep -Eq -- "$2" "$T/$1.log"; then
		guest_fail "$1" "$3: console line $(grep -Em1 -- "$2" "$T/$1.log")"
	fi
}

guest_value() {
	sed -n "s/^$2=//p" "$T/$1.log" | tail -1
}

guest_ok() {
	local name=$1
	guest_expect "$name" '^gamut-kit: init ready' "the kit's init did not start"
	guest_expect "$name" '^gamut-kit: command exited with status 0$' "the guest command failed"
	guest_expect "$name" 'reboot: Power down' "the kernel did not power down"
	[ "$GUEST_RC" -eq 0 ] || guest_fail "$name" "gamut exited $GUEST_RC after the guest powered off (expected 0)"
}

guest_start() {
	local name=$1 cpu=$2 kernel=$3 cmd=$4
	shift 4
	rm -f "$T/$name.console"
	: >"$T/$name.log"
	echo "== $name: gamut run --cpu $cpu (in the background) $*"
	GUEST_DEADLINE=$(($(date +%s) + $(guest_timeout "$cpu")))
	"${GUEST_WRAP[@]}" "$GAMUT" run --cpu "$cpu" --console "file:$T/$name.console" --kernel "$kernel" \
		--initrd "$KIT_INITRD" --cmdline "$(guest_cmdline "$cmd")" "$@" \
		</dev/null >"$T/$name.out" 2>&1 &
	GUEST_PID=$!
	at_exit '[ -n "${GUEST_PID:-}" ] && kill -9 "$GUEST_PID"'
}

guest_wait_for() {
	local name=$1 ere=$2
	while :; do
		tr -d '\r' 2>/dev/null <"$T/$name.console" >"$T/$name.log"
		grep -Eq -- "$ere" "$T/$name.log" && return 0
		if ! kill -0 "$GUEST_PID" 2>/dev/null; then
			wait "$GUEST_PID"
			GUEST_RC=$? GUEST_PID=
			guest_fail "$name" "gamut stopped before the console showed /$ere/"
		fi
		if [ "$(date +%s)" -ge "$GUEST_DEADLINE" ]; then
			guest_kill "$name"
			guest_fail "$name" "the console did not show /$ere/ in time"
		fi
		sleep 0.2
	done
}

guest_wait_exit() {
	while kill -0 "$GUEST_PID" 2>/dev/null; do
		if [ "$(date +%s)" -ge "$GUEST_DEADLINE" ]; then
			guest_kill "$1"
			guest_fail "$1" "gamut did not stop in time (killed)"
		fi
		sleep 0.2
	done
	wait "$GUEST_PID"
	GUEST_RC=$? GUEST_PID=
	tr -d '\r' 2>/dev/null <"$T/$1.console" >"$T/$1.log"
}

guest_kill() {
	[ -n "${GUEST_PID:-}" ] || return 0
	kill -9 "$GUEST_PID" 2>/dev/null
	wait "$GUEST_PID" 2>/dev/null
	GUEST_RC=$? GUEST_PID=
	tr -d '\r' 2>/dev/null <"$T/$1.console" >"$T/$1.log"
}

# Boots the kit's kernel from IMAGE on backend CPU with a command that
# reports who it is, and checks it: the kit's kernel release and x86_64,
# init ready, the CPU flags a 64-bit kernel needs, one processor, and the
# command line as given.  Fails the test with the reason otherwise.
guest_check_kit_boot() { # NAME CPU IMAGE
	local n=$1
	guest_boot "$n" "$2" "$3" \
		'echo uname=$(uname -r) $(uname -m); grep -m1 ^flags /proc/cpuinfo; grep -c ^processor /proc/cpuinfo | sed s/^/ncpu=/; cat /proc/cmdline | sed s/^/cmdline=/'
	guest_ok "$n"
	[ "$(guest_value "$n" uname)" = "$KIT_KVER x86_64" ] ||
		guest_fail "$n" "uname says '$(guest_value "$n" uname)', the kit's kernel is '$KIT_KVER x86_64'"
	guest_expect "$n" "^gamut-kit: init ready \\($KIT_KVER\\)" "init ready names another kernel"
	guest_expect "$n" '^flags.* fpu .* pae .* sse2 .* lm( |$)' "/proc/cpuinfo lacks fpu/pae/sse2/lm"
	[ "$(guest_value "$n" ncpu)" = 1 ] || guest_fail "$n" "expected 1 processor, /proc/cpuinfo lists $(guest_value "$n" ncpu)"
	guest_expect "$n" '^cmdline=.*console=ttyS0.*gamut\.cmd=' "/proc/cmdline is not the one given"
}
