#!/usr/bin/env bash
# The VMM's sandbox (docs/sandbox.md): every thread of a running VM has its
# own seccomp filter (Seccomp: 2) and no effective capability; a device
# model that makes a system call outside its list ends gamut with the call
# named (the test-only hook, docs/testing.md); --seccomp=log lets it pass;
# --seccomp=off installs no filter; --user nobody runs the VM unprivileged.
#
# The held VM: the PVH test guest waiting for gdb (--gdb) with a disk, so
# one process has all four roles: event loop (main), vCPU, virtio-blk I/O
# thread, GDB stub.  A PV guest with user-mode networking then shows the
# same while it serves requests.
#
# Self-contained (no tests/lib): tests/integration/kvm_nested copies only
# this folder into the nested VM, where SANDBOX_CPU=kvm runs it on KVM.
set -u
: "${BUILD:=build}" "${GAMUT:=$PWD/$BUILD/gamut}"
[ -x "$GAMUT" ] || { echo "FAIL: no gamut binary at $GAMUT"; exit 1; }
skip() { echo "$*"; exit 77; }
T=$(mktemp -d)
pids=""
# Only the test's own shell cleans up: a subshell that ran this trap removed
# $T in the middle of a CI run (the Linux part then found no disk image).
main_pid=$BASHPID
trap '[ "$BASHPID" = "$main_pid" ] && { kill $pids 2>/dev/null; rm -rf "$T"; }' EXIT
GUESTS=$BUILD/guests/boot
PV_EX=$BUILD/pv-examples
[ -f "$GUESTS/pvh_entry.elf" ] || skip "no $GUESTS/pvh_entry.elf (make test-guests)"
CPU=${SANDBOX_CPU:-emu}
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok   $*"; }

truncate -s 1M "$T/disk.img"
guest=(--cpu "$CPU" --kernel "$GUESTS/pvh_entry.elf" --initrd "$GUESTS/initrd.img"
       --cmdline pvh-test-cmdline --mem 64)

# Starts gamut held for gdb; sets pid.  Extra options in "$@".
start_held() {
	local port
	port=$((20000 + RANDOM % 20000))
	"$GAMUT" run "${guest[@]}" --console none --disk "$T/disk.img" \
		--gdb "$port" "$@" </dev/null >"$T/held.log" 2>&1 &
	pid=$!
	pids="$pids $pid"
}

