#!/usr/bin/env bash
# Bad boot inputs: one line naming the file and the problem, non-zero exit,
# and nothing written.  Runs on whichever backend starts a VM here; loader
# errors come before any guest code runs, so a backend that is present
# but slow is fine.
. "$(dirname "$0")/boot_lib.sh"
cpu=
for c in kvm emu; do
	[ -n "$(backend_unavailable "$c")" ] && continue
	# A command line too long for any kernel: the VM is refused before
	# guest code runs, whether or not the backend is there.
	"$GAMUT" run --cpu "$c" --kernel "$GUESTS/pvh_entry.elf" --mem 32 \
		--cmdline "$(head -c 70000 /dev/zero | tr '\0' x)" >"$tmp/probe" 2>&1
	grep -q "not built yet" "$tmp/probe" || { cpu=$c; break; }
done
if [ -z "$cpu" ]; then
	echo "no CPU backend can create a VM here (kvm absent, emu not built yet)"
	exit 77
fi

expect_error() { # expected text, then gamut run options
	local want=$1 rc
	shift
	"$GAMUT" run --cpu "$cpu" --mem 32 --console none "$@" >"$tmp/out" 2>&1 </dev/null
	rc=$?
	if [ "$rc" -ne 0 ] && [ "$(wc -l <"$tmp/out")" -eq 1 ] && grep -q -- "$want" "$tmp/out"; then
		echo "ok   $want"
	else
		echo "FAIL expected one line with '$want' and a non-zero exit, got exit $rc:"
		sed 's/^/    /' "$tmp/out"
		failed=$((failed + 1))
	fi
}

printf 'not a kernel at all' >"$tmp/junk"
head -c 600 "$GUESTS/bzimage64.bin" >"$tmp/trunc.bin"
cp "$GUESTS/bzimage64.bin" "$tmp/old.bin"
printf '\x05\x02' | dd of="$tmp/old.bin" bs=1 seek=$((0x206)) conv=notrunc status=none
head -c 100 "$GUESTS/pvh_entry.elf" >"$tmp/trunc.elf"
# setup_sects 0 means 4 sectors (boot.rst), not the file's 1: what the
# header declares no longer fits the file.  And the kernel cut short.
cp "$GUESTS/bzimage64.bin" "$tmp/sects0.bin"
printf '\x00' | dd of="$tmp/sects0.bin" bs=1 seek=$((0x1f1)) conv=notrunc status=none
head -c 3000 "$GUESTS/bzimage64.bin" >"$tmp/cut.bin"
truncate -s 40M "$tmp/huge.img"
inputs=("$tmp/junk" "$tmp/trunc.bin" "$tmp/old.bin" "$tmp/trunc.elf" "$tmp/huge.img"
	"$tmp/sects0.bin" "$tmp/cut.bin"
	"$GUESTS/pvh_entry.elf" "$GUESTS/bzimage64.bin")
md5sum "${inputs[@]}" >"$tmp/sums"

expect_error "kernel /nonexistent/kernel: cannot open" --kernel /nonexistent/kernel
expect_error "$tmp/junk: not a kernel" --kernel "$tmp/junk"
expect_error "$tmp/trunc.bin: truncated bzImage" --kernel "$tmp/trunc.bin"
expect_error "$tmp/old.bin: bzImage boot protocol 2.05 is older than 2.06" --kernel "$tmp/old.bin"
expect_error "$tmp/trunc.elf: ELF program headers lie outside the file" --kernel "$tmp/trunc.elf"
expect_error "^gamut: --kernel $tmp/sects0.bin: truncated bzImage: setup_sects 0 (0: the boot protocol's 4) and syssize 256 declare 6656 bytes, the file has 5120$" \
	--kernel "$tmp/sects0.bin"
expect_error "^gamut: --kernel $tmp/cut.bin: truncated bzImage: setup_sects 1 and syssize 256 declare 5120 bytes, the file has 3000$" \
	--kernel "$tmp/cut.bin"
for mode in pvh hvm; do
	expect_error "^gamut: --kernel $tmp/sects0.bin: truncated bzImage" --mode $mode --kernel "$tmp/sects0.bin"
done
expect_error "^gamut: --disk x,rw,xyz: unknown option 'xyz' (options: ro, rw, iops=, bw=, iops_burst=, bw_burst=)$" \
	--kernel "$GUESTS/bzimage64.bin" --disk x,rw,xyz
# Rate limits: a bad value is one line naming the argument.
expect_error "^gamut: --disk x,iops=abc: iops=abc: not a number (digits only)$" \
	--kernel "$GUESTS/bzimage64.bin" --disk x,iops=abc
expect_error "^gamut: --disk x,bw=0: bw=0: must be at least 1 (leave bw out for no limit)$" \
	--kernel "$GUESTS/bzimage64.bin" --disk x,bw=0
expect_error "^gamut: --net user,bw=2q: bw=2q: not a number (digits and an optional k, m or g)$" \
	--kernel "$GUESTS/bzimage64.bin" --net user,bw=2q
expect_error "^gamut: --net user,pps_burst=3: pps_burst without pps$" \
	--kernel "$GUESTS/bzimage64.bin" --net user,pps_burst=3
expect_error "initrd $tmp/huge.img: .* do not fit in guest memory" --kernel "$GUESTS/pvh_entry.elf" --initrd "$tmp/huge.img"
expect_error "initrd /nonexistent/initrd: cannot open" --kernel "$GUESTS/pvh_entry.elf" --initrd /nonexistent/initrd
# A disk image that is not there: the same words from every disk model.
for dev in virtio-blk:pvh piix-ide:hvm bios-disk:hvm-pv; do
	expect_error "^gamut: ${dev%:*}: --disk /nonexistent/disk.img: cannot open: No such file or directory$" \
		--mode "${dev#*:}" --kernel "$GUESTS/bzimage64.bin" --disk /nonexistent/disk.img
done
expect_error "--cmdline: 3000 bytes is longer than the 2047" --kernel "$GUESTS/bzimage64.bin" --cmdline "$(head -c 3000 /dev/zero | tr '\0' x)"
# Nothing was written to the files gamut was given.
md5sum -c "$tmp/sums" >/dev/null 2>&1 ||
	{ echo "FAIL an input file changed"; failed=$((failed + 1)); }
[ "$failed" -eq 0 ]
