#!/usr/bin/env bash
# A PVH kernel linked as an ELF32 i386 file (pvh_entry32.elf: the same
# guest as boot_pvh_entry.sh, linked with ld -m elf_i386) boots like the
# ELF64 one: the loader reads its 32-bit program headers and Xen note, the
# guest checks its entry state and hvm_start_info and reports PASS (status
# 85), on every backend that runs it here.  QEMU is the oracle that the
# same file is a PVH kernel: `qemu-system-x86_64 -kernel` enters it through
# its note just as it enters the ELF64 file (the guest then stops at the
# same check for both there: QEMU's PVH firmware leaves TR null, which the
# guest, following the PVH spec, refuses).
. "$(dirname "$0")/boot_lib.sh"
G32=$GUESTS/pvh_entry32.elf
[ -f "$G32" ] || { echo "test guest $G32 not built (make test-guests)"; exit 1; }
boot_guest_run pvh_entry32 85 "PVH guest: PASS" -- \
	--kernel "$G32" --initrd "$GUESTS/initrd.img" --cmdline pvh-test-cmdline --mem 64

if command -v qemu-system-x86_64 >/dev/null; then
	for k in pvh_entry32 pvh_entry; do
		timeout 120 qemu-system-x86_64 -machine pc -accel tcg -m 64 -nographic -no-reboot \
			-device isa-debug-exit,iobase=0x501,iosize=1 -kernel "$GUESTS/$k.elf" \
			-initrd "$GUESTS/initrd.img" -append pvh-test-cmdline </dev/null 2>&1 |
			tr -d '\r' | sed -n '/PVH guest: entered/,$p' >"$tmp/qemu.$k"
	done
	if ! grep -q "PVH guest: entered" "$tmp/qemu.pvh_entry32"; then
		failed=$((failed + 1))
		echo "FAIL QEMU did not enter $G32 through its PVH note; it printed:"
		sed 's/^/    /' "$tmp/qemu.pvh_entry32"
	elif ! cmp -s "$tmp/qemu.pvh_entry32" "$tmp/qemu.pvh_entry"; then
		failed=$((failed + 1))
		echo "FAIL QEMU ran the ELF32 and the ELF64 file differently:"
		diff "$tmp/qemu.pvh_entry" "$tmp/qemu.pvh_entry32" | sed 's/^/    /'
	else
		echo "ok   QEMU enters pvh_entry32.elf through its PVH note, as it does the ELF64 file ($(tail -1 "$tmp/qemu.pvh_entry32"))"
	fi
else
	echo "note: qemu-system-x86_64 not installed: the ELF32 file not checked against QEMU"
fi
boot_guest_finish