# threads_show FIELD VALUE N: waits (10 s) until the process has N threads
# and each one's /proc status line FIELD reads VALUE; prints what it saw.
threads_show() {
	local field=$1 want=$2 n=$3 i f got all
	for i in $(seq 1 100); do
		all=1 got=""
		set -- /proc/"$pid"/task/*/status
		[ $# -ge "$n" ] || all=0
		for f in "$@"; do
			v=$(awk -v k="$field:" '$1 == k { print $2 }' "$f" 2>/dev/null)
			got="$got $v"
			[ "$v" = "$want" ] || all=0
		done
		[ $all = 1 ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "$got"
	[ $all = 1 ]
}

stop() {
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# 1. Every thread, every role: Seccomp 2, CapEff 0.
start_held
if got=$(threads_show Seccomp 2 4); then
	ok "Seccomp: 2 in all 4 threads (event loop, vCPU, I/O, gdb)"
else
	bad "Seccomp per thread:$got (want 2 in 4 threads); log: $(tail -3 "$T/held.log")"
fi
if got=$(threads_show CapEff 0000000000000000 4); then
	ok "CapEff: 0 in every thread"
else
	bad "CapEff per thread:$got"
fi
if [ "$(id -u)" -eq 0 ]; then
	got=$(awk '$1 == "CapBnd:" { print $2 }' /proc/"$pid"/status)
	[ "$got" = 0000000000000000 ] && ok "CapBnd: 0" || bad "CapBnd: $got"
fi
stop

# 2. The test-only hook: the debug-exit device calls getppid().
out=$(GAMUT_TEST_SECCOMP_HOOK=1 timeout 120 "$GAMUT" run "${guest[@]}" 2>&1)
rc=$?
line="gamut: seccomp: vcpu thread made a forbidden system call getppid (nr 110)"
if [ $rc -eq 159 ] && grep -qxF "$line" <<<"$out"; then
	ok "a forbidden call ends gamut (status 159): $line"
else
	bad "the hook: status $rc (want 159), output: $(tail -3 <<<"$out")"
fi
# The same guest without the hook: its PASS through the debug-exit port.
out=$(timeout 120 "$GAMUT" run "${guest[@]}" 2>&1)
rc=$?
[ $rc -eq 85 ] && ok "the guest passes under the filter (85)" ||
	bad "no hook: status $rc (want 85): $(tail -3 <<<"$out")"

# 3. --seccomp=log: the call goes through (the kernel logs it).
out=$(GAMUT_TEST_SECCOMP_HOOK=1 timeout 120 "$GAMUT" run "${guest[@]}" --seccomp=log 2>&1)
rc=$?
[ $rc -eq 85 ] && ok "--seccomp=log: the forbidden call passes (85)" ||
	bad "--seccomp=log: status $rc (want 85): $(tail -3 <<<"$out")"

# 4. --seccomp=off: no filter anywhere, capabilities still gone.
start_held --seccomp=off
if got=$(threads_show Seccomp 0 4); then
	ok "--seccomp=off: Seccomp: 0 in all 4 threads"
else
	bad "--seccomp=off: Seccomp per thread:$got"
fi
threads_show CapEff 0000000000000000 4 >/dev/null && ok "--seccomp=off: CapEff: 0" ||
	bad "--seccomp=off: capabilities kept"
stop
out=$("$GAMUT" run "${guest[@]}" --seccomp=maybe 2>&1)
grep -q "^gamut: --seccomp=maybe: expected kill, log or off" <<<"$out" &&
	ok "--seccomp=maybe refused" || bad "--seccomp=maybe: $out"

# 5. --user: the VM runs as nobody, every thread.
out=$("$GAMUT" run "${guest[@]}" --user 4294967295:0 2>&1)
grep -q "^gamut: --user 4294967295:0: user id 4294967295 is not a valid id" <<<"$out" &&
	ok "--user 4294967295 refused" || bad "--user 4294967295: $out"
if [ "$(id -u)" -eq 0 ] && nobody=$(id -u nobody 2>/dev/null); then
	out=$(timeout 120 "$GAMUT" run "${guest[@]}" --user nobody 2>&1)
	rc=$?
	[ $rc -eq 85 ] && ok "--user nobody: the guest passes (85)" ||
		bad "--user nobody: status $rc: $(tail -3 <<<"$out")"
	start_held --user nobody
	threads_show Seccomp 2 4 >/dev/null || bad "--user nobody: not every thread filtered"
	if got=$(threads_show Uid "$nobody" 4); then
		ok "--user nobody: uid $nobody in all 4 threads"
	else
		bad "--user nobody: real uids:$got"
	fi
	threads_show CapEff 0000000000000000 4 >/dev/null && ok "--user nobody: CapEff: 0" ||
		bad "--user nobody: capabilities kept"
	stop
	# Started as nobody, no option: nothing to drop, it just works.
	if command -v runuser >/dev/null && runuser -u nobody -- test -r "$GUESTS/pvh_entry.elf"; then
		out=$(timeout 120 runuser -u nobody -- "$GAMUT" run "${guest[@]}" 2>&1)
		rc=$?
		[ $rc -eq 85 ] && ok "started as nobody: the guest passes (85)" ||
			bad "started as nobody: status $rc: $(tail -3 <<<"$out")"
	fi
else
	echo "skip --user nobody: needs root and a user named nobody"
fi

# 6. A PV guest at work: user-mode networking, host port forwarding.
if [ -f "$PV_EX/httpd.pv" ] && command -v curl >/dev/null; then
	hport=$((20000 + RANDOM % 20000))
	"$GAMUT" run --mode pv --cpu "$CPU" --kernel "$PV_EX/httpd.pv" --cmdline 10.0.2.15 \
		--net "lan=user,hostfwd=tcp::$hport-:80" </dev/null >"$T/pv.log" 2>&1 &
	pid=$!
	pids="$pids $pid"
	for i in $(seq 1 300); do
		grep -q "httpd: listening" "$T/pv.log" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	page=$(curl -sS -m 30 "http://127.0.0.1:$hport/" 2>&1)
	grep -q "Hello from a gamut PV guest" <<<"$page" && ok "PV httpd serves through slirp" ||
		bad "PV httpd: $page; log: $(tail -3 "$T/pv.log")"
	got=$(threads_show Seccomp 2 2) && ok "PV httpd: Seccomp: 2 in both threads" ||
		bad "PV httpd: Seccomp per thread:$got"
	curl -sS -m 30 "http://127.0.0.1:$hport/quit" >/dev/null 2>&1
	(trap - EXIT; sleep 20; kill "$pid" 2>/dev/null) & # a guest that ignores /quit
	watchdog=$!
	wait "$pid" 2>/dev/null
	rc=$?
	kill "$watchdog" 2>/dev/null
	[ $rc -eq 0 ] && ok "PV httpd quit cleanly under the filter" ||
		bad "PV httpd: status $rc: $(tail -3 "$T/pv.log")"
else
	echo "skip PV httpd: needs $PV_EX/httpd.pv and curl"
fi

# 7. The kit's Linux: virtio-blk, virtio-rng, --net user with a DNS query
# (libslirp then reads /etc/resolv.conf: docs/sandbox.md) and a ping.
KIT=${GAMUT_KIT:-$BUILD/kit}
if [ -f "$KIT/vmlinux" ]; then
	cmd='echo sandboxed | dd of=/dev/vda conv=fsync 2>/dev/null; echo disk=$(head -c 9 /dev/vda)'
	cmd="$cmd; echo rng=\$(head -c 8 /dev/hwrng | wc -c); ip link set eth0 up"
	cmd="$cmd; udhcpc -i eth0 -n -q -t 5 -T 3 >/dev/null 2>&1; echo dhcp=\$?"
	cmd="$cmd; nslookup localhost 10.0.2.3 >/dev/null 2>&1; echo dns-asked"
	cmd="$cmd; ping -c 1 -W 5 10.0.2.2 >/dev/null && echo ping=ok"
	out=$(timeout 300 "$GAMUT" run --cpu "$CPU" --kernel "$KIT/vmlinux" \
		--initrd "$KIT/initramfs.cpio.gz" --disk "$T/disk.img" --net user \
		--cmdline "console=ttyS0 reboot=k panic=-1 quiet gamut.cmd=\"$cmd\"" </dev/null 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && grep -q "^disk=sandboxed" <<<"$out" && grep -q "^rng=8" <<<"$out" &&
	   grep -q "^dhcp=0" <<<"$out" && grep -q "^dns-asked" <<<"$out" && grep -q "^ping=ok" <<<"$out"; then
		ok "Linux: disk, rng, DHCP, DNS and ping through slirp under the filters"
	else
		bad "Linux: status $rc: $(grep -aE "seccomp|^disk=|^rng=|^dhcp=|^dns|^ping" <<<"$out" | tr '\n' ' ') / last lines: $(tail -n 4 <<<"$out" | tr '\n' ' ')"
	fi
else
	echo "skip Linux: no guest kit in $KIT (make guest-kit)"
fi

[ $fails -eq 0 ] || exit 1
