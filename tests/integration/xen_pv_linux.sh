#!/usr/bin/env bash
# Xen PV as the seeds mean it: Debian's unmodified cloud kernel (the kit's
# vmlinux, with Xen's ELF notes) runs as a 64-bit PV guest with gamut as
# its hypervisor, on --cpu emu.  The guest must know it: /sys/hypervisor
# says xen and PV, the clock is Xen's, the console is hvc0 over the PV
# console ring; its disk is xvda through xen-blkfront, ext4 read-write,
# its data surviving a reboot and a kill -9 of gamut after sync; and its
# ends reach gamut as in the other modes (power-off 0, reboot 0, panic 4);
# --cpus 2 brings up two vCPUs; eth0 through xen-netfront gets DHCP and
# carries HTTP both ways.
set -u
. tests/lib/common.sh
. tests/lib/guest.sh
kit_require

xen_cmdline() {
	printf 'console=hvc0 reboot=k panic=-1 gamut.cmd="%s"' "$1"
}

xen_boot() { # NAME CMD [gamut run options...]
	local name=$1 cmd=$2
	shift 2
	guest_run "$name" emu --mode pv --mem 512 --kernel "$KIT_VMLINUX" \
		--initrd "$KIT_INITRD" --cmdline "$(xen_cmdline "$cmd")" "$@"
}

n=xen-pv-emu
xen_boot $n 'echo hv=$(cat /sys/hypervisor/type) guest=$(cat /sys/hypervisor/guest_type); echo clock=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource); echo tty=$(cat /sys/class/tty/console/active); echo uname=$(uname -r)'
guest_expect $n '^gamut-kit: init ready' "the kit's init did not start"
guest_expect $n '^hv=xen guest=PV$' "the guest does not see itself as a Xen PV guest"
guest_expect $n '^clock=xen$' "the clock is not Xen's PV clock"
guest_expect $n '^tty=.*hvc0' "the console is not hvc0"
guest_expect $n "^uname=$KIT_KVER\$" "not the kit's kernel"
guest_expect $n 'Booting kernel on Xen' "dmesg does not say it booted on Xen"
guest_expect $n 'Xen version: 4\.17\.0-gamut' "dmesg does not name gamut's Xen ABI version"
guest_expect $n '^gamut-kit: command exited with status 0$' "the guest command failed"
[ "$GUEST_RC" -eq 0 ] || guest_fail $n "gamut exited $GUEST_RC after the guest powered off (expected 0)"
echo "ok: $KIT_KVER boots as a Xen PV guest on --cpu emu and powers off (exit 0)"

# Two vCPUs (VCPUOP_initialise/up, IPIs, cross-vCPU TLB flushes), kept
# busy at once with a process on each.
n=xen-pv-smp
xen_boot $n 'echo ncpu=$(grep -c ^processor /proc/cpuinfo) online=$(cat /sys/devices/system/cpu/online); for i in 1 2 3 4; do (dd if=/dev/zero bs=64k count=200 2>/dev/null | md5sum >/dev/null) & done; wait; echo parallel=done' --cpus 2
guest_expect $n '^ncpu=2 online=0-1$' "the guest did not bring up two vCPUs"
guest_expect $n '^parallel=done$' "the parallel work did not finish"
[ "$GUEST_RC" -eq 0 ] || guest_fail $n "gamut exited $GUEST_RC (expected 0)"
echo "ok: a Xen PV guest with --cpus 2 runs on both vCPUs"

# The kernel file as Debian ships it: the bzImage, whose LZ4 payload
# gamut unpacks to find the ELF and its Xen notes.
n=xen-pv-bzimage
guest_run $n emu --mode pv --mem 512 --kernel "$KIT_BZIMAGE" --initrd "$KIT_INITRD" \
	--cmdline "$(xen_cmdline 'echo guest=$(cat /sys/hypervisor/guest_type)')"
guest_expect $n '^guest=PV$' "the bzImage did not boot as a Xen PV guest"
[ "$GUEST_RC" -eq 0 ] || guest_fail $n "gamut exited $GUEST_RC (expected 0)"
echo "ok: the shipped bzImage boots as a Xen PV guest"

n=xen-pv-reboot
xen_boot $n 'reboot -f'
guest_expect $n 'reboot: Restarting system' "the kernel did not restart"
[ "$GUEST_RC" -eq 0 ] || guest_fail $n "gamut exited $GUEST_RC after the guest rebooted (expected 0)"
echo "ok: a Xen PV guest's reboot ends gamut with 0"

