# Shared helpers for the tests/integration/oci_*.sh scripts (sourced, not
# run: it is not executable).  Each test gets a private directory $T, a
# runtime root $ROOT and ids prefixed with $PFX so that leak checks can
# find anything left behind.

set -u
GAMUT=${GAMUT:-$PWD/build/gamut}
OCI="$(dirname "$GAMUT")/gamut-oci"
T=$(mktemp -d /tmp/gamut-oci-test.XXXXXX)
chmod 755 "$T"
ROOT=$T/state
PFX="gt$$"
FAILS=0

skip() { echo "$1"; exit 77; }

need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, mounts, cgroups)"
	unshare -m true 2>/dev/null || skip "cannot create namespaces here"
	[ -x "$OCI" ] || skip "gamut-oci not built at $OCI"
}

fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }

# check NAME EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: expected [$2], got [$3]"; fi
}
# check_has NAME NEEDLE HAYSTACK
check_has() {
	case "$3" in *"$2"*) ok "$1" ;; *) fail "$1: [$2] not in [$3]" ;; esac
}

oci() { "$OCI" --root "$ROOT" "$@"; }

# A busybox root filesystem with every applet linked.
make_rootfs() {
	local r=$1
	mkdir -p "$r/bin" "$r/proc" "$r/sys" "$r/dev" "$r/tmp" "$r/etc" "$r/data"
	cp /bin/busybox "$r/bin/busybox"
	for a in $("$r/bin/busybox" --list); do
		[ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"
	done
	echo "root:x:0:0:root:/:/bin/sh" >"$r/etc/passwd"
	chmod 1777 "$r/tmp"
}

# make_bundle DIR: a bundle from `gamut-oci spec` with terminal off; edits
# go through python3 (edit_config DIR 'python expression on c').
make_bundle() {
	local b=$1
	mkdir -p "$b"
	[ -d "$T/rootfs" ] || make_rootfs "$T/rootfs"
	# A copy, not a link: a symlinked rootfs is refused (as runc does).
	[ -d "$b/rootfs" ] || cp -a "$T/rootfs" "$b/rootfs"
	(cd "$b" && rm -f config.json && "$OCI" spec) || fail "spec in $b"
	edit_config "$b" 'c["process"]["terminal"]=False; c["root"]["readonly"]=False'
}

edit_config() {
	python3 - "$1/config.json" "$2" <<'PY'
import json, sys
p, code = sys.argv[1], sys.argv[2]
c = json.load(open(p))
exec(code)
json.dump(c, open(p, "w"), indent=1)
PY
}

set_args() { # set_args BUNDLE ARG...
	local b=$1; shift
	python3 - "$b/config.json" "$@" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["args"] = sys.argv[2:]
json.dump(c, open(p, "w"), indent=1)
PY
}

json_get() { # json_get KEY <json on stdin
	python3 -c 'import json,sys; v=json.load(sys.stdin); print(v[sys.argv[1]] if isinstance(v, dict) else v)' "$1"
}

# wait_status ID STATUS: polls (up to 20 s) until the container reaches STATUS;
# prints the status it ended with.
wait_status() {
	local s
	for _ in $(seq 200); do
		s=$(oci state "$1" 2>/dev/null | json_get status)
		[ "$s" = "$2" ] && break
		sleep 0.1
	done
	echo "$s"
}

# No container process, mount, cgroup or state may outlive the tests.
check_no_leaks() {
	local what=$1 left
	left=$(grep -c "$T" /proc/self/mountinfo)
	check "$what: no stray mounts" 0 "$left"
	left=$(find /sys/fs/cgroup -maxdepth 4 -type d -name "$PFX*" 2>/dev/null | wc -l)
	check "$what: no stray cgroups" 0 "$left"
	left=$(pgrep -f "marker-$PFX" | wc -l)
	check "$what: no stray processes" 0 "$left"
	left=$(ls "$ROOT" 2>/dev/null | grep -c "^$PFX" || true)
	check "$what: no stray state" 0 "$left"
}

cleanup() {
	for d in "$ROOT"/*; do
		[ -d "$d" ] && "$OCI" --root "$ROOT" delete --force "$(basename "$d")" >/dev/null 2>&1
	done
	rm -rf "$T"
}
trap cleanup EXIT

finish() {
	if [ "$FAILS" -ne 0 ]; then
		echo "$FAILS check(s) failed"
		exit 1
	fi
	echo "all checks passed"
	exit 0
}
