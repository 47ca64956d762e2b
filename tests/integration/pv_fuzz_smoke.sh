#!/usr/bin/env bash
# Short libFuzzer smoke runs of the PV targets: the image parser seeded with
# real SDK images, and the hypercall ABI driven by random guest programs.
set -u
BUILD=${BUILD:-build}
command -v clang >/dev/null || { echo "clang not installed"; exit 77; }
make -s "$BUILD/fuzz/fuzz_pv_image" "$BUILD/fuzz/fuzz_pv_hypercall" BUILD="$BUILD" || exit 1
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
mkdir "$corpus/image" "$corpus/hc"
cp "$BUILD"/pv-examples/*.pv "$corpus/image/" 2>/dev/null
"$BUILD/fuzz/fuzz_pv_image" -runs=30000 -max_len=131072 -seed=1 "$corpus/image" || exit 1
"$BUILD/fuzz/fuzz_pv_hypercall" -runs=500 -max_len=2048 -seed=1 "$corpus/hc" || exit 1
