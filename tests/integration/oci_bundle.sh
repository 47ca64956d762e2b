#!/usr/bin/env bash
# gamut-oci driven directly on OCI bundles (no podman): the runc command
# line, the container lifecycle and statuses, each config.json feature, and
# bad inputs (one clear error each, non-zero exit, nothing left behind).
. "$(dirname "$0")/oci_lib.sh"
need_root
command -v python3 >/dev/null || skip "needs python3 to edit config.json"

B=$T/b
make_bundle "$B"
M="marker-$PFX"

# ---- command line contract ----
v=$("$OCI" --version)
check_has "--version line 1 (go-runc)" "runc version 1." "$(echo "$v" | sed -n 1p)"
check_has "--version commit line" "commit: " "$(echo "$v" | sed -n 2p)"
check_has "--version spec line" "spec: 1." "$(echo "$v" | sed -n 3p)"
check "gamut oci --version = gamut-oci --version" "$v" "$("$GAMUT" oci --version)"
check "features is JSON" "1.1.0" "$("$OCI" features | json_get ociVersionMax)"
out=$("$OCI" --systemd-cgroup list 2>&1); rc=$?
check "--systemd-cgroup refused" 1 "$rc"
check_has "--systemd-cgroup message" "not supported" "$out"
"$OCI" --root "$ROOT" --log "$T/log.json" --log-format json state "$PFX-nope" 2>/dev/null
check "--log-format json record" "error" "$(json_get level <"$T/log.json")"
check_has "--log-format json msg" "does not exist" "$(json_get msg <"$T/log.json")"

# ---- run: output and exit status ----
set_args "$B" sh -c 'echo hello; exit 7' "$M"
out=$(oci run -b "$B" "$PFX-run"); rc=$?
check "run output" hello "$out"
check "run exit code" 7 "$rc"
check_no_leaks "run"

# ---- lifecycle and statuses ----
set_args "$B" sh -c 'sleep 1000' "$M"
oci create -b "$B" --pid-file "$T/pid" "$PFX-lc" </dev/null >/dev/null 2>&1
check "create exit" 0 $?
st=$(oci state "$PFX-lc")
check "state after create" created "$(echo "$st" | json_get status)"
check "pid file = state pid" "$(cat "$T/pid")" "$(echo "$st" | json_get pid)"
out=$(oci start "$PFX-lc" 2>&1); rc=$?
check "start of created container" 0 $rc
check "state after start" running "$(oci state "$PFX-lc" | json_get status)"
out=$(oci start "$PFX-lc" 2>&1); rc=$?
check "start of a running container fails" 1 $rc
check_has "start of running: message" "not created" "$out"
check "start of running: one error line" 1 "$(echo "$out" | wc -l)"
check "ps --format json" "[$(cat "$T/pid")]" "$(oci ps --format json "$PFX-lc")"
out=$(oci exec "$PFX-lc" sh -c 'echo in-exec $$; exit 3'); rc=$?
check "exec output (pid namespace)" "in-exec 2" "$out"
check "exec exit code" 3 $rc
oci exec --detach --pid-file "$T/xpid" "$PFX-lc" sh -c 'sleep 999' "$M"
check "exec --detach pid in container cgroup" yes \
	"$(oci ps --format json "$PFX-lc" | grep -q "$(cat "$T/xpid")" && echo yes)"
