#!/usr/bin/env bash
# The legacy PC modes side by side on --cpu emu: hvm (ata_piix, e1000),
# hvm-pv (virtio-blk, virtio-net on PCI) and pvhvm (the same plus kvmclock),
# with QEMU `-M pc -accel tcg` (SeaBIOS, PIIX IDE, e1000) as the reference
# PC.  All boot the same disk image: syslinux, Debian's generic kernel
# (linux-image-amd64) and an initramfs with its PC modules (pc_lib.sh).
# Figures, one boot each (a boot costs tens of seconds here), no asserts:
#   /init     seconds from the start of the VMM to the guest's
#             "init ready" line (BIOS, syslinux, kernel, modules); "of it
#             kernel": the guest's uptime then, the rest is firmware and
#             boot loader
#   disk      MiB/s of a cold sequential read of the data partition in
#             the guest (dd, 1 MiB blocks)
#   net       MiB/s of an HTTP GET of a 16 MiB file served on the host
#             side of a TAP device in a network namespace (wget)
set -u
# Absolute: pc_lib.sh unpacks the kit's initramfs from another directory.
BUILD=$(cd "${BUILD:-build}" && pwd) || exit 1
GAMUT=${GAMUT:-$BUILD/gamut}
. bench/lib.sh
. tests/integration/pc_lib.sh
pc_skip() { echo "PC modes: not measured ($*)"; exit 0; }

pc_need_tools
pc_kit
pc_generic_kernel
tmp=$(mktemp -d /tmp/gamut-pcbench.XXXXXX)
ns=
cleanup() {
	[ -n "${httpd:-}" ] && kill "$httpd" 2>/dev/null
	[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
pc_generic_initramfs "$tmp/initrd.gz"

# The network half needs root, TUN and python3 for the HTTP server: one
# persistent TAP device gamut0 (host side 10.99.0.1/24) in a namespace of
# its own, which every VMM below attaches to in turn.
if [ "$(id -u)" -eq 0 ] && [ -c /dev/net/tun ] && command -v python3 >/dev/null &&
	ns=gamut-pcbench-$$ && ip netns add "$ns" 2>/dev/null; then
	ip -n "$ns" link set lo up
	ip -n "$ns" tuntap add dev gamut0 mode tap
	ip -n "$ns" addr add 10.99.0.1/24 dev gamut0
	ip -n "$ns" link set gamut0 up
	mkdir -p "$tmp/www"
	head -c $((16 << 20)) /dev/urandom >"$tmp/www/big.bin"
	ip netns exec "$ns" python3 -m http.server --bind 10.99.0.1 --directory "$tmp/www" 8080 \
		>/dev/null 2>&1 &
	httpd=$!
else
	ns=
	echo "network: not measured (needs root, /dev/net/tun, python3 and ip netns)"
fi

# Guest-side timing from /proc/uptime (10 ms resolution; no quotes: the
# command sits in gamut.cmd="...").
disk="d=/dev/sda2; [ -b \$d ] || d=/dev/vda2; read t0 x </proc/uptime; dd if=\$d of=/dev/null bs=1M 2>/dev/null; read t1 x </proc/uptime; echo BENCH-DISK \$t0 \$t1 \$(blockdev --getsize64 \$d)"
net="ip link set eth0 up; ip addr add 10.99.0.2/24 dev eth0; ping -c 1 -W 5 10.99.0.1 >/dev/null; read t0 x </proc/uptime; wget -q -O /dev/null http://10.99.0.1:8080/big.bin && read t1 x </proc/uptime && echo BENCH-NET \$t0 \$t1 $((16 << 20))"
wait_disk='i=0; while [ ! -b /dev/sda2 ] && [ ! -b /dev/vda2 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done'
cmd="read u x </proc/uptime; echo BENCH-UP \$u; $wait_disk; $disk"
[ -n "$ns" ] && cmd="$cmd; $net"
pc_disk "$tmp/disk.img" "$GK_BZIMAGE" "$tmp/initrd.gz" \
	"console=ttyS0 quiet panic=-1 gamut.cmd=\"$cmd; poweroff -f\""

# run NAME CMD...: boots, keeps the console in $tmp/NAME.out, prints the
# seconds to the init marker (or "-").
run() {
	local name=$1
	shift
	python3 - "$tmp/$name.out" "$@" <<'PY'
import subprocess, sys, threading, time
out, cmd = sys.argv[1], sys.argv[2:]
t0 = time.monotonic()
p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                     stderr=subprocess.STDOUT)
timer = threading.Timer(900, p.kill)
timer.start()
seen = None
with open(out, "wb") as f:
    for line in p.stdout:
        f.write(line)
        if seen is None and b"gamut-kit: init ready" in line:
            seen = time.monotonic() - t0
p.wait()
timer.cancel()
print("-" if seen is None else "%.1f" % seen)
PY
}

# uptime NAME: the guest's uptime when its command started (seconds of
# kernel and /init; the rest of the /init time is firmware and loader).
uptime_of() {
	awk '$1 == "BENCH-UP" { printf "%.1f\n", $2; found = 1 } END { if (!found) print "-" }' \
		"$tmp/$1.out" 2>/dev/null | tr -d '\r' | head -1
}

# rate TAG NAME: MiB/s from the guest's "TAG t0 t1 bytes" line.
rate() {
	awk -v tag="$1" '$1 == tag && $3 > $2 { printf "%.1f\n", $4 / ($3 - $2) / 1048576; found = 1 }
		END { if (!found) print "-" }' "$tmp/$2.out" 2>/dev/null | tr -d '\r' | head -1
}

in_ns=()
[ -n "$ns" ] && in_ns=(ip netns exec "$ns")

bench_header
table_row "PC, --cpu emu (one boot each)" "/init s" "of it kernel s" "disk MiB/s" "net MiB/s"
table_rule 4
for mode in hvm hvm-pv pvhvm; do
	netopt=()
	[ -n "$ns" ] && netopt=(--net tap:gamut0)
	t=$(run "$mode" "${in_ns[@]}" "$GAMUT" run --mode "$mode" --cpu emu --mem 256 --console stdio \
		--disk "$tmp/disk.img" "${netopt[@]}")
	table_row "gamut --mode $mode" "$t" "$(uptime_of "$mode")" "$(rate BENCH-DISK "$mode")" "$(rate BENCH-NET "$mode")"
done
if q=$(command -v qemu-system-x86_64); then
	netopt=()
	if [ -n "$ns" ]; then
		netopt=(-netdev tap,id=n0,ifname=gamut0,script=no,downscript=no -device e1000,netdev=n0)
	else
		netopt=(-nic none)
	fi
	t=$(run qemu "${in_ns[@]}" "$q" -M pc -accel tcg -m 256 -display none -monitor none \
		-serial stdio -no-reboot -drive file="$tmp/disk.img",format=raw,if=ide "${netopt[@]}")
	table_row "qemu -M pc -accel tcg (IDE, e1000)" "$t" "$(uptime_of qemu)" "$(rate BENCH-DISK qemu)" "$(rate BENCH-NET qemu)"
else
	echo "QEMU reference: qemu-system-x86_64 is not installed"
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
