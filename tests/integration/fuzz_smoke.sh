#!/usr/bin/env bash
# A short libFuzzer run of every fuzz/fuzz_*.c target (about 10 s each),
# seeded with the project's own test guests and kit kernel headers where
# present.  Skips when clang or its libFuzzer runtime is missing.
set -u
BUILD=${BUILD:-build}
SECS=${FUZZ_SECS:-10}
command -v clang >/dev/null || { echo "clang is not installed"; exit 77; }
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' >"$probe/p.c"
clang -fsanitize=fuzzer "$probe/p.c" -o "$probe/p" 2>"$probe/err" ||
	{ echo "clang has no libFuzzer runtime ($(head -1 "$probe/err"))"; exit 77; }

make -s fuzz BUILD="$BUILD" >"$probe/build" 2>&1 || { cat "$probe/build"; exit 1; }
make -s test-guests BUILD="$BUILD" >/dev/null 2>&1 || true
failed=0
for bin in "$BUILD"/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	corpus=$probe/$name
	mkdir -p "$corpus"
	# Seeds: real inputs of the right kind make the short run meaningful.
	scripts/fuzz-seed.sh "$name" "$corpus"
	if "$bin" -max_total_time="$SECS" -rss_limit_mb=1024 -max_len=65536 \
		"$corpus" >"$probe/$name.log" 2>&1; then
		echo "ok   $name: $(grep -o 'Done [0-9]* runs' "$probe/$name.log" | tail -1)"
	else
		echo "FAIL $name:"
		tail -30 "$probe/$name.log" | sed 's/^/    /'
		failed=1
	fi
done
exit $failed
