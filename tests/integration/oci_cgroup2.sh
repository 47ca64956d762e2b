#!/usr/bin/env bash
# The cgroup v2 manager against the host's real v2 hierarchy: on a pure v2
# host it is the default; on a hybrid host GAMUT_OCI_CGROUP=v2 selects it
# (that hierarchy then has no resource controllers, so limits are checked
# only where the memory/pids controllers are available).
. "$(dirname "$0")/oci_lib.sh"
need_root
command -v python3 >/dev/null || skip "needs python3 to edit config.json"
V2=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
[ -n "$V2" ] || skip "no cgroup2 hierarchy mounted on this host"
export GAMUT_OCI_CGROUP=v2
M="marker-$PFX"

make_bundle "$T/b"
set_args "$T/b" sh -c 'grep " /sys/fs/cgroup " /proc/mounts | cut -d" " -f3; tail -1 /proc/self/cgroup; sleep 1000' "$M"
limits=no
if grep -qw memory "$V2/cgroup.controllers" && grep -qw pids "$V2/cgroup.controllers"; then
	limits=yes
	edit_config "$T/b" 'c["linux"]["resources"]["memory"]={"limit":33554432}; c["linux"]["resources"]["pids"]={"limit":17}'
fi
oci create -b "$T/b" "$PFX-v2" </dev/null >"$T/out" 2>&1
check "create" 0 $?
oci start "$PFX-v2"
pid=$(oci state "$PFX-v2" | json_get pid)
check "init is in the v2 cgroup" "$pid" "$(cat "$V2/gamut-oci/$PFX-v2/cgroup.procs" | head -1)"
for _ in $(seq 100); do [ "$(wc -l <"$T/out")" -ge 2 ] && break; sleep 0.1; done
check "the container sees cgroup2 at /sys/fs/cgroup" cgroup2 "$(sed -n 1p "$T/out")"
check "cgroup namespace rooted at its cgroup" "0::/" "$(sed -n 2p "$T/out")"
if [ $limits = yes ]; then
	check "memory.max" 33554432 "$(cat "$V2/gamut-oci/$PFX-v2/memory.max")"
	check "pids.max" 17 "$(cat "$V2/gamut-oci/$PFX-v2/pids.max")"
	echo '{"memory":{"limit":67108864}}' >"$T/res.json"
	oci update --resources "$T/res.json" "$PFX-v2"
	check "update memory.max" 67108864 "$(cat "$V2/gamut-oci/$PFX-v2/memory.max")"
fi
oci pause "$PFX-v2"
check "pause (cgroup.freeze)" paused "$(oci state "$PFX-v2" | json_get status)"
check "kernel reports frozen" "frozen 1" "$(grep frozen "$V2/gamut-oci/$PFX-v2/cgroup.events")"
oci resume "$PFX-v2"
check "resume" running "$(oci state "$PFX-v2" | json_get status)"
oci exec --detach "$PFX-v2" sh -c 'sleep 1000' "$M"
check "exec joins the v2 cgroup" 2 "$(oci ps --format json "$PFX-v2" | tr ',' '\n' | wc -l)"
oci kill --all "$PFX-v2" KILL
check "kill --all" stopped "$(wait_status "$PFX-v2" stopped)"
oci delete "$PFX-v2"
check "delete" 0 $?
check "v2 cgroup removed" no "$([ -d "$V2/gamut-oci/$PFX-v2" ] && echo yes || echo no)"
# a paused container is thawed and removed by delete --force
oci create -b "$T/b" "$PFX-v2b" </dev/null >/dev/null 2>&1 && oci start "$PFX-v2b" && oci pause "$PFX-v2b"
oci delete --force "$PFX-v2b"
check "delete --force of a paused container" 0 $?
check_no_leaks "cgroup v2"
finish
