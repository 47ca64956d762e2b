#!/usr/bin/env bash
# What a user sees when `gamut run` is given something it cannot use: one
# line "gamut: ..." on stderr that names the file or option and the
# problem, nothing on stdout, a non-zero exit, and nothing created or
# changed on disk (each case runs in an empty directory, with a good disk
# image attached where the case allows, whose bytes and mtime must stay).
# No guest runs, so this needs no working CPU; gamut checks the files after
# it has found a CPU backend, though, and the cases that cannot get that
# far here make the test skip (after every other case has passed).
set -u
. tests/lib/common.sh

mkdir -p "$T/run" "$T/in"
GOOD_ELF=$BUILD/guests/kvm/smp.elf # a small PVH guest `make` builds
[ -s "$GOOD_ELF" ] || fail "$GOOD_ELF is missing (make test-guests)"
GOOD_ELF=$(cd "$(dirname "$GOOD_ELF")" && pwd)/$(basename "$GOOD_ELF")
KIT=${GAMUT_KIT:-$BUILD/kit}

# Inputs, all outside the directory gamut runs in.
head -c 1048576 /dev/urandom >"$T/in/random.bin"
cp /bin/true "$T/in/pie.elf" # a position-independent x86-64 ELF
command -v objcopy >/dev/null && objcopy -R .note "$GOOD_ELF" "$T/in/nonote.elf"
truncate -s 64M "$T/in/huge-initrd.img"
: >"$T/in/empty-initrd.img"
truncate -s 8M "$T/in/good.img"
head -c 4096 /dev/urandom | dd of="$T/in/good.img" conv=notrunc status=none
touch -d '2001-01-01 00:00' "$T/in/good.img"
good_sum=$(md5_of "$T/in/good.img")
good_mtime=$(stat -c %Y "$T/in/good.img")

checked=0 unbuilt=0 unbuilt_why=
# expect_error WHAT MUST-CONTAIN [gamut run options...]
expect_error() {
	local what=$1 want=$2 rc err
	shift 2
	(cd "$T/run" && "$GAMUT" run "$@" </dev/null >"$T/stdout" 2>"$T/stderr")
	rc=$?
	err=$(cat "$T/stderr")
	if grep -q 'not built yet' "$T/stderr" && ! grep -qF -- "$want" "$T/stderr"; then
		echo "not checked here: $what ($err)"
		unbuilt=$((unbuilt + 1)) unbuilt_why=$err
		return
	fi
	[ "$rc" -ne 0 ] || fail "$what: gamut exited 0"
	[ "$rc" -lt 124 ] || fail "$what: gamut exited $rc (killed or crashed?)"
	[ ! -s "$T/stdout" ] || fail "$what: gamut wrote to stdout: $(head -3 "$T/stdout")"
	[ "$(wc -l <"$T/stderr")" -eq 1 ] || fail "$what: expected one line on stderr, got: $err"
	case $err in
	"gamut: "*) ;;
	*) fail "$what: the message does not start with 'gamut: ': $err" ;;
	esac
	grep -qF -- "$want" "$T/stderr" || fail "$what: the message does not name '$want': $err"
	[ -z "$(ls -A "$T/run")" ] || fail "$what: gamut left files behind: $(ls -A "$T/run")"
	if [ "$(md5_of "$T/in/good.img")" != "$good_sum" ] || [ "$(stat -c %Y "$T/in/good.img")" != "$good_mtime" ]; then
		fail "$what: the attached disk image changed"
	fi
	echo "ok: $what: $err (exit $rc)"
	checked=$((checked + 1))
}

disk=(--disk "$T/in/good.img")
expect_error "missing kernel" "$T/run/no-such-vmlinux" \
	--kernel "$T/run/no-such-vmlinux" "${disk[@]}"
expect_error "missing kernel, console to a file" "$T/run/no-such-vmlinux" \
	--kernel "$T/run/no-such-vmlinux" --console "file:$T/run/console.log"
expect_error "kernel of random bytes" "$T/in/random.bin" \
	--kernel "$T/in/random.bin" "${disk[@]}"
expect_error "empty kernel" "$T/in/empty-initrd.img" \
	--kernel "$T/in/empty-initrd.img"