echo '{"args":["sh","-c","echo from-process-json"],"cwd":"/","env":["A=1"]}' >"$T/proc.json"
check "exec --process" from-process-json "$(oci exec --process "$T/proc.json" "$PFX-lc")"
oci pause "$PFX-lc"
check "state after pause" paused "$(oci state "$PFX-lc" | json_get status)"
out=$(oci delete "$PFX-lc" 2>&1); rc=$?
check "delete of paused without --force fails" 1 $rc
oci resume "$PFX-lc"
check "state after resume" running "$(oci state "$PFX-lc" | json_get status)"
check_has "list" "$PFX-lc" "$(oci list)"
check "list --format json" "$PFX-lc" "$(oci list --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')"
echo '{"memory":{"limit":67108864}}' >"$T/res.json"
oci update --resources "$T/res.json" "$PFX-lc"
mem=$(cat /sys/fs/cgroup/memory/gamut-oci/$PFX-lc/memory.limit_in_bytes 2>/dev/null || echo unknown)
[ -d /sys/fs/cgroup/memory ] && check "update --resources memory" 67108864 "$mem"
oci update --memory 48m --pids-limit 33 "$PFX-lc"
[ -d /sys/fs/cgroup/pids ] && check "update --pids-limit" 33 \
	"$(cat /sys/fs/cgroup/pids/gamut-oci/$PFX-lc/pids.max)"
[ -d /sys/fs/cgroup/memory ] && check "update --memory 48m" 50331648 \
	"$(cat /sys/fs/cgroup/memory/gamut-oci/$PFX-lc/memory.limit_in_bytes)"
oci kill --all "$PFX-lc" KILL
check "state after kill" stopped "$(wait_status "$PFX-lc" stopped)"
out=$(oci kill "$PFX-lc" TERM 2>&1)
check "kill of stopped fails" 1 $?
oci delete "$PFX-lc"
check "delete" 0 $?
check_no_leaks "lifecycle"

# delete --force of a running container; named and numeric signals
oci create -b "$B" "$PFX-f" </dev/null >/dev/null 2>&1 && oci start "$PFX-f"
oci kill "$PFX-f" 0 2>/dev/null; check "kill signal 0 refused" 1 $?
oci kill "$PFX-f" SIGCONT; check "kill SIGCONT" 0 $?
oci kill "$PFX-f" 18; check "kill 18" 0 $?
oci delete --force "$PFX-f"; check "delete --force running" 0 $?
check_no_leaks "delete --force"

# ---- config.json features, each checked from inside the container ----
feature() { # feature NAME EXPECTED PYTHON-EDIT SHELL-COMMAND
	make_bundle "$T/f"
	edit_config "$T/f" "$3"
	set_args "$T/f" sh -c "$4" "$M"
	out=$(oci run -b "$T/f" "$PFX-feat" 2>&1)
	check "feature $1" "$2" "$out"
}
feature hostname box 'c["hostname"]="box"' 'hostname'
feature domainname dom 'c["domainname"]="dom"' 'cat /proc/sys/kernel/domainname'
feature env "v1" 'c["process"]["env"].append("MYVAR=v1")' 'echo $MYVAR'
feature cwd /tmp 'c["process"]["cwd"]="/tmp"' 'pwd'
feature user "1000 1001 1001 2000" \
	'c["process"]["user"]={"uid":1000,"gid":1001,"additionalGids":[2000]}' \
	'echo $(id -u) $(id -g) $(id -G)'
feature rlimit 77 \
	'c["process"]["rlimits"]=[{"type":"RLIMIT_NOFILE","hard":77,"soft":77}]' 'ulimit -n'
feature capabilities "0000000000000020" \
	'c["process"]["capabilities"]={k:["CAP_KILL"] for k in ("bounding","effective","permitted")}' \
	'grep CapEff /proc/self/status | cut -f2'
feature noNewPrivileges 1 'c["process"]["noNewPrivileges"]=True' \
	'grep NoNewPrivs /proc/self/status | cut -f2'
feature oomScoreAdj 123 'c["process"]["oomScoreAdj"]=123' 'cat /proc/self/oom_score_adj'
feature readonly-root "ro" 'c["root"]["readonly"]=True' 'touch /x 2>/dev/null && echo rw || echo ro'
echo bound >"$T/hostfile"
feature bind-mount "bound ro" \
	'c["mounts"].append({"destination":"/data/f","type":"bind","source":"'"$T"'/hostfile","options":["rbind","ro","rprivate"]})' \
	'echo $(cat /data/f) $(echo x 2>/dev/null >/data/f && echo rw || echo ro)'
