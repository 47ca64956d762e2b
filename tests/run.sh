#!/usr/bin/env bash
# The whole test suite: unit tests, then every tests/integration/*.sh.
# An integration test exits 0 (pass), 77 (skip: it prints why) or anything
# else (fail).  Ends with one line: "N passed, N failed, N skipped".
set -u
# Absolute, so a test may change directory and still find the build.
BUILD=$(cd "${1:-build}" && pwd) || exit 1
export BUILD GAMUT="$BUILD/gamut"
passed=0 failed=0 skipped=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

echo "== unit tests"
"$BUILD/unit-tests" >"$log/unit" 2>&1
cat "$log/unit" | grep -v '^ok ' || true
read -r p f s < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' "$log/unit" | tail -1)
if [ -z "${p:-}" ]; then
	echo "unit tests did not finish"; failed=$((failed + 1))
else
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	echo "unit: $p passed, $f failed, $s skipped"
fi

echo "== integration tests"
for t in tests/integration/*.sh; do
	[ -x "$t" ] || continue
	name=$(basename "$t" .sh)
	start=$(date +%s)
	timeout 900 "$t" >"$log/$name" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	case $rc in
	0) passed=$((passed + 1)); echo "ok     $name (${secs}s)" ;;
	77) skipped=$((skipped + 1)); echo "skip   $name: $(tail -1 "$log/$name")" ;;
	*) failed=$((failed + 1)); echo "not ok $name (exit $rc, ${secs}s)"; tail -30 "$log/$name" | sed 's/^/    /' ;;
	esac
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
