#!/usr/bin/env bash
# The software CPU (`gamut run --cpu emu`) side by side with its peers, in
# one run: QEMU's TCG (qemu-system-x86_64 -accel tcg) and bochs.
#   1. guest MIPS on a CPU-bound loop of ordinary integer code
#      (bench/guests/loop.asm), each emulator's start-up cost taken out by
#      also running the loop with a small count and using the difference;
#   2. time from start to the kit's "gamut-kit: init ready" line, and to
#      the end of the process (poweroff), booting the Debian cloud kernel
#      with the kit's initramfs and one command line.
# Medians of BENCH_RUNS runs of the loop (default 5) and BENCH_BOOT_RUNS
# boots (default 3).  Figures only: nothing asserted.
# docs/bench.md says what each figure means.
set -u
cd "$(dirname "$0")/.."
. bench/lib.sh
BUILD=${BUILD:-build}
GAMUT=${GAMUT:-$PWD/$BUILD/gamut}
KIT=${KIT:-$BUILD/kit}
RUNS=${BENCH_RUNS:-5}
BOOT_RUNS=${BENCH_BOOT_RUNS:-3}
OUT=$BUILD/bench
# Loop iterations: a small count (start-up and set-up only) and a large one
# per emulator, so that each large run takes a few seconds.
N_SMALL=${BENCH_N_SMALL:-1000}
N_EMU=${BENCH_N_EMU:-5000000}
N_QEMU=${BENCH_N_QEMU:-100000000}
N_BOCHS=${BENCH_N_BOCHS:-5000000}
CMDLINE="console=ttyS0 reboot=k panic=-1 quiet gamut.cmd=true"
MARKER="gamut-kit: init ready"
BOOT_TIMEOUT=${BENCH_BOOT_TIMEOUT:-300}
QEMU=qemu-system-x86_64
mkdir -p "$OUT"
tmp=$(mktemp -d /tmp/gamut-bench-emu-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

[ -x "$GAMUT" ] || { echo "gamut not built ($GAMUT): run make"; exit 0; }
bench_header
echo "runs: median of $RUNS for the loop, of $BOOT_RUNS for Linux"

# --- the loop guest -------------------------------------------------------
# Instructions per iteration, from the guest's own definitions.
asm_define() { sed -n "s/^%define $1 *\([0-9]*\).*/\1/p" bench/guests/loop.asm; }
ITER_INSNS=$(( $(asm_define UNROLL) * $(asm_define BLOCK_INSNS) + 2 ))

loop_elf() {	# N -> the PVH ELF running N iterations
	local f=$OUT/loop-$1.elf
	if [ ! -s "$f" ] || [ bench/guests/loop.asm -nt "$f" ]; then
		nasm -f elf64 -DPVH -DITERS="$1" bench/guests/loop.asm -o "$OUT/loop-$1.o" &&
		ld -m elf_x86_64 --no-warn-rwx-segments -T bench/guests/pvh.ld \
			"$OUT/loop-$1.o" -o "$f" || return 1
	fi
	echo "$f"
}
loop_floppy() {	# N -> a 1.44 MB floppy image booting the same loop
	local f=$OUT/loop-$1.img
	if [ ! -s "$f" ] || [ bench/guests/loop.asm -nt "$f" ]; then
		nasm -f bin -DBOOTSECTOR -DITERS="$1" bench/guests/loop.asm -o "$f" &&
		truncate -s 1474560 "$f" || return 1
	fi
	echo "$f"
}

# How each emulator runs the loop guest FILE.  Each exits through a port
# the guest writes: gamut and QEMU's isa-debug-exit with status 1, bochs
# through its shutdown port (status 1 too).
run_gamut_loop() { "$GAMUT" run --cpu emu --kernel "$1" --console none; }
run_qemu_loop() {
	"$QEMU" -accel tcg -M microvm -m 64 -display none -nodefaults -no-reboot \
		-device isa-debug-exit,iobase=0x501,iosize=1 -kernel "$1"
}
BOCHS_VGA=
for f in /usr/share/vgabios/vgabios.bin /usr/share/seabios/vgabios-isavga.bin; do
	[ -f "$f" ] && { BOCHS_VGA=$f; break; }
done
# bochs_rc FILE LINES...: a bochsrc for Debian's bochs, which has no
# "nogui" display and is built with its debugger: the rfb display (no
# client awaited), and a debugger script that continues on start.
bochs_rc() {
	local f=$1
	shift
	{
		echo "romimage: file=/usr/share/bochs/BIOS-bochs-latest"
		echo "vgaromimage: file=$BOCHS_VGA"
		echo 'display_library: rfb, options="timeout=0"'
		echo "cpu: model=corei7_skylake_x"
		echo "speaker: enabled=0"
		echo "sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy"
		echo "log: $tmp/bochs.log"
		printf '%s\n' "$@"
	} >"$f"
	printf 'c\nquit\n' >"$tmp/bochs.dbg"
}
run_bochs_loop() {
	bochs_rc "$tmp/bochsrc" "megs: 32" "floppya: 1_44=$1, status=inserted" "boot: floppy"
	bochs -q -f "$tmp/bochsrc" -rc "$tmp/bochs.dbg"
}
# bochs_disk: a FAT disk image (65 cylinders, 16 heads, 63 sectors) that
# boots the kit's bzImage and initramfs with syslinux from the BIOS.
bochs_disk() {
	local f=$OUT/bochs-linux.img
	printf 'DEFAULT linux\nPROMPT 0\nTIMEOUT 0\nLABEL linux\n  KERNEL bzImage\n  INITRD initrd.gz\n  APPEND %s\n' \
		"$CMDLINE" >"$tmp/syslinux.cfg"
	rm -f "$f"
	truncate -s $((65 * 16 * 63 * 512)) "$f" &&
	mkfs.fat -F 16 -n GAMUT "$f" >/dev/null &&
	mcopy -i "$f" "$KIT/bzImage" ::bzImage &&
	mcopy -i "$f" "$KIT/initramfs.cpio.gz" ::initrd.gz &&
	mcopy -i "$f" "$tmp/syslinux.cfg" ::syslinux.cfg &&
	syslinux --install "$f" || return 1
	echo "$f"
}

# mips NAME RUNNER MAKER N_BIG: guest MIPS of one emulator, or "-" with the
# reason on stderr.
mips() {
	local name=$1 runner=$2 maker=$3 nbig=$4 small big ts tb st
	small=$($maker "$N_SMALL") && big=$($maker "$nbig") || { echo "-"; return; }
	"$runner" "$small" </dev/null >"$tmp/check" 2>&1
	st=$?
	if [ "$st" -ne 1 ]; then
		echo "  $name: the loop guest did not exit through its port (status $st): $(tail -1 "$tmp/check")" >&2
		echo "-"
		return
	fi
	ts=$(for i in $(seq "$RUNS"); do bench_wall "$runner" "$small"; done | median)
	tb=$(for i in $(seq "$RUNS"); do bench_wall "$runner" "$big"; done | median)
	echo "  $name: $N_SMALL iterations ${ts} s, $nbig iterations ${tb} s" >&2
	awk -v ns="$N_SMALL" -v nb="$nbig" -v k="$ITER_INSNS" -v ts="$ts" -v tb="$tb" \
		'BEGIN { if (tb > ts) printf "%.1f\n", (nb - ns) * k / (tb - ts) / 1e6; else print "-" }'
}

echo
echo "-- guest MIPS: bench/guests/loop.asm, $ITER_INSNS instructions an iteration"
m_emu=$(mips "gamut --cpu emu" run_gamut_loop loop_elf "$N_EMU")
m_qemu=-
if command -v "$QEMU" >/dev/null; then
	m_qemu=$(mips "QEMU TCG (microvm, PVH)" run_qemu_loop loop_elf "$N_QEMU")
else
	echo "  QEMU: not run ($QEMU not installed: scripts/install-deps.sh)"
fi
m_bochs=-
if ! command -v bochs >/dev/null || [ ! -f /usr/share/bochs/BIOS-bochs-latest ] || [ -z "$BOCHS_VGA" ]; then
	echo "  bochs: not run (bochs, bochsbios or a VGA BIOS not installed: scripts/install-deps.sh --bench)"
else
	m_bochs=$(mips "bochs (floppy boot sector)" run_bochs_loop loop_floppy "$N_BOCHS")
fi

# --- Linux to /init ---------------------------------------------------------
# boot NAME CMD...: medians of the time to the marker, to the exit and of
# the CPU time, as "T_INIT T_EXIT T_CPU" ("- - -" when the marker never came).
boot() {
	local name=$1 i ti te tc
	shift
	for i in $(seq "$BOOT_RUNS"); do
		bench_marker "$BOOT_TIMEOUT" "$MARKER" "$@"
	done >"$tmp/boot"
	if grep -q '^-' "$tmp/boot"; then
		echo "  $name: no \"$MARKER\" within ${BOOT_TIMEOUT} s in some runs: $(tr '\n' ';' <"$tmp/boot")" >&2
		echo "- - -"
		return
	fi
	ti=$(cut -d' ' -f1 "$tmp/boot" | median)
	te=$(cut -d' ' -f2 "$tmp/boot" | grep -v -- - | median)
	tc=$(cut -d' ' -f3 "$tmp/boot" | median)
	echo "  $name: to init $(cut -d' ' -f1 "$tmp/boot" | tr '\n' ' ')s; median $ti s, to exit ${te:--} s, CPU time $tc s" >&2
	echo "$ti ${te:--} $tc"
}

b_emu_pvh="- - -" b_emu_bz="- - -" b_qemu_pvh="- - -" b_qemu_bz="- - -" b_bochs_bz="- - -"
if [ -s "$KIT/vmlinux" ] && [ -s "$KIT/bzImage" ] && [ -s "$KIT/initramfs.cpio.gz" ]; then
	echo
	echo "-- Linux to /init: $(basename "$(readlink -f "$KIT/vmlinux")") of the kit, cmdline \"$CMDLINE\", 256 MiB, 1 vCPU"
	kit_args=(--initrd "$KIT/initramfs.cpio.gz" --cmdline "$CMDLINE" --mem 256)
	b_emu_pvh=$(boot "gamut --cpu emu, vmlinux (PVH)" "$GAMUT" run --cpu emu --kernel "$KIT/vmlinux" "${kit_args[@]}")
	b_emu_bz=$(boot "gamut --cpu emu, bzImage" "$GAMUT" run --cpu emu --kernel "$KIT/bzImage" "${kit_args[@]}")
	if command -v "$QEMU" >/dev/null; then
		q_args=(-accel tcg -m 256 -display none -nodefaults -no-reboot -serial stdio
			-initrd "$KIT/initramfs.cpio.gz" -append "$CMDLINE")
		b_qemu_pvh=$(boot "QEMU TCG -M pc, vmlinux (PVH)" "$QEMU" -M pc "${q_args[@]}" -kernel "$KIT/vmlinux")
		b_qemu_bz=$(boot "QEMU TCG -M pc, bzImage" "$QEMU" -M pc "${q_args[@]}" -kernel "$KIT/bzImage")
	fi
	if [ "$m_bochs" = - ]; then
		echo "  bochs: not run (it did not run the loop guest)"
	elif ! command -v syslinux >/dev/null || ! command -v mcopy >/dev/null || ! disk=$(bochs_disk); then
		echo "  bochs: not run (no syslinux, mtools or dosfstools to make its boot disk)"
	else
		# bochs has no direct kernel loader: its BIOS boots syslinux from an
		# ATA disk, which loads the same bzImage, initramfs and command line.
		bochs_rc "$tmp/bochsrc-linux" "megs: 256" "boot: disk" \
			"ata0-master: type=disk, path=$disk, mode=flat, cylinders=65, heads=16, spt=63" \
			"com1: enabled=1, mode=file, dev=/dev/stdout"
		b_bochs_bz=$(boot "bochs, bzImage (BIOS, syslinux, ATA disk)" bochs -q -f "$tmp/bochsrc-linux" -rc "$tmp/bochs.dbg")
	fi
else
	echo
	echo "-- Linux to /init: not run (no guest kit in $KIT: make guest-kit)"
fi

# --- the table ----------------------------------------------------------------
f1() { cut -d" " -f1 <<<"$1"; }
f2() { cut -d" " -f2 <<<"$1"; }
f3() { cut -d" " -f3 <<<"$1"; }
echo
table_row "benchmark" "gamut emu" "QEMU TCG" "bochs" "gamut/QEMU" "gamut/bochs"
table_rule 5
table_row "guest MIPS, integer loop (higher: faster)" "$(fmt_num "$m_emu")" "$(fmt_num "$m_qemu")" \
	"$(fmt_num "$m_bochs")" "$(ratio "$m_emu" "$m_qemu")" "$(ratio "$m_emu" "$m_bochs")"
row() {	# LABEL FIELD-FN GAMUT QEMU BOCHS: a row of seconds
	local a b c
	a=$($2 "$3") b=$($2 "$4") c=$($2 "$5")
	table_row "$1" "$(fmt_num "$a" 2)" "$(fmt_num "$b" 2)" "$(fmt_num "$c" 2)" "$(ratio "$a" "$b")" "$(ratio "$a" "$c")"
}
row "Linux to /init, s: vmlinux (PVH)" f1 "$b_emu_pvh" "$b_qemu_pvh" "- - -"
row "Linux to /init, s: bzImage" f1 "$b_emu_bz" "$b_qemu_bz" "$b_bochs_bz"
row "Linux to poweroff, s: vmlinux (PVH)" f2 "$b_emu_pvh" "$b_qemu_pvh" "- - -"
row "Linux to poweroff, s: bzImage" f2 "$b_emu_bz" "$b_qemu_bz" "$b_bochs_bz"
row "Linux boot, CPU s (user+sys): vmlinux" f3 "$b_emu_pvh" "$b_qemu_pvh" "- - -"
row "Linux boot, CPU s (user+sys): bzImage" f3 "$b_emu_bz" "$b_qemu_bz" "$b_bochs_bz"
echo "(ratios: gamut's figure over the peer's; QEMU TCG boots with -M pc (SeaBIOS), PVH through its"
echo " pvh.bin option ROM; bochs boots the bzImage from its BIOS through syslinux on an ATA disk)"
echo "(issue 3's targets: >= 150 MIPS on the loop; Linux to /init in <= 2x QEMU TCG's time)"
echo "load after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
