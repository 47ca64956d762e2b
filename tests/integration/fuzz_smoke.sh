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
	case $name in
	fuzz_elf) cp "$BUILD"/guests/boot/*.elf "$corpus/" 2>/dev/null ;;
	fuzz_bzimage) cp "$BUILD"/guests/boot/bzimage64.bin "$corpus/" 2>/dev/null
		[ -f "$BUILD/kit/bzImage" ] && head -c 32768 "$BUILD/kit/bzImage" >"$corpus/debian" ;;
	fuzz_pv_image) cp "$BUILD"/pv-examples/*.pv "$corpus/" 2>/dev/null ;;
	fuzz_hostfwd) printf 'tcp::8080-:80' >"$corpus/a"
		printf 'udp:127.0.0.1:5353-10.0.2.15:53' >"$corpus/b" ;;
	fuzz_config_args) printf 'data=v1,x.img,ro,iops=50,bw=2m,bw_burst=64k' >"$corpus/a"
		printf 'user,hostfwd=tcp::8080-:80,bw=1m,pps=100,pps_burst=5' >"$corpus/b" ;;
	fuzz_oci_config) (g=${GAMUT:-$PWD/$BUILD/gamut}; cd "$corpus" && "$g" oci spec >/dev/null 2>&1) ;;
	esac
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