feature tmpfs-mount "tmpfs" \
	'c["mounts"].append({"destination":"/scratch","type":"tmpfs","source":"tmpfs","options":["size=1m","mode=1777"]})' \
	'grep " /scratch " /proc/mounts | cut -d" " -f3'
feature masked-path "0" 'c["linux"]["maskedPaths"].append("/etc/passwd")' 'wc -c </etc/passwd'
feature readonly-path "ro" 'c["linux"]["readonlyPaths"].append("/data")' \
	'touch /data/x 2>/dev/null && echo rw || echo ro'
feature sysctl 1 'c["linux"]["sysctl"]={"kernel.shm_rmid_forced":"1"}' 'cat /proc/sys/kernel/shm_rmid_forced'
feature device "c 1 3" \
	'c["linux"]["devices"]=[{"path":"/dev/mynull","type":"c","major":1,"minor":3,"fileMode":438}]' \
	'stat -c "%F" /dev/mynull | cut -c1 | tr -d "\n"; echo " $(stat -c "%t %T" /dev/mynull | sed "s/^/ /" | tr -s " " | sed "s/^ //")"'
feature default-devices "null zero full random urandom tty" '' \
	'for d in null zero full random urandom tty; do [ -c /dev/$d ] && printf "%s " $d; done | sed "s/ $//"'
feature memory-limit 33554432 'c["linux"]["resources"]["memory"]={"limit":33554432}' \
	'cat /sys/fs/cgroup/memory/memory.limit_in_bytes'
feature pids-limit 9 'c["linux"]["resources"]["pids"]={"limit":9}' 'cat /sys/fs/cgroup/pids/pids.max'
feature cpu-shares 512 'c["linux"]["resources"]["cpu"]={"shares":512}' 'cat /sys/fs/cgroup/cpu/cpu.shares'
feature seccomp "mkdir: can't create directory '/tmp/d': Operation not permitted" \
	'c["linux"]["seccomp"]={"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}' \
	'mkdir /tmp/d'
feature pid-namespace 1 '' 'echo $$'
feature net-namespace lo '' 'ls /sys/class/net'
feature cgroup-namespace "0::/" '' 'tail -1 /proc/self/cgroup'
feature user-namespace "0 1000 65536" \
	'c["linux"]["namespaces"].append({"type":"user"}); c["linux"]["uidMappings"]=[{"containerID":0,"hostID":1000,"size":65536}]; c["linux"]["gidMappings"]=[{"containerID":0,"hostID":1000,"size":65536}]; c["mounts"]=[m for m in c["mounts"] if m["destination"] not in ("/sys","/sys/fs/cgroup")]' \
	'head -1 /proc/self/uid_map | tr -s " " | sed "s/^ //"'
feature time-namespace differs 'c["linux"]["namespaces"].append({"type":"time"})' \
	'[ "$(readlink /proc/self/ns/time)" != "'"$(readlink /proc/self/ns/time)"'" ] && echo differs'
# joining an existing namespace by path
make_bundle "$T/j"; set_args "$T/j" sh -c 'sleep 1000' "$M"
oci create -b "$T/j" "$PFX-j" </dev/null >/dev/null 2>&1 && oci start "$PFX-j"
jpid=$(oci state "$PFX-j" | json_get pid)
feature namespace-path "$(readlink /proc/$jpid/ns/net)" \
	'[n.update(path="/proc/'"$jpid"'/ns/net") for n in c["linux"]["namespaces"] if n["type"]=="network"]' \
	'readlink /proc/self/ns/net'
