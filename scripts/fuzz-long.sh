#!/usr/bin/env bash
# `make fuzz-long`: every libFuzzer target (fuzz/fuzz_*.c) in turn, one job
# each, for FUZZ_SECONDS seconds (600 unless set), keeping its corpus in
# $BUILD/fuzz/corpus/NAME so that each run starts where the last one ended.
# Prints per target the executions, libFuzzer's final coverage (cov: edges,
# ft: features) and whether it found anything (a crash, sanitizer report,
# leak, timeout or out-of-memory: libFuzzer's exit status, and the input it
# saved under $BUILD/fuzz/artifacts/NAME/).  Exits 1 when any target found
# something.  FUZZ_TARGETS="fuzz_a fuzz_b" runs only those.  docs/testing.md
# describes the targets.
set -u
BUILD=${BUILD:-build}
SECS=${FUZZ_SECONDS:-600}
cd "$(dirname "$0")/.."

targets=${FUZZ_TARGETS:-$(for f in fuzz/fuzz_*.c; do basename "$f" .c; done)}
make -s fuzz BUILD="$BUILD" || exit 1

found=0
printf '%-22s %12s %8s %8s  %s\n' target execs cov ft result
for name in $targets; do
	bin=$BUILD/fuzz/$name
	corpus=$BUILD/fuzz/corpus/$name
	art=$BUILD/fuzz/artifacts/$name
	log=$BUILD/fuzz/logs/$name.log
	mkdir -p "$corpus" "$art" "$(dirname "$log")"
	[ -n "$(ls -A "$corpus")" ] || BUILD=$BUILD scripts/fuzz-seed.sh "$name" "$corpus"
	touch "$BUILD/fuzz/logs/.start-$name" # artifacts newer than this are this run's
	if [ ! -x "$bin" ]; then
		printf '%-22s %s\n' "$name" "not built"
		found=1
		continue
	fi
	# -timeout: an input running 25 s is a hang, reported like a crash.
	# The outer timeout only guards against libFuzzer itself wedging.
	timeout $((SECS + 300)) "$bin" -max_total_time="$SECS" -timeout=25 \
		-rss_limit_mb=2048 -detect_leaks=1 -print_final_stats=1 \
		-artifact_prefix="$art/" "$corpus" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	[ -n "$execs" ] || execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	new=$(find "$art" -type f -newer "$BUILD/fuzz/logs/.start-$name" 2>/dev/null | head -3 | tr '\n' ' ')
	if [ "$rc" -eq 0 ] && [ -z "$new" ]; then
		result=none
	else
		result="FOUND (exit $rc; $log ${new})"
		found=1
	fi
	printf '%-22s %12s %8s %8s  %s\n' "$name" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$result"
done
exit $found
