#!/usr/bin/env bash
# --cpus 2: the kernel finds both processors (ACPI MADT, INIT/SIPI bring-up)
# and brings them online, and the second one takes timer interrupts; the
# KVM paravirtual features of the mode (PV unhalt, steal time) are in use.
set -u
. tests/lib/common.sh
. tests/lib/guest.sh
kit_require
backends_require

for cpu in "${BACKENDS[@]}"; do
	n=smp-$cpu
	guest_boot "$n" "$cpu" "$KIT_VMLINUX" \
		'echo procs=$(grep -c ^processor /proc/cpuinfo); echo nproc=$(nproc); echo online=$(cat /sys/devices/system/cpu/online); echo loc=$(grep LOC: /proc/interrupts); echo pvspin=$(dmesg | grep -c PV.spinlocks.e[n]abled); read -r _ _ _ _ _ _ _ _ st _ </proc/stat; echo steal=$st' \
		--cpus 2
	guest_ok "$n"
	[ "$(guest_value "$n" procs)" = 2 ] || guest_fail "$n" "/proc/cpuinfo lists $(guest_value "$n" procs) processors, expected 2"
	[ "$(guest_value "$n" nproc)" = 2 ] || guest_fail "$n" "nproc says $(guest_value "$n" nproc), expected 2"
	[ "$(guest_value "$n" online)" = 0-1 ] || guest_fail "$n" "online CPUs: '$(guest_value "$n" online)', expected 0-1"
	# The second CPU really runs: its local APIC timer interrupts it.
	read -r _ loc0 loc1 _ <<<"$(guest_value "$n" loc)"
	[ "${loc1:-0}" -gt 0 ] 2>/dev/null ||
		guest_fail "$n" "CPU 1 took no local timer interrupts: '$(guest_value "$n" loc)'"
	echo "ok: $cpu brings up 2 CPUs (local timer interrupts: $loc0, $loc1)"
	# The pvh mode offers PV unhalt, so the kernel uses paravirtual
	# spinlocks (waiters halt, the holder's KVM_HC_KICK_CPU wakes them),
	# and steal time (a number, possibly 0 on an idle host).
	[ "$(guest_value "$n" pvspin)" = 1 ] ||
		guest_fail "$n" "the kernel did not enable PV spinlocks"
	[[ "$(guest_value "$n" steal)" =~ ^[0-9]+$ ]] ||
		guest_fail "$n" "no steal column in /proc/stat: '$(guest_value "$n" steal)'"
	echo "ok: $cpu: PV spinlocks on, steal time $(guest_value "$n" steal) ticks"
done