oci delete --force "$PFX-j"
# --no-pivot (chroot into a moved rootfs) and exec into a user namespace
make_bundle "$T/np"; set_args "$T/np" sh -c 'ls /bin/busybox' "$M"
check "run --no-pivot" /bin/busybox "$(oci run --no-pivot -b "$T/np" "$PFX-np" 2>&1)"
make_bundle "$T/u"; set_args "$T/u" sh -c 'sleep 1000' "$M"
edit_config "$T/u" 'c["linux"]["namespaces"].append({"type":"user"}); c["linux"]["uidMappings"]=[{"containerID":0,"hostID":100000,"size":65536}]; c["linux"]["gidMappings"]=[{"containerID":0,"hostID":100000,"size":65536}]; c["mounts"]=[m for m in c["mounts"] if m["destination"] not in ("/sys","/sys/fs/cgroup")]'
oci create -b "$T/u" "$PFX-u" </dev/null >/dev/null 2>&1 && oci start "$PFX-u"
check "exec into a user namespace" "0 100000 65536" \
	"$(oci exec "$PFX-u" sh -c 'head -1 /proc/self/uid_map | tr -s " " | sed "s/^ //"')"
oci delete --force "$PFX-u"
# annotations appear in the state
make_bundle "$T/a"; edit_config "$T/a" 'c["annotations"]={"org.example.k":"v"}'
oci create -b "$T/a" "$PFX-a" </dev/null >/dev/null 2>&1
check "annotations in state" v "$(oci state "$PFX-a" | python3 -c 'import json,sys; print(json.load(sys.stdin)["annotations"]["org.example.k"])')"
oci delete --force "$PFX-a"
check_no_leaks "features"

# ---- hooks: all six kinds, with the state on stdin ----
make_bundle "$T/h"; set_args "$T/h" sh -c 'sleep 1000' "$M"
cat >"$T/hook.sh" <<HOOK
#!/bin/sh
cat >"$T/hook-\$1"
HOOK
chmod +x "$T/hook.sh"
mkdir -p "$T/hookdir"
# startContainer runs inside the container: its path resolves there, and it
# reports through a bind mount.
edit_config "$T/h" 'c["hooks"]={k:[{"path":"'"$T"'/hook.sh","args":["hook.sh",k]}] for k in ("prestart","createRuntime","createContainer","poststart","poststop")}; c["hooks"]["startContainer"]=[{"path":"/bin/sh","args":["sh","-c","cat >/hookdir/hook-startContainer"]}]; c["mounts"].append({"destination":"/hookdir","type":"bind","source":"'"$T"'/hookdir","options":["rbind"]})'
oci create -b "$T/h" "$PFX-h" </dev/null >/dev/null 2>&1
for k in prestart createRuntime createContainer; do
	check "hook $k ran at create with the id" "$PFX-h" "$(json_get id <"$T/hook-$k" 2>/dev/null)"
done
check "startContainer not yet run" no "$([ -e "$T/hookdir/hook-startContainer" ] && echo yes || echo no)"
oci start "$PFX-h"
wait_status "$PFX-h" running >/dev/null
check "hook startContainer ran at start" "$PFX-h" "$(json_get id <"$T/hookdir/hook-startContainer" 2>/dev/null)"
check "hook poststart saw the pid" "$(oci state "$PFX-h" | json_get pid)" "$(json_get pid <"$T/hook-poststart" 2>/dev/null)"
oci delete --force "$PFX-h"
check "hook poststop ran at delete" stopped "$(json_get status <"$T/hook-poststop" 2>/dev/null)"
check_no_leaks "hooks"

# ---- console socket (SCM_RIGHTS) and --preserve-fds ----
make_bundle "$T/c"; set_args "$T/c" sh -c '[ -t 0 ] && [ -t 1 ] && echo tty-ok' "$M"
edit_config "$T/c" 'c["process"]["terminal"]=True'
python3 - "$T/console.sock" >"$T/console.out" 2>&1 <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
msg, fds, flags, addr = socket.recv_fds(c, 1024, 1)
out = b""
while True:
    try:
        d = os.read(fds[0], 1024)
    except OSError:
        break
    if not d:
        break
    out += d
