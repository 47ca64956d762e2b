#!/usr/bin/env bash
# gamut run --jail DIR: the Linux kit boots with the VMM jailed, and from the
# host the VMM is seen to hold only its own files, its own namespaces and a
# cgroup with limits; nothing is left behind (docs/jail.md).
set -u
. tests/lib/common.sh
. tests/lib/guest.sh
need_root "namespaces, mounts and a cgroup"
unshare -m -p -f true 2>/dev/null || skip "cannot create mount and PID namespaces here"
kit_require
backends_require
cpu=${BACKENDS[0]}
J=$T/jail
truncate -s 4M "$T/disk.img"
truncate -s 4M "$T/ro.img"

# ---- a VM with two disks and no network, jailed ----
guest_start jail "$cpu" "$KIT_VMLINUX" 'echo jail-ready; sleep 6; echo jail-done' \
	--disk "$T/disk.img" --disk "$T/ro.img,ro" --mem 128 --jail "$J"
guest_wait_for jail '^jail-ready'
sup=$GUEST_PID
pid=$(pgrep -P "$sup" | head -1)
[ -n "$pid" ] || guest_fail jail "no jailed process under the supervisor $sup"

files=$(cd "/proc/$pid/root" && find . -path ./proc -prune -o \( -type f -o -type c \) -print | sort | tr '\n' ' ')
want=$(printf '%s\n' "./dev/null" "./dev/urandom" "./dev/zero" ".$KIT_VMLINUX" ".$KIT_INITRD" \
	".$T/disk.img" ".$T/ro.img" ".$T/jail.console" | sort | tr '\n' ' ')
[ "$files" = "$want" ] || fail "the jailed VMM sees [$files], expected only [$want]"
echo "ok: the VMM's root holds only its files: $files"
# mounted_as PATH ro|rw: by the mount point (field 5) and its options (6);
# the root (4) is relative to the file system's own root, which is not /
# where /tmp is a tmpfs.
mounted_as() {
	awk -v m="$1" -v o="$2" '$5 == m && ($6 == o || index($6, o ",") == 1) { f = 1 } END { exit !f }' \
		"/proc/$pid/mountinfo"
}
mounted_as "$T/ro.img" ro || fail "the ro disk is not a read-only mount"
mounted_as "$T/disk.img" rw || fail "the rw disk is not writable"
grep -q " / / ro," "/proc/$pid/mountinfo" || fail "the jail's root is not read-only"
grep -q " / /proc ro," "/proc/$pid/mountinfo" || fail "the jail's /proc is not read-only"
echo "ok: ro disk, rw disk and root mounted as asked"
[ "$(grep NSpid "/proc/$pid/status" | awk '{print $NF}')" = 1 ] || fail "the jailed VMM is not PID 1 of its own namespace"
for ns in mnt pid ipc uts net; do
	[ "$(readlink "/proc/$pid/ns/$ns")" != "$(readlink /proc/self/ns/$ns)" ] ||
		fail "the jailed VMM shares the host's $ns namespace"
done
echo "ok: own mount, PID, IPC, UTS and network namespaces"
[ "$(nsenter -t "$pid" -u hostname)" = gamut-jail ] || fail "hostname in the jail"
# The cgroup: memory limit = 128 MiB of guest RAM + 256 MiB, CPU quota 2 cores.
cg=$(sed -n 's/^[0-9]*:\(memory\|\):\(.*\)$/\2/p' "/proc/$pid/cgroup" | head -1)
case $cg in /gamut-jail/*) ;; *) fail "not in a gamut-jail cgroup: $(cat "/proc/$pid/cgroup")" ;; esac
if [ -f "/sys/fs/cgroup/memory$cg/memory.limit_in_bytes" ]; then
	mem=$(cat "/sys/fs/cgroup/memory$cg/memory.limit_in_bytes")
	quota=$(cat "/sys/fs/cgroup/cpu,cpuacct$cg/cpu.cfs_quota_us" 2>/dev/null || cat "/sys/fs/cgroup/cpu$cg/cpu.cfs_quota_us")
else
	mem=$(cat "/sys/fs/cgroup$cg/memory.max")
	quota=$(cut -d' ' -f1 "/sys/fs/cgroup$cg/cpu.max")
fi
[ "$mem" = $(((128 + 256) << 20)) ] || fail "memory limit $mem, expected $(((128 + 256) << 20))"
[ "$quota" = 200000 ] || fail "CPU quota $quota, expected 200000 (2 cores)"
echo "ok: cgroup $cg: memory $mem bytes, CPU quota $quota us per 100 ms"
# The sandbox holds inside the jail too: every thread filtered, no capability.
for st in /proc/$pid/task/*/status; do
	grep -q '^Seccomp:[[:space:]]*2$' "$st" || fail "a jailed thread without its seccomp filter: $st"
	grep -q '^CapEff:[[:space:]]*0000000000000000$' "$st" || fail "a jailed thread keeps capabilities: $st"
done
echo "ok: every jailed thread: Seccomp 2, CapEff 0"
[ -z "$(ls -A "$J")" ] || fail "the jail wrote into $J on the host: $(ls -A "$J")"
guest_wait_exit jail
guest_ok jail
guest_expect jail '^jail-done' "the guest did not finish"
grep -q "$J" /proc/self/mountinfo && fail "a jail mount is left on the host"
if [ -d "/sys/fs/cgroup/memory$cg" ] || [ -f "/sys/fs/cgroup$cg/cgroup.procs" ]; then fail "cgroup $cg left behind"; fi
echo "ok: the jailed VM powered off: exit 0, no mount or cgroup left"

# ---- errors: one line each ----
out=$("$GAMUT" run --cpu "$cpu" --kernel "$T/nope" --jail "$J" 2>&1); rc=$?
[ $rc -eq 1 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && [[ $out == *"$T/nope"* ]] ||
	fail "missing kernel under --jail: exit $rc, [$out]"
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	out=$(setpriv --reuid nobody --regid nogroup --clear-groups "$GAMUT" run --cpu "$cpu" \
		--kernel "$KIT_VMLINUX" --jail "$T/j2" 2>&1); rc=$?
	[ $rc -eq 1 ] && [[ $out == *"--jail needs root"* ]] || fail "--jail as nobody: exit $rc, [$out]"
fi
out=$("$GAMUT" run --cpu "$cpu" --kernel "$KIT_VMLINUX" --jail "$T/disk.img" 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == *"--jail $T/disk.img"* ]] || fail "--jail on a file: exit $rc, [$out]"
echo "ok: bad --jail uses give one line"
