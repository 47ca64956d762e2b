#!/usr/bin/env bash
# make bench: every benchmark side by side with its peers, one table each.
# Benchmarks are not tests: they print figures and ratios, and assert nothing.
set -u
BUILD=${1:-build}
export BUILD GAMUT="$PWD/$BUILD/gamut"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
# What KVM can run here (none, user or full), as every gamut command decides.
echo "kvm: $("$GAMUT" info --kvm | paste -sd' ' | sed 's/ /: /')"
echo
echo "== spectrum (a warm-up, then the median and min-max of 5 interleaved runs per row; docs/spectrum.md)"
"$GAMUT" spectrum --kit "$BUILD/kit"
for b in bench/*.sh; do
	case $b in bench/run.sh | bench/lib.sh) continue ;; esac
	echo
	echo "== $(basename "$b" .sh)"
	"$b" || echo "($b failed with status $?)"
done
