#!/usr/bin/env bash
# PV mode (docs/pv-abi.md), on every CPU backend that runs PV guests here:
# the CPU-bound guest against the same code run natively, the hypercall
# round trip and timer event latency, time from `gamut run` to main(), and
# a sequential read of a 256 MiB image against the host reading the same
# file.  Medians of 5 runs (3 on the software CPU); figures only, no asserts.
set -u
BUILD=${BUILD:-build}
GAMUT=${GAMUT:-$PWD/$BUILD/gamut}
EX=$BUILD/pv-examples
[ -f "$EX/hello.pv" ] || { echo "PV examples not built (make pv-examples)"; exit 0; }

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
ms_of() { sed -n 's/.* in \([0-9.]*\) ms.*/\1/p'; }
now_ns() { date +%s%N; }

img=$(mktemp /tmp/gamut-pvbench-XXXXXX.img)
trap 'rm -f "$img"' EXIT
dd if=/dev/urandom of="$img" bs=1M count=256 status=none

for cpu in kvm emu; do
	if ! out=$("$GAMUT" run --mode pv --cpu "$cpu" --kernel "$EX/hello.pv" 2>&1); then
		echo "pv on --cpu $cpu: cannot run here ($(tail -1 <<<"$out"))"
		continue
	fi
	runs=5 rounds=100
	[ "$cpu" = emu ] && runs=3 rounds=2
	echo "-- pv on --cpu $cpu ($runs runs each)"

	native=$(for i in $(seq $runs); do "$EX/cpubench-native" $rounds | ms_of; done | median)
	guest=$(for i in $(seq $runs); do
		"$GAMUT" run --mode pv --cpu "$cpu" --kernel "$EX/cpubench.pv" --cmdline "$rounds" | ms_of
	done | median)
	awk -v n="$native" -v g="$guest" -v r="$rounds" 'BEGIN {
		printf "cpubench (%d rounds): native %.1f ms, PV guest %.1f ms, guest/native %.4f (%+.2f %%)\n",
		       r, n, g, g / n, (g / n - 1) * 100 }'

	hc=$("$GAMUT" run --mode pv --cpu "$cpu" --kernel "$EX/hcbench.pv" --cmdline "20000 50")
	grep -E "round trip|latency" <<<"$hc" | sed 's/^hcbench: //'
	startup=$(for i in $(seq $runs); do
		t0=$(now_ns)
		m=$("$GAMUT" run --mode pv --cpu "$cpu" --kernel "$EX/hcbench.pv" --cmdline "1 1" |
		    sed -n 's/.*main_wall_ns \([0-9]*\).*/\1/p')
		echo $(( (m - t0) / 1000 ))
	done | median)
	echo "time from gamut run to the guest's main(): ${startup} us"

	host=$(for i in $(seq $runs); do
		t0=$(now_ns); dd if="$img" of=/dev/null bs=8M status=none; t1=$(now_ns)
		echo $(( (t1 - t0) / 1000 ))
	done | median)
	pvblk=$(for i in $(seq $runs); do
		"$GAMUT" run --mode pv --cpu "$cpu" --kernel "$EX/blkbench.pv" --disk "data=$img,ro" \
			--cmdline 8 | sed -n 's/.*read 256 MiB in \([0-9.]*\) ms.*/\1/p'
	done | median)
	awk -v h="$host" -v g="$pvblk" 'BEGIN {
		hm = 256 / (h / 1e6); gm = (g > 0) ? 256 / (g / 1e3) : 0
		printf "block read 256 MiB (page cache warm): host dd %.0f MiB/s, PV guest %.0f MiB/s, guest/host %.2f\n",
		       hm, gm, gm / hm }'
done
echo "PV network throughput: not measured (PV networking is not built yet)"
