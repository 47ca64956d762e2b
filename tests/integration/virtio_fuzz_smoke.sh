#!/usr/bin/env bash
# Short libFuzzer smoke run of the virtqueue target (fuzz/fuzz_virtq.c):
# builds it with clang and runs a few thousand random rings.
set -u
BUILD=${BUILD:-build}
command -v clang >/dev/null || { echo "clang not installed"; exit 77; }
make -s "$BUILD/fuzz/fuzz_virtq" BUILD="$BUILD" || exit 1
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
"$BUILD/fuzz/fuzz_virtq" -runs=20000 -max_len=4096 -seed=1 "$corpus"
