#!/usr/bin/env bash
# podman drives gamut-oci as its OCI runtime (through conmon) on an image
# imported from a busybox rootfs tarball: output and exit codes, -e, -w,
# --user, --read-only, -v, --memory with an OOM kill podman reports,
# --pids-limit, exec, kill, stop, ps, -it on a real pty, --network none.
. "$(dirname "$0")/oci_lib.sh"
need_root
command -v podman >/dev/null || skip "podman is not installed (scripts/install-deps.sh)"
command -v script >/dev/null || skip "script(1) is not installed"

# Podman's default ulimits exceed this host's hard limits: use our own
# containers.conf, never /etc's.  No container network unless asked (the
# tests need none, and a CNI bridge would change the host).
cat >"$T/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024","nproc=1024:1024"]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
export CONTAINERS_CONF=$T/containers.conf
P=(podman --root "$T/storage" --runroot "$T/run" --storage-driver vfs
   --tmpdir "$T/tmp" --runtime "$OCI")
pm() { "${P[@]}" "$@"; }
podman_cleanup() {
	pm rm -a -f -t 0 >/dev/null 2>&1
	cleanup
}
trap podman_cleanup EXIT

make_rootfs "$T/rootfs"
tar -C "$T/rootfs" -cf "$T/rootfs.tar" . || fail "tar rootfs"
pm import "$T/rootfs.tar" gamut-busybox >/dev/null 2>&1 || skip "podman import failed here"
I=gamut-busybox

check "run --rm output" hello "$(pm run --rm $I echo hello)"
pm run --rm $I sh -c 'exit 42'
check "exit code passed through" 42 $?
pm run --rm $I no-such-command 2>/dev/null
check "missing command gives 127" 127 $?
check "-e" bar "$(pm run --rm -e FOO=bar $I sh -c 'echo $FOO')"
check "-w" /tmp "$(pm run --rm -w /tmp $I pwd)"
check "--user" "1000:1001" "$(pm run --rm --user 1000:1001 $I sh -c 'echo $(id -u):$(id -g)')"
check "--read-only" ro "$(pm run --rm --read-only $I sh -c 'touch /x 2>/dev/null && echo rw || echo ro')"
mkdir -p "$T/vol" && echo volume-data >"$T/vol/f"
check "-v bind mount" volume-data "$(pm run --rm -v "$T/vol:/data" $I cat /data/f)"
pm run --rm -v "$T/vol:/data" $I sh -c 'echo written >/data/g'
check "-v writes reach the host" written "$(cat "$T/vol/g")"
check "--network none" lo "$(pm run --rm --network none $I ls /sys/class/net)"
check "--network host" "$(ls /sys/class/net | sort | tr '\n' ' ')" \
	"$(pm run --rm --network host $I ls /sys/class/net | sort | tr '\n' ' ')"
check "--pids-limit" 7 "$(pm run --rm --pids-limit 7 $I cat /sys/fs/cgroup/pids/pids.max)"
out=$(pm run --rm --pids-limit 5 $I sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 5 & done 2>&1; wait' 2>&1)
check_has "--pids-limit stops forks" "can't fork" "$out"

# --memory: the process is OOM-killed (137) and podman records it.  conmon
# 2.1 on cgroup v1 writes its "oom" marker into its working directory, which
# podman then looks for in the container's directory: start from there.
pm create --name "$PFX-oom" --memory 16m $I sh -c 'dd if=/dev/zero of=/dev/null bs=100M count=1' >/dev/null
dir=$(pm inspect --format '{{.StaticDir}}' "$PFX-oom")
(cd "$dir" && "${P[@]}" start -a "$PFX-oom") >/dev/null 2>&1
check "--memory: OOM kill exit code" 137 "$(pm inspect --format '{{.State.ExitCode}}' "$PFX-oom")"
check "--memory: podman reports OOMKilled" true "$(pm inspect --format '{{.State.OOMKilled}}' "$PFX-oom")"
pm rm -f "$PFX-oom" >/dev/null

# a detached container: ps, exec, kill, stop
pm run -d --name "$PFX-bg" $I sh -c 'trap "exit 0" USR1; while :; do sleep 0.2; done' >/dev/null
check "ps shows it running" "$PFX-bg Up" "$(pm ps --format '{{.Names}} {{.Status}}' | grep "$PFX-bg" | cut -d' ' -f1,2)"
check "exec output" in-exec "$(pm exec "$PFX-bg" echo in-exec)"
pm exec "$PFX-bg" sh -c 'exit 5'
check "exec exit code" 5 $?
check "exec -e -w" "x /tmp" "$(pm exec -e V=x -w /tmp "$PFX-bg" sh -c 'echo $V $(pwd)')"
pm pause "$PFX-bg" >/dev/null
check "pause" paused "$(pm inspect --format '{{.State.Status}}' "$PFX-bg")"
pm unpause "$PFX-bg" >/dev/null
check "unpause" running "$(pm inspect --format '{{.State.Status}}' "$PFX-bg")"
pm kill -s USR1 "$PFX-bg" >/dev/null
pm wait "$PFX-bg" >/dev/null
check "kill -s USR1 reached the process" 0 "$(pm inspect --format '{{.State.ExitCode}}' "$PFX-bg")"
pm rm "$PFX-bg" >/dev/null
pm run -d --name "$PFX-st" $I sleep 1000 >/dev/null
pm stop -t 1 "$PFX-st" >/dev/null 2>&1
check "stop" exited "$(pm inspect --format '{{.State.Status}}' "$PFX-st")"
pm rm "$PFX-st" >/dev/null

# -it with a real pseudo-terminal (script(1) provides one)
out=$(timeout 60 script -qec "${P[*]} run -it --rm $I sh -c '[ -t 0 ] && [ -t 1 ] && echo on-a-tty; exit 3'" /dev/null </dev/null)
check "-it exit code" 3 $?
check_has "-it has a terminal" on-a-tty "$out"
pm run -d --name "$PFX-it" $I sleep 1000 >/dev/null
out=$(timeout 60 script -qec "${P[*]} exec -it $PFX-it sh -c '[ -t 0 ] && echo exec-on-a-tty'" /dev/null </dev/null)
check_has "exec -it has a terminal" exec-on-a-tty "$out"
pm rm -f -t 0 "$PFX-it" >/dev/null

left=$(find /sys/fs/cgroup -maxdepth 3 -type d -name 'libpod-*' 2>/dev/null | while read -r d; do
	[ -n "$(cat "$d/cgroup.procs" 2>/dev/null)" ] && echo "$d"; done | wc -l)
check "no container processes left in libpod cgroups" 0 "$left"
finish
