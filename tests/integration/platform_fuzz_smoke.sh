#!/usr/bin/env bash
# Short libFuzzer smoke run of the platform-device target
# (fuzz/fuzz_platform_io.c): a few thousand random programs of port, MMIO
# and interrupt-line traffic against fresh devices.
set -u
BUILD=${BUILD:-build}
command -v clang >/dev/null || { echo "clang not installed"; exit 77; }
make -s "$BUILD/fuzz/fuzz_platform_io" BUILD="$BUILD" || exit 1
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
"$BUILD/fuzz/fuzz_platform_io" -runs=10000 -max_len=2048 -seed=1 "$corpus"
