#!/usr/bin/env bash
# PV guests end to end: the SDK examples and self-checks run, exit statuses
# become gamut's, the manifest decides which disks attach, block I/O lands
# in the image file.
set -u
. "$(dirname "$0")/pv_lib.sh"

pv_run 0 "hello from a gamut PV guest \(2 arguments, clock ok\)" \
	--kernel "$PV_EX/hello.pv" --cmdline "one two"
pv_run 0 "libc_check: all ok" --kernel "$PV_GUESTS/libc_check.pv"
pv_run 0 "trap_handlers: ok" --kernel "$PV_GUESTS/trap_handlers.pv"
pv_run 0 "traps: page fault and divide error handled" --kernel "$PV_EX/traps.pv"
pv_run 42 "" --kernel "$PV_GUESTS/exit_status.pv"
pv_run 0 "cpubench: 1 rounds" --kernel "$PV_EX/cpubench.pv" --cmdline 1
# On --cpu emu: the same check value with every block interpreted
# (--no-jit) as with the block compiler, on real compiled C.
if [ "$CPU" = emu ]; then
	sums=
	for opt in "" --no-jit; do
		out=$(timeout 300 "$GAMUT" run --mode pv --cpu emu $opt \
			--kernel "$PV_EX/cpubench.pv" --cmdline 3 2>&1)
		sums="$sums $(sed -n 's/.*check \([0-9a-f]*\).*/\1/p' <<<"$out")"
	done
	set -- $sums
	if [ $# -eq 2 ] && [ "$1" = "$2" ]; then
		echo "ok   cpubench check $1 with the block compiler and with --no-jit"
	else
		echo "FAIL: cpubench check values differ (compiler, --no-jit):$sums"
		fails=$((fails + 1))
	fi
fi

disk=$(mktemp /tmp/gamut-pv-XXXXXX) # no suffix: busybox mktemp (pv_kvm_nested.sh)
trap 'rm -f "$disk"' EXIT
truncate -s 8M "$disk"
pv_run 0 "blkbench: read 8 MiB" --kernel "$PV_EX/blkbench.pv" \
	--disk "data=$disk" --cmdline "write 2"
if [ "$(od -An -tx1 -j $((5 << 20)) -N 4 "$disk" | tr -d ' ')" != 5a5a5a5a ]; then
	echo "FAIL: the guest's writes are not in $disk"
	fails=$((fails + 1))
fi
pv_run 4 "" --kernel "$PV_EX/blkbench.pv" --disk "data=$disk,ro" --cmdline "write"
pv_run 1 "declares block device 'data': attach it with --disk data=" \
	--kernel "$PV_EX/blkbench.pv"
pv_run 1 "declares no block device named 'logs'" \
	--kernel "$PV_EX/blkbench.pv" --disk "data=$disk" --disk "logs=$disk"
pv_run 1 "^gamut: --disk data=/nonexistent/x.img: cannot open: No such file or directory" \
	--kernel "$PV_EX/blkbench.pv" --disk data=/nonexistent/x.img
objcopy --remove-section .note.gamut-pv "$PV_EX/hello.pv" "$disk.nonote"
pv_run 1 "^gamut: --kernel $disk.nonote: .*not a gamut PV image" --kernel "$disk.nonote"
rm -f "$disk.nonote"
head -c 4096 /dev/urandom >"$disk.junk"
pv_run 1 "not an ELF file" --kernel "$disk.junk"
rm -f "$disk.junk"
pv_run 1 "PV mode runs one vCPU" --kernel "$PV_EX/hello.pv" --cpus 2
[ "$fails" -eq 0 ]
