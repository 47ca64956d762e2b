#!/usr/bin/env bash
# Debian's cloud kernel from the guest kit boots to the kit's /init, runs a
# command given on the kernel command line and powers off (exit 0), both
# through the PVH entry (vmlinux) and the 64-bit boot protocol (bzImage).
# --cpu kvm runs only where KVM is hardware-backed (`gamut info --kvm` says
# full: an unmodified Linux does not boot in useful time where guest kernel
# mode is emulated); boot_nested_kvm.sh boots the same kernel through PVH
# inside QEMU with AMD-V emulated.  The emu backend's Linux boots are the
# linux_*.sh tests; BOOT_LINUX_CPUS="kvm emu" adds it here.
. "$(dirname "$0")/boot_lib.sh"
KIT=${GAMUT_KIT:-$BUILD/kit}
if [ ! -s "$KIT/vmlinux" ]; then
	guest/kit/build.sh "$KIT" >"$tmp/kit.log" 2>&1 || {
		tail -3 "$tmp/kit.log"
		echo "the guest kit is not built and cannot be built here (make guest-kit)"
		exit 77
	}
fi

for kernel in vmlinux bzImage; do
	for cpu in ${BOOT_LINUX_CPUS:-kvm}; do
		why=$(backend_unavailable "$cpu")
		if [ -n "$why" ]; then skips+=("$why"); continue; fi
		out=$tmp/$kernel.$cpu
		timeout 300 "$GAMUT" run --cpu "$cpu" --mode pvh --mem 256 --console stdio \
			--kernel "$KIT/$kernel" --initrd "$KIT/initramfs.cpio.gz" \
			--cmdline 'console=ttyS0 reboot=k panic=-1 gamut.cmd="echo gamut-linux-$((6*7)); cat /proc/cmdline"' \
			</dev/null >"$out" 2>&1
		rc=$?
		if grep -q "not built yet" "$out"; then
			skips+=("$cpu: $(grep -m1 'not built yet' "$out" | sed 's/^gamut: //')")
			continue
		fi
		ran=$((ran + 1))
		if [ "$rc" -eq 0 ] && grep -q "gamut-kit: init ready" "$out" &&
			grep -q "gamut-linux-42" "$out" &&
			grep -q "gamut-kit: command exited with status 0" "$out"; then
			echo "ok   $kernel on --cpu $cpu"
		else
			failed=$((failed + 1))
			echo "FAIL $kernel on --cpu $cpu: exit $rc"
			tail -25 "$out" | sed 's/^/    /'
		fi
	done
done
boot_guest_finish