n=xen-pv-panic
xen_boot $n 'echo c > /proc/sysrq-trigger'
guest_expect $n 'Kernel panic - not syncing' "the kernel did not panic"
[ "$GUEST_RC" -eq 4 ] || guest_fail $n "gamut exited $GUEST_RC after the guest panicked (expected 4)"
grep -q 'the guest kernel panicked' "$T/$n.out" || guest_fail $n "gamut did not say the guest panicked"
echo "ok: a Xen PV guest's panic ends gamut with 4"

# The disk: ext4 on xvda, written in one VM and read in the next.
img=$T/xvda.img
truncate -s 64M "$img"
mkfs.ext4 -q -F "$img" || fail "mkfs.ext4 failed"
n=xen-pv-disk-write
xen_boot $n 'mkdir -p /mnt && mount /dev/xvda /mnt && echo written-by-xen-pv > /mnt/a && sync && umount /mnt && echo wrote=ok; grep xvda /proc/partitions | sed s/^/part=/' --disk "$img"
guest_expect $n '^wrote=ok$' "the guest could not write ext4 on xvda"
guest_expect $n '^part= *202 +0 +65536 xvda$' "xvda is not a 64 MiB disk 202:0"
guest_expect $n 'blkfront: xvda' "xen-blkfront did not attach xvda"
[ "$GUEST_RC" -eq 0 ] || guest_fail $n "gamut exited $GUEST_RC"
n=xen-pv-disk-read
xen_boot $n 'mkdir -p /mnt && mount -o ro /dev/xvda /mnt && echo read=$(cat /mnt/a)' --disk "$img"
guest_expect $n '^read=written-by-xen-pv$' "the data did not survive the reboot"
echo "ok: ext4 on xvda (xen-blkfront) is read-write and keeps its data across VMs"

# kill -9 of gamut after the guest's sync: the data is on the host file.
n=xen-pv-disk-kill
guest_start $n emu "$KIT_VMLINUX" '' --mode pv --mem 512 --disk "$img" \
	--cmdline "$(xen_cmdline 'mount /dev/xvda /mnt || mkdir -p /mnt && mount /dev/xvda /mnt; echo after-kill > /mnt/b; sync; echo synced=yes; sleep 1000')"
guest_wait_for $n '^synced=yes$'
guest_kill $n
debugfs -R 'cat /b' "$img" 2>/dev/null | grep -qx after-kill ||
	fail "the file the guest synced is not in the image after kill -9"
echo "ok: what a Xen PV guest synced is on the host disk after kill -9 of gamut"

# The network: eth0 through xen-netfront on the user-mode backend.  DHCP,
# an HTTP GET from the host (the guest's TCP checksums are completed by
# gamut: netfront offloads them), and a file the guest serves fetched by
# the host through hostfwd.
. tests/lib/net.sh
need_cmd python3 curl md5sum
user_net_ports port hport
mkdir -p "$T/www"
head -c 300000 /dev/urandom >"$T/www/blob.bin"
blob_md5=$(md5_of "$T/www/blob.bin")
http_serve "$T/www" 127.0.0.1 "$port"
n=xen-pv-net
guest_start $n emu "$KIT_VMLINUX" '' --mode pv --mem 512 --net "user,hostfwd=tcp::$hport-:80" \
	--cmdline "$(xen_cmdline "ip link set eth0 up; udhcpc -i eth0 -n -q -t 5 -T 3 >/dev/null 2>&1; echo dhcp=\$?; echo addr=\$(ip -4 -o addr show dev eth0 | grep -o 'inet [0-9./]*'); wget -q -O /tmp/blob http://10.0.2.2:$port/blob.bin; set -- \$(md5sum /tmp/blob); echo got=\$1; mkdir -p /www; head -c 200000 /dev/urandom >/www/page.bin; set -- \$(md5sum /www/page.bin); echo served=\$1; httpd -p 80 -h /www; echo httpd-ready; sleep 1000")"
guest_wait_for $n '^httpd-ready'
fetched=$(in_netns curl -sS -m 120 --retry 5 --retry-delay 1 --retry-all-errors "http://127.0.0.1:$hport/page.bin" | md5sum | cut -d" " -f1)
guest_kill $n
guest_expect $n '^dhcp=0$' "DHCP over xen-netfront failed"
guest_expect $n '^addr=inet 10\.0\.2\.15/24$' "eth0 did not get 10.0.2.15"
guest_expect $n "^got=$blob_md5\$" "the guest's HTTP GET from the host came back wrong"
served=$(guest_value $n served)
[ -n "$served" ] && [ "$fetched" = "$served" ] ||
	guest_fail $n "the host fetched $fetched through hostfwd, the guest served $served"
echo "ok: xen-netfront on user-mode networking: DHCP, HTTP GET from the host, HTTP served to the host"
