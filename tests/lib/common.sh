# Shared by the shell tests (sourced, not run).  Sets GAMUT and BUILD when
# a test runs on its own (tests/run.sh exports them), gives each test a
# scratch directory $T removed at exit, and the pass/skip/fail verbs of
# tests/run.sh: exit 0 pass, 77 skip with the reason as the last line,
# anything else fail.
: "${BUILD:=build}"
: "${GAMUT:=$PWD/$BUILD/gamut}"
export BUILD GAMUT

skip() {
	echo "$*"
	exit 77
}

fail() {
	echo "FAIL: $*"
	exit 1
}

# Cleanup steps run at exit, last added first.
_cleanups=()
at_exit() {
	_cleanups=("$*" "${_cleanups[@]}")
}
_run_cleanups() {
	local c
	for c in "${_cleanups[@]}"; do
		eval "$c" >/dev/null 2>&1
	done
}
trap _run_cleanups EXIT
trap 'exit 130' INT TERM

T=$(mktemp -d "${TMPDIR:-/tmp}/gamut-test.XXXXXX") || fail "cannot make a scratch directory"
at_exit "rm -rf '$T'"

[ -x "$GAMUT" ] || fail "no gamut binary at $GAMUT (run make)"

need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (${1:-network namespaces and TAP devices})"
}

need_tun() {
	[ -c /dev/net/tun ] || skip "no /dev/net/tun on this host"
}

# need_cmd CMD...: skips unless every host command exists.
need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "needs $c on the host (scripts/install-deps.sh)"
	done
}

# The md5 of a file, hex only.
md5_of() {
	md5sum "$1" | cut -d' ' -f1
}