print(out.decode().strip())
PY
pypid=$!
for i in $(seq 50); do [ -S "$T/console.sock" ] && break; sleep 0.1; done
oci create -b "$T/c" --console-socket "$T/console.sock" "$PFX-c" </dev/null >/dev/null 2>&1
check "create with --console-socket" 0 $?
oci start "$PFX-c"
wait $pypid
check "pty master received over the console socket" tty-ok "$(cat "$T/console.out")"
oci delete --force "$PFX-c"
make_bundle "$T/p"; set_args "$T/p" sh -c 'echo via-fd3 >&3' "$M"
oci run -b "$T/p" --preserve-fds 1 "$PFX-p" 3>"$T/fd3.out"
check "--preserve-fds" via-fd3 "$(cat "$T/fd3.out")"
check_no_leaks "console"

# ---- bad inputs: one clear error, non-zero exit, nothing left behind ----
bad() { # bad NAME EXPECTED-SUBSTRING COMMAND...
	local name=$1 want=$2
	shift 2
	out=$("$@" 2>&1 </dev/null); rc=$?
	[ $rc -ne 0 ] && ok "$name: exit $rc" || fail "$name: exit 0"
	check_has "$name: message" "$want" "$out"
	check "$name: exactly one error line" 1 "$(echo "$out" | grep -c .)"
	check_no_leaks "$name"
}
make_bundle "$T/bad"; set_args "$T/bad" sh -c 'sleep 1000' "$M"
echo '{"ociVersion": "1.0.2", "root": {' >"$T/bad/config.json"
bad "truncated config.json" "truncated JSON" oci create -b "$T/bad" "$PFX-x"
echo '{"ociVersion": "1.0.2" "root": {}}' >"$T/bad/config.json"
bad "malformed config.json" "invalid JSON at byte" oci create -b "$T/bad" "$PFX-x"
make_bundle "$T/bad"; set_args "$T/bad" sh -c 'sleep 1000' "$M"
edit_config "$T/bad" 'c["linux"]["namespaces"].append({"type":"bogus"})'
bad "unknown namespace" 'unknown namespace type "bogus"' oci create -b "$T/bad" "$PFX-x"
make_bundle "$T/bad"; set_args "$T/bad" sh -c 'sleep 1000' "$M"
edit_config "$T/bad" 'c["root"]["path"]="no-such-rootfs"'
bad "missing rootfs" "no-such-rootfs: No such file or directory" oci create -b "$T/bad" "$PFX-x"
make_bundle "$T/bad"; set_args "$T/bad" no-such-command "$M"
bad "missing executable" "executable file not found" oci create -b "$T/bad" "$PFX-x"
make_bundle "$T/bad"; set_args "$T/bad" sh -c 'sleep 1000' "$M"
edit_config "$T/bad" 'c["hooks"]={"createRuntime":[{"path":"/bin/false"}]}'
bad "failing createRuntime hook" "createRuntime hook /bin/false: exited with status 1" \
	oci create -b "$T/bad" "$PFX-x"
edit_config "$T/bad" 'c["hooks"]={"prestart":[{"path":"/bin/sleep","args":["sleep","5"],"timeout":1}]}'
bad "hook timeout" "timed out after 1 s" oci create -b "$T/bad" "$PFX-x"
make_bundle "$T/bad"; set_args "$T/bad" sh -c 'sleep 1000' "$M"
bad "start of a container that does not exist" "does not exist" oci start "$PFX-none"
bad "invalid id" "invalid container id" oci create -b "$T/bad" "../x"
oci create -b "$T/bad" "$PFX-dup" </dev/null >/dev/null 2>&1
out=$(oci create -b "$T/bad" "$PFX-dup" 2>&1 </dev/null); rc=$?
check "duplicate id refused" 1 $rc
check_has "duplicate id message" "already exists" "$out"
check "duplicate id: first container untouched" created "$(oci state "$PFX-dup" | json_get status)"
oci delete "$PFX-dup"
check "delete of a created container" 0 $?
check_no_leaks "duplicate id"
bad "bad signal" 'unknown signal "SIGFOO"' oci kill "$PFX-none" SIGFOO
finish
