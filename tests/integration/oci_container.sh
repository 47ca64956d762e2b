#!/usr/bin/env bash
# `gamut container run`: the front end for people without podman, as root
# (with --memory, --pids, --net) and rootless (an unprivileged user, mapped
# to root by a user namespace).
. "$(dirname "$0")/oci_lib.sh"
need_root
make_rootfs "$T/rootfs"
M="marker-$PFX"

out=$("$GAMUT" container run --rootfs "$T/rootfs" -- sh -c 'echo hello; exit 4' "$M"); rc=$?
check "output" hello "$out"
check "exit code" 4 $rc
check "--memory" 33554432 "$("$GAMUT" container run --rootfs "$T/rootfs" --memory 32m -- \
	cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"
check "--pids" 12 "$("$GAMUT" container run --rootfs "$T/rootfs" --pids 12 -- \
	cat /sys/fs/cgroup/pids/pids.max)"
check "--net none" lo "$("$GAMUT" container run --rootfs "$T/rootfs" --net none -- ls /sys/class/net)"
check "--net host" "$(ls /sys/class/net | sort | tr '\n' ' ')" \
	"$("$GAMUT" container run --rootfs "$T/rootfs" --net host -- ls /sys/class/net | sort | tr '\n' ' ')"
out=$("$GAMUT" container run --rootfs "$T/rootfs" --memory 16m -- \
	sh -c 'dd if=/dev/zero of=/dev/null bs=64M count=1' 2>&1); rc=$?
check "--memory enforced (OOM kill)" 137 $rc
out=$("$GAMUT" container run --rootfs "$T/nope" -- true 2>&1); rc=$?
check "missing rootfs fails" 1 $rc
check_has "missing rootfs message" "No such file or directory" "$out"
out=$("$GAMUT" container run --rootfs "$T/rootfs" --net bogus -- true 2>&1)
check_has "bad --net refused" "--net must be none or host" "$out"
# seccomp: podman's default profile unless asked otherwise
if [ -r /usr/share/containers/seccomp.json ]; then
	check "default seccomp profile" "Seccomp:	2" \
		"$("$GAMUT" container run --rootfs "$T/rootfs" -- grep Seccomp: /proc/self/status)"
else
	out=$("$GAMUT" container run --rootfs "$T/rootfs" -- true 2>&1)
	check_has "no default profile: says what to install" "containers-common" "$out"
fi
check "--seccomp unconfined" "Seccomp:	0" \
	"$("$GAMUT" container run --seccomp unconfined --rootfs "$T/rootfs" -- grep Seccomp: /proc/self/status)"
cat >"$T/profile.json" <<'EOF'
{"defaultAction":"SCMP_ACT_ALLOW","archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86"]}],
 "syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1},
	     {"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_ADMIN"]}}]}
EOF
out=$("$GAMUT" container run --seccomp "$T/profile.json" --rootfs "$T/rootfs" -- sh -c 'mkdir /tmp/d && echo made' 2>&1)
check_has "--seccomp PROFILE: a denied call fails with its errno" "Operation not permitted" "$out"
out=$("$GAMUT" container run --seccomp "$T/nope.json" --rootfs "$T/rootfs" -- true 2>&1); rc=$?
check "--seccomp missing file fails" 1 $rc
check_has "--seccomp missing file message" "nope.json" "$out"
check_no_leaks "rootful"

# rootless: an unprivileged user; the container sees itself as root through
# its user namespace's single-id mapping.
command -v setpriv >/dev/null || skip "setpriv(1) missing: rootless part not run"
user=nobody
uid=$(id -u $user 2>/dev/null) || skip "no user $user for the rootless run"
mkdir -p "$T/rl" && cp -a "$T/rootfs" "$T/rl/rootfs" && chown -R "$user" "$T/rl"
export XDG_RUNTIME_DIR=$T/rl/run
mkdir -p "$XDG_RUNTIME_DIR" && chown "$user" "$XDG_RUNTIME_DIR"
# The user may not reach the build (a checkout in root's 0700 home, as on
# a fresh machine): then it runs a copy of the binary.
rl_gamut=$GAMUT
if ! setpriv --reuid="$user" --regid="$(id -g $user)" --clear-groups test -x "$GAMUT"; then
	rl_gamut=$T/rl/gamut
	cp "$GAMUT" "$rl_gamut" && chmod 755 "$rl_gamut"
fi
rl() { setpriv --reuid="$user" --regid="$(id -g $user)" --clear-groups \
	env XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" "$rl_gamut" container run --rootfs "$T/rl/rootfs" "$@"; }
if ! setpriv --reuid="$user" --regid="$(id -g $user)" --clear-groups unshare -U true 2>/dev/null; then
	skip "unprivileged user namespaces are disabled on this host"
fi
out=$(rl -- sh -c 'echo $(id -u) $(id -g); head -1 /proc/self/uid_map | tr -s " " | sed "s/^ //"; echo $$; touch /tmp/w && echo writable'); rc=$?
check "rootless: runs" 0 $rc
check "rootless: root inside" "0 0" "$(echo "$out" | sed -n 1p)"
check "rootless: uid map to the user" "0 $uid 1" "$(echo "$out" | sed -n 2p)"
check "rootless: own pid namespace" 1 "$(echo "$out" | sed -n 3p)"
check "rootless: rootfs writable by its owner" writable "$(echo "$out" | sed -n 4p)"
check "rootless: files it creates belong to $user on the host" "$user" \
	"$(stat -c %U "$T/rl/rootfs/tmp/w")"
out=$(rl --memory 16m -- true 2>&1); rc=$?
check "rootless: --memory refused" 1 $rc
check_has "rootless: --memory message" "need root" "$out"
check "rootless: no state left" 0 "$(ls "$XDG_RUNTIME_DIR/gamut-oci" 2>/dev/null | wc -l)"
check_no_leaks "rootless"
finish