expect_error "kernel is a directory" "$T/in" --kernel "$T/in"
expect_error "position-independent ELF" "$T/in/pie.elf" \
	--kernel "$T/in/pie.elf" "${disk[@]}"
if [ -s "$T/in/nonote.elf" ]; then
	expect_error "ELF without a PVH note" "$T/in/nonote.elf" \
		--kernel "$T/in/nonote.elf" "${disk[@]}"
fi
if [ -s "$KIT/vmlinux" ] && [ -s "$KIT/bzImage" ]; then
	head -c 65536 "$KIT/vmlinux" >"$T/in/cut-vmlinux"
	head -c 16384 "$KIT/bzImage" >"$T/in/cut-bzImage"
	expect_error "truncated vmlinux" "$T/in/cut-vmlinux" --kernel "$T/in/cut-vmlinux" "${disk[@]}"
	expect_error "truncated bzImage" "$T/in/cut-bzImage" --kernel "$T/in/cut-bzImage" "${disk[@]}"
	# Cut after its setup code, and with setup_sects 0 (4 sectors, not
	# Debian's): both used to end in a triple fault naming nothing.
	head -c $(($(stat -c %s "$KIT/bzImage") / 2)) "$KIT/bzImage" >"$T/in/half-bzImage"
	cp "$KIT/bzImage" "$T/in/sects0-bzImage"
	printf '\x00' | dd of="$T/in/sects0-bzImage" bs=1 seek=$((0x1f1)) conv=notrunc status=none
	expect_error "bzImage cut in half" "--kernel $T/in/half-bzImage: truncated bzImage" \
		--kernel "$T/in/half-bzImage" "${disk[@]}"
	expect_error "bzImage with setup_sects 0" "--kernel $T/in/sects0-bzImage: bzImage payload" \
		--kernel "$T/in/sects0-bzImage" "${disk[@]}"
	expect_error "bzImage with setup_sects 0, through the BIOS" "setup_sects 0 (0: the boot protocol's 4) does not match" \
		--mode hvm --kernel "$T/in/sects0-bzImage" "${disk[@]}"
	expect_error "bzImage too big for --mem 16" "$KIT/bzImage" --kernel "$KIT/bzImage" --mem 16
else
	echo "no guest kit: the truncated-kernel cases are left out"
fi
expect_error "initrd larger than --mem 32" "$T/in/huge-initrd.img" \
	--kernel "$GOOD_ELF" --initrd "$T/in/huge-initrd.img" --mem 32 "${disk[@]}"
expect_error "missing initrd" "$T/run/no-such-initrd" \
	--kernel "$GOOD_ELF" --initrd "$T/run/no-such-initrd"
expect_error "missing disk" "$T/run/no-such-disk.img" \
	--kernel "$GOOD_ELF" --disk "$T/run/no-such-disk.img"
expect_error "missing read-only disk" "$T/run/no-such-disk.img" \
	--kernel "$GOOD_ELF" --disk "$T/run/no-such-disk.img,ro"
expect_error "disk is a directory" "$T/in" --kernel "$GOOD_ELF" --disk "$T/in"
expect_error "unknown --disk option" "--disk $T/in/good.img,rw,xyz: unknown option 'xyz'" \
	--kernel "$GOOD_ELF" --disk "$T/in/good.img,rw,xyz"
expect_error "unknown --net" "--net bogus" --kernel "$GOOD_ELF" --net bogus
expect_error "--net tap: without a name" "--net tap:" --kernel "$GOOD_ELF" --net tap:
expect_error "TAP name too long" "tap-name-far-too-long" \
	--kernel "$GOOD_ELF" --net tap:tap-name-far-too-long "${disk[@]}"
expect_error "unknown --cpu" "--cpu fast" --kernel "$GOOD_ELF" --cpu fast
expect_error "--mem below 16" "--mem 1" --kernel "$GOOD_ELF" --mem 1
expect_error "unknown option" "--bogus" --kernel "$GOOD_ELF" --bogus

echo "$checked cases checked"
if [ "$unbuilt" -gt 0 ]; then
	skip "$unbuilt cases need a CPU backend before gamut opens the files: $unbuilt_why"
fi
